/* xenplace — credit1 scheduler model (xen/common/sched/credit.c), driven by
 * the discrete-event queue.
 *
 * Mapping of Xen's machinery onto events:
 *  - SCHEDULE_SOFTIRQ raised on a pCPU = an event at the current time for
 *    that pCPU (at most one pending); it runs do_schedule() (csched_schedule
 *    plus the context switch done by core.c's schedule()).
 *  - the per-pCPU scheduling timer (end of timeslice / ratelimit slice) and
 *    the end of the running vCPU's busy period share one event per pCPU.
 *  - csched_tick: Xen's per-pCPU tickers all run on the 10 ms grid (a
 *    ticker stops when its pCPU idles and restarts aligned to the period),
 *    so one event per grid point, armed only while some pCPU is busy,
 *    ticks every pCPU whose ticker was running (ascending pCPU id).
 *  - csched_acct: one global event every timeslice (30 ms) while some
 *    domain is active; it is re-armed on the same 30 ms grid when a vCPU
 *    becomes active again (Xen's acct with no active weight only resets the
 *    balance, which is what happens here as well).
 *  - context switches, IPIs and softirqs take no simulated time; the
 *    vCPU being switched out is "saved" at once (migrations finish there).
 *
 * Simplifications, each with its cost:
 *  - burn_credits charges exactly 10 credits per ms with an ns remainder;
 *    Xen's remainder handling can charge up to one credit more per burn.
 *  - _csched_cpu_pick's SMT/socket comparison is reduced to "prefer an idle
 *    pCPU whose whole core is idle over an idle hyperthread" (scan in cycle
 *    order from the start pCPU). Cost: no "twice as many idle cores on the
 *    other socket" spreading across sockets, no idle_bias rotation; a vCPU
 *    may stay on a busier socket where Xen would move it.
 *  - the tickle round-robin (last_tickle_cpu) is kept per pCPU of the woken
 *    vCPU, not per waking pCPU (the waker is an external event here).
 *  - spinlock trylock failures in load balancing never happen (no
 *    concurrency); tasklets, cpupools (one pool = all online pCPUs) and
 *    pCPU hotplug are not modelled.
 *  - csched_acct computes in 64 bits where Xen's uint32 arithmetic could
 *    overflow (very large weights × vCPU counts × pCPUs).
 *
 * Speed: the peers visited by load balancing are filtered with per-node
 * and per-pCPU counters (queued vCPUs, queued UNDER/BOOST vCPUs, queued
 * vCPUs whose soft affinity touches a node) that only skip pCPUs Xen's
 * loop would skip without stealing, so the result is the same.
 */
#include "config.h"
#include "sim/xen/sched_credit.h"
#include "sim/error.h"

/* The memory model's scrubber wants to know which nodes have an idle pCPU.
 * It lives in page_alloc.c; the call is skipped when that is not linked or
 * the host has no heap (hosts built by hand in tests). */
#pragma weak xp_heap_set_node_idle

#define PRI_BOOST XP_CSCHED_PRI_BOOST
#define PRI_UNDER XP_CSCHED_PRI_UNDER
#define PRI_OVER  XP_CSCHED_PRI_OVER
#define PRI_IDLE  XP_CSCHED_PRI_IDLE

#define MIN_TIMER (100 * XP_NSEC_PER_USEC)   /* CSCHED_MIN_TIMER */
#define TICKS_PER_TSLICE 3

enum {
  FLAG_PARKED = 1u << 0,
  FLAG_YIELD = 1u << 1,
  FLAG_MIGRATING = 1u << 2,
  FLAG_PINNED = 1u << 3,
};

enum { STEP_SOFT, STEP_HARD };

typedef struct CDom CDom;
typedef struct CVcpu CVcpu;
typedef struct Credit Credit;

struct CVcpu {
  XpVcpu *v;
  CDom *sdom;
  /* runqueue links (csched_unit.runq_elem) */
  CVcpu *rq_prev, *rq_next;
  gboolean on_runq;
  XpNodemask soft_nodes;       /* nodes its soft balancing mask touches (0: no soft affinity) */
  XpNodemask q_soft_nodes;     /* soft_nodes when it was queued */
  /* active list links (csched_unit.active_unit_elem) */
  CVcpu *act_prev, *act_next;
  gboolean active;
  gint pri;
  gint credit;
  XpTime burn_from;            /* credits burnt up to here */
  gint64 burn_residual;        /* (ns × 10) not yet charged */
  guint flags;
  gboolean running;
  gboolean migrate_pending;    /* _VPF_migrating */
  XpTime last_sched;           /* last_sched_time (cache-hot check) */
  /* workload */
  gboolean wl_started, has_work;
  XpTime work_left;            /* XP_TIME_NEVER: endless */
  XpEventId wake_ev;
  /* statistics */
  XpTime wait_since;           /* -1: not waiting */
  XpTime wait_ns;
  guint64 wait_count, migrations, node_migrations, wakeups;
  XpTime run_total;
  XpTime *run_ns;              /* per node */
};

struct CDom {
  XpDomain *d;
  guint weight, cap;
  guint active_count;
  CVcpu *act_head;             /* active vCPUs, newest first */
  CDom *prev, *next;           /* active domain list */
  gboolean on_active;
  gboolean paused;
  guint n_vcpus;
  guint demand_ppm;
};

typedef struct {
  CVcpu *curr;                 /* NULL: idle vCPU */
  CVcpu *rq_head, *rq_tail;
  guint nr_runnable;           /* running (non-idle) + queued, as Xen counts */
  guint nr_queued_hi;          /* queued with pri > OVER (exact filter for stealing) */
  XpTime next_tick;            /* first global tick this pCPU takes part in */
  XpEventId timer_ev, softirq_ev;
  XpTime run_start;            /* state_entry_time of curr */
  XpTime acct_from;            /* stats accounted up to here */
  XpTime slice_end;
  XpTime last_lb;
  guint runq_sort_last;
  guint last_tickle;
  guint node, core;
  XpTime busy_ns;
} CPcpu;

struct Credit {
  XpXen *xen;
  XpEventQueue *q;
  XpCreditParams p;
  XpWorkload *wl;
  guint n_cpus, n_nodes, nw, n_cores;
  CPcpu *pcpu;
  guint64 *online;             /* nw words */
  guint64 *idlers;             /* prv->idlers */
  guint n_idlers;
  guint64 *busy;               /* pCPUs running a vCPU (their tick is on) */
  guint64 *multi;              /* pCPUs with nr_runnable > 1 (something queued) */
  guint64 *hi;                 /* pCPUs with nr_queued_hi > 0 */
  guint n_busy;
  XpEventId tick_ev;           /* the global tick (see ev_tick) */
  guint64 *node_cpus;          /* n_nodes × nw */
  XpNodemask nodes;            /* nodes with pCPUs */
  guint *balance_bias;
  guint *core_threads, *core_idle;  /* per core: pCPUs, idlers among them */
  guint *node_idle_cpus;       /* per node: pCPUs running idle */
  guint *node_multi;           /* per node: pCPUs with nr_runnable > 1 */
  guint *node_hi;              /* per node: queued vCPUs with pri > OVER */
  guint *soft_cnt;             /* [queue node][n]: queued vCPUs whose soft mask touches node n */
  gboolean *node_has_idle;
  /* accounting */
  XpTime tslice, tick_period, ratelimit, lb_ratelimit, migr_delay;
  gint credits_per_tslice;
  guint credit;                /* credits_per_tslice × ncpus */
  guint weight;                /* Σ weight of active vCPUs */
  gint credit_balance;
  CDom *active_head;
  guint runq_sort;
  XpEventId acct_ev;
  XpTime attach_time;
  XpCreditCounters ctr;
  XpCreditExitFunc exit_fn;
  gpointer exit_data;
};

static const XpSchedOps credit_ops;

/* ---- masks over the host's nw words ------------------------------------ */

static inline gboolean m_test (const guint64 *m, guint c) { return (m[c / 64] >> (c % 64)) & 1; }
static inline void m_set (guint64 *m, guint c) { m[c / 64] |= G_GUINT64_CONSTANT (1) << (c % 64); }
static inline void m_clr (guint64 *m, guint c) { m[c / 64] &= ~(G_GUINT64_CONSTANT (1) << (c % 64)); }

static inline gboolean
m_empty (const guint64 *m, guint nw)
{
  for (guint w = 0; w < nw; w++)
    if (m[w])
      return FALSE;
  return TRUE;
}

static inline void
m_and (guint64 *d, const guint64 *a, const guint64 *b, guint nw)
{
  for (guint w = 0; w < nw; w++)
    d[w] = a[w] & b[w];
}

static inline gboolean
m_subset (const guint64 *a, const guint64 *b, guint nw)
{
  for (guint w = 0; w < nw; w++)
    if (a[w] & ~b[w])
      return FALSE;
  return TRUE;
}

/* First set bit >= @from, or @n when none. */
static inline guint
m_next (const guint64 *m, guint from, guint n, guint nw)
{
  for (guint w = from / 64; w < nw; w++)
    {
      guint64 word = m[w];
      if (w == from / 64)
        word &= G_MAXUINT64 << (from % 64);
      if (word)
        {
          guint c = w * 64 + (guint) __builtin_ctzll (word);
          return c < n ? c : n;
        }
    }
  return n;
}

/* cpumask_cycle(): next set bit strictly after @c, wrapping; @n when empty. */
static inline guint
m_cycle (const guint64 *m, guint c, guint n, guint nw)
{
  guint r = c + 1 < n ? m_next (m, c + 1, n, nw) : n;
  return r < n ? r : m_next (m, 0, n, nw);
}

/* ---- small helpers ------------------------------------------------------- */

static inline Credit *PRIV (XpXen *xen) { return xen->sched == &credit_ops ? xen->sched_priv : NULL; }
static inline CVcpu *CV (XpVcpu *v) { return v->sched_priv; }
static inline XpTime NOW (Credit *prv) { return xp_event_queue_now (prv->q); }

