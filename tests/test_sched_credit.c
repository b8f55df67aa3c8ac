/* Tests of the credit1 scheduler model (sim/xen/sched_credit.c).
 *
 * Until the memory side of sim/xen/ is merged, hosts are built by hand: a
 * plain XpTopology, an XpXen with an event queue, and XpDomain/XpVcpu
 * structs whose vCPUs are handed to the scheduler's hooks directly. Numbers
 * in comments follow from credit.c's rules with the event order of this
 * model (equal-time events run in the order they were scheduled).
 */
#include "config.h"
#include "tests/testutil.h"
#include "sim/xen/sched_credit.h"
#include "sim/error.h"


/* Host builders of the sim/xen suites (tests/test_page_alloc.c). */
XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);

#define MS XP_NSEC_PER_MSEC
#define SEC XP_NSEC_PER_SEC

typedef struct {
  XpTopology topo;
  XpXen xen;
  XpEventQueue *q;
  GRand *rand;
  GPtrArray *doms;
} Host;

static Host *
host_new_full (guint n_nodes, guint cpus_per_node, guint threads, guint version, const XpCreditParams *params,
               guint32 seed)
{
  Host *h = g_new0 (Host, 1);
  XpTopology *t = &h->topo;
  t->name = (char *) "test";
  t->n_nodes = n_nodes;
  t->n_cpus = n_nodes * cpus_per_node;
  t->n_sockets = n_nodes;
  t->nodes = g_new0 (XpNode, n_nodes);
  t->cpus = g_new0 (XpCpu, t->n_cpus);
  for (guint n = 0; n < n_nodes; n++)
    {
      t->nodes[n].id = n;
      t->nodes[n].n_cpus = cpus_per_node;
      t->nodes[n].n_cores = cpus_per_node / threads;
      t->nodes[n].cpus = g_new0 (guint, cpus_per_node);
      for (guint i = 0; i < cpus_per_node; i++)
        {
          guint c = n * cpus_per_node + i;
          t->nodes[n].cpus[i] = c;
          t->cpus[c] = (XpCpu) { .id = c, .node = n, .socket = n, .core = c / threads, .thread = c % threads };
        }
    }
  h->q = xp_event_queue_new ();
  h->rand = g_rand_new_with_seed (seed);
  h->doms = g_ptr_array_new ();
  XpXen *x = &h->xen;
  x->topo = t;
  x->events = h->q;
  x->behaviour.version = version;
  x->behaviour.credit_balance_ratelimit = version >= 418;
  x->behaviour.credit_skip_yielded = version >= 418;
  xp_cpumask_fill (&x->online_cpus, t->n_cpus);
  x->online_nodes = (G_GUINT64_CONSTANT (1) << n_nodes) - 1;
  x->domain_list = g_ptr_array_new ();
  g_autoptr (GError) err = NULL;
  ck_assert_msg (xp_sched_credit_attach (x, params, h->rand, &err), "%s", err ? err->message : "");
  return h;
}

static Host *
host_new (guint n_nodes, guint cpus_per_node)
{
  return host_new_full (n_nodes, cpus_per_node, 1, 422, NULL, 1);
}

static void
host_free (Host *h)
{
  h->xen.sched->free (&h->xen);
  for (guint i = 0; i < h->doms->len; i++)
    {
      XpDomain *d = h->doms->pdata[i];
      g_free (d->vcpus);
      g_free (d);
    }
  g_ptr_array_free (h->doms, TRUE);
  g_ptr_array_free (h->xen.domain_list, TRUE);
  for (guint n = 0; n < h->topo.n_nodes; n++)
    g_free (h->topo.nodes[n].cpus);
  g_free (h->topo.nodes);
  g_free (h->topo.cpus);
  xp_event_queue_free (h->q);
  g_rand_free (h->rand);
  g_free (h);
}

/* A paused domain with @n vCPUs; @hard/@soft are CPU lists (NULL: all).
 * Initial processors as sched_select_initial_cpu(): cycle through hard ∩ soft. */
static XpDomain *
host_dom (Host *h, guint n, const char *hard, const char *soft, guint weight, guint cap, guint demand)
{
  XpDomain *d = g_new0 (XpDomain, 1);
  d->domid = h->doms->len + 1;
  d->paused = TRUE;
  d->n_vcpus = d->max_vcpus = n;
  d->vcpus = g_new0 (XpVcpu, n);
  d->weight = weight;
  d->cap = cap;
  g_ptr_array_add (h->doms, d);
  g_ptr_array_add (h->xen.domain_list, d);
  XpCpumask all, hm, sm, pref;
  const char *why = NULL;
  xp_cpumask_fill (&all, h->topo.n_cpus);
  hm = sm = all;
  if (hard)
    ck_assert_msg (xp_cpumask_parse (hard, &hm, &why), "%s", why);
  if (soft)
    ck_assert_msg (xp_cpumask_parse (soft, &sm, &why), "%s", why);
  xp_cpumask_and (&sm, &sm, &hm);
  xp_cpumask_and (&pref, &sm, &hm);
  guint cpu = xp_cpumask_next (&pref, 0);
  for (guint i = 0; i < n; i++)
    {
      XpVcpu *v = &d->vcpus[i];
      v->domain = d;
      v->id = i;
      v->hard = hm;
      v->soft = sm;
      v->soft_aff_effective = !xp_cpumask_subset (&hm, &sm) && xp_cpumask_intersects (&sm, &hm);
      v->processor = cpu;
      cpu = xp_cpumask_next (&pref, cpu + 1);
      if (cpu >= XP_MAX_CPUS)
        cpu = xp_cpumask_next (&pref, 0);
    }
  xp_sched_credit_set_demand (&h->xen, d, demand);
  for (guint i = 0; i < n; i++)
    h->xen.sched->insert_vcpu (&h->xen, &d->vcpus[i]);
  return d;
}

static void
host_unpause (Host *h, XpDomain *d)
{
  d->paused = FALSE;
  h->xen.sched->domain_unpause (&h->xen, d);
}

/* Run to @until, checking the scheduler's invariants after every event. */
static void
host_run (Host *h, XpTime until)
{
  g_autoptr (GString) why = g_string_new (NULL);
  while (xp_event_queue_peek_time (h->q) <= until)
    {
      xp_event_run_one (h->q);
      ck_assert_msg (xp_sched_credit_check_invariants (&h->xen, why), "at %" G_GINT64_FORMAT " ns: %s",
                     xp_event_queue_now (h->q), why->str);
    }
  xp_event_run_until (h->q, until);   /* advances the clock to @until */
  xp_sched_credit_finish (&h->xen);
}

static XpTime
run_node (Host *h, XpDomain *d, guint vcpu, guint node)
{
  return xp_sched_credit_vcpu_run_on_node (&h->xen, &d->vcpus[vcpu], node);
}

static XpCreditVcpuStats
vstats (Host *h, XpDomain *d, guint vcpu)
{
  XpCreditVcpuStats s;
  ck_assert (xp_sched_credit_vcpu_stats (&h->xen, &d->vcpus[vcpu], &s));
  return s;
}

/* ---- soft affinity ---------------------------------------------------------- */

typedef struct {
  Host *h;
  guint samples, bad;
  guint node1_min, node1_max;
} Sampler;

static void
sample_node1 (XpEventQueue *q, gpointer a, gpointer b)
{
  Sampler *s = a;
  guint on1 = 0;
  for (guint c = 2; c < 4; c++)
    on1 += xp_sched_credit_pcpu_current (&s->h->xen, c) != NULL;
  s->samples++;
  s->node1_min = MIN (s->node1_min, on1);
  s->node1_max = MAX (s->node1_max, on1);
  if (xp_event_queue_now (q) + 7 * MS < 3 * SEC)
    xp_event_schedule (q, xp_event_queue_now (q) + 7 * MS, sample_node1, s, NULL);
}

/* xp_sched_credit_finish_domain() accounts only the pCPUs the domain's
 * vCPUs run on. 2 nodes x 2 pCPUs; a (soft affinity node 0) and b (node
 * 1), one always-busy vCPU each, run alone from 0. At 505 ms, between the
 * 10 ms ticks and the 30 ms slice ends (the last accounting of both pCPUs
 * was at 500 ms at the latest), finishing a brings a's pCPU and a's run
 * time to exactly 505 ms and leaves b's pCPU behind; finishing b then
 * catches it up, and a full finish changes nothing more. */
START_TEST (test_finish_domain)
{
  Host *h = host_new (2, 2);
  XpDomain *a = host_dom (h, 1, NULL, "0-1", 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, "2-3", 256, 0, XP_DEMAND_FULL);
  host_unpause (h, a);
  host_unpause (h, b);
  xp_event_run_until (h->q, 505 * MS);
  guint ca = vstats (h, a, 0).processor, cb = vstats (h, b, 0).processor;
  ck_assert_uint_lt (ca, 2);
  ck_assert_uint_ge (cb, 2);
  ck_assert_int_lt (xp_sched_credit_pcpu_busy (&h->xen, ca), 505 * MS);
  xp_sched_credit_finish_domain (&h->xen, a);
  ck_assert_int_eq (xp_sched_credit_pcpu_busy (&h->xen, ca), 505 * MS);
  ck_assert_int_eq (vstats (h, a, 0).run_ns, 505 * MS);
  ck_assert_int_eq (run_node (h, a, 0, 0), 505 * MS);
  ck_assert_int_lt (xp_sched_credit_pcpu_busy (&h->xen, cb), 505 * MS);
  ck_assert_int_lt (vstats (h, b, 0).run_ns, 505 * MS);
  xp_sched_credit_finish_domain (&h->xen, a);     /* idempotent */
  ck_assert_int_eq (vstats (h, a, 0).run_ns, 505 * MS);
  xp_sched_credit_finish_domain (&h->xen, b);
  ck_assert_int_eq (xp_sched_credit_pcpu_busy (&h->xen, cb), 505 * MS);
  ck_assert_int_eq (run_node (h, b, 0, 1), 505 * MS);
  xp_sched_credit_finish (&h->xen);
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 0), 505 * MS);
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 1), 505 * MS);
  host_free (h);
}
END_TEST

