/* xenplace — replay driver. */
#include "config.h"
#include "sim/error.h"
#include "sim/hv.h"
#include "sim/replay.h"

void
xp_replay_config_init (XpReplayConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->xen_version = "4.17";
  xp_xen_behaviour_init (&cfg->behaviour, cfg->xen_version, NULL);
  xp_xen_params_init_defaults (&cfg->xen);
  xp_toolstack_params_init (&cfg->toolstack, XP_TOOLSTACK_XENOPSD);
  xp_credit_params_init_defaults (&cfg->credit);
  cfg->cpu_model = TRUE;
  cfg->tail = 10 * XP_NSEC_PER_SEC;
  cfg->seed = 1;
}

typedef struct {
  const XpReplayConfig *cfg;
  XpEventQueue *events;
  XpXen *xen;
  XpHv *hv;
  XpToolstack *ts;
  XpMetrics *metrics;
  GHashTable *live;          /* VM name -> XpVm*, VMs started and not yet stopped */
  guint next_trace_event;
  XpTime last_sample;
  XpTime sample_interval;
  XpPages *scratch_free;
  GRand *rand;               /* the run's one generator */
  gboolean finished;         /* the tail has run out */
  gboolean tail_scheduled;
  GError *error;             /* first failure inside an event handler */
} Replay;

/* Read the scheduler's statistics of @vm's domain into the VM record. */
static void
collect_cpu (Replay *rp, XpVm *vm)
{
  if (!rp->cfg->cpu_model || !vm->domid)
    return;
  XpDomain *d = xp_xen_domain (rp->xen, vm->domid);
  if (!d)
    return;
  XpCreditVcpuStats st;
  if (!vm->run_on_node)
    vm->run_on_node = g_new0 (XpTime, rp->cfg->topo->n_nodes);
  xp_sched_credit_finish_domain (rp->xen, d);
  if (!xp_sched_credit_domain_stats (rp->xen, d, &st, vm->run_on_node))
    return;
  vm->has_cpu_stats = TRUE;
  vm->run_ns = st.run_ns;
  vm->wait_ns = st.wait_ns;
  vm->wait_count = st.wait_count;
  vm->node_migrations = st.node_migrations;
}

static void
vm_destroying (gpointer data, XpVm *vm)
{
  collect_cpu (data, vm);
}

static void
sample (Replay *rp, gboolean force)
{
  XpTime now = xp_event_queue_now (rp->events);
  if (!force && rp->metrics->samples->len && now - rp->last_sample < rp->sample_interval)
    return;
  for (guint n = 0; n < rp->cfg->topo->n_nodes; n++)
    rp->scratch_free[n] = xp_heap_node_avail (rp->xen, n);
  xp_metrics_sample (rp->metrics, now, rp->scratch_free, xp_heap_outstanding_claims (rp->xen));
  rp->last_sample = now;
}

/* The domain is built and still paused: give its vCPUs the trace's demand
 * now, so that the first busy or blocked period each vCPU draws at unpause
 * already follows it (set after the unpause, a full-demand default would
 * have started an endless busy period). */
static void
vm_unpausing (gpointer data, XpVm *vm)
{
  Replay *rp = data;
  if (!rp->cfg->cpu_model)
    return;
  XpDomain *d = xp_xen_domain (rp->xen, vm->domid);
  if (d && d->n_vcpus)
    xp_sched_credit_set_demand (rp->xen, d, vm->cpu_demand_ppm);
}

static void
vm_started (gpointer data, XpVm *vm)
{
  sample (data, FALSE);
}

static void
tail_over (XpEventQueue *q, gpointer a, gpointer b)
{
  ((Replay *) a)->finished = TRUE;
}

static void
vm_stopped (gpointer data, XpVm *vm)
{
  Replay *rp = data;
  /* the name may already belong to a newer start of the same VM */
  if (g_hash_table_lookup (rp->live, vm->name) == vm)
    g_hash_table_remove (rp->live, vm->name);
  sample (rp, FALSE);
}

static void trace_event (XpEventQueue *q, gpointer a, gpointer b);

static void
schedule_next_trace_event (Replay *rp)
{
  const GArray *ev = rp->cfg->trace->events;
  if (rp->next_trace_event >= ev->len)
    return;
  const XpTraceEvent *e = &g_array_index (ev, XpTraceEvent, rp->next_trace_event);
  xp_event_schedule (rp->events, MAX (e->time, xp_event_queue_now (rp->events)), trace_event, rp, (gpointer) e);
}