static inline gboolean
runnable (const CVcpu *svc)
{
  return svc->has_work && !svc->sdom->paused && !(svc->flags & FLAG_PARKED) && !svc->migrate_pending;
}

/* has_soft_affinity() */
static inline gboolean
has_soft (Credit *prv, const CVcpu *svc)
{
  return svc->v->soft_aff_effective && !m_subset (prv->online, svc->v->soft.bits, prv->nw);
}

/* affinity_balance_cpumask() ∩ online */
static void
balance_mask (Credit *prv, const CVcpu *svc, int step, guint64 *out)
{
  const XpVcpu *v = svc->v;
  if (step == STEP_SOFT)
    {
      m_and (out, v->soft.bits, v->hard.bits, prv->nw);
      if (m_empty (out, prv->nw))
        memcpy (out, v->hard.bits, prv->nw * sizeof (guint64));
    }
  else
    memcpy (out, v->hard.bits, prv->nw * sizeof (guint64));
  m_and (out, out, prv->online, prv->nw);
}

static void
wait_begin (CVcpu *svc, XpTime now)
{
  if (svc->wait_since < 0)
    svc->wait_since = now;
}

static void
wait_end (CVcpu *svc, XpTime now)
{
  if (svc->wait_since >= 0)
    {
      svc->wait_ns += now - svc->wait_since;
      svc->wait_count++;
      svc->wait_since = -1;
    }
}

static void
set_processor (Credit *prv, CVcpu *svc, guint cpu)
{
  XpVcpu *v = svc->v;
  if (v->processor == cpu)
    return;
  svc->migrations++;
  if (v->processor >= prv->n_cpus || prv->pcpu[v->processor].node != prv->pcpu[cpu].node)
    svc->node_migrations++;
  v->processor = cpu;
}

static void
set_idler (Credit *prv, guint cpu, gboolean idle)
{
  if (m_test (prv->idlers, cpu) == idle)
    return;
  if (idle)
    {
      m_set (prv->idlers, cpu);
      prv->n_idlers++;
      prv->core_idle[prv->pcpu[cpu].core]++;
    }
  else
    {
      m_clr (prv->idlers, cpu);
      prv->n_idlers--;
      prv->core_idle[prv->pcpu[cpu].core]--;
    }
}

static void
node_idle_update (Credit *prv, guint node, int delta)
{
  prv->node_idle_cpus[node] += delta;
  gboolean has = prv->node_idle_cpus[node] > 0;
  if (has != prv->node_has_idle[node])
    {
      prv->node_has_idle[node] = has;
      if (xp_heap_set_node_idle && prv->xen->heap)
        xp_heap_set_node_idle (prv->xen, node, has);
    }
}

/* ---- runqueue (runq_insert / runq_remove) ------------------------------- */

static inline void
hi_add (Credit *prv, guint cpu, int d)
{
  CPcpu *spc = &prv->pcpu[cpu];
  spc->nr_queued_hi += d;
  prv->node_hi[spc->node] += d;
  if (spc->nr_queued_hi)
    m_set (prv->hi, cpu);
  else
    m_clr (prv->hi, cpu);
}

static inline void
set_pri (Credit *prv, CVcpu *svc, gint pri)
{
  if (svc->on_runq)
    {
      int d = (pri > PRI_OVER) - (svc->pri > PRI_OVER);
      if (d)
        hi_add (prv, svc->v->processor, d);
    }
  svc->pri = pri;
}

/* __runq_insert(): after every unit of equal or higher priority; a yielding
 * unit goes one further back, behind the first lower-priority unit, when
 * that one is not the last thing on the queue (the idle unit always is). */
static void
runq_insert_raw (Credit *prv, CVcpu *svc)
{
  CPcpu *spc = &prv->pcpu[svc->v->processor];
  CVcpu *it = spc->rq_head;
  g_assert (!svc->on_runq);
  while (it && it->pri >= svc->pri)
    it = it->rq_next;
  if ((svc->flags & FLAG_YIELD) && it)
    it = it->rq_next;
  /* insert before @it (NULL: at the tail) */
  svc->rq_next = it;
  svc->rq_prev = it ? it->rq_prev : spc->rq_tail;
  if (svc->rq_prev)
    svc->rq_prev->rq_next = svc;
  else
    spc->rq_head = svc;
  if (it)
    it->rq_prev = svc;
  else
    spc->rq_tail = svc;
  svc->on_runq = TRUE;
  svc->q_soft_nodes = svc->soft_nodes;
  guint node;
  XP_NODEMASK_FOREACH (node, svc->q_soft_nodes)
    prv->soft_cnt[spc->node * prv->n_nodes + node]++;
  if (svc->pri > PRI_OVER)
    hi_add (prv, svc->v->processor, +1);
}

static void
runq_remove_raw (Credit *prv, CVcpu *svc)
{
  CPcpu *spc = &prv->pcpu[svc->v->processor];
  g_assert (svc->on_runq);
  if (svc->rq_prev)
    svc->rq_prev->rq_next = svc->rq_next;
  else
    spc->rq_head = svc->rq_next;
  if (svc->rq_next)
    svc->rq_next->rq_prev = svc->rq_prev;
  else
    spc->rq_tail = svc->rq_prev;
  svc->rq_prev = svc->rq_next = NULL;
  svc->on_runq = FALSE;
  guint node;
  XP_NODEMASK_FOREACH (node, svc->q_soft_nodes)
    prv->soft_cnt[spc->node * prv->n_nodes + node]--;
  if (svc->pri > PRI_OVER)
    hi_add (prv, svc->v->processor, -1);
  svc->flags &= ~FLAG_YIELD;   /* yield lasts until scheduled back in */
}

static inline void
nr_inc (Credit *prv, guint cpu)
{
  CPcpu *spc = &prv->pcpu[cpu];
  if (++spc->nr_runnable == 2)
    {
      prv->node_multi[spc->node]++;
      m_set (prv->multi, cpu);
    }
}

static inline void
nr_dec (Credit *prv, guint cpu)
{
  CPcpu *spc = &prv->pcpu[cpu];
  g_assert (spc->nr_runnable > 0);
  if (spc->nr_runnable-- == 2)
    {
      prv->node_multi[spc->node]--;
      m_clr (prv->multi, cpu);
    }
}

static void
runq_insert (Credit *prv, CVcpu *svc)
{
  runq_insert_raw (prv, svc);
  nr_inc (prv, svc->v->processor);
}

static void
runq_remove (Credit *prv, CVcpu *svc)
{
  nr_dec (prv, svc->v->processor);
  runq_remove_raw (prv, svc);
}

/* csched_runq_sort(): once per accounting epoch, move every UNDER/BOOST
 * unit in front of the OVER ones, keeping relative order. */
static void
runq_sort (Credit *prv, guint cpu)
{
  CPcpu *spc = &prv->pcpu[cpu];
  if (spc->runq_sort_last == prv->runq_sort)
    return;
  spc->runq_sort_last = prv->runq_sort;
  CVcpu *hi_head = NULL, *hi_tail = NULL, *lo_head = NULL, *lo_tail = NULL;
  for (CVcpu *it = spc->rq_head, *next; it; it = next)
    {
      next = it->rq_next;
      CVcpu **h = it->pri >= PRI_UNDER ? &hi_head : &lo_head;
      CVcpu **t = it->pri >= PRI_UNDER ? &hi_tail : &lo_tail;
      it->rq_prev = *t;
      it->rq_next = NULL;
      if (*t)
        (*t)->rq_next = it;
      else
        *h = it;
      *t = it;
    }
  if (hi_tail)
    {
      hi_tail->rq_next = lo_head;
      if (lo_head)
        lo_head->rq_prev = hi_tail;
    }
  spc->rq_head = hi_head ? hi_head : lo_head;
  spc->rq_tail = lo_tail ? lo_tail : hi_tail;
}

/* ---- events --------------------------------------------------------------- */

static void ev_softirq (XpEventQueue *q, gpointer a, gpointer b);
static void ev_timer (XpEventQueue *q, gpointer a, gpointer b);
static void ev_tick (XpEventQueue *q, gpointer a, gpointer b);
static void ev_acct (XpEventQueue *q, gpointer a, gpointer b);
static void ev_wake (XpEventQueue *q, gpointer a, gpointer b);

static void
raise_softirq (Credit *prv, guint cpu)
{
  CPcpu *spc = &prv->pcpu[cpu];
  if (!spc->softirq_ev)
    spc->softirq_ev = xp_event_schedule (prv->q, NOW (prv), ev_softirq, prv, GUINT_TO_POINTER (cpu));
}

static void
cancel (Credit *prv, XpEventId *id)
{
  if (*id)
    xp_event_cancel (prv->q, *id);
  *id = 0;
}

/* (Re)arm the pCPU's timer: end of slice or end of the running vCPU's work. */
static void
arm_timer (Credit *prv, guint cpu)
{
  CPcpu *spc = &prv->pcpu[cpu];
  cancel (prv, &spc->timer_ev);
  if (!spc->curr)
    return;
  XpTime when = spc->slice_end;
  CVcpu *c = spc->curr;
  if (c->work_left != XP_TIME_NEVER && spc->acct_from + c->work_left < when)
    when = spc->acct_from + c->work_left;
  spc->timer_ev = xp_event_schedule (prv->q, when, ev_timer, prv, GUINT_TO_POINTER (cpu));
}

/* Charge the running vCPU and the pCPU up to @now. */
static void
account (Credit *prv, guint cpu, XpTime now)
{
  CPcpu *spc = &prv->pcpu[cpu];
  XpTime delta = now - spc->acct_from;
  spc->acct_from = now;
  if (!spc->curr || delta <= 0)
    return;
  CVcpu *c = spc->curr;
  c->run_ns[spc->node] += delta;
  c->run_total += delta;
  spc->busy_ns += delta;
  if (c->work_left != XP_TIME_NEVER)
    c->work_left = MAX (c->work_left - delta, 0);
}

