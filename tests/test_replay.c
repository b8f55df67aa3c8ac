/* End-to-end tests of the replay driver on the Xen model: trace → toolstack
 * → hypervisor model → metrics → results JSON. Traces are built in memory so
 * that these tests depend on the engine only. */
#include "config.h"
#include <json-glib/json-glib.h>
#include "tests/testutil.h"
#include "sim/error.h"
#include "sim/replay.h"
#include "sim/results.h"

typedef struct {
  XpPlacement decision;
} FixedPolicy;

static gpointer
fixed_init (const XpTopology *topo, const XpPolicyParam *params, guint n, GError **error)
{
  FixedPolicy *p = g_new0 (FixedPolicy, 1);
  xp_placement_init (&p->decision);
  for (guint i = 0; i < n; i++)
    if (!strcmp (params[i].key, "node"))
      {
        guint node = atoi (params[i].value);
        p->decision.placed = TRUE;
        p->decision.nodes = xp_nodemask_of (node);
        p->decision.affinity = XP_AFFINITY_SOFT;
        p->decision.set_node_affinity = TRUE;
      }
  return p;
}

static gboolean
fixed_place (gpointer state, const XpHostView *view, const XpVmRequest *req, XpPlacement *out, GError **error)
{
  *out = ((FixedPolicy *) state)->decision;
  return TRUE;
}

static const XpPolicy fixed_policy = {
  .abi_version = XP_POLICY_ABI_VERSION, .name = "fixed", .description = "always the same node",
  .init = fixed_init, .place = fixed_place, .free = g_free,
};

static XpTrace *
make_trace (guint n_vms, guint64 memory_mib, XpTime spacing, XpTime lifetime)
{
  XpTrace *t = g_new0 (XpTrace, 1);
  t->path = g_strdup ("in-memory");
  t->strings = g_string_chunk_new (256);
  t->events = g_array_new (FALSE, TRUE, sizeof (XpTraceEvent));
  for (guint i = 0; i < n_vms; i++)
    {
      char name[32];
      g_snprintf (name, sizeof name, "vm%u", i);
      XpTraceEvent e = { .time = i * spacing, .type = XP_TRACE_START,
                         .vm = g_string_chunk_insert_const (t->strings, name), .vcpus = 2,
                         .memory_mib = memory_mib, .cpu_demand_ppm = 1000000, .line = i + 2 };
      g_array_append_val (t->events, e);
    }
  if (lifetime)
    for (guint i = 0; i < n_vms; i++)
      {
        XpTraceEvent e = g_array_index (t->events, XpTraceEvent, i);
        e.type = XP_TRACE_STOP;
        e.time += lifetime;
        g_array_append_val (t->events, e);
      }
  return t;
}

static void
free_trace (XpTrace *t)
{
  g_array_free (t->events, TRUE);
  g_string_chunk_free (t->strings);
  g_free (t->path);
  g_free (t);
}

/* The defaults, with @trace on @topo under @policy. */
static XpReplayConfig
config_for (const XpTopology *topo, const XpTrace *trace, const XpPolicy *policy)
{
  XpReplayConfig cfg;
  xp_replay_config_init (&cfg);
  cfg.topo = topo;
  cfg.trace = trace;
  cfg.policy = policy;
  return cfg;
}

static XpRun *
run (const char *topology, XpTrace *trace, const XpPolicy *policy, const XpPolicyParam *params, guint n_params,
     XpToolstackKind kind, XpTopology **topo_out)
{
  g_autoptr (GError) error = NULL;
  XpTopology *topo = xp_topology_load (topology, &error);
  ck_assert_msg (topo, "%s", error ? error->message : "");
  XpReplayConfig cfg = config_for (topo, trace, policy);
  cfg.policy_params = params;
  cfg.n_policy_params = n_params;
  cfg.check_invariants = TRUE;
  xp_toolstack_params_init (&cfg.toolstack, kind);
  XpRun *r = xp_replay_run (&cfg, &error);
  ck_assert_msg (r, "%s", error ? error->message : "");
  *topo_out = topo;
  return r;
}

