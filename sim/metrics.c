/* xenplace — run metrics. */
#include "config.h"
#include <stdlib.h>
#include "sim/metrics.h"

XpMetrics *
xp_metrics_new (guint n_nodes)
{
  XpMetrics *m = g_new0 (XpMetrics, 1);
  m->n_nodes = n_nodes;
  m->vms = g_array_new (FALSE, TRUE, sizeof (XpVmMetrics));
  m->samples = g_array_new (FALSE, TRUE, sizeof (XpSample));
  m->node_min_free = g_new (XpPages, n_nodes);
  for (guint i = 0; i < n_nodes; i++)
    m->node_min_free[i] = G_MAXUINT64;
  return m;
}

void
xp_metrics_free (XpMetrics *m)
{
  if (!m)
    return;
  g_free (m->no_pages);
  g_free (m->node_utilisation_ppm);
  for (guint i = 0; i < m->samples->len; i++)
    g_free (g_array_index (m->samples, XpSample, i).node_free);
  g_array_free (m->vms, TRUE);
  g_array_free (m->samples, TRUE);
  g_free (m->node_min_free);
  g_free (m);
}

void
xp_metrics_sample (XpMetrics *m, XpTime time, const XpPages *node_free, XpPages outstanding)
{
  XpSample s = { .time = time, .node_free = g_memdup2 (node_free, m->n_nodes * sizeof (XpPages)),
                 .outstanding_claims = outstanding };
  g_array_append_val (m->samples, s);
  for (guint i = 0; i < m->n_nodes; i++)
    m->node_min_free[i] = MIN (m->node_min_free[i], node_free[i]);
}