/* burn_credits() */
static void
burn_credits (CVcpu *svc, XpTime now)
{
  XpTime delta = now - svc->burn_from;
  if (delta <= 0)
    return;
  gint64 val = delta * XP_CSCHED_CREDITS_PER_MSEC + svc->burn_residual;
  svc->credit -= (gint) (val / XP_NSEC_PER_MSEC);
  svc->burn_residual = val % XP_NSEC_PER_MSEC;
  svc->burn_from = now;
}

/* ---- accounting (csched_acct and the active lists) ----------------------- */

static void
acct_arm (Credit *prv)
{
  if (prv->acct_ev)
    return;
  /* next point of the 30 ms grid that started at attach, strictly after now */
  XpTime now = NOW (prv);
  XpTime k = (now - prv->attach_time) / prv->tslice + 1;
  prv->acct_ev = xp_event_schedule (prv->q, prv->attach_time + k * prv->tslice, ev_acct, prv, NULL);
}

/* __csched_unit_acct_start() */
static void
acct_start (Credit *prv, CVcpu *svc)
{
  CDom *sd = svc->sdom;
  if (svc->active)
    return;
  svc->active = TRUE;
  sd->active_count++;
  svc->act_prev = NULL;
  svc->act_next = sd->act_head;
  if (sd->act_head)
    sd->act_head->act_prev = svc;
  sd->act_head = svc;
  prv->weight += sd->weight;
  if (!sd->on_active)
    {
      sd->on_active = TRUE;
      sd->prev = NULL;
      sd->next = prv->active_head;
      if (prv->active_head)
        prv->active_head->prev = sd;
      prv->active_head = sd;
    }
  acct_arm (prv);
}

static void
sdom_unlink (Credit *prv, CDom *sd)
{
  if (sd->prev)
    sd->prev->next = sd->next;
  else
    prv->active_head = sd->next;
  if (sd->next)
    sd->next->prev = sd->prev;
  sd->prev = sd->next = NULL;
}

/* __csched_unit_acct_stop_locked() */
static void
acct_stop (Credit *prv, CVcpu *svc)
{
  CDom *sd = svc->sdom;
  g_assert (svc->active);
  svc->active = FALSE;
  sd->active_count--;
  if (svc->act_prev)
    svc->act_prev->act_next = svc->act_next;
  else
    sd->act_head = svc->act_next;
  if (svc->act_next)
    svc->act_next->act_prev = svc->act_prev;
  svc->act_prev = svc->act_next = NULL;
  prv->weight -= sd->weight;
  if (!sd->act_head)
    {
      sd->on_active = FALSE;
      sdom_unlink (prv, sd);
    }
}

static void sched_wake (Credit *prv, CVcpu *svc);
static void vcpu_sleep (Credit *prv, CVcpu *svc);

/* csched_acct(): hand out credits by weight and cap to the active domains. */
static void
ev_acct (XpEventQueue *q, gpointer a, gpointer b)
{
  Credit *prv = a;
  prv->acct_ev = 0;
  prv->ctr.accts++;
  guint weight_total = prv->weight;
  guint credit_total = prv->credit;
  if (prv->credit_balance < 0)
    credit_total += (guint) -prv->credit_balance;
  if (weight_total == 0)
    {
      /* nothing active: the balance resets and the grid pauses until a
       * vCPU becomes active again (acct_arm) */
      prv->credit_balance = 0;
      return;
    }
  guint weight_left = weight_total;
  gint credit_balance = 0;
  gboolean credit_xtra = FALSE;
  guint cpt = (guint) prv->credits_per_tslice;

  for (CDom *sd = prv->active_head, *next_sd; sd; sd = next_sd)
    {
      next_sd = sd->next;
      guint n = sd->active_count;
      g_assert (n > 0 && sd->weight > 0 && sd->weight * n <= weight_left);
      weight_left -= sd->weight * n;

      /* a domain can earn at most one full period for each active vCPU,
       * plus a share of a negative system balance */
      guint peak = n * cpt;
      if (prv->credit_balance < 0)
        peak += (guint) (((guint64) -prv->credit_balance * sd->weight * n + (weight_total - 1)) / weight_total);
      guint cap_vcpu = 0;
      if (sd->cap)
        {
          guint capc = (sd->cap * cpt + 99) / 100;
          if (capc < peak)
            peak = capc;
          cap_vcpu = (capc + (n - 1)) / n;
        }
      guint fair = (guint) (((guint64) credit_total * sd->weight * n + (weight_total - 1)) / weight_total);
      if (fair < peak)
        credit_xtra = TRUE;
      else
        {
          /* surplus goes to the domains still to be visited */
          if (weight_left)
            credit_total += (guint) (((guint64) (fair - peak) * weight_total + (weight_left - 1)) / weight_left);
          if (credit_xtra && prv->active_head != sd)
            {
              /* a clamped domain goes to the head, so that next time its
               * surplus is handed to all the domains after it */
              sdom_unlink (prv, sd);
              sd->next = prv->active_head;
              prv->active_head->prev = sd;
              prv->active_head = sd;
            }
          fair = peak;
        }
      gint per_vcpu = (gint) ((fair + (n - 1)) / n);

      for (CVcpu *svc = sd->act_head, *next; svc; svc = next)
        {
          next = svc->act_next;
          svc->credit += per_vcpu;
          gint credit = svc->credit;
          if (credit < 0)
            {
              set_pri (prv, svc, PRI_OVER);
              if (sd->cap && credit < -(gint) cap_vcpu && !(svc->flags & FLAG_PARKED))
                {
                  /* park: sched_unit_pause_nosync() */
                  prv->ctr.parks++;
                  gboolean was = runnable (svc);
                  svc->flags |= FLAG_PARKED;
                  if (was)
                    vcpu_sleep (prv, svc);
                }
              if (credit < -prv->credits_per_tslice)
                svc->credit = credit = -prv->credits_per_tslice;
            }
          else
            {
              set_pri (prv, svc, PRI_UNDER);
              if (svc->flags & FLAG_PARKED)
                {
                  /* unpark; the flag goes after the wake so it is not boosted */
                  prv->ctr.unparks++;
                  svc->flags &= ~FLAG_PARKED;
                  if (runnable (svc))
                    {
                      svc->flags |= FLAG_PARKED;
                      sched_wake (prv, svc);
                      svc->flags &= ~FLAG_PARKED;
                    }
                }
              if (credit > prv->credits_per_tslice)
                {
                  acct_stop (prv, svc);
                  svc->credit = credit = credit / 2;
                }
            }
          credit_balance += credit;
        }
    }
  prv->credit_balance = credit_balance;
  prv->runq_sort++;
  if (prv->weight > 0)
    prv->acct_ev = xp_event_schedule (prv->q, NOW (prv) + prv->tslice, ev_acct, prv, NULL);
}

/* Nodes whose pCPUs the vCPU's soft balancing mask touches; 0 without an
 * effective soft affinity (a filter for the soft stealing step). */
static void
update_soft_nodes (Credit *prv, CVcpu *svc)
{
  guint64 m[XP_CPUMASK_WORDS];
  svc->soft_nodes = 0;
  if (!has_soft (prv, svc))
    return;
  balance_mask (prv, svc, STEP_SOFT, m);
  for (guint n = 0; n < prv->n_nodes; n++)
    {
      const guint64 *nc = prv->node_cpus + (gsize) n * prv->nw;
      for (guint w = 0; w < prv->nw; w++)
        if (m[w] & nc[w])
          {
            svc->soft_nodes |= xp_nodemask_of (n);
            break;
          }
    }
}

/* ---- pCPU choice (_csched_cpu_pick) --------------------------------------- */

/* Every thread of @cpu's core idle, counting @own (the pCPU the vCPU sits
 * on, when it would be idle without the vCPU) as idle too. */
static inline gboolean
core_fully_idle (Credit *prv, guint cpu, guint own)
{
  guint core = prv->pcpu[cpu].core;
  guint idle = prv->core_idle[core];
  if (own < prv->n_cpus && prv->pcpu[own].core == core && !m_test (prv->idlers, own))
    idle++;
  return idle >= prv->core_threads[core];
}

static guint
cpu_pick (Credit *prv, CVcpu *svc)
{
  guint nw = prv->nw, n = prv->n_cpus;
  guint64 cpus[XP_CPUMASK_WORDS], cand[XP_CPUMASK_WORDS];
  guint proc = svc->v->processor;
  guint cpu = proc;

  for (int step = STEP_SOFT; step <= STEP_HARD; step++)
    {
      balance_mask (prv, svc, step, cpus);
      if (step == STEP_SOFT && (!has_soft (prv, svc) || m_empty (cpus, nw)))
        continue;
      if (m_empty (cpus, nw))
        return proc;  /* hard affinity outside the online CPUs: leave it */
      /* prefer the current pCPU */
      cpu = proc < n && m_test (cpus, proc) ? proc : m_cycle (cpus, proc < n ? proc : n - 1, n, nw);
      /* the current pCPU counts as idle if the vCPU is all that is there */
      guint own = n;
      if (cpu == proc && !prv->pcpu[proc].rq_head)
        own = proc;
      m_and (cand, cpus, prv->idlers, nw);
      if (own < n)
        m_set (cand, own);
      if (m_empty (cand, nw))
        continue;  /* no idler in this step: cpu stays the start pCPU */
      if (!m_test (cand, cpu))
        cpu = m_cycle (cand, cpu, n, nw);
      if (!core_fully_idle (prv, cpu, own))
        {
          /* simplified SMT rule: an idle pCPU on a fully idle core wins */
          guint c = cpu;
          while ((c = m_cycle (cand, c, n, nw)) != cpu)
            if (core_fully_idle (prv, c, own))
              {
                cpu = c;
                break;
              }
        }
      return cpu;  /* idle: the step found its pCPU */
    }
  return cpu;
}