START_TEST (test_soft_affinity_stays_home_while_idle)
{
  /* 2 nodes × 2 pCPUs; two always-busy vCPUs with soft affinity to node 0
   * (pCPUs 0-1), started 1 ms apart. Both start on pCPU 0 (vCPU 0 of a
   * domain starts on the first CPU of its node affinity). At 1 ms b queues
   * behind a on pCPU 0 and tickles the idle soft-affine pCPU 1, which
   * steals it. Node 0 has an idle pCPU for each, so a runs 3000 ms and b
   * 2999 ms there and nothing ever runs on node 1. */
  Host *h = host_new (2, 2);
  XpDomain *a = host_dom (h, 1, NULL, "0-1", 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, "0-1", 256, 0, XP_DEMAND_FULL);
  host_unpause (h, a);
  host_run (h, 1 * MS);
  host_unpause (h, b);
  host_run (h, 3 * SEC);
  ck_assert_int_eq (run_node (h, a, 0, 0), 3 * SEC);
  ck_assert_int_eq (run_node (h, b, 0, 0), 2999 * MS);
  ck_assert_int_eq (vstats (h, b, 0).processor, 1);
  ck_assert_int_eq (vstats (h, b, 0).wait_ns, 0);
  ck_assert_int_eq (run_node (h, a, 0, 1) + run_node (h, b, 0, 1), 0);
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 1), 0);
  /* 2 pCPUs: 3000 + 2999 ms busy of 6000 */
  ck_assert_uint_eq (xp_sched_credit_node_utilisation_ppm (&h->xen, 0), 5999 * 1000000ull / 6000);
  ck_assert (!xp_sched_credit_node_has_idle (&h->xen, 0));
  ck_assert (xp_sched_credit_node_has_idle (&h->xen, 1));
  host_free (h);
}
END_TEST

START_TEST (test_soft_affinity_spills_when_saturated)
{
  /* Three always-busy vCPUs, soft affinity to node 0, hard = all, each
   * vCPU 0 of its own domain (so each starts on pCPU 0), started at 0, 1
   * and 2 ms. d0 runs on pCPU 0; at 1 ms d1 queues there and tickles idle
   * soft-affine pCPU 1, which steals it. At 2 ms d2 queues on pCPU 0: no
   * idler in its soft affinity, so the hard step tickles pCPU 2 (the first
   * idler after pCPU 0), which steals d2 in its hard balancing step
   * (own node 1 has no work, then node 0). From then on each vCPU has its
   * own pCPU and the tick re-pick keeps them (no idler on node 0, own
   * pCPU idle but for itself). Over 3 s node 1 receives 2998 ms, all d2's,
   * node 0 2 × 3000 - 1 ms, and from 25 ms on exactly one vCPU runs on
   * node 1 at every sample. */
  Host *h = host_new (2, 2);
  XpDomain *d[3];
  for (int i = 0; i < 3; i++)
    d[i] = host_dom (h, 1, NULL, "0-1", 256, 0, XP_DEMAND_FULL);
  for (int i = 0; i < 3; i++)
    {
      host_run (h, i * MS);
      host_unpause (h, d[i]);
    }
  Sampler s = { .h = h, .node1_min = 99 };
  xp_event_schedule (h->q, 25 * MS, sample_node1, &s, NULL);
  host_run (h, 3 * SEC);
  XpTime n0 = 0, n1 = 0;
  for (int i = 0; i < 3; i++)
    {
      n0 += run_node (h, d[i], 0, 0);
      n1 += run_node (h, d[i], 0, 1);
    }
  ck_assert_int_eq (n1, 2998 * MS);
  ck_assert_int_eq (n0, 5999 * MS);
  ck_assert_int_eq (run_node (h, d[2], 0, 1), 2998 * MS);
  ck_assert_int_eq (run_node (h, d[2], 0, 0), 0);
  ck_assert_int_eq (run_node (h, d[0], 0, 0), 3000 * MS);
  ck_assert_int_eq (vstats (h, d[2], 0).wait_ns, 0);
  XpCreditVcpuStats s2 = vstats (h, d[2], 0);
  ck_assert_uint_eq (s2.migrations, 1);
  ck_assert_uint_eq (s2.node_migrations, 1);
  ck_assert_uint_eq (vstats (h, d[0], 0).migrations, 0);
  ck_assert_uint_ge (s.samples, 400);
  ck_assert_uint_eq (s.node1_min, 1);
  ck_assert_uint_eq (s.node1_max, 1);
  /* node 1: one of two pCPUs busy for 2998 of 3000 ms */
  ck_assert_uint_eq (xp_sched_credit_node_utilisation_ppm (&h->xen, 1), 2998 * 1000000ull / 6000);
  host_free (h);
}
END_TEST


START_TEST (test_tick_repick_brings_vcpu_home)
{
  /* As in the spill test, d2 runs on node 1 from 2 ms. At 1000.5 ms d1's
   * domain is paused, so pCPU 1 (node 0) goes idle: its balancing finds
   * nothing (every runq holds only its running vCPU). At the next tick
   * (1010 ms) the re-pick for d2 finds idle pCPU 1 in its soft affinity
   * and d2 migrates there. Node 1 time of d2: 2 -> 1010 ms = 1008 ms; node 0
   * time: 1010 -> 2000 ms = 990 ms. */
  Host *h = host_new (2, 2);
  XpDomain *d[3];
  for (int i = 0; i < 3; i++)
    d[i] = host_dom (h, 1, NULL, "0-1", 256, 0, XP_DEMAND_FULL);
  for (int i = 0; i < 3; i++)
    {
      host_run (h, i * MS);
      host_unpause (h, d[i]);
    }
  host_run (h, 1000 * MS + 500 * XP_NSEC_PER_USEC);
  d[1]->paused = TRUE;
  h->xen.sched->domain_pause (&h->xen, d[1]);
  host_run (h, 2000 * MS);
  ck_assert_int_eq (run_node (h, d[2], 0, 1), 1008 * MS);
  ck_assert_int_eq (run_node (h, d[2], 0, 0), 990 * MS);
  ck_assert_uint_eq (vstats (h, d[2], 0).processor, 1);
  ck_assert_uint_eq (vstats (h, d[2], 0).node_migrations, 2);
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 1), 1008 * MS);
  host_free (h);
}
END_TEST

