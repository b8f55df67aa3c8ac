/* xenplace — results JSON and summary. */
#include "config.h"
#include "sim/error.h"
#include "sim/results.h"
#include "sim/util.h"

const char *
xp_vm_state_name (XpVmState s)
{
  static const char *names[] = { "queued", "building", "running", "failed", "stopped" };
  return s < G_N_ELEMENTS (names) ? names[s] : "?";
}

const char *
xp_affinity_name (XpAffinityKind k)
{
  static const char *names[] = { "none", "soft", "hard" };
  return k < G_N_ELEMENTS (names) ? names[k] : "?";
}

const char *
xp_claim_name (XpClaimKind k)
{
  static const char *names[] = { "toolstack", "none", "host", "node" };
  return k < G_N_ELEMENTS (names) ? names[k] : "?";
}

static void
add_nodemask (JsonBuilder *b, const char *name, XpNodemask m)
{
  guint n;
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  XP_NODEMASK_FOREACH (n, m)
    json_builder_add_int_value (b, n);
  json_builder_end_array (b);
}

static void
add_pages_array (JsonBuilder *b, const char *name, const XpPages *v, guint n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    json_builder_add_int_value (b, (gint64) v[i]);
  json_builder_end_array (b);
}

#define SET_INT(b, k, v) (json_builder_set_member_name (b, k), json_builder_add_int_value (b, (gint64) (v)))
#define SET_STR(b, k, v) (json_builder_set_member_name (b, k), (v) ? json_builder_add_string_value (b, v) : json_builder_add_null_value (b))
#define SET_BOOL(b, k, v) (json_builder_set_member_name (b, k), json_builder_add_boolean_value (b, v))
#define SET_DBL(b, k, v) (json_builder_set_member_name (b, k), json_builder_add_double_value (b, v))

