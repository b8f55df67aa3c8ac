/* xenplace — results JSON and summary. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include "sim/error.h"
#include "sim/json_out.h"
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
add_nodemask (XpJsonOut *o, const char *name, XpNodemask m)
{
  guint n;
  xp_json_out_begin_array (o, name);
  XP_NODEMASK_FOREACH (n, m)
    xp_json_out_int (o, NULL, n);
  xp_json_out_end_array (o);
}

static void
add_pages_array (XpJsonOut *o, const char *name, const XpPages *v, guint n)
{
  xp_json_out_begin_array (o, name);
  for (guint i = 0; i < n; i++)
    xp_json_out_int (o, NULL, (gint64) v[i]);
  xp_json_out_end_array (o);
}

#define SET_INT(o, k, v) xp_json_out_int (o, k, (gint64) (v))
#define SET_STR(o, k, v) xp_json_out_string (o, k, v)
#define SET_BOOL(o, k, v) xp_json_out_bool (o, k, v)
#define SET_DBL(o, k, v) xp_json_out_double (o, k, v)

/* The whole results file, in order; @reduced adds run.reduced. */
/* "name=value" strings as a JSON object: integers as numbers, anything
 * else as strings, in the order given. */
static void
write_params (XpJsonOut *o, const char *member, const GPtrArray *params)
{
  xp_json_out_begin_object (o, member);
  for (guint i = 0; i < params->len; i++)
    {
      const char *kv = params->pdata[i], *eq = strchr (kv, '=');
      g_autofree char *name = g_strndup (kv, eq - kv);
      gint64 v;
      if (g_ascii_string_to_signed (eq + 1, 10, 0, G_MAXINT64, &v, NULL))
        SET_INT (o, name, v);
      else
        SET_STR (o, name, eq + 1);
    }
  xp_json_out_end_object (o);
}