static XpTime
balance_ratelimit_wait (guint version)
{
  /* One node, 2 pCPUs. A (busy, hard all) runs on pCPU 0. C is pinned to
   * pCPU 1 and runs 10 -> 11 ms; when it blocks pCPU 1 balances (nothing
   * to steal) and idles. At 11.5 ms B (hard all, sitting on pCPU 0) wakes
   * behind A and tickles idle pCPU 1.
   *  4.22: pCPU 1 balanced 0.5 ms ago (< load_balance_ratelimit 1 ms), so
   *        it does not look for work and idles again. B waits until A's
   *        second tick (20 ms) moves A to idle pCPU 1: B waits 8.5 ms.
   *  4.17: no balancing ratelimit: pCPU 1 steals B at once: no wait. */
  Host *h = host_new_full (1, 2, 1, version, NULL, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  XpDomain *c = host_dom (h, 1, "1", NULL, 256, 0, 0);
  host_unpause (h, a);
  host_unpause (h, b);
  host_unpause (h, c);
  host_run (h, 10 * MS);
  xp_sched_credit_vcpu_add_work (&h->xen, &c->vcpus[0], MS);
  host_run (h, 11 * MS + 500 * XP_NSEC_PER_USEC);
  ck_assert_ptr_null (xp_sched_credit_pcpu_current (&h->xen, 1));
  ck_assert_uint_eq (vstats (h, b, 0).processor, 0);
  xp_sched_credit_vcpu_add_work (&h->xen, &b->vcpus[0], MS);
  host_run (h, 100 * MS);
  ck_assert_int_eq (vstats (h, b, 0).run_ns, MS);
  XpTime w = vstats (h, b, 0).wait_ns;
  host_free (h);
  return w;
}

START_TEST (test_load_balance_ratelimit_by_version)
{
  ck_assert_int_eq (balance_ratelimit_wait (422), 8500 * XP_NSEC_PER_USEC);
  ck_assert_int_eq (balance_ratelimit_wait (417), 0);
}
END_TEST

START_TEST (test_smt_prefers_idle_core)
{
  /* One node, 2 cores × 2 threads (pCPUs 0,1 = core 0; 2,3 = core 1).
   * A runs on pCPU 0. B wakes at 1 ms behind A on pCPU 0 and tickles the
   * next idler, pCPU 1 (A's sibling), which steals it: both on core 0.
   * 10 ms tick: A and B become active. 20 ms tick (pCPUs in id order): A's
   * re-pick sees its core half busy and core 1 fully idle (Xen's
   * same-socket rule: 1 idle sibling < 2) and moves A to pCPU 2; B's
   * re-pick at the same tick wants core 1 as well, but B is placed when
   * pCPU 1 reschedules, after A has left: then core 0 is fully idle and B
   * stays on pCPU 1. Result: one vCPU per core from 20 ms on. */
  Host *h = host_new_full (1, 4, 2, 422, NULL, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  host_unpause (h, a);
  host_run (h, MS);
  host_unpause (h, b);
  host_run (h, 15 * MS);
  ck_assert_uint_eq (vstats (h, b, 0).processor, 1);
  ck_assert_uint_eq (vstats (h, a, 0).processor, 0);
  host_run (h, 1000 * MS);
  ck_assert_uint_eq (vstats (h, b, 0).processor, 1);
  ck_assert_uint_eq (vstats (h, b, 0).migrations, 1);
  ck_assert_uint_eq (vstats (h, a, 0).processor, 2);
  ck_assert_uint_eq (vstats (h, a, 0).migrations, 1);
  /* A ran 20 ms on pCPU 0, then pCPU 2 */
  ck_assert_int_eq (xp_sched_credit_pcpu_busy (&h->xen, 0), 20 * MS);
  ck_assert_int_eq (xp_sched_credit_pcpu_busy (&h->xen, 2), 980 * MS);
  host_free (h);
}
END_TEST


static void
do_yield (XpEventQueue *q, gpointer a, gpointer b)
{
  Host *h = a;
  xp_sched_credit_vcpu_yield (&h->xen, b);
}

static XpTime
yield_wait (guint version, XpVcpu **cur_at_6ms)
{
  /* One node, 2 pCPUs. A (busy) runs on pCPU 0; C, pinned to pCPU 1, runs
   * 0 -> 7 ms. B (hard all, on pCPU 0) gets work at 2 ms and queues behind
   * A (equal priority, no idler: no preemption). At 5 ms A yields: the
   * ratelimit does not hold a yielder, A goes behind B and B runs. At 7 ms
   * C blocks and idle pCPU 1 balances:
   *  4.17: it steals A (queued, yielded): A waited 5 -> 7 ms = 2 ms.
   *  4.22: yielded units are never stolen; A waits on pCPU 0 until B's
   *        second tick (20 ms) moves B to idle pCPU 1: 15 ms. */
  Host *h = host_new_full (1, 2, 1, version, NULL, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  XpDomain *c = host_dom (h, 1, "1", NULL, 256, 0, 0);
  host_unpause (h, a);
  host_unpause (h, b);
  host_unpause (h, c);
  xp_sched_credit_vcpu_add_work (&h->xen, &c->vcpus[0], 7 * MS);
  host_run (h, 2 * MS);
  xp_sched_credit_vcpu_add_work (&h->xen, &b->vcpus[0], 100 * MS);
  xp_event_schedule (h->q, 5 * MS, do_yield, h, &a->vcpus[0]);
  host_run (h, 6 * MS);
  *cur_at_6ms = xp_sched_credit_pcpu_current (&h->xen, 0);
  ck_assert_ptr_eq (*cur_at_6ms, &b->vcpus[0]);
  host_run (h, 100 * MS);
  XpTime w = vstats (h, a, 0).wait_ns;
  host_free (h);
  return w;
}

static void
do_yield_and_pause (XpEventQueue *q, gpointer a, gpointer b)
{
  Host *h = a;
  XpVcpu *v = b;
  xp_sched_credit_vcpu_yield (&h->xen, v);
  v->domain->paused = TRUE;
  h->xen.sched->domain_pause (&h->xen, v->domain);
}

static XpVcpu *
yield_then_block (guint version)
{
  /* One pCPU; X, R, L (one busy vCPU each) unpaused at 0 in that order,
   * all UNDER (the first wake after insertion is not boosted): X runs, R
   * and L queue. At 0.5 ms X yields and its domain is paused in the same
   * instant, so X leaves the pCPU without being queued again; R runs. At
   * 1 ms X's domain is unpaused: X wakes BOOST while R runs and L (UNDER)
   * is queued. R has run 0.5 ms, so the ratelimit keeps it until 1.5 ms,
   * when R is queued again behind every UNDER/BOOST unit and the head runs.
   *  4.17: csched_schedule cleared X's yield flag when X was switched out,
   *        so X wakes into the queue ahead of L: [X, L, R]; X runs.
   *  4.18 on: the flag stays until X is next taken off a runqueue, so X
   *        goes behind the first lower-priority unit: [L, X, R]; L runs. */
  Host *h = host_new_full (1, 1, 1, version, NULL, 1);
  XpDomain *x = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *r = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *l = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  host_unpause (h, x);
  host_unpause (h, r);
  host_unpause (h, l);
  xp_event_schedule (h->q, MS / 2, do_yield_and_pause, h, &x->vcpus[0]);
  host_run (h, MS);
  ck_assert_ptr_eq (xp_sched_credit_pcpu_current (&h->xen, 0), &r->vcpus[0]);
  host_unpause (h, x);
  host_run (h, 2 * MS);
  XpVcpu *cur = xp_sched_credit_pcpu_current (&h->xen, 0);
  XpVcpu *want = version >= 418 ? &l->vcpus[0] : &x->vcpus[0];
  ck_assert_ptr_eq (cur, want);
  host_free (h);
  return cur;
}

START_TEST (test_yield_flag_of_blocked_vcpu_by_version)
{
  yield_then_block (417);
  yield_then_block (422);
}
END_TEST

START_TEST (test_yield_and_steal_by_version)
{
  XpVcpu *cur;
  ck_assert_int_eq (yield_wait (422, &cur), 15 * MS);
  ck_assert_int_eq (yield_wait (417, &cur), 2 * MS);
}
END_TEST

/* ---- hard affinity ------------------------------------------------------------- */

START_TEST (test_hard_affinity_never_broken)
{
  /* 2 nodes × 2 pCPUs. Six vCPUs hard-pinned to node 0 (three domains of
   * two, one with soft affinity to node 1, which is outside the hard mask
   * and therefore ignored), busy or half busy, plus four unpinned
   * half-busy vCPUs with soft affinity to node 0 pulling work towards
   * node 0. Node 0 is oversubscribed for 5 s; no pinned vCPU may ever run
   * on node 1 and node 0 must stay fully busy (6 vCPUs, demand >= 3 pCPUs). */
  XpCreditParams p;
  xp_credit_params_init_defaults (&p);
  p.workload.mean_burst_ns = 3 * MS;
  Host *h = host_new_full (2, 2, 1, 422, &p, 5);
  XpDomain *pinned[3];
  pinned[0] = host_dom (h, 2, "0-1", NULL, 256, 0, XP_DEMAND_FULL);
  pinned[1] = host_dom (h, 2, "0-1", "2-3", 512, 0, 500000);
  pinned[2] = host_dom (h, 2, "0-1", NULL, 128, 0, XP_DEMAND_FULL);
  XpDomain *free1 = host_dom (h, 4, NULL, "0-1", 256, 0, 500000);
  for (int i = 0; i < 3; i++)
    host_unpause (h, pinned[i]);
  host_unpause (h, free1);
  host_run (h, 5 * SEC);
  XpTime pinned_run = 0;
  for (int i = 0; i < 3; i++)
    for (guint v = 0; v < 2; v++)
      {
        ck_assert_int_eq (run_node (h, pinned[i], v, 1), 0);
        pinned_run += run_node (h, pinned[i], v, 0);
        ck_assert_uint_lt (vstats (h, pinned[i], v).processor, 2);
      }
  /* node 0's two pCPUs never idle (the pinned busy vCPUs alone fill them) */
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 0), 10 * SEC);
  ck_assert_int_gt (pinned_run, 0);
  /* the free vCPUs did run, and mostly on node 1 */
  XpCreditVcpuStats fs;
  XpTime fnode[2];
  ck_assert (xp_sched_credit_domain_stats (&h->xen, free1, &fs, fnode));
  ck_assert_int_gt (fnode[1], fnode[0]);
  host_free (h);
}
END_TEST

/* ---- credit accounting ------------------------------------------------------------ */

typedef struct {
  Host *h;
  XpDomain *d;
  gint credit[4];
  gboolean active[4];
  gint pri[4];
  guint weight[4];
  int n;
} CreditLog;

static void
log_credit (XpEventQueue *q, gpointer a, gpointer b)
{
  CreditLog *l = a;
  XpCreditVcpuStats s = vstats (l->h, l->d, 0);
  l->credit[l->n] = s.credit;
  l->active[l->n] = s.active;
  l->pri[l->n] = s.pri;
  xp_sched_credit_globals (&l->h->xen, NULL, &l->weight[l->n], NULL);
  l->n++;
}

START_TEST (test_credit_evolution)
{
  /* One vCPU alone on one pCPU, given 45 ms of work at t=0, never waking
   * again (demand 0).
   *  t=0  wake: no BOOST (its insertion pick set the migrating flag), runs.
   *  t=10 tick: burn 100 -> -100; becomes active (weight 256), acct armed
   *       for t=30.
   *  t=20 tick: -200.
   *  t=30 slice timer: burn -> -300, keeps running; acct: fair share =
   *       300 (alone) -> credit 0, UNDER.
   *  t=40 tick: -100.  t=45 work done: burn 50 -> -150, blocks.
   *  t=60 acct: -150 + 300 = 150, UNDER, still active.
   *  t=90 acct: 150 + 300 = 450 > 300: leaves the active set, credit
   *       halved to 225; no active weight left.
   * Samples are taken 1 ns after each accounting instant. */
  Host *h = host_new (1, 1);
  XpDomain *d = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  host_unpause (h, d);
  xp_sched_credit_vcpu_add_work (&h->xen, &d->vcpus[0], 45 * MS);
  CreditLog l = { .h = h, .d = d };
  for (int i = 1; i <= 3; i++)
    xp_event_schedule (h->q, i * 30 * MS + 1, log_credit, &l, NULL);
  host_run (h, 100 * MS);
  ck_assert_int_eq (l.n, 3);
  ck_assert_int_eq (l.credit[0], 0);
  ck_assert_int_eq (l.pri[0], XP_CSCHED_PRI_UNDER);
  ck_assert (l.active[0]);
  ck_assert_int_eq (l.credit[1], 150);
  ck_assert (l.active[1]);
  ck_assert_int_eq (l.credit[2], 225);
  ck_assert (!l.active[2]);
  ck_assert_uint_eq (l.weight[2], 0);
  ck_assert_int_eq (vstats (h, d, 0).run_ns, 45 * MS);
  gint balance;
  xp_sched_credit_globals (&h->xen, &balance, NULL, NULL);
  ck_assert_int_eq (balance, 225);
  host_free (h);
}
END_TEST

START_TEST (test_weights_share_one_pcpu)
{
  /* Weights 256 and 512, one busy vCPU each, one pCPU, 3 s. Each 30 ms
   * period hands out 300 credits: ceil(300 × 256 / 768) = 100 and 200.
   * Running costs 300 per 30 ms, so the long-run shares are 1/3 and 2/3
   * (1000 and 2000 ms). A vCPU's credit stays within [-300, 300], i.e.
   * at most 600 credits = 60 ms of run time away from its entitlement at
   * any instant; the tolerance is those 60 ms (2 % of 3 s). */
  Host *h = host_new (1, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, NULL, 512, 0, XP_DEMAND_FULL);
  host_unpause (h, a);
  host_unpause (h, b);
  host_run (h, 3 * SEC);
  XpTime ra = vstats (h, a, 0).run_ns, rb = vstats (h, b, 0).run_ns;
  ck_assert_int_eq (ra + rb, 3 * SEC);
  ck_assert_msg (ra >= 940 * MS && ra <= 1060 * MS, "weight 256 ran %" G_GINT64_FORMAT " ns", ra);
  ck_assert_msg (rb >= 1940 * MS && rb <= 2060 * MS, "weight 512 ran %" G_GINT64_FORMAT " ns", rb);
  host_free (h);
}
END_TEST

START_TEST (test_cap_limits_share)
{
  /* Cap 50 on a busy vCPU alone on one pCPU: each period grants at most
   * ceil(50 × 300 / 100) = 150 credits (half a period of run time); when
   * the credit falls below -150 at accounting the vCPU is parked until the
   * credit is non-negative again. Over 3 s it gets 50 %: 1500 ms, within
   * one period's worth of credit swing (±300 credits = 30 ms) plus one
   * slice of park/unpark phase (30 ms): ±60 ms. */
  Host *h = host_new (1, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 50, XP_DEMAND_FULL);
  host_unpause (h, a);
  host_run (h, 3 * SEC);
  XpTime ra = vstats (h, a, 0).run_ns;
  ck_assert_msg (ra >= 1440 * MS && ra <= 1560 * MS, "cap 50 ran %" G_GINT64_FORMAT " ns", ra);
  XpCreditCounters c;
  xp_sched_credit_counters (&h->xen, &c);
  ck_assert_uint_gt (c.parks, 10);
  ck_assert_uint_ge (c.unparks + 1, c.parks);
  /* while parked the pCPU idles: the node reports an idle pCPU sometimes */
  ck_assert_int_eq (xp_sched_credit_pcpu_busy (&h->xen, 0), ra);
  host_free (h);
}
END_TEST


typedef struct {
  Host *h;
  XpDomain *a, *b;
  gint ca[4], cb[4], bal[4];
  gboolean parked[4];
  int n;
} CapLog;

static void
log_cap (XpEventQueue *q, gpointer p, gpointer unused)
{
  CapLog *l = p;
  XpCreditVcpuStats sa = vstats (l->h, l->a, 0), sb = vstats (l->h, l->b, 0);
  l->ca[l->n] = sa.credit;
  l->cb[l->n] = sb.credit;
  l->parked[l->n] = sa.parked;
  xp_sched_credit_globals (&l->h->xen, &l->bal[l->n], NULL, NULL);
  l->n++;
}

START_TEST (test_acct_cap_balance_park)
{
  /* Two pCPUs; A (cap 50) pinned to pCPU 0, B pinned to pCPU 1, both busy.
   * Both activate at the 10 ms tick (A first, so the active list is B, A).
   * Each runs its whole period, burning 300 before every accounting.
   * acct 30: total 600, W 512. B: fair ceil(600·256/512) = 300 = peak ->
   *   0. A: peak min(300, cap 150) = 150 -> -300 + 150 = -150 (OVER, not
   *   below -150: not parked). balance -150.
   * acct 60: negative balance: total 750, peaks +ceil(150·256/512) = 75.
   *   B: fair 375 = peak 375 -> -300 + 375 = 75. A: fair 375 capped to
   *   150 -> -450 + 150 = -300 < -150: parked. balance -225.
   * acct 90: total 825, peak 300 + ceil(225·256/512) = 413, fair
   *   ceil(412.5) = 413. B: -225 + 413 = 188. A (parked, credit -300):
   *   -300 + 150 = -150, stays parked. balance 38.
   * acct 120: total 600. B: -112 + 300 = 188. A: -150 + 150 = 0: UNDER,
   *   unparked and running again. balance 188. */
  Host *h = host_new (1, 2);
  XpDomain *a = host_dom (h, 1, "0", NULL, 256, 50, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, "1", NULL, 256, 0, XP_DEMAND_FULL);
  host_unpause (h, a);
  host_unpause (h, b);
  CapLog l = { .h = h, .a = a, .b = b };
  for (int i = 1; i <= 4; i++)
    xp_event_schedule (h->q, i * 30 * MS + 1, log_cap, &l, NULL);
  host_run (h, 125 * MS);
  ck_assert_int_eq (l.n, 4);
  static const gint ca[] = { -150, -300, -150, 0 }, cb[] = { 0, 75, 188, 188 }, bal[] = { -150, -225, 38, 188 };
  static const gboolean parked[] = { FALSE, TRUE, TRUE, FALSE };
  for (int i = 0; i < 4; i++)
    {
      ck_assert_msg (l.ca[i] == ca[i] && l.cb[i] == cb[i] && l.bal[i] == bal[i] && l.parked[i] == parked[i],
                     "acct %d: A %d B %d balance %d parked %d", i, l.ca[i], l.cb[i], l.bal[i], l.parked[i]);
    }
  /* A ran 0 -> 60 ms, parked until 120 ms, then again */
  ck_assert_int_eq (vstats (h, a, 0).run_ns, 65 * MS);
  ck_assert (xp_sched_credit_pcpu_current (&h->xen, 0) == &a->vcpus[0]);
  host_free (h);
}
END_TEST

/* ---- BOOST ------------------------------------------------------------------------ */

typedef struct {
  Host *h;
  XpDomain *b;
  XpVcpu *cur;
  XpTime run;
} BoostProbe;

static void
probe_cur (XpEventQueue *q, gpointer a, gpointer b)
{
  BoostProbe *p = a;
  xp_sched_credit_finish (&p->h->xen);
  p->cur = xp_sched_credit_pcpu_current (&p->h->xen, 0);
  p->run = vstats (p->h, p->b, 0).run_ns;
}

static void
kick_b (XpEventQueue *q, gpointer a, gpointer b)
{
  BoostProbe *p = a;
  xp_sched_credit_vcpu_add_work (&p->h->xen, &p->b->vcpus[0], MS);
}

START_TEST (test_boost_preempts_under)
{
  /* One pCPU. A is always busy from t=0. B never wakes by itself.
   * t=5 ms: B gets 1 ms of work. This first wake is not boosted (the pick
   * at insertion marked it migrating), so B (UNDER) does not preempt A
   * (UNDER) and waits until A's slice ends at 30 ms; B runs 30-31 ms.
   * t=50 ms: B gets 1 ms again. Now it is boosted: BOOST > A's UNDER (A's
   * credit at the 30 ms accounting was 0 -> UNDER), and A has run 19 ms
   * since 31 ms (more than the 1 ms ratelimit), so B runs at once: it is
   * current at 50.5 ms and done at 51 ms. */
  Host *h = host_new (1, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  host_unpause (h, a);
  host_unpause (h, b);
  BoostProbe p1 = { .h = h, .b = b }, p2 = { .h = h, .b = b }, p3 = { .h = h, .b = b };
  xp_event_schedule (h->q, 5 * MS, kick_b, &p1, NULL);
  xp_event_schedule (h->q, 29 * MS, probe_cur, &p1, NULL);
  xp_event_schedule (h->q, 50 * MS, kick_b, &p2, NULL);
  xp_event_schedule (h->q, 50 * MS + 500 * XP_NSEC_PER_USEC, probe_cur, &p2, NULL);
  xp_event_schedule (h->q, 52 * MS, probe_cur, &p3, NULL);
  host_run (h, 60 * MS);
  ck_assert_ptr_eq (p1.cur, &a->vcpus[0]);
  ck_assert_int_eq (p1.run, 0);
  ck_assert_ptr_eq (p2.cur, &b->vcpus[0]);
  ck_assert_int_eq (p2.run, MS + 500 * XP_NSEC_PER_USEC);
  ck_assert_ptr_eq (p3.cur, &a->vcpus[0]);
  ck_assert_int_eq (p3.run, 2 * MS);
  XpCreditVcpuStats sb = vstats (h, b, 0);
  /* waits: 5 -> 30 ms (25 ms) and 50 -> 50 ms (0) */
  ck_assert_uint_eq (sb.wait_count, 2);
  ck_assert_int_eq (sb.wait_ns, 25 * MS);
  host_free (h);
}
END_TEST

static void
kick_c (XpEventQueue *q, gpointer a, gpointer b)
{
  BoostProbe *p = a;
  xp_sched_credit_vcpu_add_work (&p->h->xen, b, MS);
}

START_TEST (test_boost_waits_for_ratelimit)
{
  /* One pCPU; A always busy, B and C never wake by themselves.
   * B and C get 1 ms at 5 and 6 ms (unboosted first wakes): they queue
   * behind A; at A's slice end (30 ms) A goes behind them: B runs 30-31,
   * C 31-32, A from 32. At 50 ms B wakes boosted and preempts A (A has
   * run 18 ms): B runs 50-51, A is switched in again at 51.
   * At 51.4 ms C wakes boosted: A has run only 0.4 ms < ratelimit 1 ms, so
   * A keeps the pCPU for the remaining 0.6 ms and C runs at 52.0 until
   * 53.0. C waited 6 -> 31 (25 ms) and 51.4 -> 52.0 (0.6 ms). */
  Host *h = host_new (1, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  XpDomain *c = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  host_unpause (h, a);
  host_unpause (h, b);
  host_unpause (h, c);
  BoostProbe p1 = { .h = h, .b = c }, p2 = { .h = h, .b = c }, p3 = { .h = h, .b = c };
  xp_event_schedule (h->q, 5 * MS, kick_c, &p1, &b->vcpus[0]);
  xp_event_schedule (h->q, 6 * MS, kick_c, &p1, &c->vcpus[0]);
  xp_event_schedule (h->q, 50 * MS, kick_c, &p1, &b->vcpus[0]);
  xp_event_schedule (h->q, 51 * MS + 400 * XP_NSEC_PER_USEC, kick_c, &p1, &c->vcpus[0]);
  xp_event_schedule (h->q, 51 * MS + 900 * XP_NSEC_PER_USEC, probe_cur, &p1, NULL);
  xp_event_schedule (h->q, 52 * MS + 500 * XP_NSEC_PER_USEC, probe_cur, &p2, NULL);
  xp_event_schedule (h->q, 54 * MS, probe_cur, &p3, NULL);
  host_run (h, 60 * MS);
  ck_assert_ptr_eq (p1.cur, &a->vcpus[0]);
  ck_assert_int_eq (p1.run, MS);
  ck_assert_ptr_eq (p2.cur, &c->vcpus[0]);
  ck_assert_int_eq (p2.run, MS + 500 * XP_NSEC_PER_USEC);
  ck_assert_ptr_eq (p3.cur, &a->vcpus[0]);
  ck_assert_int_eq (p3.run, 2 * MS);
  XpCreditVcpuStats sc = vstats (h, c, 0);
  ck_assert_uint_eq (sc.wait_count, 2);
  ck_assert_int_eq (sc.wait_ns, 25 * MS + 600 * XP_NSEC_PER_USEC);
  host_free (h);
}
END_TEST

START_TEST (test_wait_in_progress_is_counted)
{
  /* The statistics count a wait that has not ended yet both in its time
   * and in the number of waits, so that wait_ns / wait_count is the mean
   * length of a wait. One pCPU, A always busy, B gets 1 ms of work at
   * 5 ms: unboosted, it queues behind A until A's slice ends at 30 ms.
   * Read at 20 ms, B has waited once, for 15 ms so far: one wait of
   * 15 ms (the count was 0 with 15 ms of time, an empty mean). Read again
   * at 40 ms, after the wait ended at 30 ms: still one wait, of 25 ms. */
  Host *h = host_new (1, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  host_unpause (h, a);
  host_unpause (h, b);
  BoostProbe p = { .h = h, .b = b };
  xp_event_schedule (h->q, 5 * MS, kick_b, &p, NULL);
  host_run (h, 20 * MS);
  XpCreditVcpuStats s = vstats (h, b, 0);
  ck_assert_int_eq (s.wait_ns, 15 * MS);
  ck_assert_uint_eq (s.wait_count, 1);
  host_run (h, 40 * MS);
  s = vstats (h, b, 0);
  ck_assert_int_eq (s.wait_ns, 25 * MS);
  ck_assert_uint_eq (s.wait_count, 1);
  host_free (h);
}
END_TEST


static void
count_schedules (XpEventQueue *q, gpointer a, gpointer b)
{
  XpCreditCounters c;
  xp_sched_credit_counters (a, &c);
  *(guint64 *) b = c.schedules;
}

START_TEST (test_ratelimit_min_timer_guard)
{
  /* As in test_boost_waits_for_ratelimit, A is switched in again at 51 ms.
   * C wakes boosted at 51.05 ms: A has run 50 µs, less than the 100 µs
   * CSCHED_MIN_TIMER, so the kept slice is 100 µs (not 950 µs): another
   * schedule at 51.15 ms, where A has run 150 µs and keeps the pCPU for
   * the remaining 850 µs; C runs at 52.0 ms. Between 51.01 and 51.99 ms
   * exactly those two schedules happen; C waited 25 + 0.95 ms. */
  Host *h = host_new (1, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  XpDomain *c = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  host_unpause (h, a);
  host_unpause (h, b);
  host_unpause (h, c);
  BoostProbe p1 = { .h = h, .b = c };
  guint64 s0 = 0, s1 = 0;
  const XpTime US = XP_NSEC_PER_USEC;
  xp_event_schedule (h->q, 5 * MS, kick_c, &p1, &b->vcpus[0]);
  xp_event_schedule (h->q, 6 * MS, kick_c, &p1, &c->vcpus[0]);
  xp_event_schedule (h->q, 50 * MS, kick_c, &p1, &b->vcpus[0]);
  xp_event_schedule (h->q, 51010 * US, count_schedules, &h->xen, &s0);
  xp_event_schedule (h->q, 51050 * US, kick_c, &p1, &c->vcpus[0]);
  xp_event_schedule (h->q, 51990 * US, count_schedules, &h->xen, &s1);
  xp_event_schedule (h->q, 51990 * US, probe_cur, &p1, NULL);
  host_run (h, 60 * MS);
  ck_assert_uint_eq (s1 - s0, 2);
  ck_assert_ptr_eq (p1.cur, &a->vcpus[0]);
  XpCreditVcpuStats sc = vstats (h, c, 0);
  ck_assert_int_eq (sc.wait_ns, 25 * MS + 950 * US);
  ck_assert_int_eq (sc.run_ns, 2 * MS);
  host_free (h);
}
END_TEST

/* ---- determinism ------------------------------------------------------------------ */

static GString *
mixed_run (guint32 seed)
{
  Host *h = host_new_full (2, 4, 2, 422, NULL, seed);
  static const guint demand[] = { 1000000, 750000, 500000, 250000, 100000, 900000 };
  XpDomain *d[6];
  for (int i = 0; i < 6; i++)
    d[i] = host_dom (h, 2 + i % 3, NULL, i % 2 ? "0-3" : "4-7", 256 << (i % 2), 0, demand[i]);
  for (int i = 0; i < 6; i++)
    host_unpause (h, d[i]);
  host_run (h, 2 * SEC);
  GString *out = g_string_new (NULL);
  for (int i = 0; i < 6; i++)
    for (guint v = 0; v < d[i]->n_vcpus; v++)
      {
        XpCreditVcpuStats s = vstats (h, d[i], v);
        g_string_append_printf (out, "%d.%u run=%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
                                " wait=%" G_GINT64_FORMAT "/%" G_GUINT64_FORMAT " mig=%" G_GUINT64_FORMAT
                                "/%" G_GUINT64_FORMAT " cr=%d\n",
                                i, v, s.run_ns, run_node (h, d[i], v, 0), run_node (h, d[i], v, 1), s.wait_ns,
                                s.wait_count, s.migrations, s.node_migrations, s.credit);
      }
  host_free (h);
  return out;
}

START_TEST (test_same_seed_same_statistics)
{
  g_autoptr (GString) a = mixed_run (42);
  g_autoptr (GString) b = mixed_run (42);
  g_autoptr (GString) c = mixed_run (43);
  ck_assert_str_eq (a->str, b->str);
  /* and the seed matters (the statistics are not trivially constant) */
  ck_assert_str_ne (a->str, c->str);
}
END_TEST


typedef struct {
  Host *h;
  GRand *r;
  XpDomain *d[8];
  guint n;
  guint ops[8];
} Chaos;

static void
chaos_step (XpEventQueue *q, gpointer p, gpointer unused)
{
  Chaos *c = p;
  XpXen *x = &c->h->xen;
  XpDomain *d = c->d[g_rand_int_range (c->r, 0, c->n)];
  XpVcpu *v = &d->vcpus[g_rand_int_range (c->r, 0, d->n_vcpus)];
  guint op = g_rand_int_range (c->r, 0, 8);
  c->ops[op]++;
  switch (op)
    {
    case 0: /* new hard affinity: one node, or everything */
    case 1:
      {
        guint node = g_rand_int_range (c->r, 0, 3);
        xp_cpumask_clear (&v->hard);
        for (guint cpu = 0; cpu < 8; cpu++)
          if (node == 2 || cpu / 4 == node)
            xp_cpumask_set (&v->hard, cpu);
        if (op == 1)
          {
            xp_cpumask_clear (&v->hard);
            xp_cpumask_set (&v->hard, g_rand_int_range (c->r, 0, 8));   /* pinned to one pCPU */
          }
        XpCpumask all;
        xp_cpumask_fill (&all, 8);
        xp_cpumask_and (&v->soft, &v->soft, &v->hard);
        v->soft_aff_effective = !xp_cpumask_subset (&v->hard, &v->soft) && xp_cpumask_intersects (&v->soft, &v->hard);
        x->sched->adjust_affinity (x, v);
        break;
      }
    case 2: /* new soft affinity */
      {
        guint node = g_rand_int_range (c->r, 0, 2);
        xp_cpumask_clear (&v->soft);
        for (guint cpu = node * 4; cpu < node * 4 + 4; cpu++)
          xp_cpumask_set (&v->soft, cpu);
        xp_cpumask_and (&v->soft, &v->soft, &v->hard);
        v->soft_aff_effective = !xp_cpumask_subset (&v->hard, &v->soft) && xp_cpumask_intersects (&v->soft, &v->hard);
        x->sched->adjust_affinity (x, v);
        break;
      }
    case 3:
      if (d->paused)
        {
          d->paused = FALSE;
          x->sched->domain_unpause (x, d);
        }
      else
        {
          d->paused = TRUE;
          x->sched->domain_pause (x, d);
        }
      break;
    case 4:
      xp_sched_credit_set_demand (x, d, g_rand_int_range (c->r, 0, 1000001));
      break;
    case 5:
      xp_sched_credit_vcpu_yield (x, v);
      break;
    case 6:
      xp_sched_credit_set_weight_cap (x, d, g_rand_int_range (c->r, 1, 1024), g_rand_int_range (c->r, 0, 3) * 40);
      break;
    case 7:
      xp_sched_credit_vcpu_add_work (x, v, g_rand_int_range (c->r, 1, 20) * XP_NSEC_PER_MSEC);
      break;
    }
  XpTime next = xp_event_queue_now (q) + g_rand_int_range (c->r, 1, 3000) * XP_NSEC_PER_USEC;
  xp_event_schedule (q, next, chaos_step, c, NULL);
}

START_TEST (test_chaos_keeps_invariants)
{
  /* 2 nodes × 2 cores × 2 threads, 8 domains of 1-4 vCPUs with mixed
   * demand, and every ~1.5 ms a random control operation (affinity
   * changes incl. single-pCPU pinning, pause/unpause, demand, yield,
   * weight/cap, extra work). host_run() checks the invariants after every
   * event (no vCPU outside its hard affinity among them); at the end the
   * pCPUs' busy time equals the vCPUs' run time, and removing every vCPU
   * leaves an idle, empty scheduler. */
  XpCreditParams p;
  xp_credit_params_init_defaults (&p);
  p.workload.mean_burst_ns = 2 * MS;
  Host *h = host_new_full (2, 4, 2, 422, &p, 77);
  Chaos c = { .h = h, .r = g_rand_new_with_seed (2024), .n = 8 };
  for (guint i = 0; i < c.n; i++)
    {
      c.d[i] = host_dom (h, 1 + i % 4, i % 3 == 0 ? "0-3" : NULL, i % 2 ? "4-7" : NULL, 256, i == 5 ? 30 : 0,
                         (i * 137 + 100) % 1000 * 1000);
      host_unpause (h, c.d[i]);
    }
  xp_event_schedule (h->q, MS, chaos_step, &c, NULL);
  host_run (h, 5 * SEC);
  for (guint op = 0; op < 8; op++)
    ck_assert_uint_gt (c.ops[op], 100);
  XpTime run = 0, busy = 0;
  for (guint i = 0; i < c.n; i++)
    for (guint v = 0; v < c.d[i]->n_vcpus; v++)
      run += vstats (h, c.d[i], v).run_ns;
  for (guint cpu = 0; cpu < 8; cpu++)
    busy += xp_sched_credit_pcpu_busy (&h->xen, cpu);
  ck_assert_int_eq (run, busy);
  ck_assert_int_gt (busy, 5 * SEC);
  for (guint i = 0; i < c.n; i++)
    for (guint v = 0; v < c.d[i]->n_vcpus; v++)
      h->xen.sched->remove_vcpu (&h->xen, &c.d[i]->vcpus[v]);
  g_autoptr (GString) why = g_string_new (NULL);
  ck_assert_msg (xp_sched_credit_check_invariants (&h->xen, why), "%s", why->str);
  guint w, nact;
  xp_sched_credit_globals (&h->xen, NULL, &w, &nact);
  ck_assert_uint_eq (w, 0);
  ck_assert_uint_eq (nact, 0);
  /* the chaos event is still queued; drop it by running without it */
  g_rand_free (c.r);
  for (guint cpu = 0; cpu < 8; cpu++)
    ck_assert_ptr_null (xp_sched_credit_pcpu_current (&h->xen, cpu));
  for (guint i = 0; i < c.n; i++)
    c.d[i]->n_vcpus = 0;
  host_free (h);
}
END_TEST

/* ---- workload through the scheduler ---------------------------------------------- */

START_TEST (test_demand_sets_busy_fraction)
{
  /* One vCPU with demand 0.25 alone on a pCPU for 200 s: it never waits,
   * so it runs about 25 % of the time. With exponential periods (mean
   * 10 + 30 ms) a cycle lasts 40 ms on average, ~5000 cycles: the run
   * fraction's standard error is ~0.5 % absolute; allow 2 %. */
  Host *h = host_new (1, 1);
  XpDomain *d = host_dom (h, 1, NULL, NULL, 256, 0, 250000);
  host_unpause (h, d);
  host_run (h, 200 * SEC);
  XpCreditVcpuStats s = vstats (h, d, 0);
  ck_assert_int_ge (s.run_ns, 46 * SEC);
  ck_assert_int_le (s.run_ns, 54 * SEC);
  ck_assert_int_eq (s.wait_ns, 0);
  ck_assert_uint_gt (s.wakeups, 4000);
  host_free (h);
}
END_TEST

START_TEST (test_starved_vcpu_work_is_delayed_not_lost)
{
  /* Two vCPUs pinned to pCPU 0: A always busy (weight 256), B with demand
   * 0.5 (weight 256). Alone B would run 50 %; sharing, the credit split
   * gives each at most half the pCPU, and B's busy work must all be done
   * before it sleeps, so B's run time is its work: between 40 and 50 %,
   * with A getting the rest: the pCPU never idles. */
  Host *h = host_new (1, 2);
  XpDomain *a = host_dom (h, 1, "0", NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, "0", NULL, 256, 0, 500000);
  host_unpause (h, a);
  host_unpause (h, b);
  host_run (h, 20 * SEC);
  XpTime ra = vstats (h, a, 0).run_ns, rb = vstats (h, b, 0).run_ns;
  ck_assert_int_eq (ra + rb, 20 * SEC);
  ck_assert_int_ge (rb, 8 * SEC);
  ck_assert_int_le (rb, 10 * SEC);
  ck_assert_int_gt (vstats (h, b, 0).wait_ns, 0);
  ck_assert_int_eq (xp_sched_credit_pcpu_busy (&h->xen, 1), 0);
  host_free (h);
}
END_TEST

START_TEST (test_demand_change_ends_endless_burst)
{
  /* Two always-busy vCPUs share one pCPU for 1 s: 1 s of run time and,
   * one of them always queued, 1 s of waiting between them. Demand 0 at
   * 1 s ends both endless busy periods at once: the running one blocks
   * at its pCPU's timer now, the queued one leaves the runqueue; neither
   * runs or waits again and nothing wakes them. */
  Host *h = host_new (1, 1);
  XpDomain *d = host_dom (h, 2, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  host_unpause (h, d);
  host_run (h, SEC);
  ck_assert_int_eq (vstats (h, d, 0).run_ns + vstats (h, d, 1).run_ns, SEC);
  ck_assert_int_eq (vstats (h, d, 0).wait_ns + vstats (h, d, 1).wait_ns, SEC);
  guint64 wakeups = vstats (h, d, 0).wakeups + vstats (h, d, 1).wakeups;
  xp_sched_credit_set_demand (&h->xen, d, 0);
  ck_assert_uint_eq (xp_sched_credit_get_demand (&h->xen, d), 0);
  host_run (h, 2 * SEC);
  for (guint i = 0; i < 2; i++)
    {
      XpCreditVcpuStats s = vstats (h, d, i);
      ck_assert (!s.running && !s.runnable);
    }
  ck_assert_int_eq (vstats (h, d, 0).run_ns + vstats (h, d, 1).run_ns, SEC);
  ck_assert_int_eq (vstats (h, d, 0).wait_ns + vstats (h, d, 1).wait_ns, SEC);
  ck_assert_uint_eq (vstats (h, d, 0).wakeups + vstats (h, d, 1).wakeups, wakeups);
  ck_assert_int_eq (xp_sched_credit_pcpu_busy (&h->xen, 0), SEC);
  ck_assert_ptr_null (xp_sched_credit_pcpu_current (&h->xen, 0));
  host_free (h);

  /* One always-busy vCPU alone on its pCPU for 1 s, then demand 0.25: the
   * endless busy period is replaced by an exponential one drawn now, and
   * from there it behaves as test_demand_sets_busy_fraction: about 25 %
   * of the next 200 s (± 2 %, ~5 standard errors). Left endless, it would
   * run all 201 s. */
  h = host_new (1, 1);
  d = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  host_unpause (h, d);
  host_run (h, SEC);
  ck_assert_int_eq (vstats (h, d, 0).run_ns, SEC);
  xp_sched_credit_set_demand (&h->xen, d, 250000);
  host_run (h, 201 * SEC);
  XpCreditVcpuStats s = vstats (h, d, 0);
  ck_assert_int_ge (s.run_ns, SEC + 46 * SEC);
  ck_assert_int_le (s.run_ns, SEC + 54 * SEC);
  ck_assert_int_eq (s.wait_ns, 0);
  ck_assert_uint_gt (s.wakeups, 4000);
  host_free (h);

  /* A vCPU that would never wake (demand 0) with full demand wakes now:
   * it runs exactly the remaining second. */
  h = host_new (1, 1);
  d = host_dom (h, 1, NULL, NULL, 256, 0, 0);
  host_unpause (h, d);
  host_run (h, SEC);
  ck_assert_int_eq (vstats (h, d, 0).run_ns, 0);
  xp_sched_credit_set_demand (&h->xen, d, XP_DEMAND_FULL);
  host_run (h, 2 * SEC);
  ck_assert_int_eq (vstats (h, d, 0).run_ns, SEC);
  host_free (h);
}
END_TEST

START_TEST (test_demand_before_unpause_and_same_demand)
{
  /* Demand set while the domain is paused governs the first periods drawn
   * at unpause: demand 0 set on a domain created with full demand never
   * runs. Setting a running domain's demand to what it already is changes
   * nothing: the same seed gives the same run with or without the call. */
  Host *h = host_new (1, 2);
  XpDomain *d = host_dom (h, 2, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  xp_sched_credit_set_demand (&h->xen, d, 0);
  host_unpause (h, d);
  host_run (h, SEC);
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 0), 0);
  host_free (h);

  XpCreditVcpuStats st[2];
  for (guint k = 0; k < 2; k++)
    {
      h = host_new (1, 1);
      d = host_dom (h, 1, NULL, NULL, 256, 0, 400000);
      host_unpause (h, d);
      host_run (h, SEC);
      if (k)
        xp_sched_credit_set_demand (&h->xen, d, 400000);
      host_run (h, 10 * SEC);
      st[k] = vstats (h, d, 0);
      host_free (h);
    }
  ck_assert_int_gt (st[0].run_ns, 0);
  ck_assert_int_eq (st[0].run_ns, st[1].run_ns);
  ck_assert_uint_eq (st[0].wakeups, st[1].wakeups);
}
END_TEST

/* ---- misc ---------------------------------------------------------------------------- */

START_TEST (test_idle_host_costs_nothing)
{
  /* No runnable vCPU: no tick, no accounting, no timer: the queue is empty. */
  Host *h = host_new (2, 8);
  XpDomain *d = host_dom (h, 4, NULL, NULL, 256, 0, 0);
  host_unpause (h, d);
  host_run (h, 10 * SEC);
  ck_assert_uint_eq (xp_event_queue_length (h->q), 0);
  XpCreditCounters c;
  xp_sched_credit_counters (&h->xen, &c);
  ck_assert_uint_eq (c.ticks, 0);
  ck_assert_uint_eq (c.accts, 0);
  host_free (h);
}
END_TEST

START_TEST (test_pause_and_remove)
{
  Host *h = host_new (1, 2);
  XpDomain *a = host_dom (h, 2, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  host_unpause (h, a);
  host_run (h, 100 * MS);
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 0), 200 * MS);
  a->paused = TRUE;
  h->xen.sched->domain_pause (&h->xen, a);
  host_run (h, 200 * MS);
  /* pausing stops both at once: nothing more ran */
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 0), 200 * MS);
  ck_assert (xp_sched_credit_node_has_idle (&h->xen, 0));
  host_unpause (h, a);
  host_run (h, 300 * MS);
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 0), 400 * MS);
  /* remove one vCPU while it runs */
  h->xen.sched->remove_vcpu (&h->xen, &a->vcpus[1]);
  ck_assert_ptr_null (a->vcpus[1].sched_priv);
  host_run (h, 400 * MS);
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 0), 500 * MS);
  h->xen.sched->remove_vcpu (&h->xen, &a->vcpus[0]);
  ck_assert_ptr_null (a->sched_priv);
  host_run (h, 500 * MS);
  ck_assert_int_eq (xp_sched_credit_node_busy (&h->xen, 0), 500 * MS);
  a->n_vcpus = 0;
  host_free (h);
}
END_TEST

