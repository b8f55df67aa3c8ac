/* xenplace — running a bench plan on a thread pool. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "bench/runner.h"
#include "sim/error.h"
#include "sim/replay.h"
#include "sim/results.h"
#include "sim/util.h"

/* Inputs shared read-only by all workers. */
typedef struct {
  const XpPolicy *policy;
  GPtrArray *params;            /* as xp_policy_parse_spec returned them */
  GArray *param_array;          /* XpPolicyParam, contiguous */
  char *plugin;                 /* a plugin's file as the scenario writes it, NULL for a built-in */
} PolicyInput;

typedef struct {
  XpReplayConfig cfg;           /* everything but the seed */
  guint64 trace_vms;            /* VMs of the whole trace (reduced plans) */
} ConfigInput;

typedef struct {
  guint run;                    /* index into plan->runs */
  gboolean ok;
  char *error;
  double wall_min, wall_median;
  guint64 events;
} Job;

typedef struct {
  const XpBenchPlan *plan;
  const char *dir;
  ConfigInput *configs;         /* per configuration (NULL cfg.topo: not needed) */
  Job *jobs;
  GAsyncQueue *done;
} Shared;

static void
policy_input_free (gpointer p)
{
  PolicyInput *pi = p;
  if (pi->params)
    g_ptr_array_unref (pi->params);
  g_array_unref (pi->param_array);
  g_free (pi->plugin);
  g_free (pi);
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
worker (gpointer data, gpointer user_data)
{
  Shared *sh = user_data;
  Job *job = data;
  const XpBenchRun *run = sh->plan->runs->pdata[job->run];
  XpReplayConfig cfg = sh->configs[run->config].cfg;
  cfg.seed = run->seed;
  guint repeat = MAX (sh->plan->repeat, 1);
  g_autofree double *walls = g_new (double, repeat);
  g_autoptr (XpRun) result = NULL;
  g_autoptr (GError) error = NULL;
  for (guint i = 0; i < repeat; i++)
    {
      g_clear_pointer (&result, xp_run_free);
      result = xp_replay_run (&cfg, &error);
      if (!result)
        break;
      walls[i] = result->wall_seconds;
    }
  if (result)
    {
      g_autofree char *path = xp_bench_run_path (sh->dir, run);
      /* a reduced run says so in its results file */
      XpResultsReduced reduced = { sh->plan->max_vms, sh->configs[run->config].trace_vms };
      if (xp_results_write (result, sh->plan->max_vms ? &reduced : NULL, path, &error))
        {
          job->ok = TRUE;
          job->events = result->events;
          qsort (walls, repeat, sizeof (double), cmp_double);
          job->wall_min = walls[0];
          job->wall_median = repeat % 2 ? walls[repeat / 2] : (walls[repeat / 2 - 1] + walls[repeat / 2]) / 2;
        }
    }
  if (!job->ok)
    job->error = g_strdup_printf ("%s: %s", run->name, error ? error->message : "failed");
  g_async_queue_push (sh->done, job);
}

/* Errors about an axis value name the scenario line of the axis. */
static void
axis_error (const XpBenchPlan *plan, XpAxis axis, const char *value, GError *cause, GError **error)
{
  const XpScenario *s = plan->source;
  if (s && s->axis_line[axis])
    g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s:%u: %s: '%s': %s", s->path, s->axis_line[axis], xp_axis_key (axis),
                 value, cause->message);
  else
    g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: '%s': %s", xp_axis_key (axis), value, cause->message);
}

/* The first @max_vms VMs of @t: their starts, their stops, and the toolstack
 * restarts up to the last of those events (all of them when no VM is cut),
 * in the original order. */