static const XpVmMetrics *
vm_metrics (XpRun *r, guint i)
{
  return &g_array_index (r->metrics->vms, XpVmMetrics, i);
}

/* xl with placement on node 1: the whole guest (4 GiB − 8 MiB video − 32
 * pages VGA hole + 8 MiB video = 4 GiB − 32 pages) lands on node 1; the
 * explicit node affinity {1} drives get_free_buddy. */
START_TEST (test_xl_affinity_one_node)
{
  XpTopology *topo;
  XpTrace *trace = make_trace (1, 4096, 0, 0);
  XpPolicyParam p = { "node", "1" };
  XpRun *r = run ("generic-2n", trace, &fixed_policy, &p, 1, XP_TOOLSTACK_XL, &topo);
  const XpVmMetrics *v = vm_metrics (r, 0);
  ck_assert_int_eq (v->state, XP_VM_RUNNING);
  ck_assert_uint_eq (v->node_pages[0], 0);
  ck_assert_uint_eq (v->node_pages[1], 4 * XP_PAGES_PER_GIB - 32);
  ck_assert (!v->spread);
  ck_assert_double_eq (v->locality, 1.0);
  ck_assert_int_eq (v->claim_made, XP_CLAIM_HOST);
  ck_assert_uint_eq (r->metrics->summary.started, 1);
  xp_run_free (r);
  xp_topology_free (topo);
  free_trace (trace);
}
END_TEST

/* No placement: automatic node affinity {0,1}, extents striped by the
 * allocator's round robin — both nodes hold a large share. */
START_TEST (test_no_placement_stripes)
{
  XpTopology *topo;
  XpTrace *trace = make_trace (1, 8192, 0, 0);
  XpRun *r = run ("generic-2n", trace, &fixed_policy, NULL, 0, XP_TOOLSTACK_XL, &topo);
  const XpVmMetrics *v = vm_metrics (r, 0);
  ck_assert_int_eq (v->state, XP_VM_RUNNING);
  ck_assert (v->spread);
  ck_assert_uint_eq (v->numa_nodes, 2);
  ck_assert_uint_gt (v->node_pages[0], 3 * XP_PAGES_PER_GIB);
  ck_assert_uint_gt (v->node_pages[1], 3 * XP_PAGES_PER_GIB);
  ck_assert_uint_eq (v->node_pages[0] + v->node_pages[1], 8 * XP_PAGES_PER_GIB - 32);
  ck_assert (v->avoidable_spread);
  xp_run_free (r);
  xp_topology_free (topo);
  free_trace (trace);
}
END_TEST

/* Starts and stops: memory returns; results JSON is complete and stable. */
START_TEST (test_lifecycle_and_json)
{
  XpTopology *topo;
  XpTrace *trace = make_trace (20, 2048, 100 * XP_NSEC_PER_MSEC, 5 * XP_NSEC_PER_SEC);
  XpPolicyParam p = { "node", "0" };
  XpRun *r = run ("generic-2n", trace, &fixed_policy, &p, 1, XP_TOOLSTACK_XENOPSD, &topo);
  const XpRunSummary *s = &r->metrics->summary;
  ck_assert_uint_eq (s->vms, 20);
  ck_assert_uint_eq (s->started, 20);
  ck_assert_uint_eq (s->stopped, 20);
  ck_assert_uint_eq (s->failed, 0);
  /* at the end every guest page is back: node free memory equals the first sample */
  const XpSample *first = &g_array_index (r->metrics->samples, XpSample, 0);
  const XpSample *last = &g_array_index (r->metrics->samples, XpSample, r->metrics->samples->len - 1);
  ck_assert_uint_eq (first->node_free[0], last->node_free[0]);
  ck_assert_uint_eq (first->node_free[1], last->node_free[1]);

  g_autoptr (JsonNode) a = xp_results_to_json (r);
  g_autoptr (JsonNode) b = xp_results_to_json (r);
  g_autofree char *sa = json_to_string (a, FALSE), *sb = json_to_string (b, FALSE);
  ck_assert_str_eq (sa, sb);
  JsonObject *o = json_node_get_object (a);
  ck_assert_str_eq (json_object_get_string_member (o, "schema"), XP_RESULTS_SCHEMA);
  ck_assert_int_eq (json_object_get_int_member (o, "schema_version"), XP_RESULTS_SCHEMA_VERSION);
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (o, "vms")), 20);

  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "r.json", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (xp_results_write (r, NULL, path, &error));
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (text, "\"avoidable_spread\""));
  xp_test_rmtree (dir);
  xp_run_free (r);
  xp_topology_free (topo);
  free_trace (trace);
}
END_TEST