static int
cmp_time (gconstpointer a, gconstpointer b)
{
  XpTime x = *(const XpTime *) a, y = *(const XpTime *) b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static XpTime
percentile (const XpTime *sorted, guint n, guint pct)
{
  if (!n)
    return 0;
  guint rank = (guint) (((guint64) pct * n + 99) / 100);
  return sorted[MAX (rank, 1) - 1];
}

void
xp_metrics_finish (XpMetrics *m, GPtrArray *vms, guint64 events)
{
  XpRunSummary *s = &m->summary;
  memset (s, 0, sizeof *s);
  g_autofree XpTime *lat = g_new (XpTime, vms->len + 1);
  if (!m->vms->len)
    {
      /* one row per VM: sized once, not doubled as it grows (a quarter
       * of a large run's peak memory could be unused slack) */
      g_array_unref (m->vms);
      m->vms = g_array_sized_new (FALSE, TRUE, sizeof (XpVmMetrics), vms->len);
    }
  guint n_lat = 0;
  double loc_sum = 0, super_pages = 0, all_pages = 0, home_pages = 0;

  for (guint i = 0; i < vms->len; i++)
    {
      const XpVm *vm = vms->pdata[i];
      XpVmMetrics v = {
        .name = vm->name, .vcpus = vm->vcpus, .memory_mib = vm->memory_mib, .state = vm->state,
        .failure = vm->failure, .domid = vm->domid, .submit_time = vm->submit_time,
        .start_latency = -1, .stop_time = vm->stop_time,
        .decision_nodes = vm->decision.nodes, .decision_placed = vm->decision.placed,
        .affinity_nodes = vm->affinity_nodes, .affinity_kind = vm->affinity_kind,
        .claim_made = vm->claim_made, .single_node_fit = vm->single_node_fit,
        .extents_1g = vm->extents_1g, .extents_2m = vm->extents_2m, .pages_4k = vm->pages_4k,
        .dirty_pages_scrubbed = vm->dirty_pages_scrubbed,
      };
      if (!vm->node_pages && !m->no_pages)
        m->no_pages = g_new0 (XpPages, m->n_nodes);
      v.node_pages = vm->node_pages ? vm->node_pages : m->no_pages;
      if (vm->has_cpu_stats)
        {
          v.has_cpu = TRUE;
          v.run_ns = vm->run_ns;
          v.wait_ns = vm->wait_ns;
          v.wait_count = vm->wait_count;
          v.node_migrations = vm->node_migrations;
          v.run_on_node = vm->run_on_node;
        }
      XpPages best = 0;
      for (guint n = 0; n < m->n_nodes; n++)
        {
          v.pages += v.node_pages[n];
          if (v.node_pages[n] > best)
            {
              best = v.node_pages[n];
              v.home_node = n;
            }
          if (v.node_pages[n] > XP_NUMA_NODE_THRESHOLD_PAGES)
            v.numa_nodes++;
        }
      v.locality = v.pages ? (double) best / (double) v.pages : 0;
      v.spread = v.numa_nodes > 1;
      v.avoidable_spread = v.spread && v.single_node_fit;
      guint64 sp = (v.extents_1g << 18) + (v.extents_2m << 9);
      guint64 populated = sp + v.pages_4k;
      v.superpage_share = populated ? (double) sp / (double) populated : 0;

      s->vms++;
      gboolean ran = vm->running_time > 0 || vm->state == XP_VM_RUNNING
                     || (vm->state == XP_VM_STOPPED && !vm->failure);
      if (vm->state == XP_VM_FAILED)
        s->failed++;
      else if (ran)
        {
          s->started++;
          v.start_latency = vm->running_time - vm->submit_time;
          lat[n_lat++] = v.start_latency;
          s->latency_mean += v.start_latency;
          s->makespan = MAX (s->makespan, vm->running_time);
          loc_sum += v.locality;
          home_pages += (double) best;
          all_pages += (double) v.pages;
          super_pages += (double) sp;
          if (v.spread)
            s->spread++;
          if (v.avoidable_spread)
            s->avoidable_spread++;
        }
      if (vm->state == XP_VM_STOPPED)
        s->stopped++;
      g_array_append_val (m->vms, v);
    }
  if (n_lat)
    {
      s->latency_mean /= n_lat;
      qsort (lat, n_lat, sizeof (XpTime), cmp_time);
      s->latency_p50 = percentile (lat, n_lat, 50);
      s->latency_p95 = percentile (lat, n_lat, 95);
      s->latency_max = lat[n_lat - 1];
      s->mean_locality = loc_sum / n_lat;
    }
  /* superpage share over the pages that were populated by the builder */
  double populated_all = 0;
  for (guint i = 0; i < m->vms->len; i++)
    {
      const XpVmMetrics *v = &g_array_index (m->vms, XpVmMetrics, i);
      if (v->start_latency >= 0)
        populated_all += (double) ((v->extents_1g << 18) + (v->extents_2m << 9) + v->pages_4k);
    }
  s->superpage_share = populated_all > 0 ? super_pages / populated_all : 0;
  s->page_weighted_locality = all_pages > 0 ? home_pages / all_pages : 0;
  s->events = events;
}

void
xp_metrics_finish_cpu (XpMetrics *m, const XpTopology *topo)
{
  XpRunSummary *s = &m->summary;
  double loc_sum = 0, loc_weighted = 0, run_total = 0, remote_sum = 0;
  XpTime wait_sum = 0;
  guint64 wait_n = 0;
  guint n_vms = 0;
  for (guint i = 0; i < m->vms->len; i++)
    {
      XpVmMetrics *v = &g_array_index (m->vms, XpVmMetrics, i);
      if (!v->has_cpu)
        continue;
      s->has_cpu = TRUE;
      s->node_migrations += v->node_migrations;
      wait_sum += v->wait_ns;
      wait_n += v->wait_count;
      if (v->run_ns <= 0 || v->pages == 0)
        continue;
      double loc = 0, remote = 0;
      for (guint a = 0; a < m->n_nodes; a++)
        {
          double run_share = (double) v->run_on_node[a] / (double) v->run_ns;
          loc += run_share * (double) v->node_pages[a] / (double) v->pages;
          for (guint b = 0; b < m->n_nodes; b++)
            remote += run_share * (double) v->node_pages[b] / (double) v->pages * xp_topology_distance (topo, a, b) / 10.0;
        }
      v->exec_locality = loc;
      v->remote_factor = remote;
      loc_sum += loc;
      remote_sum += remote;
      loc_weighted += loc * (double) v->run_ns;
      run_total += (double) v->run_ns;
      n_vms++;
    }
  if (n_vms)
    {
      s->mean_exec_locality = loc_sum / n_vms;
      s->mean_remote_factor = remote_sum / n_vms;
      s->runtime_weighted_exec_locality = loc_weighted / run_total;
    }
  s->mean_wait_ns = wait_n ? wait_sum / (XpTime) wait_n : 0;
}