/* csched_res_pick(): a pick that marks the vCPU as migrating (no BOOST on
 * the wake that follows). */
static guint
res_pick (Credit *prv, CVcpu *svc)
{
  svc->flags |= FLAG_MIGRATING;
  return cpu_pick (prv, svc);
}

/* ---- wake and tickle ----------------------------------------------------- */

/* __runq_tickle() */
static void
runq_tickle (Credit *prv, CVcpu *new)
{
  guint nw = prv->nw, n = prv->n_cpus;
  guint cpu = new->v->processor;
  CPcpu *spc = &prv->pcpu[cpu];
  gint cur_pri = spc->curr ? spc->curr->pri : PRI_IDLE;
  guint64 idle_mask[XP_CPUMASK_WORDS], cand[XP_CPUMASK_WORDS];
  guint target = n;

  m_and (idle_mask, prv->idlers, prv->online, nw);
  gboolean idlers_empty = m_empty (idle_mask, nw);

  if ((new->flags & FLAG_PINNED) && m_test (idle_mask, cpu))
    target = cpu;
  else if (cur_pri == PRI_IDLE || (idlers_empty && new->pri > cur_pri))
    target = cpu;
  else if (!idlers_empty)
    {
      for (int step = STEP_SOFT; step <= STEP_HARD; step++)
        {
          if (step == STEP_SOFT && !has_soft (prv, new))
            continue;
          balance_mask (prv, new, step, cand);
          m_and (cand, cand, idle_mask, nw);
          gboolean none = m_empty (cand, nw);
          if (none && step == STEP_SOFT)
            continue;
          if (none && new->pri > cur_pri)
            {
              /* preempt cur; Xen would also try to kick cur away when new's
               * hard affinity meets an idler, which cannot be the case here */
              target = cpu;
            }
          else if (!none)
            {
              if (prv->p.tickle_one_idle)
                {
                  spc->last_tickle = m_cycle (cand, spc->last_tickle, n, nw);
                  target = spc->last_tickle;
                }
              else
                {
                  guint c;
                  for (c = m_next (cand, 0, n, nw); c < n; c = m_next (cand, c + 1, n, nw))
                    {
                      set_idler (prv, c, FALSE);
                      raise_softirq (prv, c);
                      prv->ctr.tickles++;
                    }
                  return;
                }
            }
          if (target < n)
            break;
        }
    }
  if (target < n)
    {
      set_idler (prv, target, FALSE);
      raise_softirq (prv, target);
      prv->ctr.tickles++;
    }
}

/* csched_unit_wake(): BOOST unless woken by a migration or unparked. */
static void
sched_wake (Credit *prv, CVcpu *svc)
{
  if (svc->running || svc->on_runq)
    return;
  gboolean migrating = (svc->flags & FLAG_MIGRATING) != 0;
  svc->flags &= ~FLAG_MIGRATING;
  if (!migrating && svc->pri == PRI_UNDER && !(svc->flags & FLAG_PARKED) && prv->p.boost)
    svc->pri = PRI_BOOST;
  svc->wakeups++;
  runq_insert (prv, svc);
  wait_begin (svc, NOW (prv));
  runq_tickle (prv, svc);
}

/* csched_unit_sleep(): the vCPU just stopped being runnable. */
static void
vcpu_sleep (Credit *prv, CVcpu *svc)
{
  if (svc->running)
    raise_softirq (prv, svc->v->processor);
  else if (svc->on_runq)
    {
      runq_remove (prv, svc);
      wait_end (svc, NOW (prv));
    }
}

/* sched_unit_migrate_finish(): pick a pCPU, move there, wake if runnable. */
static void
migrate_finish (Credit *prv, CVcpu *svc)
{
  svc->migrate_pending = FALSE;
  guint cpu = res_pick (prv, svc);
  set_processor (prv, svc, cpu);
  if (runnable (svc))
    sched_wake (prv, svc);
}

/* ---- load balancing (csched_load_balance / csched_runq_steal) ------------ */

static CVcpu *
runq_steal (Credit *prv, guint peer, guint cpu, gint pri, int step)
{
  CPcpu *pp = &prv->pcpu[peer];
  guint64 mask[XP_CPUMASK_WORDS];
  XpTime now = NOW (prv);
  if (!pp->curr)
    return NULL;  /* an idle pCPU is about to run its queue itself */
  for (CVcpu *s = pp->rq_head; s; s = s->rq_next)
    {
      if (s->pri <= pri)
        break;  /* only strictly better work is worth stealing */
      if ((s->flags & FLAG_YIELD) && prv->xen->behaviour.credit_skip_yielded)
        continue;
      if (step == STEP_SOFT && !has_soft (prv, s))
        continue;
      balance_mask (prv, s, step, mask);
      gboolean hot = prv->migr_delay && now - s->last_sched < prv->migr_delay;
      if (!hot && m_test (mask, cpu))
        {
          runq_remove (prv, s);
          set_processor (prv, s, cpu);
          nr_inc (prv, cpu);
          prv->ctr.steals++;
          return s;
        }
    }
  return NULL;
}

static CVcpu *
load_balance (Credit *prv, guint cpu, CVcpu *snext)
{
  guint nw = prv->nw, n = prv->n_cpus;
  gint pri = snext ? snext->pri : PRI_IDLE;
  guint node = prv->pcpu[cpu].node;
  guint64 workers[XP_CPUMASK_WORDS];

  for (int step = STEP_SOFT; step <= STEP_HARD; step++)
    {
      guint peer_node = node;
      do
        {
          /* exact shortcut: a node where every pCPU would be skipped */
          if (!prv->node_multi[peer_node] || (pri != PRI_IDLE && !prv->node_hi[peer_node])
              || (step == STEP_SOFT && !prv->soft_cnt[peer_node * prv->n_nodes + node]))
            goto next_node;
          const guint64 *ncpus = prv->node_cpus + (gsize) peer_node * nw;
          /* Xen's workers are the non-idle pCPUs of the node; those with
           * nr_runnable <= 1 are skipped at once, so leaving them out of
           * the cycle finds the same pCPU. */
          for (guint w = 0; w < nw; w++)
            workers[w] = prv->online[w] & ~prv->idlers[w] & ncpus[w] & prv->multi[w]
              & (pri == PRI_IDLE ? G_MAXUINT64 : prv->hi[w]);
          m_clr (workers, cpu);
          guint first = m_cycle (workers, prv->balance_bias[peer_node], n, nw);
          if (first < n)
            {
              guint peer = first;
              do
                {
                  CPcpu *pp = &prv->pcpu[peer];
                  /* nr_runnable <= 1: nothing queued. The nr_queued_hi test
                   * only skips queues whose scan would stop at once. */
                  if (pp->nr_runnable > 1 && (pri == PRI_IDLE || pp->nr_queued_hi > 0))
                    {
                      CVcpu *s = runq_steal (prv, peer, cpu, pri, step);
                      if (s)
                        {
                          prv->balance_bias[peer_node] = peer;
                          return s;
                        }
                    }
                  peer = m_cycle (workers, peer, n, nw);
                }
              while (peer != first);
            }
        next_node:
          peer_node = xp_nodemask_cycle (prv->nodes, peer_node);
        }
      while (peer_node != node);
    }
  if (snext)
    runq_remove_raw (prv, snext);
  return snext;
}

/* ---- csched_schedule + context switch ------------------------------------ */

static void
block_vcpu (Credit *prv, CVcpu *svc)
{
  XpTime now = NOW (prv);
  svc->has_work = FALSE;
  svc->work_left = 0;
  XpTime sleep = xp_workload_draw_sleep (prv->wl, svc->sdom->demand_ppm);
  cancel (prv, &svc->wake_ev);
  if (sleep != XP_TIME_NEVER)
    svc->wake_ev = xp_event_schedule (prv->q, now + sleep, ev_wake, prv, svc);
}

static void
do_schedule (Credit *prv, guint cpu)
{
  CPcpu *spc = &prv->pcpu[cpu];
  XpTime now = NOW (prv);
  CVcpu *scurr = spc->curr;
  XpTime tslice = prv->tslice;
  prv->ctr.schedules++;
  account (prv, cpu, now);

  if (scurr)
    {
      if (scurr->has_work && scurr->work_left == 0)
        block_vcpu (prv, scurr);
      burn_credits (scurr, now);
      scurr->last_sched = now;
      XpTime runtime = now - spc->run_start;
      if (!(scurr->flags & FLAG_YIELD) && prv->ratelimit && runnable (scurr) && runtime < prv->ratelimit)
        {
          /* ratelimit: keep running until it has run for ratelimit, but
           * never arm a timer shorter than CSCHED_MIN_TIMER from the start */
          XpTime slice = prv->ratelimit - runtime;
          if (runtime < MIN_TIMER)
            slice = MIN_TIMER;
          spc->slice_end = now + slice;
          arm_timer (prv, cpu);
          return;
        }
      if (runnable (scurr))
        runq_insert_raw (prv, scurr);
      else
        nr_dec (prv, cpu);
      /* csched_schedule() before 4.18 drops the yield once scurr is queued
       * again, or off the pCPU blocked; from 4.18 __runq_remove() does */
      if (!prv->xen->behaviour.credit_skip_yielded)
        scurr->flags &= ~FLAG_YIELD;
    }

  CVcpu *snext = spc->rq_head;
  gint pri = snext ? snext->pri : PRI_IDLE;
  if (pri <= PRI_OVER
      && (!prv->xen->behaviour.credit_balance_ratelimit || now - spc->last_lb > prv->lb_ratelimit))
    {
      spc->last_lb = now;
      snext = load_balance (prv, cpu, snext);
    }
  else if (snext)
    runq_remove_raw (prv, snext);

  set_idler (prv, cpu, snext == NULL);

  if (snext != scurr)
    {
      prv->ctr.context_switches++;
      spc->curr = snext;
      spc->run_start = now;
      if (scurr)
        {
          scurr->running = FALSE;
          if (runnable (scurr))
            wait_begin (scurr, now);
        }
      if (snext)
        {
          snext->running = TRUE;
          snext->burn_from = now;
          snext->flags &= ~FLAG_YIELD;
          wait_end (snext, now);
        }
      if (scurr && !snext)
        {
          /* stop_timer(ticker) */
          m_clr (prv->busy, cpu);
          prv->n_busy--;
          node_idle_update (prv, spc->node, +1);
        }
      if (!scurr && snext)
        {
          /* the ticker restarts aligned to the tick period */
          node_idle_update (prv, spc->node, -1);
          m_set (prv->busy, cpu);
          prv->n_busy++;
          spc->next_tick = now + prv->tick_period - now % prv->tick_period;
          if (!prv->tick_ev)
            prv->tick_ev = xp_event_schedule (prv->q, spc->next_tick, ev_tick, prv, NULL);
        }
      /* context_saved(): a migration requested while it ran happens now */
      if (scurr && scurr->migrate_pending)
        migrate_finish (prv, scurr);
    }
  spc->slice_end = snext ? now + tslice : XP_TIME_NEVER;
  arm_timer (prv, cpu);
}