/* Same inputs, same seed: identical results, run twice. */
START_TEST (test_deterministic)
{
  XpTopology *t1, *t2;
  XpTrace *trace = make_trace (30, 3000, 10 * XP_NSEC_PER_MSEC, 2 * XP_NSEC_PER_SEC);
  XpRun *r1 = run ("generic-4n", trace, &fixed_policy, NULL, 0, XP_TOOLSTACK_XENOPSD, &t1);
  XpRun *r2 = run ("generic-4n", trace, &fixed_policy, NULL, 0, XP_TOOLSTACK_XENOPSD, &t2);
  g_autoptr (JsonNode) a = xp_results_to_json (r1);
  g_autoptr (JsonNode) b = xp_results_to_json (r2);
  g_autofree char *sa = json_to_string (a, FALSE), *sb = json_to_string (b, FALSE);
  ck_assert_str_eq (sa, sb);
  xp_run_free (r1);
  xp_run_free (r2);
  xp_topology_free (t1);
  xp_topology_free (t2);
  free_trace (trace);
}
END_TEST

typedef struct {
  GArray *reports;             /* XpReplayProgress */
} ProgressLog;

static void
log_progress (const XpReplayProgress *p, gpointer data)
{
  g_array_append_val (((ProgressLog *) data)->reports, *p);
}

/* Progress reports come in order, the last one (and only it) says the run
 * is done with the whole trace fed, every VM stopped and the event count
 * of the run; asking for them changes nothing in the results. The
 * interval is 1 us, so there is a report every 4096 events. */
START_TEST (test_progress)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTopology) topo = xp_topology_load ("generic-4n", &error);
  XpTrace *trace = make_trace (30, 3000, 10 * XP_NSEC_PER_MSEC, 2 * XP_NSEC_PER_SEC);
  XpReplayConfig cfg = config_for (topo, trace, &fixed_policy);
  g_autoptr (XpRun) plain = xp_replay_run (&cfg, &error);
  ck_assert_msg (plain, "%s", error ? error->message : "");
  ProgressLog log = { g_array_new (FALSE, FALSE, sizeof (XpReplayProgress)) };
  cfg.progress = log_progress;
  cfg.progress_data = &log;
  cfg.progress_interval_us = 1;
  g_autoptr (XpRun) watched = xp_replay_run (&cfg, &error);
  ck_assert_msg (watched, "%s", error ? error->message : "");

  guint n = log.reports->len;
  ck_assert_uint_ge (n, 1 + plain->events / 4096 / 2);
  gboolean saw_live = FALSE;
  for (guint i = 0; i < n; i++)
    {
      const XpReplayProgress *p = &g_array_index (log.reports, XpReplayProgress, i);
      ck_assert (p->final == (i == n - 1));
      ck_assert_uint_eq (p->trace_total, 60);
      ck_assert_uint_eq (p->trace_span, 29 * 10 * XP_NSEC_PER_MSEC + 2 * XP_NSEC_PER_SEC);
      ck_assert_uint_le (p->vms_live, 30);
      ck_assert_uint_gt (p->heap_free_blocks, 0);
      saw_live |= p->vms_live > 0;
      if (i)
        {
          const XpReplayProgress *q = p - 1;
          ck_assert_int_ge (p->now, q->now);
          ck_assert_uint_gt (p->events, q->events);
          ck_assert_uint_ge (p->trace_done, q->trace_done);
          ck_assert (p->wall_seconds >= q->wall_seconds);
        }
    }
  ck_assert (saw_live);
  const XpReplayProgress *last = &g_array_index (log.reports, XpReplayProgress, n - 1);
  ck_assert_uint_eq (last->trace_done, 60);
  ck_assert_uint_eq (last->vms_live, 0);
  ck_assert_uint_eq (last->events, watched->events);
  ck_assert_int_eq (last->now, watched->end_time);

  g_autoptr (JsonNode) a = xp_results_to_json (plain);
  g_autoptr (JsonNode) b = xp_results_to_json (watched);
  g_autofree char *sa = json_to_string (a, FALSE), *sb = json_to_string (b, FALSE);
  ck_assert_str_eq (sa, sb);
  g_array_free (log.reports, TRUE);
  free_trace (trace);
}
END_TEST

