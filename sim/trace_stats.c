/* xenplace — trace summary statistics. */
#include "config.h"
#include <stdlib.h>
#include "sim/trace_stats.h"
#include "sim/util.h"

static gint
cmp_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/* Nearest rank: the value at 1-based rank ceil(p/100 * n). */
static guint64
rank (const guint64 *sorted, guint n, guint pct)
{
  guint r = (guint) (((guint64) pct * n + 99) / 100);
  return sorted[MAX (r, 1) - 1];
}

static void
quantiles (guint64 *v, guint n, XpQuantiles *q)
{
  memset (q, 0, sizeof *q);
  if (!n)
    return;
  qsort (v, n, sizeof *v, cmp_u64);
  q->min = v[0];
  q->median = rank (v, n, 50);
  q->p95 = rank (v, n, 95);
  q->max = v[n - 1];
}

void
xp_trace_stats_compute (const XpTrace *trace, XpTraceStats *s)
{
  memset (s, 0, sizeof *s);
  const GArray *evs = trace->events;
  s->n_events = evs->len;
  g_autofree guint64 *vc = g_new (guint64, evs->len + 1);
  g_autofree guint64 *mem = g_new (guint64, evs->len + 1);
  /* Live sizes by VM name, for the sweep: stops carry no size. */
  g_autoptr (GHashTable) live = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 cur_vcpus = 0, cur_mem = 0;
  XpTime first_start = 0, last_start = 0;
  for (guint i = 0; i < evs->len; i++)
    {
      const XpTraceEvent *ev = &g_array_index (evs, XpTraceEvent, i);
      switch (ev->type)
        {
        case XP_TRACE_START:
          if (!s->n_starts)
            first_start = ev->time;
          last_start = ev->time;
          vc[s->n_starts] = ev->vcpus;
          mem[s->n_starts] = ev->memory_mib;
          s->n_starts++;
          s->total_vcpus += ev->vcpus;
          s->total_memory_mib += ev->memory_mib;
          g_hash_table_insert (live, (gpointer) ev->vm, (gpointer) ev);
          cur_vcpus += ev->vcpus;
          cur_mem += ev->memory_mib;
          if (g_hash_table_size (live) > s->peak_vms)
            s->peak_vms = g_hash_table_size (live);
          if (cur_vcpus > s->peak_vcpus)
            {
              s->peak_vcpus = cur_vcpus;
              s->peak_vcpus_at = ev->time;
            }
          if (cur_mem > s->peak_memory_mib)
            {
              s->peak_memory_mib = cur_mem;
              s->peak_memory_at = ev->time;
            }
          break;
        case XP_TRACE_STOP:
          {
            s->n_stops++;
            if (ev->from_lifetime)
              s->n_lifetime_stops++;
            const XpTraceEvent *st = g_hash_table_lookup (live, ev->vm);
            if (st)
              {
                cur_vcpus -= st->vcpus;
                cur_mem -= st->memory_mib;
                g_hash_table_remove (live, ev->vm);
              }
            break;
          }
        case XP_TRACE_TOOLSTACK_RESTART:
          s->n_restarts++;
          break;
        }
    }
  s->running_at_end = g_hash_table_size (live);
  if (evs->len)
    {
      s->first = g_array_index (evs, XpTraceEvent, 0).time;
      s->last = g_array_index (evs, XpTraceEvent, evs->len - 1).time;
      s->duration = s->last - s->first;
    }
  /* n starts span n - 1 inter-arrival gaps. */
  if (s->n_starts > 1 && last_start > first_start)
    s->arrival_rate = (double) (s->n_starts - 1) / ((double) (last_start - first_start) / (double) XP_NSEC_PER_SEC);
  quantiles (vc, s->n_starts, &s->vcpus);
  quantiles (mem, s->n_starts, &s->memory_mib);
}

char *
xp_trace_stats_format (const XpTrace *trace, const XpTraceStats *s)
{
  GString *o = g_string_new (NULL);
  g_autofree char *first = xp_trace_format_seconds (s->first);
  g_autofree char *last = xp_trace_format_seconds (s->last);
  g_autofree char *dur = xp_trace_format_seconds (s->duration);
  g_autofree char *pv_at = xp_trace_format_seconds (s->peak_vcpus_at);
  g_autofree char *pm_at = xp_trace_format_seconds (s->peak_memory_at);
  g_autofree char *tot_mem = xp_format_bytes (s->total_memory_mib << 20);
  g_autofree char *peak_mem = xp_format_bytes (s->peak_memory_mib << 20);
  g_string_append_printf (o, "trace:            %s\n", trace->path);
  g_string_append_printf (o, "events:           %u (start %u, stop %u of which %u from lifetimes, toolstack_restart %u)\n",
                          s->n_events, s->n_starts, s->n_stops, s->n_lifetime_stops, s->n_restarts);
  g_string_append_printf (o, "time span:        %s s .. %s s (duration %s s)\n", first, last, dur);
  g_string_append_printf (o, "arrival rate:     %.3f starts/s\n", s->arrival_rate);
  g_string_append_printf (o, "vcpus per VM:     min %" G_GUINT64_FORMAT "  median %" G_GUINT64_FORMAT
                          "  p95 %" G_GUINT64_FORMAT "  max %" G_GUINT64_FORMAT "  (total %" G_GUINT64_FORMAT ")\n",
                          s->vcpus.min, s->vcpus.median, s->vcpus.p95, s->vcpus.max, s->total_vcpus);
  g_string_append_printf (o, "memory per VM:    min %" G_GUINT64_FORMAT "  median %" G_GUINT64_FORMAT
                          "  p95 %" G_GUINT64_FORMAT "  max %" G_GUINT64_FORMAT " MiB  (total %s)\n",
                          s->memory_mib.min, s->memory_mib.median, s->memory_mib.p95, s->memory_mib.max, tot_mem);
  g_string_append_printf (o, "peak concurrent:  %u VMs, %" G_GUINT64_FORMAT " vCPUs at %s s, %" G_GUINT64_FORMAT
                          " MiB (%s) at %s s\n",
                          s->peak_vms, s->peak_vcpus, pv_at, s->peak_memory_mib, peak_mem, pm_at);
  g_string_append_printf (o, "running at end:   %u VMs\n", s->running_at_end);
  return g_string_free (o, FALSE);
}