static void
ev_softirq (XpEventQueue *q, gpointer a, gpointer b)
{
  Credit *prv = a;
  guint cpu = GPOINTER_TO_UINT (b);
  prv->pcpu[cpu].softirq_ev = 0;
  do_schedule (prv, cpu);
}

static void
ev_timer (XpEventQueue *q, gpointer a, gpointer b)
{
  Credit *prv = a;
  guint cpu = GPOINTER_TO_UINT (b);
  prv->pcpu[cpu].timer_ev = 0;
  do_schedule (prv, cpu);
}

/* csched_tick() with csched_unit_acct() for one busy pCPU. */
static void
tick_one (Credit *prv, guint cpu, XpTime now)
{
  CPcpu *spc = &prv->pcpu[cpu];
  CVcpu *c = spc->curr;
  prv->ctr.ticks++;
  /* statistics are brought up to date at schedule time and by finish() */
  if (c->pri == PRI_BOOST)
    c->pri = PRI_UNDER;  /* running: not on a runq */
  burn_credits (c, now);
  if (!c->active)
    acct_start (prv, c);
  else if (!c->migrate_pending && prv->n_idlers)
    {
      /* With no idler in its hard affinity the pick returns this pCPU
       * (both steps end on the start pCPU), so it is skipped: exact. */
      gboolean any = FALSE;
      for (guint w = 0; w < prv->nw && !any; w++)
        any = (prv->idlers[w] & c->v->hard.bits[w]) != 0;
      /* Likewise when this pCPU has nothing queued, lies in the first
       * step's mask and its core is otherwise idle: the pick starts here,
       * finds this pCPU idle (it counts as idle for its only vCPU) and
       * keeps it. */
      if (any && !spc->rq_head && core_fully_idle (prv, cpu, cpu)
          && (!has_soft (prv, c) || xp_cpumask_test (&c->v->soft, cpu)))
        any = FALSE;
      if (any && cpu_pick (prv, c) != cpu)
        {
          c->migrate_pending = TRUE;
          raise_softirq (prv, cpu);
        }
    }
  runq_sort (prv, cpu);
}

/* All pCPU tickers in one event. Xen's per-pCPU tickers all run on the
 * same grid (a ticker restarts aligned to the tick period), so one event
 * at each grid point that visits the busy pCPUs (those whose ticker was
 * already running before this grid point) is the same set of ticks; the
 * pCPUs are visited in ascending id (Xen runs them concurrently). */
static void
ev_tick (XpEventQueue *q, gpointer a, gpointer b)
{
  Credit *prv = a;
  XpTime now = NOW (prv);
  prv->tick_ev = 0;
  for (guint w = 0; w < prv->nw; w++)
    for (guint64 bits = prv->busy[w]; bits; bits &= bits - 1)
      {
        guint cpu = w * 64 + (guint) __builtin_ctzll (bits);
        CPcpu *spc = &prv->pcpu[cpu];
        if (spc->next_tick > now)
          continue;
        spc->next_tick = now + prv->tick_period;
        tick_one (prv, cpu, now);
      }
  if (prv->n_busy)
    prv->tick_ev = xp_event_schedule (prv->q, now + prv->tick_period, ev_tick, prv, NULL);
}

/* A blocked period is over: new busy work arrives. */
static void
ev_wake (XpEventQueue *q, gpointer a, gpointer b)
{
  Credit *prv = a;
  CVcpu *svc = b;
  svc->wake_ev = 0;
  XpTime burst = xp_workload_draw_burst (prv->wl, svc->sdom->demand_ppm);
  if (burst == 0)
    return;  /* demand dropped to 0 meanwhile: stays blocked */
  svc->has_work = TRUE;
  svc->work_left = burst;
  if (runnable (svc))
    sched_wake (prv, svc);
}

/* ---- workload start ------------------------------------------------------- */

static void
workload_start (Credit *prv, CVcpu *svc)
{
  if (svc->wl_started)
    return;
  svc->wl_started = TRUE;
  guint demand = svc->sdom->demand_ppm;
  if (xp_workload_draw_start_busy (prv->wl, demand))
    {
      svc->has_work = TRUE;
      svc->work_left = xp_workload_draw_burst (prv->wl, demand);
    }
  else
    {
      XpTime sleep = xp_workload_draw_sleep (prv->wl, demand);
      if (sleep != XP_TIME_NEVER)
        svc->wake_ev = xp_event_schedule (prv->q, NOW (prv) + sleep, ev_wake, prv, svc);
    }
}

/* ---- hooks (XpSchedOps) --------------------------------------------------- */

static void fill_stats (Credit *prv, CVcpu *svc, XpCreditVcpuStats *o);

static CDom *
sdom_get (Credit *prv, XpDomain *d)
{
  CDom *sd = d->sched_priv;
  if (!sd)
    {
      sd = g_new0 (CDom, 1);
      sd->d = d;
      sd->weight = d->weight ? d->weight : prv->p.default_weight;
      sd->cap = d->cap;
      sd->paused = d->paused;
      sd->demand_ppm = d->is_dom0 ? prv->p.workload.dom0_demand_ppm : prv->p.workload.default_demand_ppm;
      d->sched_priv = sd;
    }
  return sd;
}

/* csched_unit_insert() (with csched_alloc_udata) */
static void
op_insert_vcpu (XpXen *xen, XpVcpu *v)
{
  Credit *prv = PRIV (xen);
  g_return_if_fail (prv && !v->sched_priv);
  CDom *sd = sdom_get (prv, v->domain);
  CVcpu *svc = g_new0 (CVcpu, 1);
  svc->v = v;
  svc->sdom = sd;
  svc->pri = PRI_UNDER;
  svc->wait_since = -1;
  svc->run_ns = g_new0 (XpTime, prv->n_nodes);
  svc->flags = xp_cpumask_weight (&v->hard) == 1 ? FLAG_PINNED : 0;
  v->sched_priv = svc;
  sd->n_vcpus++;
  update_soft_nodes (prv, svc);
  if (v->processor >= prv->n_cpus)
    v->processor = m_next (v->hard.bits, 0, prv->n_cpus, prv->nw) < prv->n_cpus
      ? m_next (v->hard.bits, 0, prv->n_cpus, prv->nw) : 0;
  v->processor = res_pick (prv, svc);
  /* Xen inserts vCPUs into paused domains only; for one that runs already
   * (dom0 at attach) the insertion is followed by a wake. */
  if (!sd->paused)
    {
      workload_start (prv, svc);
      if (runnable (svc))
        sched_wake (prv, svc);
    }
}

/* csched_unit_remove() */
static void
op_remove_vcpu (XpXen *xen, XpVcpu *v)
{
  Credit *prv = PRIV (xen);
  CVcpu *svc = v->sched_priv;
  g_return_if_fail (prv && svc);
  CDom *sd = svc->sdom;
  cancel (prv, &svc->wake_ev);
  svc->has_work = FALSE;
  if (svc->running)
    do_schedule (prv, v->processor);  /* switch it out now */
  else if (svc->on_runq)
    {
      runq_remove (prv, svc);
      wait_end (svc, NOW (prv));
    }
  g_assert (!svc->running && !svc->on_runq);
  if (svc->active)
    acct_stop (prv, svc);
  if (prv->exit_fn)
    {
      XpCreditVcpuStats st;
      fill_stats (prv, svc, &st);
      prv->exit_fn (xen, v, &st, svc->run_ns, prv->exit_data);
    }
  g_free (svc->run_ns);
  g_free (svc);
  v->sched_priv = NULL;
  if (--sd->n_vcpus == 0)
    {
      g_assert (!sd->on_active);
      g_free (sd);
      v->domain->sched_priv = NULL;
    }
}

/* csched_aff_cntl() plus the migration vcpu_set_affinity() does. */
static void
op_adjust_affinity (XpXen *xen, XpVcpu *v)
{
  Credit *prv = PRIV (xen);
  CVcpu *svc = v->sched_priv;
  g_return_if_fail (prv && svc);
  if (xp_cpumask_weight (&v->hard) == 1)
    svc->flags |= FLAG_PINNED;
  else
    svc->flags &= ~FLAG_PINNED;
  update_soft_nodes (prv, svc);
  if (svc->running)
    {
      svc->migrate_pending = TRUE;
      raise_softirq (prv, v->processor);
      return;
    }
  if (svc->on_runq)
    runq_remove (prv, svc);  /* stays runnable-waiting across the move */
  migrate_finish (prv, svc);
}

static void
op_domain_unpause (XpXen *xen, XpDomain *d)
{
  Credit *prv = PRIV (xen);
  g_return_if_fail (prv);
  CDom *sd = sdom_get (prv, d);
  if (!sd->paused)
    return;
  sd->paused = FALSE;
  for (guint i = 0; i < d->n_vcpus; i++)
    {
      CVcpu *svc = d->vcpus[i].sched_priv;
      if (!svc)
        continue;
      workload_start (prv, svc);
      if (runnable (svc))
        sched_wake (prv, svc);
    }
}