/* A start that cannot fit fails cleanly and changes nothing for the others. */
START_TEST (test_too_big_fails)
{
  XpTopology *topo;
  XpTrace *trace = make_trace (1, 200 * 1024, 0, 0);   /* 200 GiB on a 128 GiB host */
  XpRun *r = run ("generic-2n", trace, &fixed_policy, NULL, 0, XP_TOOLSTACK_XENOPSD, &topo);
  const XpVmMetrics *v = vm_metrics (r, 0);
  ck_assert_int_eq (v->state, XP_VM_FAILED);
  ck_assert_ptr_nonnull (strstr (v->failure, "Not_enough_memory"));
  ck_assert_uint_eq (r->metrics->summary.failed, 1);
  xp_run_free (r);
  xp_topology_free (topo);
  free_trace (trace);
}
END_TEST

/* CPU model: a VM soft-affine to node 1 with its memory there runs only on
 * node 1's idle pCPUs (its vCPUs are moved there by the affinity change
 * before the first unpause): execution locality 1, remote factor 1.0. A
 * striped VM (half its memory per node) whose vCPUs run on one node has
 * execution locality about 0.5 and remote factor about
 * 0.5 × 10/10 + 0.5 × 21/10 = 1.55. */
START_TEST (test_execution_locality)
{
  XpTopology *topo;
  XpTrace *trace = make_trace (1, 4096, 0, 0);
  XpPolicyParam p = { "node", "1" };
  XpRun *r = run ("generic-2n", trace, &fixed_policy, &p, 1, XP_TOOLSTACK_XL, &topo);
  const XpVmMetrics *v = vm_metrics (r, 0);
  ck_assert (v->has_cpu);
  /* 2 busy vCPUs for the 10 s tail, 2 idle pCPUs each: about 20 s of run time */
  ck_assert_int_ge (v->run_ns, 19 * XP_NSEC_PER_SEC);
  ck_assert_int_le (v->run_ns, 21 * XP_NSEC_PER_SEC);
  ck_assert_int_eq (v->run_on_node[0], 0);
  ck_assert_double_eq (v->exec_locality, 1.0);
  ck_assert_double_eq_tol (v->remote_factor, 1.0, 1e-12);
  ck_assert (r->metrics->summary.has_cpu);
  xp_run_free (r);
  xp_topology_free (topo);

  r = run ("generic-2n", trace, &fixed_policy, NULL, 0, XP_TOOLSTACK_XL, &topo);
  v = vm_metrics (r, 0);
  ck_assert (v->spread);
  ck_assert_double_gt (v->exec_locality, 0.4);
  ck_assert_double_lt (v->exec_locality, 0.6);
  ck_assert_double_gt (v->remote_factor, 1.45);
  ck_assert_double_lt (v->remote_factor, 1.65);
  xp_run_free (r);
  xp_topology_free (topo);
  free_trace (trace);
}
END_TEST