static void
emit (const XpRun *run, const XpResultsReduced *reduced, XpJsonOut *o)
{
  const XpReplayConfig *cfg = &run->config;
  const XpTopology *t = cfg->topo;
  const XpMetrics *m = run->metrics;
  const XpRunSummary *s = &m->summary;

  xp_json_out_begin_object (o, NULL);
  SET_STR (o, "schema", XP_RESULTS_SCHEMA);
  SET_INT (o, "schema_version", XP_RESULTS_SCHEMA_VERSION);
  SET_STR (o, "generator", PACKAGE_STRING);

  xp_json_out_begin_object (o, "run");
  SET_STR (o, "topology", cfg->topology_spec ? cfg->topology_spec : t->name);
  SET_STR (o, "topology_name", t->name);
  SET_STR (o, "trace", cfg->trace_spec ? cfg->trace_spec : cfg->trace->path);
  SET_STR (o, "policy", cfg->policy_spec ? cfg->policy_spec : cfg->policy->name);
  SET_STR (o, "policy_name", cfg->policy->name);
  if (cfg->policy_plugin)
    {
      /* which plugin file, and which build of it */
      xp_json_out_begin_object (o, "plugin");
      SET_STR (o, "path", cfg->policy_plugin);
      SET_STR (o, "sha256", cfg->policy_plugin_sha256 ? cfg->policy_plugin_sha256 : "");
      xp_json_out_end_object (o);
    }
  SET_STR (o, "toolstack", xp_toolstack_kind_name (cfg->toolstack.kind));
  if (cfg->toolstack.kind == XP_TOOLSTACK_XENOPSD)
    SET_STR (o, "xenopsd_generation", cfg->toolstack.generation == XP_XENOPSD_OLD ? "old" : "current");
  else
    SET_BOOL (o, "claim_mode", cfg->toolstack.claim_mode);
  SET_INT (o, "builders", cfg->toolstack.builders);
  SET_STR (o, "xen_version", cfg->xen_version);
  SET_STR (o, "node_claims", cfg->behaviour.node_claims == XP_NODE_CLAIMS_SINGLE ? "single" : "none");
  SET_INT (o, "seed", cfg->seed);
  SET_INT (o, "populate_bytes_per_sec", cfg->toolstack.populate_bytes_per_sec);
  SET_INT (o, "scrub_bytes_per_sec", cfg->xen.scrub_bytes_per_sec);
  /* every Xen model parameter, defaults included, in a fixed order: runs
   * made with other parameters can be told apart (bench resume and merge
   * compare them) */
  g_autoptr (GPtrArray) xen_params = xp_xen_params_list (&cfg->xen);
  write_params (o, "xen_params", xen_params);
  /* likewise the toolstack's (as --ts names them) and, with the CPU model,
   * the credit scheduler's (as --credit names them) */
  g_autoptr (GPtrArray) ts_params = xp_toolstack_params_list (&cfg->toolstack);
  write_params (o, "toolstack_params", ts_params);
  if (cfg->cpu_model)
    {
      g_autoptr (GPtrArray) credit_params = xp_credit_params_list (&cfg->credit);
      write_params (o, "credit_params", credit_params);
    }
  if (reduced)
    {
      xp_json_out_begin_object (o, "reduced");
      SET_INT (o, "max_vms", reduced->max_vms);
      SET_INT (o, "trace_vms", reduced->trace_vms);
      xp_json_out_end_object (o);
    }
  xp_json_out_end_object (o);

  xp_json_out_begin_object (o, "host");
  SET_INT (o, "nodes", t->n_nodes);
  SET_INT (o, "cpus", t->n_cpus);
  xp_json_out_begin_array (o, "node_memory_bytes");
  for (guint n = 0; n < t->n_nodes; n++)
    xp_json_out_int (o, NULL, (gint64) t->nodes[n].memory_bytes);
  xp_json_out_end_array (o);
  xp_json_out_begin_array (o, "node_cpus");
  for (guint n = 0; n < t->n_nodes; n++)
    xp_json_out_int (o, NULL, t->nodes[n].n_cpus);
  xp_json_out_end_array (o);
  xp_json_out_begin_array (o, "distances");
  for (guint i = 0; i < t->n_nodes; i++)
    {
      xp_json_out_begin_array (o, NULL);
      for (guint j = 0; j < t->n_nodes; j++)
        xp_json_out_int (o, NULL, xp_topology_distance (t, i, j));
      xp_json_out_end_array (o);
    }
  xp_json_out_end_array (o);
  xp_json_out_end_object (o);

  xp_json_out_begin_object (o, "summary");
  SET_INT (o, "vms", s->vms);
  SET_INT (o, "started", s->started);
  SET_INT (o, "failed", s->failed);
  SET_INT (o, "stopped", s->stopped);
  SET_INT (o, "spread", s->spread);
  SET_INT (o, "avoidable_spread", s->avoidable_spread);
  SET_DBL (o, "mean_locality", s->mean_locality);
  SET_DBL (o, "page_weighted_locality", s->page_weighted_locality);
  SET_DBL (o, "superpage_share", s->superpage_share);
  SET_INT (o, "latency_mean_ns", s->latency_mean);
  SET_INT (o, "latency_p50_ns", s->latency_p50);
  SET_INT (o, "latency_p95_ns", s->latency_p95);
  SET_INT (o, "latency_max_ns", s->latency_max);
  SET_INT (o, "makespan_ns", s->makespan);
  SET_INT (o, "events", s->events);
  SET_BOOL (o, "cpu_model", s->has_cpu);
  if (s->has_cpu)
    {
      SET_DBL (o, "mean_exec_locality", s->mean_exec_locality);
      SET_DBL (o, "runtime_weighted_exec_locality", s->runtime_weighted_exec_locality);
      SET_DBL (o, "mean_remote_factor", s->mean_remote_factor);
      SET_INT (o, "mean_wait_ns", s->mean_wait_ns);
      SET_INT (o, "node_migrations", s->node_migrations);
    }
  SET_INT (o, "end_ns", run->end_time);
  xp_json_out_end_object (o);

  xp_json_out_begin_array (o, "nodes");
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
      xp_json_out_begin_object (o, NULL);
      SET_INT (o, "node", n);
      SET_INT (o, "free_pages_end", last ? last->node_free[n] : 0);
      SET_INT (o, "min_free_pages", m->node_min_free[n]);
      SET_INT (o, "vms_homed", homed);
      if (m->node_utilisation_ppm)
        SET_INT (o, "cpu_utilisation_ppm", m->node_utilisation_ppm[n]);
      xp_json_out_end_object (o);
    }
  xp_json_out_end_array (o);

  xp_json_out_begin_array (o, "vms");
  for (guint i = 0; i < m->vms->len; i++)
    {
      const XpVmMetrics *v = &g_array_index (m->vms, XpVmMetrics, i);
      xp_json_out_begin_object (o, NULL);
      SET_STR (o, "name", v->name);
      SET_INT (o, "vcpus", v->vcpus);
      SET_INT (o, "memory_mib", v->memory_mib);
      SET_STR (o, "state", xp_vm_state_name (v->state));
      SET_STR (o, "failure", v->failure);
      SET_INT (o, "domid", v->domid);
      SET_INT (o, "submit_ns", v->submit_time);
      SET_INT (o, "start_latency_ns", v->start_latency);
      SET_BOOL (o, "placed", v->decision_placed);
      add_nodemask (o, "plan_nodes", v->decision_nodes);
      add_nodemask (o, "affinity_nodes", v->affinity_nodes);
      SET_STR (o, "affinity", xp_affinity_name (v->affinity_kind));
      SET_STR (o, "claim", xp_claim_name (v->claim_made));
      add_pages_array (o, "node_pages", v->node_pages, t->n_nodes);
      SET_INT (o, "home_node", v->home_node);
      SET_DBL (o, "locality", v->locality);
      SET_INT (o, "numa_nodes", v->numa_nodes);
      SET_BOOL (o, "spread", v->spread);
      SET_BOOL (o, "avoidable_spread", v->avoidable_spread);
      SET_INT (o, "extents_1g", v->extents_1g);
      SET_INT (o, "extents_2m", v->extents_2m);
      SET_INT (o, "pages_4k", v->pages_4k);
      SET_INT (o, "dirty_pages_scrubbed", v->dirty_pages_scrubbed);
      if (v->has_cpu)
        {
          SET_INT (o, "run_ns", v->run_ns);
          SET_INT (o, "wait_ns", v->wait_ns);
          SET_INT (o, "node_migrations", v->node_migrations);
          xp_json_out_begin_array (o, "run_on_node_ns");
          for (guint n = 0; n < t->n_nodes; n++)
            xp_json_out_int (o, NULL, v->run_on_node[n]);
          xp_json_out_end_array (o);
          SET_DBL (o, "exec_locality", v->exec_locality);
          SET_DBL (o, "remote_factor", v->remote_factor);
        }
      xp_json_out_end_object (o);
    }
  xp_json_out_end_array (o);

  xp_json_out_begin_object (o, "timeseries");
  xp_json_out_begin_array (o, "time_ns");
  for (guint i = 0; i < m->samples->len; i++)
    xp_json_out_int (o, NULL, g_array_index (m->samples, XpSample, i).time);
  xp_json_out_end_array (o);
  xp_json_out_begin_array (o, "outstanding_claims_pages");
  for (guint i = 0; i < m->samples->len; i++)
    xp_json_out_int (o, NULL, (gint64) g_array_index (m->samples, XpSample, i).outstanding_claims);
  xp_json_out_end_array (o);
  xp_json_out_begin_array (o, "node_free_pages");
  for (guint n = 0; n < t->n_nodes; n++)
    {
      xp_json_out_begin_array (o, NULL);
      for (guint i = 0; i < m->samples->len; i++)
        xp_json_out_int (o, NULL, (gint64) g_array_index (m->samples, XpSample, i).node_free[n]);
      xp_json_out_end_array (o);
    }
  xp_json_out_end_array (o);
  xp_json_out_end_object (o);

  xp_json_out_end_object (o);
}

JsonNode *
xp_results_to_json (const XpRun *run)
{
  XpJsonOut *o = xp_json_out_new (NULL);
  emit (run, NULL, o);
  g_autofree char *text = xp_json_out_finish (o);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, -1, NULL))
    g_return_val_if_reached (NULL);
  return json_node_copy (json_parser_get_root (parser));
}

gboolean
xp_results_write (const XpRun *run, const XpResultsReduced *reduced, const char *path, GError **error)
{
  XpAtomicFile *f = xp_atomic_file_open (path, error);
  if (!f)
    return FALSE;
  XpJsonOut *o = xp_json_out_new (xp_atomic_file_stream (f));
  emit (run, reduced, o);
  g_autofree char *done = xp_json_out_finish (o);
  if (!done)
    return xp_atomic_file_fail (f, errno, error);
  return xp_atomic_file_commit (f, error);
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