static void
op_domain_pause (XpXen *xen, XpDomain *d)
{
  Credit *prv = PRIV (xen);
  g_return_if_fail (prv);
  CDom *sd = sdom_get (prv, d);
  if (sd->paused)
    return;
  sd->paused = TRUE;
  for (guint i = 0; i < d->n_vcpus; i++)
    {
      CVcpu *svc = d->vcpus[i].sched_priv;
      if (svc)
        vcpu_sleep (prv, svc);
    }
}

static void
op_free (XpXen *xen)
{
  Credit *prv = PRIV (xen);
  if (!prv)
    return;
  /* vCPUs still known: drop their state (events die with the queue owner,
   * but cancel ours in case the queue lives on) */
  for (guint i = 0; xen->domain_list && i < xen->domain_list->len; i++)
    {
      XpDomain *d = g_ptr_array_index (xen->domain_list, i);
      for (guint j = 0; j < d->n_vcpus; j++)
        {
          CVcpu *svc = d->vcpus[j].sched_priv;
          if (!svc)
            continue;
          cancel (prv, &svc->wake_ev);
          g_free (svc->run_ns);
          g_free (svc);
          d->vcpus[j].sched_priv = NULL;
        }
      g_clear_pointer (&d->sched_priv, g_free);
    }
  for (guint c = 0; c < prv->n_cpus; c++)
    {
      cancel (prv, &prv->pcpu[c].timer_ev);
      cancel (prv, &prv->pcpu[c].softirq_ev);
    }
  cancel (prv, &prv->acct_ev);
  cancel (prv, &prv->tick_ev);
  g_free (prv->busy);
  g_free (prv->multi);
  g_free (prv->hi);
  xp_workload_free (prv->wl);
  g_free (prv->pcpu);
  g_free (prv->online);
  g_free (prv->idlers);
  g_free (prv->node_cpus);
  g_free (prv->balance_bias);
  g_free (prv->core_threads);
  g_free (prv->core_idle);
  g_free (prv->node_idle_cpus);
  g_free (prv->node_multi);
  g_free (prv->node_hi);
  g_free (prv->soft_cnt);
  g_free (prv->node_has_idle);
  g_free (prv);
  xen->sched_priv = NULL;
  xen->sched = NULL;
}

static const XpSchedOps credit_ops = {
  .name = "credit",
  .insert_vcpu = op_insert_vcpu,
  .remove_vcpu = op_remove_vcpu,
  .adjust_affinity = op_adjust_affinity,
  .domain_unpause = op_domain_unpause,
  .domain_pause = op_domain_pause,
  .free = op_free,
};

/* ---- parameters ----------------------------------------------------------- */

void
xp_credit_params_init_defaults (XpCreditParams *p)
{
  memset (p, 0, sizeof *p);
  p->tslice_ms = 30;
  p->ratelimit_us = 1000;
  p->load_balance_ratelimit_us = 1000;
  p->vcpu_migration_delay_us = 0;
  p->default_weight = XP_CSCHED_DEFAULT_WEIGHT;
  p->boost = TRUE;
  p->tickle_one_idle = TRUE;
  xp_workload_params_init_defaults (&p->workload);
}

gboolean
xp_credit_params_check (const XpCreditParams *p, GError **error)
{
  if (p->tslice_ms < 1 || p->tslice_ms > 1000)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "credit: tslice_ms must be 1..1000, got %u", p->tslice_ms);
      return FALSE;
    }
  if (p->ratelimit_us && (p->ratelimit_us < 100 || p->ratelimit_us > 500000))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "credit: ratelimit_us must be 0 or 100..500000, got %u",
                   p->ratelimit_us);
      return FALSE;
    }
  if ((guint64) p->ratelimit_us > (guint64) p->tslice_ms * 1000)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "credit: ratelimit_us (%u) must not exceed tslice_ms (%u ms)", p->ratelimit_us, p->tslice_ms);
      return FALSE;
    }
  if (p->load_balance_ratelimit_us > 1000000)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "credit: load_balance_ratelimit_us must be <= 1000000, got %u",
                   p->load_balance_ratelimit_us);
      return FALSE;
    }
  if (p->vcpu_migration_delay_us > 100000)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "credit: vcpu_migration_delay_us must be <= 100000, got %u",
                   p->vcpu_migration_delay_us);
      return FALSE;
    }
  if (p->default_weight < 1 || p->default_weight > 65535)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "credit: weight must be 1..65535, got %u", p->default_weight);
      return FALSE;
    }
  return xp_workload_params_check (&p->workload, error);
}

GPtrArray *
xp_credit_params_list (const XpCreditParams *p)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, g_strdup_printf ("tslice_ms=%u", p->tslice_ms));
  g_ptr_array_add (a, g_strdup_printf ("ratelimit_us=%u", p->ratelimit_us));
  g_ptr_array_add (a, g_strdup_printf ("load_balance_ratelimit_us=%u", p->load_balance_ratelimit_us));
  g_ptr_array_add (a, g_strdup_printf ("vcpu_migration_delay_us=%u", p->vcpu_migration_delay_us));
  g_ptr_array_add (a, g_strdup_printf ("weight=%u", p->default_weight));
  g_ptr_array_add (a, g_strdup_printf ("boost=%d", p->boost ? 1 : 0));
  g_ptr_array_add (a, g_strdup_printf ("tickle_one_idle=%d", p->tickle_one_idle ? 1 : 0));
  g_ptr_array_add (a, g_strdup_printf ("mean_burst_us=%" G_GUINT64_FORMAT,
                                       (guint64) (p->workload.mean_burst_ns / XP_NSEC_PER_USEC)));
  g_ptr_array_add (a, g_strdup_printf ("demand_ppm=%u", p->workload.default_demand_ppm));
  g_ptr_array_add (a, g_strdup_printf ("dom0_demand_ppm=%u", p->workload.dom0_demand_ppm));
  return a;
}

gboolean
xp_credit_params_set (XpCreditParams *p, const char *assignment, GError **error)
{
  const char *eq = strchr (assignment, '=');
  if (!eq || eq == assignment || !eq[1])
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "credit parameter '%s': expected NAME=VALUE", assignment);
      return FALSE;
    }
  g_autofree char *name = g_strndup (assignment, eq - assignment);
  guint64 val;
  g_autoptr (GError) e = NULL;
  if (!g_ascii_string_to_unsigned (eq + 1, 10, 0, G_MAXUINT32, &val, &e))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "credit parameter %s: expected an unsigned integer, got '%s'",
                   name, eq + 1);
      return FALSE;
    }
  XpCreditParams np = *p;
  if (!strcmp (name, "tslice_ms"))
    np.tslice_ms = val;
  else if (!strcmp (name, "ratelimit_us"))
    np.ratelimit_us = val;
  else if (!strcmp (name, "load_balance_ratelimit_us"))
    np.load_balance_ratelimit_us = val;
  else if (!strcmp (name, "vcpu_migration_delay_us"))
    np.vcpu_migration_delay_us = val;
  else if (!strcmp (name, "weight"))
    np.default_weight = val;
  else if (!strcmp (name, "boost"))
    np.boost = val != 0;
  else if (!strcmp (name, "tickle_one_idle"))
    np.tickle_one_idle = val != 0;
  else if (!strcmp (name, "mean_burst_us"))
    np.workload.mean_burst_ns = (XpTime) val * XP_NSEC_PER_USEC;
  else if (!strcmp (name, "demand_ppm"))
    np.workload.default_demand_ppm = val;
  else if (!strcmp (name, "dom0_demand_ppm"))
    np.workload.dom0_demand_ppm = val;
  else
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "credit parameter '%s': unknown name", name);
      return FALSE;
    }
  if (!xp_credit_params_check (&np, error))
    return FALSE;
  *p = np;
  return TRUE;
}

/* ---- attach --------------------------------------------------------------- */