/* Every start of @t gets @vcpus vCPUs and a CPU demand of @demand_ppm. */
static void
set_starts (XpTrace *t, guint vcpus, guint demand_ppm)
{
  for (guint i = 0; i < t->events->len; i++)
    {
      XpTraceEvent *e = &g_array_index (t->events, XpTraceEvent, i);
      if (e->type == XP_TRACE_START)
        {
          e->vcpus = vcpus;
          e->cpu_demand_ppm = demand_ppm;
        }
    }
}

/* The trace's CPU demand holds from the guest's first instant of running.
 * One VM with 1 vCPU and demand 0.25 on generic-2n (idle dom0, 15 more
 * idle pCPUs): its vCPU never waits, so it alternates exponential busy
 * periods (mean 10 ms of CPU) and blocked ones (mean 10 × 0.75 / 0.25 =
 * 30 ms), starting busy with probability 0.25. With memoryless periods
 * that start is the stationary state, so the expected run time is exactly
 * 0.25 × T, T the time since the unpause: unpause_ns (5 ms) before the
 * build ends, plus the 10 s tail = 10.005 s, i.e. 2.501 s. Its variance
 * is about (T / 40 ms) × Var(0.75 busy − 0.25 blocked) = 250 ×
 * (0.5625 × 100 + 0.0625 × 900) ms² = 28125 ms², a standard deviation of
 * 168 ms: allow 500 ms (3 σ). A demand set only once the VM is running
 * left the first busy period endless: 10.005 s. With demand 0 the vCPU
 * never runs: run time exactly 0 (a demand set at the end of the build,
 * unpause_ns after the unpause, would leave the 5 ms it ran before). */
START_TEST (test_trace_demand_from_first_instant)
{
  XpTopology *topo;
  XpTrace *trace = make_trace (1, 4096, 0, 0);
  set_starts (trace, 1, 250000);
  XpPolicyParam p = { "node", "1" };
  XpRun *r = run ("generic-2n", trace, &fixed_policy, &p, 1, XP_TOOLSTACK_XENOPSD, &topo);
  const XpVmMetrics *v = vm_metrics (r, 0);
  ck_assert_int_eq (v->state, XP_VM_RUNNING);
  ck_assert (v->has_cpu);
  XpToolstackParams tp;
  xp_toolstack_params_init (&tp, XP_TOOLSTACK_XENOPSD);
  XpTime running = v->submit_time + v->start_latency;
  ck_assert_int_eq (r->end_time - running, 10 * XP_NSEC_PER_SEC);
  XpTime live = r->end_time - (running - tp.unpause_ns);
  ck_assert_int_eq (live, 10 * XP_NSEC_PER_SEC + 5 * XP_NSEC_PER_MSEC);
  ck_assert_int_ge (v->run_ns, live / 4 - 500 * XP_NSEC_PER_MSEC);
  ck_assert_int_le (v->run_ns, live / 4 + 500 * XP_NSEC_PER_MSEC);
  ck_assert_int_eq (v->wait_ns, 0);
  xp_run_free (r);
  xp_topology_free (topo);

  set_starts (trace, 1, 0);
  r = run ("generic-2n", trace, &fixed_policy, &p, 1, XP_TOOLSTACK_XENOPSD, &topo);
  v = vm_metrics (r, 0);
  ck_assert_int_eq (v->state, XP_VM_RUNNING);
  ck_assert (v->has_cpu);
  ck_assert_int_eq (v->run_ns, 0);
  ck_assert_int_eq (v->wait_ns, 0);
  xp_run_free (r);
  xp_topology_free (topo);
  free_trace (trace);
}
END_TEST