START_TEST (test_adjust_affinity_moves_vcpu)
{
  /* A busy vCPU on node 0 is re-pinned to node 1: it moves at once (it is
   * running, so at its next schedule, which the change triggers). */
  Host *h = host_new (2, 2);
  XpDomain *a = host_dom (h, 1, "0-1", NULL, 256, 0, XP_DEMAND_FULL);
  host_unpause (h, a);
  host_run (h, 100 * MS);
  const char *why;
  ck_assert (xp_cpumask_parse ("2-3", &a->vcpus[0].hard, &why));
  h->xen.sched->adjust_affinity (&h->xen, &a->vcpus[0]);
  host_run (h, 300 * MS);
  ck_assert_int_eq (run_node (h, a, 0, 0), 100 * MS);
  ck_assert_int_eq (run_node (h, a, 0, 1), 200 * MS);
  ck_assert_uint_eq (vstats (h, a, 0).node_migrations, 1);
  host_free (h);
}
END_TEST


START_TEST (test_weight_change_midway)
{
  /* Two busy vCPUs on one pCPU, weight 256 each for 3 s (1500 ms each,
   * within the 60 ms credit swing), then B's weight becomes 768: the
   * active weight total is 256 + 768 at once, and A now earns
   * 300 × 256 / 1024 = 75 credits a period (entitlement 1/4: 750 ms of
   * the next 3 s). Credit1 is not exact here: A's credit is clipped at
   * -300 while it waits OVER, which forgives its debt, and once B turns
   * OVER both share 30 ms slices round-robin; A therefore never gets less
   * than its entitlement and in this model gets 28 % (840 ms of 3 s; 28.6 %
   * over 30 s). Asserted: between 750 and 900 ms. */
  Host *h = host_new (1, 1);
  XpDomain *a = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  XpDomain *b = host_dom (h, 1, NULL, NULL, 256, 0, XP_DEMAND_FULL);
  host_unpause (h, a);
  host_unpause (h, b);
  host_run (h, 3 * SEC);
  XpTime a1 = vstats (h, a, 0).run_ns;
  ck_assert_int_ge (a1, 1440 * MS);
  ck_assert_int_le (a1, 1560 * MS);
  ck_assert_int_eq (xp_sched_credit_set_weight_cap (&h->xen, b, 768, 0xFFFF), 0);
  ck_assert_uint_eq (b->weight, 768);
  guint w;
  xp_sched_credit_globals (&h->xen, NULL, &w, NULL);
  ck_assert_uint_eq (w, 256 + 768);
  host_run (h, 6 * SEC);
  XpTime a2 = vstats (h, a, 0).run_ns - a1;
  ck_assert_msg (a2 >= 750 * MS && a2 <= 900 * MS, "A ran %" G_GINT64_FORMAT, a2);
  ck_assert_int_eq (xp_sched_credit_set_weight_cap (&h->xen, b, 70000, 0), -EINVAL);
  host_free (h);
}
END_TEST