gboolean
xp_sched_credit_attach (XpXen *xen, const XpCreditParams *params, GRand *rand, GError **error)
{
  g_return_val_if_fail (xen && xen->topo && rand, FALSE);
  XpCreditParams defaults;
  if (!params)
    {
      xp_credit_params_init_defaults (&defaults);
      params = &defaults;
    }
  if (!xp_credit_params_check (params, error))
    return FALSE;
  if (!xen->events)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "credit scheduler: the host has no event queue");
      return FALSE;
    }
  if (xen->sched)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "credit scheduler: host already has scheduler '%s'",
                   xen->sched->name);
      return FALSE;
    }
  const XpTopology *t = xen->topo;
  if (t->n_cpus == 0 || t->n_cpus > XP_MAX_CPUS || t->n_nodes == 0 || t->n_nodes > XP_MAX_NODES)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "credit scheduler: topology with %u CPUs and %u nodes unsupported",
                   t->n_cpus, t->n_nodes);
      return FALSE;
    }

  Credit *prv = g_new0 (Credit, 1);
  prv->xen = xen;
  prv->q = xen->events;
  prv->p = *params;
  prv->wl = xp_workload_new (&params->workload, rand);
  prv->n_cpus = t->n_cpus;
  prv->n_nodes = t->n_nodes;
  prv->nw = (t->n_cpus + 63) / 64;
  guint nw = prv->nw;
  prv->pcpu = g_new0 (CPcpu, prv->n_cpus);
  prv->online = g_new0 (guint64, nw);
  prv->idlers = g_new0 (guint64, nw);
  prv->busy = g_new0 (guint64, nw);
  prv->multi = g_new0 (guint64, nw);
  prv->hi = g_new0 (guint64, nw);
  prv->node_cpus = g_new0 (guint64, (gsize) nw * prv->n_nodes);
  prv->balance_bias = g_new0 (guint, prv->n_nodes);
  prv->node_idle_cpus = g_new0 (guint, prv->n_nodes);
  prv->node_multi = g_new0 (guint, prv->n_nodes);
  prv->node_hi = g_new0 (guint, prv->n_nodes);
  prv->soft_cnt = g_new0 (guint, prv->n_nodes * prv->n_nodes);
  prv->node_has_idle = g_new0 (gboolean, prv->n_nodes);

  memcpy (prv->online, xen->online_cpus.bits, nw * sizeof (guint64));
  if (m_empty (prv->online, nw))
    for (guint c = 0; c < prv->n_cpus; c++)
      m_set (prv->online, c);
  if (prv->n_cpus % 64)
    prv->online[nw - 1] &= (G_GUINT64_CONSTANT (1) << (prv->n_cpus % 64)) - 1;

  prv->n_cores = 0;
  for (guint c = 0; c < prv->n_cpus; c++)
    prv->n_cores = MAX (prv->n_cores, t->cpus[c].core + 1);
  prv->core_threads = g_new0 (guint, prv->n_cores);
  prv->core_idle = g_new0 (guint, prv->n_cores);

  prv->tslice = (XpTime) params->tslice_ms * XP_NSEC_PER_MSEC;
  guint ticks = params->tslice_ms < TICKS_PER_TSLICE ? 1 : TICKS_PER_TSLICE;
  prv->tick_period = (XpTime) (params->tslice_ms * 1000 / ticks) * XP_NSEC_PER_USEC;
  prv->ratelimit = (XpTime) params->ratelimit_us * XP_NSEC_PER_USEC;
  prv->lb_ratelimit = (XpTime) params->load_balance_ratelimit_us * XP_NSEC_PER_USEC;
  prv->migr_delay = (XpTime) params->vcpu_migration_delay_us * XP_NSEC_PER_USEC;
  prv->credits_per_tslice = XP_CSCHED_CREDITS_PER_MSEC * (gint) params->tslice_ms;
  prv->attach_time = xp_xen_now (xen);

  guint ncpus = 0;
  for (guint c = 0; c < prv->n_cpus; c++)
    {
      CPcpu *spc = &prv->pcpu[c];
      spc->node = t->cpus[c].node;
      spc->core = t->cpus[c].core;
      /* pCPUs booted long before: the first balance is never rate-limited */
      spc->last_lb = prv->attach_time - prv->lb_ratelimit - 1;
      spc->acct_from = prv->attach_time;
      spc->slice_end = XP_TIME_NEVER;
      spc->last_tickle = c;
      prv->core_threads[spc->core]++;
      if (!m_test (prv->online, c))
        continue;
      ncpus++;
      m_set (prv->node_cpus + (gsize) spc->node * nw, c);
      if (!xp_nodemask_test (prv->nodes, spc->node))
        prv->balance_bias[spc->node] = c;
      prv->nodes |= xp_nodemask_of (spc->node);
      set_idler (prv, c, TRUE);
      prv->node_idle_cpus[spc->node]++;
    }
  /* offline pCPUs never idle their core's siblings */
  for (guint c = 0; c < prv->n_cpus; c++)
    if (!m_test (prv->online, c))
      prv->core_threads[prv->pcpu[c].core]--;
  prv->credit = (guint) prv->credits_per_tslice * ncpus;

  xen->sched = &credit_ops;
  xen->sched_priv = prv;

  XpNodemask nodes = prv->nodes;
  guint node;
  XP_NODEMASK_FOREACH (node, nodes)
    {
      prv->node_has_idle[node] = TRUE;
      if (xp_heap_set_node_idle && xen->heap)
        xp_heap_set_node_idle (xen, node, TRUE);
    }

  /* domains that exist already (dom0) */
  for (guint i = 0; xen->domain_list && i < xen->domain_list->len; i++)
    {
      XpDomain *d = g_ptr_array_index (xen->domain_list, i);
      for (guint j = 0; j < d->n_vcpus; j++)
        op_insert_vcpu (xen, &d->vcpus[j]);
    }
  return TRUE;
}

/* ---- control and statistics ----------------------------------------------- */

/* An endless busy period (full demand) of @svc ends: the work it has left
 * is a fresh draw under @demand (< full). 0 (demand 0) blocks it now. */
static void
end_endless_burst (Credit *prv, CVcpu *svc, guint demand)
{
  XpTime burst = xp_workload_draw_burst (prv->wl, demand);
  if (svc->running)
    {
      /* its pCPU's timer now also fires at the end of the work (at once
       * for none left: the schedule there blocks it) */
      guint cpu = svc->v->processor;
      account (prv, cpu, NOW (prv));
      svc->work_left = burst;
      arm_timer (prv, cpu);
    }
  else if (burst == 0)
    {
      svc->has_work = FALSE;
      svc->work_left = 0;
      vcpu_sleep (prv, svc);   /* off its runqueue; demand 0: no wake */
    }
  else
    svc->work_left = burst;
}

void
xp_sched_credit_set_demand (XpXen *xen, XpDomain *d, guint demand_ppm)
{
  Credit *prv = PRIV (xen);
  g_return_if_fail (prv && demand_ppm <= XP_DEMAND_FULL);
  CDom *sd = sdom_get (prv, d);
  if (sd->demand_ppm == demand_ppm)
    return;
  sd->demand_ppm = demand_ppm;
  /* Only the periods that were endless under the old demand are redrawn
   * (exponential periods are memoryless, so a fresh draw is the law of
   * what is left of one); finite ones run out as drawn. */
  for (guint i = 0; i < d->n_vcpus; i++)
    {
      CVcpu *svc = d->vcpus[i].sched_priv;
      if (!svc || !svc->wl_started)
        continue;   /* its first period is drawn at unpause, with this demand */
      if (svc->has_work && svc->work_left == XP_TIME_NEVER)
        {
          if (demand_ppm < XP_DEMAND_FULL)
            end_endless_burst (prv, svc, demand_ppm);
        }
      else if (!svc->has_work && !svc->wake_ev && demand_ppm != 0)
        {
          /* it was never going to wake: it sleeps from now */
          XpTime sleep = xp_workload_draw_sleep (prv->wl, demand_ppm);
          svc->wake_ev = xp_event_schedule (prv->q, NOW (prv) + sleep, ev_wake, prv, svc);
        }
    }
}

guint
xp_sched_credit_get_demand (XpXen *xen, XpDomain *d)
{
  Credit *prv = PRIV (xen);
  g_return_val_if_fail (prv, 0);
  return sdom_get (prv, d)->demand_ppm;
}

int
xp_sched_credit_set_weight_cap (XpXen *xen, XpDomain *d, guint weight, guint cap)
{
  Credit *prv = PRIV (xen);
  if (!prv || !d || weight > 65535 || cap > 65535)
    return -EINVAL;
  CDom *sd = sdom_get (prv, d);
  if (weight)
    {
      if (sd->on_active)
        prv->weight = prv->weight - sd->weight * sd->active_count + weight * sd->active_count;
      sd->weight = weight;
      d->weight = weight;
    }
  if (cap != 0xFFFF)
    {
      sd->cap = cap;
      d->cap = cap;
    }
  return 0;
}

void
xp_sched_credit_set_exit_hook (XpXen *xen, XpCreditExitFunc fn, gpointer user_data)
{
  Credit *prv = PRIV (xen);
  g_return_if_fail (prv);
  prv->exit_fn = fn;
  prv->exit_data = user_data;
}

void
xp_sched_credit_vcpu_yield (XpXen *xen, XpVcpu *v)
{
  Credit *prv = PRIV (xen);
  CVcpu *svc = v->sched_priv;
  g_return_if_fail (prv && svc);
  if (!svc->running)
    return;
  svc->flags |= FLAG_YIELD;
  raise_softirq (prv, v->processor);
}

void
xp_sched_credit_vcpu_add_work (XpXen *xen, XpVcpu *v, XpTime work_ns)
{
  Credit *prv = PRIV (xen);
  CVcpu *svc = v->sched_priv;
  g_return_if_fail (prv && svc && work_ns > 0);
  svc->wl_started = TRUE;
  if (svc->has_work)
    {
      if (svc->work_left != XP_TIME_NEVER)
        {
          if (svc->running)
            account (prv, v->processor, NOW (prv));
          svc->work_left += work_ns;
          if (svc->running)
            arm_timer (prv, v->processor);
        }
      return;
    }
  cancel (prv, &svc->wake_ev);
  svc->has_work = TRUE;
  svc->work_left = work_ns;
  if (runnable (svc))
    sched_wake (prv, svc);
}

/* Not upstream: the charging burn_credits() does at each tick and
 * schedule, done now for every pCPU so that statistics are up to date. */
void
xp_sched_credit_finish (XpXen *xen)
{
  Credit *prv = PRIV (xen);
  g_return_if_fail (prv);
  XpTime now = NOW (prv);
  for (guint c = 0; c < prv->n_cpus; c++)
    account (prv, c, now);
  /* a running vCPU whose work ran out exactly now blocks at its timer event */
}

/* Not upstream: xp_sched_credit_finish() for @d's pCPUs only. */
void
xp_sched_credit_finish_domain (XpXen *xen, XpDomain *d)
{
  Credit *prv = PRIV (xen);
  g_return_if_fail (prv);
  if (!d->sched_priv)
    return;
  XpTime now = NOW (prv);
  for (guint i = 0; i < d->n_vcpus; i++)
    {
      CVcpu *svc = d->vcpus[i].sched_priv;
      if (svc && svc->running)
        account (prv, svc->v->processor, now);
    }
}