/* A VM name used again while its first instance is still building: the
 * stop of the first must not forget the second (each ends stopped and all
 * memory returns). */
START_TEST (test_name_reuse)
{
  XpTopology *topo;
  XpTrace *t = make_trace (1, 16384, 0, 0);
  const char *x = g_array_index (t->events, XpTraceEvent, 0).vm;
  XpTraceEvent stop = { .time = 100 * XP_NSEC_PER_MSEC, .type = XP_TRACE_STOP, .vm = x, .line = 3 };
  XpTraceEvent again = { .time = 200 * XP_NSEC_PER_MSEC, .type = XP_TRACE_START, .vm = x, .vcpus = 2,
                         .memory_mib = 16384, .cpu_demand_ppm = 1000000, .line = 4 };
  XpTraceEvent stop2 = { .time = 100 * XP_NSEC_PER_SEC, .type = XP_TRACE_STOP, .vm = x, .line = 5 };
  g_array_append_val (t->events, stop);
  g_array_append_val (t->events, again);
  g_array_append_val (t->events, stop2);
  XpRun *r = run ("generic-2n", t, &fixed_policy, NULL, 0, XP_TOOLSTACK_XENOPSD, &topo);
  ck_assert_uint_eq (r->metrics->summary.vms, 2);
  ck_assert_uint_eq (r->metrics->summary.stopped, 2);
  const XpSample *first = &g_array_index (r->metrics->samples, XpSample, 0);
  const XpSample *last = &g_array_index (r->metrics->samples, XpSample, r->metrics->samples->len - 1);
  ck_assert_uint_eq (first->node_free[0] + first->node_free[1], last->node_free[0] + last->node_free[1]);
  xp_run_free (r);
  xp_topology_free (topo);
  free_trace (t);
}
END_TEST

static gboolean
broken_place (gpointer state, const XpHostView *view, const XpVmRequest *req, XpPlacement *out, GError **error)
{
  g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "out of ideas");
  return FALSE;
}

/* A policy's own error stops the run: no results, the error says which. */
START_TEST (test_policy_error_stops_run)
{
  static const XpPolicy broken = {
    .abi_version = XP_POLICY_ABI_VERSION, .name = "broken", .description = "fails",
    .init = fixed_init, .place = broken_place, .free = g_free,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTopology) topo = xp_topology_load ("generic-2n", &error);
  XpTrace *t = make_trace (3, 1024, 0, 0);
  XpReplayConfig cfg = config_for (topo, t, &broken);
  XpRun *r = xp_replay_run (&cfg, &error);
  ck_assert_ptr_null (r);
  xp_assert_error_contains (error, "policy broken failed placing vm0: out of ideas");
  free_trace (t);
}
END_TEST

/* A decision the host cannot carry out is the policy's error, as a FALSE
 * return is: the run stops naming the policy, the VM and what is wrong,
 * under either toolstack. Such decisions used to pass for results: nodes
 * beyond the host or an empty mask with placed TRUE ran as "no placement"
 * (every VM spread, counted as avoidable), and an exact populate node the
 * host lacks failed every start as if memory had run out. */
static XpPlacement invalid_decision;

static gboolean
invalid_place (gpointer state, const XpHostView *view, const XpVmRequest *req, XpPlacement *out, GError **error)
{
  *out = invalid_decision;
  return TRUE;
}