static XpTrace *
trace_head (const XpTrace *t, guint64 max_vms, guint64 *total_vms, GError **error)
{
  const XpTraceEvent *ev = (const XpTraceEvent *) t->events->data;
  guint n = t->events->len;
  g_autofree gboolean *keep = g_new0 (gboolean, n);
  g_autoptr (GHashTable) live = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 starts = 0;
  XpTime last = 0;
  for (guint i = 0; i < n; i++)
    if (ev[i].type == XP_TRACE_START)
      {
        if (starts++ < max_vms)
          {
            keep[i] = TRUE;
            g_hash_table_add (live, (gpointer) ev[i].vm);
            last = ev[i].time;
          }
      }
    else if (ev[i].type == XP_TRACE_STOP && g_hash_table_remove (live, ev[i].vm))
      {
        keep[i] = TRUE;
        last = ev[i].time;
      }
  *total_vms = starts;
  if (starts <= max_vms)
    last = G_MAXINT64;   /* nothing cut: the restarts after the last VM too */
  g_autoptr (XpTrace) out = xp_trace_new (t->path);
  for (guint i = 0; i < n; i++)
    {
      /* stops made from a start's lifetime are made again by xp_trace_finish */
      if (ev[i].type == XP_TRACE_TOOLSTACK_RESTART ? ev[i].time > last : !keep[i] || ev[i].from_lifetime)
        continue;
      XpTraceEvent e = ev[i];
      if (e.vm)
        e.vm = g_string_chunk_insert_const (out->strings, e.vm);
      if (e.hard_affinity)
        e.hard_affinity = xp_trace_intern_mask (out, e.hard_affinity);
      g_array_append_val (out->events, e);
    }
  if (!xp_trace_finish (out, error))
    return NULL;
  return g_steal_pointer (&out);
}

/* Rows "run → line" of an earlier timing.tsv, to keep those of skipped runs. */
static GHashTable *
old_timing_rows (const char *path)
{
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return h;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[0] && lines[i]; i++)
    {
      char *tab = strchr (lines[i], '\t');
      if (tab)
        g_hash_table_insert (h, g_strndup (lines[i], tab - lines[i]), g_strdup (lines[i]));
    }
  return h;
}