static void
fill_stats (Credit *prv, CVcpu *svc, XpCreditVcpuStats *o)
{
  XpTime now = NOW (prv);
  o->run_ns = svc->run_total;
  /* a wait still under way counts in both the time and the number of
   * waits: its time alone would inflate the mean wait per wait (and with
   * no finished wait leave a time with a count of zero) */
  o->wait_ns = svc->wait_ns + (svc->wait_since >= 0 ? now - svc->wait_since : 0);
  o->wait_count = svc->wait_count + (svc->wait_since >= 0);
  o->migrations = svc->migrations;
  o->node_migrations = svc->node_migrations;
  o->wakeups = svc->wakeups;
  o->credit = svc->credit;
  o->pri = svc->pri;
  o->processor = svc->v->processor;
  o->running = svc->running;
  o->runnable = runnable (svc);
  o->parked = (svc->flags & FLAG_PARKED) != 0;
  o->active = svc->active;
}

gboolean
xp_sched_credit_vcpu_stats (XpXen *xen, XpVcpu *v, XpCreditVcpuStats *out)
{
  Credit *prv = PRIV (xen);
  if (!prv || !v->sched_priv)
    return FALSE;
  fill_stats (prv, v->sched_priv, out);
  return TRUE;
}

XpTime
xp_sched_credit_vcpu_run_on_node (XpXen *xen, XpVcpu *v, guint node)
{
  Credit *prv = PRIV (xen);
  CVcpu *svc = v->sched_priv;
  if (!prv || !svc || node >= prv->n_nodes)
    return 0;
  return svc->run_ns[node];
}

gboolean
xp_sched_credit_domain_stats (XpXen *xen, XpDomain *d, XpCreditVcpuStats *out, XpTime *run_on_node)
{
  Credit *prv = PRIV (xen);
  if (!prv || !d->sched_priv)
    return FALSE;
  memset (out, 0, sizeof *out);
  if (run_on_node)
    memset (run_on_node, 0, prv->n_nodes * sizeof (XpTime));
  for (guint i = 0; i < d->n_vcpus; i++)
    {
      CVcpu *svc = d->vcpus[i].sched_priv;
      if (!svc)
        continue;
      XpCreditVcpuStats s;
      fill_stats (prv, svc, &s);
      out->run_ns += s.run_ns;
      out->wait_ns += s.wait_ns;
      out->wait_count += s.wait_count;
      out->migrations += s.migrations;
      out->node_migrations += s.node_migrations;
      out->wakeups += s.wakeups;
      out->credit += s.credit;
      out->running |= s.running;
      out->runnable |= s.runnable;
      out->parked |= s.parked;
      out->active |= s.active;
      if (run_on_node)
        for (guint n = 0; n < prv->n_nodes; n++)
          run_on_node[n] += svc->run_ns[n];
    }
  return TRUE;
}

XpTime
xp_sched_credit_pcpu_busy (XpXen *xen, guint cpu)
{
  Credit *prv = PRIV (xen);
  return prv && cpu < prv->n_cpus ? prv->pcpu[cpu].busy_ns : 0;
}

XpTime
xp_sched_credit_node_busy (XpXen *xen, guint node)
{
  Credit *prv = PRIV (xen);
  XpTime sum = 0;
  if (!prv)
    return 0;
  for (guint c = 0; c < prv->n_cpus; c++)
    if (prv->pcpu[c].node == node)
      sum += prv->pcpu[c].busy_ns;
  return sum;
}

guint
xp_sched_credit_node_utilisation_ppm (XpXen *xen, guint node)
{
  Credit *prv = PRIV (xen);
  if (!prv || node >= prv->n_nodes)
    return 0;
  XpTime elapsed = NOW (prv) - prv->attach_time;
  guint ncpu = 0;
  for (guint c = 0; c < prv->n_cpus; c++)
    ncpu += prv->pcpu[c].node == node && m_test (prv->online, c);
  if (elapsed <= 0 || ncpu == 0)
    return 0;
  XpTime busy = xp_sched_credit_node_busy (xen, node);
  return (guint) (((__int128) busy * 1000000) / ((__int128) elapsed * ncpu));
}

gboolean
xp_sched_credit_node_has_idle (XpXen *xen, guint node)
{
  Credit *prv = PRIV (xen);
  return prv && node < prv->n_nodes && prv->node_has_idle[node];
}

XpVcpu *
xp_sched_credit_pcpu_current (XpXen *xen, guint cpu)
{
  Credit *prv = PRIV (xen);
  if (!prv || cpu >= prv->n_cpus || !prv->pcpu[cpu].curr)
    return NULL;
  return prv->pcpu[cpu].curr->v;
}

guint
xp_sched_credit_pcpu_runq_length (XpXen *xen, guint cpu)
{
  Credit *prv = PRIV (xen);
  guint n = 0;
  if (!prv || cpu >= prv->n_cpus)
    return 0;
  for (CVcpu *s = prv->pcpu[cpu].rq_head; s; s = s->rq_next)
    n++;
  return n;
}

void
xp_sched_credit_counters (XpXen *xen, XpCreditCounters *out)
{
  Credit *prv = PRIV (xen);
  if (prv)
    *out = prv->ctr;
  else
    memset (out, 0, sizeof *out);
}

void
xp_sched_credit_globals (XpXen *xen, gint *credit_balance, guint *weight, guint *n_active_domains)
{
  Credit *prv = PRIV (xen);
  guint n = 0;
  if (!prv)
    return;
  for (CDom *sd = prv->active_head; sd; sd = sd->next)
    n++;
  if (credit_balance)
    *credit_balance = prv->credit_balance;
  if (weight)
    *weight = prv->weight;
  if (n_active_domains)
    *n_active_domains = n;
}

/* Consistency of the scheduler's redundant state (tests, debug builds). */
gboolean
xp_sched_credit_check_invariants (XpXen *xen, GString *why)
{
  Credit *prv = PRIV (xen);
  if (!prv)
    return TRUE;
  gboolean ok = TRUE;
#define FAIL(...) do { ok = FALSE; if (why) g_string_append_printf (why, __VA_ARGS__); } while (0)
  guint nn = prv->n_nodes;
  g_autofree guint *multi = g_new0 (guint, nn), *hi = g_new0 (guint, nn), *idle = g_new0 (guint, nn);
  g_autofree guint *soft = g_new0 (guint, nn * nn), *core_idle = g_new0 (guint, prv->n_cores);
  guint n_idlers = 0;
  for (guint c = 0; c < prv->n_cpus; c++)
    {
      CPcpu *spc = &prv->pcpu[c];
      guint q = 0, qhi = 0;
      CVcpu *prev = NULL;
      for (CVcpu *s = spc->rq_head; s; prev = s, s = s->rq_next)
        {
          q++;
          qhi += s->pri > PRI_OVER;
          if (s->rq_prev != prev || !s->on_runq || s->running || s->v->processor != c || !runnable (s))
            FAIL ("pCPU %u: bad queued vCPU d%u.%u\n", c, s->v->domain->domid, s->v->id);
          guint n;
          XP_NODEMASK_FOREACH (n, s->q_soft_nodes)
            soft[spc->node * nn + n]++;
        }
      if (spc->rq_tail != prev)
        FAIL ("pCPU %u: runq tail\n", c);
      if (spc->nr_runnable != q + (spc->curr != NULL))
        FAIL ("pCPU %u: nr_runnable %u, queued %u, running %d\n", c, spc->nr_runnable, q, spc->curr != NULL);
      if (spc->nr_queued_hi != qhi || m_test (prv->hi, c) != (qhi > 0))
        FAIL ("pCPU %u: nr_queued_hi %u, counted %u\n", c, spc->nr_queued_hi, qhi);
      if (m_test (prv->multi, c) != (spc->nr_runnable > 1))
        FAIL ("pCPU %u: multi mask\n", c);
      if (m_test (prv->busy, c) != (spc->curr != NULL))
        FAIL ("pCPU %u: busy mask\n", c);
      if (spc->curr && (m_test (prv->idlers, c) || !spc->curr->running || spc->curr->v->processor != c))
        FAIL ("pCPU %u: running vCPU state\n", c);
      if (spc->curr && !spc->curr->migrate_pending && !xp_cpumask_test (&spc->curr->v->hard, c))
        FAIL ("pCPU %u: d%u.%u runs outside its hard affinity\n", c, spc->curr->v->domain->domid,
              spc->curr->v->id);
      multi[spc->node] += spc->nr_runnable > 1;
      hi[spc->node] += qhi;
      idle[spc->node] += spc->curr == NULL && m_test (prv->online, c);
      if (m_test (prv->idlers, c))
        {
          n_idlers++;
          core_idle[spc->core]++;
        }
    }
  for (guint n = 0; n < nn; n++)
    {
      if (multi[n] != prv->node_multi[n] || hi[n] != prv->node_hi[n] || idle[n] != prv->node_idle_cpus[n])
        FAIL ("node %u: counters multi %u/%u hi %u/%u idle %u/%u\n", n, multi[n], prv->node_multi[n], hi[n],
              prv->node_hi[n], idle[n], prv->node_idle_cpus[n]);
      for (guint m = 0; m < nn; m++)
        if (soft[n * nn + m] != prv->soft_cnt[n * nn + m])
          FAIL ("soft_cnt[%u][%u] %u, counted %u\n", n, m, prv->soft_cnt[n * nn + m], soft[n * nn + m]);
    }
  if (n_idlers != prv->n_idlers)
    FAIL ("n_idlers %u, counted %u\n", prv->n_idlers, n_idlers);
  for (guint k = 0; k < prv->n_cores; k++)
    if (core_idle[k] != prv->core_idle[k])
      FAIL ("core %u idle %u, counted %u\n", k, prv->core_idle[k], core_idle[k]);
  guint weight = 0;
  for (CDom *sd = prv->active_head; sd; sd = sd->next)
    {
      guint n = 0;
      for (CVcpu *s = sd->act_head; s; s = s->act_next)
        n++;
      if (!sd->on_active || n != sd->active_count || n == 0)
        FAIL ("domain %u: active list\n", sd->d->domid);
      weight += sd->weight * n;
    }
  if (weight != prv->weight)
    FAIL ("active weight %u, counted %u\n", prv->weight, weight);
#undef FAIL
  return ok;
}