static void
trace_event (XpEventQueue *q, gpointer a, gpointer b)
{
  Replay *rp = a;
  const XpTraceEvent *e = b;
  rp->next_trace_event++;
  switch (e->type)
    {
    case XP_TRACE_START:
      {
        XpVm *vm = xp_toolstack_start (rp->ts, e->vm, e->vcpus, e->memory_mib,
                                       e->hard_affinity, e->cpu_demand_ppm);
        g_hash_table_insert (rp->live, (gpointer) e->vm, vm);
        break;
      }
    case XP_TRACE_STOP:
      {
        XpVm *vm = g_hash_table_lookup (rp->live, e->vm);
        if (vm)
          xp_toolstack_stop (rp->ts, vm);
        break;
      }
    case XP_TRACE_TOOLSTACK_RESTART:
      xp_toolstack_restart (rp->ts);
      break;
    }
  schedule_next_trace_event (rp);
}

static void
report_progress (Replay *rp, gint64 wall0, gboolean final)
{
  const GArray *ev = rp->cfg->trace->events;
  XpReplayProgress p = {
    .now = xp_event_queue_now (rp->events),
    .trace_span = ev->len ? g_array_index (ev, XpTraceEvent, ev->len - 1).time : 0,
    .trace_done = rp->next_trace_event,
    .trace_total = ev->len,
    .vms_live = g_hash_table_size (rp->live),
    .events = xp_event_queue_events_run (rp->events),
    .wall_seconds = (gdouble) (g_get_monotonic_time () - wall0) / G_USEC_PER_SEC,
    .heap_free_blocks = xp_heap_free_blocks (rp->xen),
    .final = final,
  };
  rp->cfg->progress (&p, rp->cfg->progress_data);
}

static gboolean
validate (const XpReplayConfig *cfg, GError **error)
{
  const XpTopology *t = cfg->topo;
  for (guint i = 0; i < cfg->trace->events->len; i++)
    {
      const XpTraceEvent *e = &g_array_index (cfg->trace->events, XpTraceEvent, i);
      if (e->type != XP_TRACE_START)
        continue;
      if (e->hard_affinity)
        {
          XpCpumask all, outside;
          xp_cpumask_fill (&all, t->n_cpus);
          outside = *e->hard_affinity;
          for (guint w = 0; w < XP_CPUMASK_WORDS; w++)
            outside.bits[w] &= ~all.bits[w];
          if (!xp_cpumask_empty (&outside))
            {
              g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                           "%s:%u: field 'hard_affinity': CPU %u does not exist on topology %s (%u CPUs)",
                           cfg->trace->path, e->line, xp_cpumask_next (&outside, 0), t->name, t->n_cpus);
              return FALSE;
            }
        }
    }
  return TRUE;
}