gboolean
xp_bench_run (const XpBenchPlan *plan, const char *dir, const XpBenchRunOptions *opts, XpBenchRunStats *stats,
              GError **error)
{
  g_return_val_if_fail (plan->source != NULL, FALSE);
  XpBenchRunStats st = { .total = plan->runs->len };

  /* what is left to do */
  guint n_runs = plan->runs->len;
  g_autofree gboolean *todo = g_new0 (gboolean, n_runs);
  g_autofree gboolean *config_needed = g_new0 (gboolean, plan->configs->len);
  XpXenParams xen_params;
  if (!xp_bench_plan_xen_params (plan, &xen_params, error))
    return FALSE;
  for (guint i = 0; i < n_runs; i++)
    {
      const XpBenchRun *r = plan->runs->pdata[i];
      g_autofree char *path = xp_bench_run_path (dir, r);
      if (g_file_test (path, G_FILE_TEST_EXISTS)
          && xp_bench_read_run_plugin (path, &r->seed, plan->max_vms, r->policy_spec, r->plugin_sha256, &xen_params,
                                       NULL, NULL, NULL))
        st.skipped++;
      else
        todo[i] = config_needed[r->config] = TRUE;
    }

  /* load every input once */
  g_autoptr (GHashTable) topos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) xp_topology_free);
  g_autoptr (GHashTable) traces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) xp_trace_free);
  g_autoptr (GHashTable) trace_vms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) policies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, policy_input_free);
  g_autofree ConfigInput *configs = g_new0 (ConfigInput, plan->configs->len);
  for (guint i = 0; i < n_runs; i++)
    {
      if (!todo[i])
        continue;
      const XpBenchRun *r = plan->runs->pdata[i];
      const XpBenchConfig *c = plan->configs->pdata[r->config];
      ConfigInput *ci = &configs[r->config];
      if (ci->cfg.topo)
        continue;
      g_autoptr (GError) local = NULL;
      XpReplayConfig *cfg = &ci->cfg;
      xp_replay_config_init (cfg);

      XpTopology *topo = g_hash_table_lookup (topos, r->topology);
      if (!topo)
        {
          topo = xp_topology_load (r->topology, &local);
          if (!topo)
            {
              axis_error (plan, XP_AXIS_TOPOLOGY, c->axis[XP_AXIS_TOPOLOGY], local, error);
              return FALSE;
            }
          g_hash_table_insert (topos, g_strdup (r->topology), topo);
        }
      XpTrace *trace = g_hash_table_lookup (traces, r->trace);
      if (!trace)
        {
          trace = xp_trace_load (r->trace, &local);
          guint64 *total = g_new0 (guint64, 1);
          g_hash_table_insert (trace_vms, g_strdup (r->trace), total);
          if (trace && plan->max_vms)
            {
              XpTrace *full = trace;
              trace = trace_head (full, plan->max_vms, total, &local);
              xp_trace_free (full);
            }
          if (!trace)
            {
              axis_error (plan, XP_AXIS_TRACE, c->axis[XP_AXIS_TRACE], local, error);
              return FALSE;
            }
          g_hash_table_insert (traces, g_strdup (r->trace), trace);
        }
      ci->trace_vms = *(guint64 *) g_hash_table_lookup (trace_vms, r->trace);
      PolicyInput *pi = g_hash_table_lookup (policies, r->policy_spec);
      if (!pi)
        {
          pi = g_new0 (PolicyInput, 1);
          pi->param_array = g_array_new (FALSE, FALSE, sizeof (XpPolicyParam));
          /* a plugin's file is relative to the scenario, as traces are */
          pi->policy = xp_policy_parse_spec_in (r->policy_spec, plan->source->dir, &pi->params, &local);
          if (r->policy_plugin)
            pi->plugin = g_strndup (r->policy_spec, strcspn (r->policy_spec, ":"));
          if (!pi->policy)
            {
              policy_input_free (pi);
              axis_error (plan, XP_AXIS_POLICY, c->axis[XP_AXIS_POLICY], local, error);
              return FALSE;
            }
          for (guint k = 0; pi->params && k < pi->params->len; k++)
            g_array_append_val (pi->param_array, *(const XpPolicyParam *) pi->params->pdata[k]);
          g_hash_table_insert (policies, g_strdup (r->policy_spec), pi);
        }
      cfg->topo = topo;
      /* the inputs as the scenario names them: results files do not
       * depend on where the scenario lies */
      cfg->topology_spec = c->axis[XP_AXIS_TOPOLOGY];
      cfg->trace = trace;
      cfg->trace_spec = c->axis[XP_AXIS_TRACE];
      cfg->policy_spec = r->policy_spec;
      cfg->policy = pi->policy;
      cfg->policy_plugin = pi->plugin;
      cfg->policy_plugin_sha256 = r->plugin_sha256;
      cfg->policy_params = (const XpPolicyParam *) pi->param_array->data;
      cfg->n_policy_params = pi->param_array->len;
      cfg->xen_version = c->axis[XP_AXIS_XEN];
      if (!xp_xen_behaviour_init (&cfg->behaviour, cfg->xen_version, &local))
        {
          axis_error (plan, XP_AXIS_XEN, c->axis[XP_AXIS_XEN], local, error);
          return FALSE;
        }
      gboolean nc = FALSE;
      xp_bench_node_claims_parse (c->axis[XP_AXIS_NODE_CLAIMS], &nc);
      if (nc)
        cfg->behaviour.node_claims = XP_NODE_CLAIMS_SINGLE;
      for (guint k = 0; k < plan->xen_params->len; k++)
        if (!xp_xen_params_set (&cfg->xen, plan->xen_params->pdata[k], &local))
          {
            g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "xen_params: '%s': %s", (char *) plan->xen_params->pdata[k],
                         local->message);
            return FALSE;
          }
      if (!xp_bench_toolstack_parse (c->axis[XP_AXIS_TOOLSTACK], &cfg->toolstack, &local))
        {
          axis_error (plan, XP_AXIS_TOOLSTACK, c->axis[XP_AXIS_TOOLSTACK], local, error);
          return FALSE;
        }
    }

  /* Only once every input has loaded is the directory made or touched:
   * a scenario naming a topology or trace that does not load leaves no
   * directory behind, and an existing one keeps the matrix.json that
   * describes its runs. */
  g_autofree char *runs_dir = g_build_filename (dir, "runs", NULL);
  if (g_mkdir_with_parents (runs_dir, 0755) != 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot create: %s", runs_dir, g_strerror (errno));
      return FALSE;
    }
  g_autofree char *mpath = g_build_filename (dir, "matrix.json", NULL);
  if (!xp_bench_plan_write (plan, mpath, error))
    return FALSE;

  /* run */
  guint n_todo = n_runs - st.skipped;
  g_autofree Job *jobs = g_new0 (Job, n_runs);
  Shared sh = { plan, dir, configs, jobs, g_async_queue_new () };
  guint threads = opts && opts->jobs ? opts->jobs : g_get_num_processors ();
  gboolean progress = opts && opts->progress;
  gint64 t0 = g_get_monotonic_time ();
  if (n_todo)
    {
      GThreadPool *pool = g_thread_pool_new (worker, &sh, (gint) MIN (threads, n_todo), TRUE, error);
      if (!pool)
        {
          g_async_queue_unref (sh.done);
          return FALSE;
        }
      for (guint i = 0; i < n_runs; i++)
        if (todo[i])
          {
            jobs[i].run = i;
            g_thread_pool_push (pool, &jobs[i], NULL);
          }
      for (guint k = 0; k < n_todo; k++)
        {
          Job *j = g_async_queue_pop (sh.done);
          if (j->ok)
            st.executed++;
          else
            st.failed++;
          if (progress)
            {
              double el = (g_get_monotonic_time () - t0) / 1e6;
              const XpBenchRun *r = plan->runs->pdata[j->run];
              double eta = el / (k + 1) * (n_todo - k - 1);
              fprintf (stderr, "\r\033[K[%u/%u] %.0f s, about %.0f s left  %s%s", k + 1, n_todo, el, eta, r->name,
                       j->ok ? "" : " FAILED");
              fflush (stderr);
            }
        }
      if (progress)
        fputc ('\n', stderr);
      g_thread_pool_free (pool, FALSE, TRUE);
    }
  g_async_queue_unref (sh.done);
  if (stats)
    *stats = st;

  /* timing.tsv: fresh rows for runs done now, earlier rows for the others */
  g_autofree char *tpath = g_build_filename (dir, "timing.tsv", NULL);
  g_autoptr (GHashTable) old = old_timing_rows (tpath);
  g_autoptr (GString) timing = g_string_new ("run\tconfiguration\tseed\trepeat\twall_s_min\twall_s_median\tevents\n");
  for (guint i = 0; i < n_runs; i++)
    {
      const XpBenchRun *r = plan->runs->pdata[i];
      const XpBenchConfig *c = plan->configs->pdata[r->config];
      if (todo[i] && jobs[i].ok)
        {
          g_autofree char *mn = xp_bench_format_double (jobs[i].wall_min);
          g_autofree char *md = xp_bench_format_double (jobs[i].wall_median);
          g_string_append_printf (timing, "%s\t%s\t%" G_GUINT64_FORMAT "\t%u\t%s\t%s\t%" G_GUINT64_FORMAT "\n", r->name,
                                  c->id, r->seed, MAX (plan->repeat, 1), mn, md, jobs[i].events);
        }
      else if (!todo[i] && g_hash_table_lookup (old, r->name))
        g_string_append_printf (timing, "%s\n", (char *) g_hash_table_lookup (old, r->name));
    }
  if (!xp_write_file_atomic (tpath, timing->str, -1, error))
    return FALSE;

  if (st.failed)
    {
      g_autoptr (GString) msg = g_string_new (NULL);
      guint shown = 0;
      for (guint i = 0; i < n_runs; i++)
        if (todo[i] && !jobs[i].ok)
          {
            if (shown++ < 3)
              g_string_append_printf (msg, "\n  %s", jobs[i].error);
          }
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "%u of %u runs failed:%s%s", st.failed, n_todo, msg->str,
                   st.failed > 3 ? "\n  ..." : "");
      for (guint i = 0; i < n_runs; i++)
        g_free (jobs[i].error);
      return FALSE;
    }
  g_autoptr (XpSummary) s = xp_bench_summarize (plan, dir, error);
  return s && xp_bench_write_summary (s, dir, error);
}