START_TEST (test_attach_errors_and_dom0)
{
  g_autoptr (GError) err = NULL;
  XpCreditParams p;
  /* no event queue */
  XpTopology t = { .n_nodes = 1, .n_cpus = 2 };
  XpNode nd = { .n_cpus = 2 };
  XpCpu cpus[2] = { { .id = 0 }, { .id = 1, .core = 1 } };
  t.nodes = &nd;
  t.cpus = cpus;
  g_autoptr (GRand) r = g_rand_new_with_seed (1);
  XpXen x = { .topo = &t };
  ck_assert (!xp_sched_credit_attach (&x, NULL, r, &err));
  xp_assert_error_contains (err, "event queue");
  g_clear_error (&err);
  /* bad parameters */
  g_autoptr (XpEventQueue) q = xp_event_queue_new ();
  x.events = q;
  xp_credit_params_init_defaults (&p);
  p.ratelimit_us = 40000;
  ck_assert (!xp_credit_params_check (&p, &err));
  xp_assert_error_contains (err, "ratelimit_us");
  g_clear_error (&err);
  ck_assert (!xp_sched_credit_attach (&x, &p, r, &err));
  xp_assert_error_contains (err, "ratelimit_us");
  g_clear_error (&err);
  ck_assert_ptr_null (x.sched);
  /* dom0 exists before the scheduler: attach inserts its vCPUs; with the
   * default dom0 demand 0 they never run */
  XpDomain dom0 = { .domid = 0, .is_dom0 = TRUE, .n_vcpus = 2 };
  XpVcpu v[2] = { { .domain = &dom0, .id = 0 }, { .domain = &dom0, .id = 1, .processor = 1 } };
  xp_cpumask_fill (&v[0].hard, 2);
  xp_cpumask_fill (&v[1].hard, 2);
  v[0].soft = v[0].hard;
  v[1].soft = v[1].hard;
  dom0.vcpus = v;
  x.domain_list = g_ptr_array_new ();
  g_ptr_array_add (x.domain_list, &dom0);
  xp_cpumask_fill (&x.online_cpus, 2);
  ck_assert (xp_sched_credit_attach (&x, NULL, r, NULL));
  ck_assert (!xp_sched_credit_attach (&x, NULL, r, &err));
  xp_assert_error_contains (err, "already");
  ck_assert_ptr_nonnull (v[0].sched_priv);
  ck_assert_uint_eq (xp_sched_credit_get_demand (&x, &dom0), 0);
  xp_event_run_until (q, SEC);
  ck_assert_int_eq (xp_sched_credit_pcpu_busy (&x, 0) + xp_sched_credit_pcpu_busy (&x, 1), 0);
  /* give dom0 work: it runs */
  xp_sched_credit_set_demand (&x, &dom0, XP_DEMAND_FULL / 2);
  xp_event_run_until (q, 2 * SEC);
  xp_sched_credit_finish (&x);
  ck_assert_int_gt (xp_sched_credit_pcpu_busy (&x, 0) + xp_sched_credit_pcpu_busy (&x, 1), 0);
  x.sched->free (&x);
  ck_assert_ptr_null (x.sched);
  ck_assert_ptr_null (v[0].sched_priv);
  g_ptr_array_free (x.domain_list, TRUE);
}
END_TEST