XpRun *
xp_replay_run (const XpReplayConfig *cfg, GError **error)
{
  g_return_val_if_fail (cfg->topo && cfg->trace && cfg->policy, NULL);
  if (!validate (cfg, error))
    return NULL;

  gint64 wall0 = g_get_monotonic_time ();
  Replay rp = { .cfg = cfg };
  rp.events = xp_event_queue_new ();
  rp.xen = xp_xen_new (cfg->topo, &cfg->behaviour, &cfg->xen, rp.events, error);
  if (!rp.xen)
    {
      xp_event_queue_free (rp.events);
      return NULL;
    }
  gpointer policy_state = cfg->policy->init (cfg->topo, cfg->policy_params, cfg->n_policy_params, error);
  if (!policy_state && error && *error)
    {
      xp_xen_free (rp.xen);
      xp_event_queue_free (rp.events);
      return NULL;
    }
  rp.rand = g_rand_new_with_seed_array ((const guint32[]) { (guint32) cfg->seed, (guint32) (cfg->seed >> 32) }, 2);
  if (cfg->cpu_model && !xp_sched_credit_attach (rp.xen, &cfg->credit, rp.rand, error))
    {
      if (cfg->policy->free)
        cfg->policy->free (policy_state);
      xp_xen_free (rp.xen);
      xp_event_queue_free (rp.events);
      g_rand_free (rp.rand);
      return NULL;
    }
  rp.hv = xp_hv_model_new (rp.xen);
  XpToolstackHooks hooks = {
    .vm_unpausing = vm_unpausing,
    .vm_started = vm_started,
    .vm_destroying = vm_destroying,
    .vm_stopped = vm_stopped,
  };
  rp.ts = xp_toolstack_new (&cfg->toolstack, rp.hv, rp.events, cfg->topo, cfg->policy, policy_state, &hooks, &rp);
  rp.metrics = xp_metrics_new (cfg->topo->n_nodes);
  rp.live = g_hash_table_new (g_str_hash, g_str_equal);
  rp.scratch_free = g_new0 (XpPages, cfg->topo->n_nodes);

  const GArray *ev = cfg->trace->events;
  XpTime span = ev->len ? g_array_index (ev, XpTraceEvent, ev->len - 1).time : 0;
  rp.sample_interval = cfg->sample_interval ? cfg->sample_interval : MAX (10 * XP_NSEC_PER_MSEC, span / 1000);

  gboolean check = cfg->check_invariants;
#ifdef XP_DEBUG_INVARIANTS
  check = TRUE;
#endif
  sample (&rp, TRUE);
  schedule_next_trace_event (&rp);
  g_autoptr (GString) why = g_string_new (NULL);
  guint64 checked_actions = G_MAXUINT64;
  gint64 progress_every = cfg->progress_interval_us > 0 ? cfg->progress_interval_us : 10 * G_USEC_PER_SEC;
  gint64 progress_next = wall0 + progress_every;
  guint progress_countdown = 1;
  while (xp_event_run_one (rp.events))
    {
      /* the clock is read every 4096 events, which is well under a
       * millisecond of the slowest replays */
      if (cfg->progress && !--progress_countdown)
        {
          progress_countdown = 4096;
          if (g_get_monotonic_time () >= progress_next)
            {
              report_progress (&rp, wall0, FALSE);
              progress_next = g_get_monotonic_time () + progress_every;
            }
        }
      /* memory only changes through the toolstack: check after its actions */
      guint64 actions = xp_toolstack_actions (rp.ts);
      if (check && actions != checked_actions && (checked_actions = actions, !xp_heap_check_invariants (rp.xen, why)))
        {
          g_set_error (&rp.error, XP_ERROR, XP_ERROR_FAILED, "invariant broken at t=%" G_GINT64_FORMAT " ns: %s",
                       xp_event_queue_now (rp.events), why->str);
          break;
        }
      if (rp.finished)
        break;
      if (xp_toolstack_error (rp.ts))
        {
          rp.error = g_error_copy (xp_toolstack_error (rp.ts));
          break;
        }
      if (rp.next_trace_event >= ev->len && xp_toolstack_builds_in_flight (rp.ts) == 0)
        {
          if (cfg->tail <= 0 || !cfg->cpu_model)
            break;
          if (!rp.tail_scheduled)
            {
              xp_event_schedule (rp.events, xp_event_queue_now (rp.events) + cfg->tail, tail_over, &rp, NULL);
              rp.tail_scheduled = TRUE;
            }
        }
    }
  sample (&rp, TRUE);
  if (cfg->progress && !rp.error)
    report_progress (&rp, wall0, TRUE);
  /* CPU statistics of the VMs still running at the end */
  if (cfg->cpu_model)
    xp_sched_credit_finish (rp.xen);
  GPtrArray *vms = xp_toolstack_vms (rp.ts);
  for (guint i = 0; i < vms->len; i++)
    {
      XpVm *vm = vms->pdata[i];
      if (vm->state == XP_VM_RUNNING)
        collect_cpu (&rp, vm);
    }

  XpRun *run = NULL;
  if (rp.error)
    g_propagate_error (error, rp.error);
  else
    {
      run = g_new0 (XpRun, 1);
      run->config = *cfg;
      run->events = xp_event_queue_events_run (rp.events);
      run->end_time = xp_event_queue_now (rp.events);
      xp_metrics_finish (rp.metrics, xp_toolstack_vms (rp.ts), run->events);
      if (cfg->cpu_model)
        {
          rp.metrics->node_utilisation_ppm = g_new0 (guint, cfg->topo->n_nodes);
          for (guint n = 0; n < cfg->topo->n_nodes; n++)
            rp.metrics->node_utilisation_ppm[n] = xp_sched_credit_node_utilisation_ppm (rp.xen, n);
        }
      xp_metrics_finish_cpu (rp.metrics, cfg->topo);
      run->metrics = g_steal_pointer (&rp.metrics);
      xp_toolstack_detach (rp.ts);
      run->toolstack = g_steal_pointer (&rp.ts);
    }

  /* the toolstack's VM records stay with the run; the host goes */
  g_free (rp.scratch_free);
  g_hash_table_destroy (rp.live);
  xp_metrics_free (rp.metrics);
  xp_toolstack_free (rp.ts);
  xp_hv_free (rp.hv);
  if (cfg->policy->free)
    cfg->policy->free (policy_state);
  xp_xen_free (rp.xen);
  xp_event_queue_free (rp.events);
  g_rand_free (rp.rand);
  if (run)
    run->wall_seconds = (g_get_monotonic_time () - wall0) / 1e6;
  return run;
}

void
xp_run_free (XpRun *run)
{
  if (!run)
    return;
  xp_metrics_free (run->metrics);
  xp_toolstack_free (run->toolstack);
  g_free (run);
}