JsonNode *
xp_results_to_json (const XpRun *run)
{
  const XpReplayConfig *cfg = &run->config;
  const XpTopology *t = cfg->topo;
  const XpMetrics *m = run->metrics;
  const XpRunSummary *s = &m->summary;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  SET_STR (b, "schema", XP_RESULTS_SCHEMA);
  SET_INT (b, "schema_version", XP_RESULTS_SCHEMA_VERSION);
  SET_STR (b, "generator", PACKAGE_STRING);

  json_builder_set_member_name (b, "run");
  json_builder_begin_object (b);
  SET_STR (b, "topology", cfg->topology_spec ? cfg->topology_spec : t->name);
  SET_STR (b, "topology_name", t->name);
  SET_STR (b, "trace", cfg->trace->path);
  SET_STR (b, "policy", cfg->policy_spec ? cfg->policy_spec : cfg->policy->name);
  SET_STR (b, "policy_name", cfg->policy->name);
  SET_STR (b, "toolstack", xp_toolstack_kind_name (cfg->toolstack.kind));
  if (cfg->toolstack.kind == XP_TOOLSTACK_XENOPSD)
    SET_STR (b, "xenopsd_generation", cfg->toolstack.generation == XP_XENOPSD_OLD ? "old" : "current");
  else
    SET_BOOL (b, "claim_mode", cfg->toolstack.claim_mode);
  SET_INT (b, "builders", cfg->toolstack.builders);
  SET_STR (b, "xen_version", cfg->xen_version);
  SET_STR (b, "node_claims", cfg->behaviour.node_claims == XP_NODE_CLAIMS_SINGLE ? "single" : "none");
  SET_INT (b, "seed", cfg->seed);
  SET_INT (b, "populate_bytes_per_sec", cfg->toolstack.populate_bytes_per_sec);
  SET_INT (b, "scrub_bytes_per_sec", cfg->xen.scrub_bytes_per_sec);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "host");
  json_builder_begin_object (b);
  SET_INT (b, "nodes", t->n_nodes);
  SET_INT (b, "cpus", t->n_cpus);
  json_builder_set_member_name (b, "node_memory_bytes");
  json_builder_begin_array (b);
  for (guint n = 0; n < t->n_nodes; n++)
    json_builder_add_int_value (b, (gint64) t->nodes[n].memory_bytes);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "node_cpus");
  json_builder_begin_array (b);
  for (guint n = 0; n < t->n_nodes; n++)
    json_builder_add_int_value (b, t->nodes[n].n_cpus);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "distances");
  json_builder_begin_array (b);
  for (guint i = 0; i < t->n_nodes; i++)
    {
      json_builder_begin_array (b);
      for (guint j = 0; j < t->n_nodes; j++)
        json_builder_add_int_value (b, xp_topology_distance (t, i, j));
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "summary");
  json_builder_begin_object (b);
  SET_INT (b, "vms", s->vms);
  SET_INT (b, "started", s->started);
  SET_INT (b, "failed", s->failed);
  SET_INT (b, "stopped", s->stopped);
  SET_INT (b, "spread", s->spread);
  SET_INT (b, "avoidable_spread", s->avoidable_spread);
  SET_DBL (b, "mean_locality", s->mean_locality);
  SET_DBL (b, "page_weighted_locality", s->page_weighted_locality);
  SET_DBL (b, "superpage_share", s->superpage_share);
  SET_INT (b, "latency_mean_ns", s->latency_mean);
  SET_INT (b, "latency_p50_ns", s->latency_p50);
  SET_INT (b, "latency_p95_ns", s->latency_p95);
  SET_INT (b, "latency_max_ns", s->latency_max);
  SET_INT (b, "makespan_ns", s->makespan);
  SET_INT (b, "events", s->events);
  SET_BOOL (b, "cpu_model", s->has_cpu);
  if (s->has_cpu)
    {
      SET_DBL (b, "mean_exec_locality", s->mean_exec_locality);
      SET_DBL (b, "runtime_weighted_exec_locality", s->runtime_weighted_exec_locality);
      SET_DBL (b, "mean_remote_factor", s->mean_remote_factor);
      SET_INT (b, "mean_wait_ns", s->mean_wait_ns);
      SET_INT (b, "node_migrations", s->node_migrations);
    }
  SET_INT (b, "end_ns", run->end_time);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "nodes");
  json_builder_begin_array (b);
  const XpSample *last = m->samples->len ? &g_array_index (m->samples, XpSample, m->samples->len - 1) : NULL;
  for (guint n = 0; n < t->n_nodes; n++)
    {
      guint homed = 0;
      for (guint i = 0; i < m->vms->len; i++)
        {
          const XpVmMetrics *v = &g_array_index (m->vms, XpVmMetrics, i);
          if (v->start_latency >= 0 && v->pages && v->home_node == n)
            homed++;
        }
      json_builder_begin_object (b);
      SET_INT (b, "node", n);
      SET_INT (b, "free_pages_end", last ? last->node_free[n] : 0);
      SET_INT (b, "min_free_pages", m->node_min_free[n]);
      SET_INT (b, "vms_homed", homed);
      if (m->node_utilisation_ppm)
        SET_INT (b, "cpu_utilisation_ppm", m->node_utilisation_ppm[n]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "vms");
  json_builder_begin_array (b);
  for (guint i = 0; i < m->vms->len; i++)
    {
      const XpVmMetrics *v = &g_array_index (m->vms, XpVmMetrics, i);
      json_builder_begin_object (b);
      SET_STR (b, "name", v->name);
      SET_INT (b, "vcpus", v->vcpus);
      SET_INT (b, "memory_mib", v->memory_mib);
      SET_STR (b, "state", xp_vm_state_name (v->state));
      SET_STR (b, "failure", v->failure);
      SET_INT (b, "domid", v->domid);
      SET_INT (b, "submit_ns", v->submit_time);
      SET_INT (b, "start_latency_ns", v->start_latency);
      SET_BOOL (b, "placed", v->decision_placed);
      add_nodemask (b, "plan_nodes", v->decision_nodes);
      add_nodemask (b, "affinity_nodes", v->affinity_nodes);
      SET_STR (b, "affinity", xp_affinity_name (v->affinity_kind));
      SET_STR (b, "claim", xp_claim_name (v->claim_made));
      add_pages_array (b, "node_pages", v->node_pages, t->n_nodes);
      SET_INT (b, "home_node", v->home_node);
      SET_DBL (b, "locality", v->locality);
      SET_INT (b, "numa_nodes", v->numa_nodes);
      SET_BOOL (b, "spread", v->spread);
      SET_BOOL (b, "avoidable_spread", v->avoidable_spread);
      SET_INT (b, "extents_1g", v->extents_1g);
      SET_INT (b, "extents_2m", v->extents_2m);
      SET_INT (b, "pages_4k", v->pages_4k);
      SET_INT (b, "dirty_pages_scrubbed", v->dirty_pages_scrubbed);
      if (v->has_cpu)
        {
          SET_INT (b, "run_ns", v->run_ns);
          SET_INT (b, "wait_ns", v->wait_ns);
          SET_INT (b, "node_migrations", v->node_migrations);
          json_builder_set_member_name (b, "run_on_node_ns");
          json_builder_begin_array (b);
          for (guint n = 0; n < t->n_nodes; n++)
            json_builder_add_int_value (b, v->run_on_node[n]);
          json_builder_end_array (b);
          SET_DBL (b, "exec_locality", v->exec_locality);
          SET_DBL (b, "remote_factor", v->remote_factor);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "timeseries");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time_ns");
  json_builder_begin_array (b);
  for (guint i = 0; i < m->samples->len; i++)
    json_builder_add_int_value (b, g_array_index (m->samples, XpSample, i).time);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "outstanding_claims_pages");
  json_builder_begin_array (b);
  for (guint i = 0; i < m->samples->len; i++)
    json_builder_add_int_value (b, (gint64) g_array_index (m->samples, XpSample, i).outstanding_claims);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "node_free_pages");
  json_builder_begin_array (b);
  for (guint n = 0; n < t->n_nodes; n++)
    {
      json_builder_begin_array (b);
      for (guint i = 0; i < m->samples->len; i++)
        json_builder_add_int_value (b, (gint64) g_array_index (m->samples, XpSample, i).node_free[n]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
xp_results_write (const XpRun *run, const char *path, GError **error)
{
  g_autoptr (JsonNode) root = xp_results_to_json (run);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 1);
  gsize len;
  g_autofree char *text = json_generator_to_data (gen, &len);
  g_autofree char *with_nl = g_strconcat (text, "\n", NULL);
  return xp_write_file_atomic (path, with_nl, -1, error);
}

static char *
ms (XpTime ns)
{
  return g_strdup_printf ("%.1f ms", (double) ns / 1e6);
}

void
xp_results_print_summary (const XpRun *run, GString *out)
{
  const XpReplayConfig *cfg = &run->config;
  const XpRunSummary *s = &run->metrics->summary;
  const XpMetrics *m = run->metrics;
  const XpTopology *t = cfg->topo;
  g_autofree char *p50 = ms (s->latency_p50), *p95 = ms (s->latency_p95), *mx = ms (s->latency_max);

  g_string_append_printf (out, "xenplace replay: %s on %s, policy %s, toolstack %s%s, Xen %s, seed %" G_GUINT64_FORMAT "\n",
                          cfg->trace->path, t->name, cfg->policy_spec ? cfg->policy_spec : cfg->policy->name,
                          xp_toolstack_kind_name (cfg->toolstack.kind),
                          cfg->toolstack.kind == XP_TOOLSTACK_XENOPSD
                            ? (cfg->toolstack.generation == XP_XENOPSD_OLD ? " (old)" : " (current)")
                            : (cfg->toolstack.claim_mode ? " (claim_mode=1)" : " (claim_mode=0)"),
                          cfg->xen_version, cfg->seed);
  g_string_append_printf (out, "  VMs %u: started %u, failed %u, stopped %u\n", s->vms, s->started, s->failed, s->stopped);
  g_string_append_printf (out, "  spread over nodes %u (avoidable %u), mean memory locality %.3f, superpage share %.3f\n",
                          s->spread, s->avoidable_spread, s->mean_locality, s->superpage_share);
  g_string_append_printf (out, "  start latency p50 %s, p95 %s, max %s; %" G_GUINT64_FORMAT " events in %.2f s wall\n",
                          p50, p95, mx, s->events, run->wall_seconds);
  if (s->has_cpu)
    g_string_append_printf (out, "  execution locality %.3f (run-time weighted %.3f), remote factor %.3f, "
                            "mean runnable wait %.2f ms, cross-node migrations %" G_GUINT64_FORMAT "\n",
                            s->mean_exec_locality, s->runtime_weighted_exec_locality, s->mean_remote_factor,
                            s->mean_wait_ns / 1e6, s->node_migrations);
  g_string_append (out, "  node  memory     free at end  min free   VMs homed  CPU busy\n");
  const XpSample *last = m->samples->len ? &g_array_index (m->samples, XpSample, m->samples->len - 1) : NULL;
  for (guint n = 0; n < t->n_nodes; n++)
    {
      guint homed = 0;
      for (guint i = 0; i < m->vms->len; i++)
        {
          const XpVmMetrics *v = &g_array_index (m->vms, XpVmMetrics, i);
          if (v->start_latency >= 0 && v->pages && v->home_node == n)
            homed++;
        }
      g_autofree char *mem = xp_format_bytes (t->nodes[n].memory_bytes);
      g_autofree char *fr = xp_format_bytes ((last ? last->node_free[n] : 0) << XP_PAGE_SHIFT);
      g_autofree char *mn = xp_format_bytes (m->node_min_free[n] << XP_PAGE_SHIFT);
      g_string_append_printf (out, "  %4u  %-10s %-12s %-10s %-10u", n, mem, fr, mn, homed);
      if (m->node_utilisation_ppm)
        g_string_append_printf (out, " %5.1f %%", m->node_utilisation_ppm[n] / 1e4);
      g_string_append_c (out, '\n');
    }
}