static void
exit_hook (XpXen *xen, XpVcpu *v, const XpCreditVcpuStats *st, const XpTime *run_on_node, gpointer data)
{
  XpTime *sum = data;
  ck_assert_int_eq (st->run_ns, run_on_node[0] + run_on_node[1]);
  sum[0] += run_on_node[0];
  sum[1] += run_on_node[1];
}

START_TEST (test_real_core_and_scrub_coupling)
{
  /* The real core (domain.c, sched_core.c, page_alloc.c): 2 nodes × 2
   * pCPUs, 4 GiB each, all memory dirty at boot, scrubbing 1 GiB/s per
   * node while the node has an idle pCPU. A domain with 2 busy vCPUs
   * hard-pinned to node 0 keeps both node-0 pCPUs busy from t=0, so for
   * 1 s node 0 scrubs nothing while node 1 scrubs 1 GiB. Destroying the
   * domain at 1005 ms idles node 0, which then scrubs 1 GiB by 2005 ms. */
  static const guint mem[] = { 4, 4 };
  XpTopology *t = xp_test_topo (2, 2, mem);
  XpEventQueue *q = xp_event_queue_new ();
  const char *params[] = { "boot_dirty=1", "scrub_rate=1GiB", NULL };
  XpXen *xen = xp_test_xen (t, "4.22", q, params);
  GRand *r = g_rand_new_with_seed (3);
  ck_assert (xp_sched_credit_attach (xen, NULL, r, NULL));
  xp_heap_scrub_advance (xen);
  XpPages dirty0 = xp_heap_node_need_scrub (xen, 0), dirty1 = xp_heap_node_need_scrub (xen, 1);
  ck_assert_uint_gt (dirty0, 2 * XP_PAGES_PER_GIB);
  ck_assert_uint_gt (dirty1, 2 * XP_PAGES_PER_GIB);

  XpDomainConfig cfg = { .type = XP_DOMAIN_HVM, .max_vcpus = 2 };
  XpDomain *d = NULL;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &d), 0);
  ck_assert_int_eq (xp_domain_max_vcpus (xen, d, 2), 0);
  ck_assert_ptr_nonnull (d->vcpus[1].sched_priv);   /* inserted by the core */
  XpCpumask hard;
  xp_cpumask_clear (&hard);
  xp_cpumask_set (&hard, 0);
  xp_cpumask_set (&hard, 1);
  for (guint i = 0; i < 2; i++)
    {
      XpCpumask h = hard;
      ck_assert_int_eq (xp_vcpu_set_affinity (xen, &d->vcpus[i], &h, NULL, XP_VCPUAFFINITY_HARD), 0);
    }
  xp_sched_credit_set_demand (xen, d, XP_DEMAND_FULL);
  ck_assert_int_eq (xp_domain_unpause (xen, d), 0);
  xp_event_run_until (q, SEC);
  xp_sched_credit_finish (xen);
  ck_assert (!xp_sched_credit_node_has_idle (xen, 0));
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), dirty0);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 1), dirty1 - XP_PAGES_PER_GIB);
  XpCreditVcpuStats s;
  XpTime on_node[2];
  ck_assert (xp_sched_credit_domain_stats (xen, d, &s, on_node));
  ck_assert_int_eq (on_node[0], 2 * SEC);
  ck_assert_int_eq (on_node[1], 0);

  XpTime exit_run[2] = { 0, 0 };
  xp_sched_credit_set_exit_hook (xen, exit_hook, exit_run);
  xp_event_run_until (q, SEC + 5 * MS);
  ck_assert_int_eq (xp_domain_destroy (xen, d), 0);
  /* the exit hook saw each vCPU's final run time on node 0: 1005 ms */
  ck_assert_int_eq (exit_run[0], 2 * (SEC + 5 * MS));
  ck_assert_int_eq (exit_run[1], 0);
  ck_assert (xp_sched_credit_node_has_idle (xen, 0));
  xp_event_run_until (q, 2 * SEC + 5 * MS);
  xp_heap_scrub_advance (xen);
  ck_assert_uint_eq (xp_heap_node_need_scrub (xen, 0), dirty0 - XP_PAGES_PER_GIB);
  ck_assert_uint_eq (xp_event_queue_length (q), 0);
  xp_xen_free (xen);
  xp_event_queue_free (q);
  g_rand_free (r);
  xp_test_topo_free (t);
}
END_TEST