START_TEST (test_invalid_decision_stops_run)
{
  static const XpPolicy invalid = {
    .abi_version = XP_POLICY_ABI_VERSION, .name = "invalid", .description = "returns what it is told",
    .init = fixed_init, .place = invalid_place, .free = g_free,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTopology) topo = xp_topology_load ("generic-2n", &error);
  ck_assert_msg (topo, "%s", error ? error->message : "");
  XpTrace *t = make_trace (3, 1024, 0, 0);
  static const struct {
    XpNodemask nodes;
    gboolean placed;
    guint populate_node;
    gboolean exact;
    int affinity, claim;
    const char *why;
  } cases[] = {
    { 1u << 5, TRUE, XP_NO_NODE, FALSE, XP_AFFINITY_SOFT, XP_CLAIM_TOOLSTACK, "nodes 5, not all among the host's 2 nodes" },
    { 3u | 1u << 9, TRUE, XP_NO_NODE, FALSE, XP_AFFINITY_HARD, XP_CLAIM_NODE, "nodes 0-1,9, not all among the host's 2 nodes" },
    { 0, TRUE, XP_NO_NODE, FALSE, XP_AFFINITY_SOFT, XP_CLAIM_TOOLSTACK, "placed with an empty node mask" },
    { 1, TRUE, 7, TRUE, XP_AFFINITY_SOFT, XP_CLAIM_TOOLSTACK, "populate_node 7, not one of the host's 2 nodes" },
    { 0, FALSE, 2, FALSE, XP_AFFINITY_NONE, XP_CLAIM_TOOLSTACK, "populate_node 2, not one of the host's 2 nodes" },
    { 1, TRUE, XP_NO_NODE, FALSE, 99, XP_CLAIM_TOOLSTACK, "affinity 99 is not an XpAffinityKind" },
    { 1, TRUE, XP_NO_NODE, FALSE, XP_AFFINITY_SOFT, 77, "claim 77 is not an XpClaimKind" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (XpToolstackKind kind = XP_TOOLSTACK_XENOPSD; kind <= XP_TOOLSTACK_XL; kind++)
      {
        xp_placement_init (&invalid_decision);
        invalid_decision.placed = cases[i].placed;
        invalid_decision.nodes = cases[i].nodes;
        invalid_decision.populate_node = cases[i].populate_node;
        invalid_decision.populate_exact = cases[i].exact;
        invalid_decision.affinity = (XpAffinityKind) cases[i].affinity;
        invalid_decision.claim = (XpClaimKind) cases[i].claim;
        XpReplayConfig cfg = config_for (topo, t, &invalid);
        xp_toolstack_params_init (&cfg.toolstack, kind);
        cfg.check_invariants = TRUE;
        g_clear_error (&error);
        XpRun *r = xp_replay_run (&cfg, &error);
        ck_assert_msg (r == NULL, "case %u, toolstack %d: the run went on", i, kind);
        xp_assert_error_contains (error, "policy invalid returned an invalid placement for vm0: ");
        xp_assert_error_contains (error, cases[i].why);
      }
  /* the same decision within the host runs */
  xp_placement_init (&invalid_decision);
  invalid_decision.placed = TRUE;
  invalid_decision.nodes = 2;
  invalid_decision.affinity = XP_AFFINITY_SOFT;
  XpReplayConfig cfg = config_for (topo, t, &invalid);
  g_clear_error (&error);
  XpRun *r = xp_replay_run (&cfg, &error);
  ck_assert_msg (r != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (r->metrics->summary.started, 3);
  xp_run_free (r);
  free_trace (t);
}
END_TEST

Suite *
xp_test_replay_suite (void)
{
  Suite *s = suite_create ("replay");
  TCase *tc = tcase_create ("end-to-end");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_xl_affinity_one_node);
  tcase_add_test (tc, test_no_placement_stripes);
  tcase_add_test (tc, test_lifecycle_and_json);
  tcase_add_test (tc, test_deterministic);
  tcase_add_test (tc, test_too_big_fails);
  tcase_add_test (tc, test_execution_locality);
  tcase_add_test (tc, test_trace_demand_from_first_instant);
  tcase_add_test (tc, test_name_reuse);
  tcase_add_test (tc, test_policy_error_stops_run);
  tcase_add_test (tc, test_invalid_decision_stops_run);
  tcase_add_test (tc, test_progress);
  suite_add_tcase (s, tc);
  return s;
}