START_TEST (test_initial_cpu_follows_previous_pick)
{
  /* sched_select_initial_cpu() starts vCPU n at the pCPU after the one
   * vCPU n-1 ended up on, and that is where csched_unit_insert()'s
   * csched_res_pick() put it, not where its own search started. One node
   * of 4 pCPUs (one thread each), dom0 idle. Domain A's 2 vCPUs are pinned
   * to pCPU 0 and busy: pCPU 0 runs A.0 with A.1 queued behind it.
   * Domain B gets 2 vCPUs:
   *  - B.0 starts at pCPU 0 (first of its node); the pick finds pCPU 0
   *    busy with a non-empty queue, so it takes the next idler: pCPU 1;
   *  - B.1 starts after B.0's pCPU, at pCPU 2, which is idle: pCPU 2.
   * Unpaused at 1 ms with full demand, each runs on its own idle pCPU at
   * once (the first wake after an insertion is not boosted, but both pCPUs
   * are idle): by 21 ms each has run 20 ms and waited 0. Starting B.1's
   * search at pCPU 1 instead puts it behind B.0 on pCPU 1, where it waits
   * until B.0's tick at 20 ms moves B.0 away. */
  static const guint mem[] = { 4 };
  XpTopology *t = xp_test_topo (1, 4, mem);
  XpEventQueue *q = xp_event_queue_new ();
  XpXen *xen = xp_test_xen (t, "4.17", q, NULL);
  GRand *r = g_rand_new_with_seed (3);
  ck_assert (xp_sched_credit_attach (xen, NULL, r, NULL));

  XpDomainConfig cfg = { .type = XP_DOMAIN_HVM, .max_vcpus = 2 };
  XpDomain *a = NULL, *b = NULL;
  ck_assert_int_eq (xp_domain_create (xen, &cfg, &a), 0);
  ck_assert_int_eq (xp_domain_max_vcpus (xen, a, 2), 0);
  for (guint i = 0; i < 2; i++)
    {
      XpCpumask h;
      xp_cpumask_clear (&h);
      xp_cpumask_set (&h, 0);
      ck_assert_int_eq (xp_vcpu_set_affinity (xen, &a->vcpus[i], &h, NULL, XP_VCPUAFFINITY_HARD), 0);
    }
  xp_sched_credit_set_demand (xen, a, XP_DEMAND_FULL);
  ck_assert_int_eq (xp_domain_unpause (xen, a), 0);
  xp_event_run_until (q, 1 * MS);
  ck_assert_ptr_eq (xp_sched_credit_pcpu_current (xen, 0), &a->vcpus[0]);
  ck_assert_uint_eq (xp_sched_credit_pcpu_runq_length (xen, 0), 1);

  ck_assert_int_eq (xp_domain_create (xen, &cfg, &b), 0);
  ck_assert_int_eq (xp_domain_max_vcpus (xen, b, 2), 0);
  ck_assert_uint_eq (b->vcpus[0].processor, 1);
  ck_assert_uint_eq (b->vcpus[1].processor, 2);

  xp_sched_credit_set_demand (xen, b, XP_DEMAND_FULL);
  ck_assert_int_eq (xp_domain_unpause (xen, b), 0);
  xp_event_run_until (q, 21 * MS);
  xp_sched_credit_finish (xen);
  for (guint i = 0; i < 2; i++)
    {
      XpCreditVcpuStats s;
      ck_assert (xp_sched_credit_vcpu_stats (xen, &b->vcpus[i], &s));
      ck_assert_int_eq (s.run_ns, 20 * MS);
      ck_assert_int_eq (s.wait_ns, 0);
      ck_assert_uint_eq (s.processor, 1 + i);
    }
  xp_xen_free (xen);
  xp_event_queue_free (q);
  g_rand_free (r);
  xp_test_topo_free (t);
}
END_TEST

START_TEST (test_params_errors)
{
  XpCreditParams p;
  g_autoptr (GError) err = NULL;
  xp_credit_params_init_defaults (&p);
  ck_assert (xp_credit_params_set (&p, "tslice_ms=10", NULL));
  ck_assert_uint_eq (p.tslice_ms, 10);
  ck_assert (!xp_credit_params_set (&p, "tslice_ms=0", &err));
  xp_assert_error_contains (err, "tslice_ms");
  ck_assert_uint_eq (p.tslice_ms, 10);   /* unchanged */
  g_clear_error (&err);
  ck_assert (!xp_credit_params_set (&p, "ratelimit_us=50", &err));
  xp_assert_error_contains (err, "ratelimit_us");
  g_clear_error (&err);
  ck_assert (!xp_credit_params_set (&p, "ratelimit_us=20000", &err));   /* > tslice 10 ms */
  xp_assert_error_contains (err, "tslice");
  g_clear_error (&err);
  ck_assert (!xp_credit_params_set (&p, "nonsense=1", &err));
  xp_assert_error_contains (err, "nonsense");
  g_clear_error (&err);
  ck_assert (!xp_credit_params_set (&p, "boost", &err));
  xp_assert_error_contains (err, "NAME=VALUE");
  g_clear_error (&err);
  ck_assert (!xp_credit_params_set (&p, "weight=abc", &err));
  xp_assert_error_contains (err, "weight");
}
END_TEST

Suite *
xp_test_sched_credit_suite (void)
{
  Suite *s = suite_create ("sched_credit");
  TCase *tc = tcase_create ("core");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_soft_affinity_stays_home_while_idle);
  tcase_add_test (tc, test_finish_domain);
  tcase_add_test (tc, test_soft_affinity_spills_when_saturated);
  tcase_add_test (tc, test_tick_repick_brings_vcpu_home);
  tcase_add_test (tc, test_load_balance_ratelimit_by_version);
  tcase_add_test (tc, test_smt_prefers_idle_core);
  tcase_add_test (tc, test_yield_and_steal_by_version);
  tcase_add_test (tc, test_yield_flag_of_blocked_vcpu_by_version);
  tcase_add_test (tc, test_hard_affinity_never_broken);
  tcase_add_test (tc, test_credit_evolution);
  tcase_add_test (tc, test_weights_share_one_pcpu);
  tcase_add_test (tc, test_cap_limits_share);
  tcase_add_test (tc, test_acct_cap_balance_park);
  tcase_add_test (tc, test_boost_preempts_under);
  tcase_add_test (tc, test_wait_in_progress_is_counted);
  tcase_add_test (tc, test_boost_waits_for_ratelimit);
  tcase_add_test (tc, test_ratelimit_min_timer_guard);
  tcase_add_test (tc, test_same_seed_same_statistics);
  tcase_add_test (tc, test_chaos_keeps_invariants);
  tcase_add_test (tc, test_demand_sets_busy_fraction);
  tcase_add_test (tc, test_demand_change_ends_endless_burst);
  tcase_add_test (tc, test_demand_before_unpause_and_same_demand);
  tcase_add_test (tc, test_starved_vcpu_work_is_delayed_not_lost);
  tcase_add_test (tc, test_idle_host_costs_nothing);
  tcase_add_test (tc, test_pause_and_remove);
  tcase_add_test (tc, test_adjust_affinity_moves_vcpu);
  tcase_add_test (tc, test_params_errors);
  tcase_add_test (tc, test_real_core_and_scrub_coupling);
  tcase_add_test (tc, test_initial_cpu_follows_previous_pick);
  tcase_add_test (tc, test_weight_change_midway);
  tcase_add_test (tc, test_attach_errors_and_dom0);
  suite_add_tcase (s, tc);
  return s;
}
