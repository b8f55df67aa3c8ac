/* Tests of the toolstack model (xenopsd generations, xl) against a recording
 * fake hypervisor: the order of hypercalls, claims, affinity, timing, the
 * builder pool and numa_mutex. Numbers follow from the documented defaults. */
#include "config.h"
#include <errno.h>
#include "tests/testutil.h"
#include "tests/fake_hv.h"
#include "sim/toolstack.h"
#include "sim/hv.h"
#include "sim/xen/xen.h"
#include "policies/builtins.h"

/* ---- a scriptable policy ---- */

typedef struct {
  XpPlacement decision;
  guint calls;
  XpTime call_time[16];
  XpPages seen_free[16][2];
  guint seen_domains[16], seen_vcpus[16], seen_all_cpus[16];
  guint exits;
} TestPolicy;

static gboolean
tp_place (gpointer state, const XpHostView *view, const XpVmRequest *req, XpPlacement *out, GError **error)
{
  TestPolicy *tp = state;
  if (tp->calls < 16)
    {
      tp->call_time[tp->calls] = view->now;
      tp->seen_free[tp->calls][0] = view->node_free[0];
      tp->seen_free[tp->calls][1] = view->node_free[1];
      tp->seen_domains[tp->calls] = view->n_domains;
      for (guint d = 0; d < view->n_domains; d++)
        for (guint v = 0; v < view->domains[d].n_vcpus; v++)
          {
            tp->seen_vcpus[tp->calls]++;
            tp->seen_all_cpus[tp->calls] += xp_cpumask_weight (&view->domains[d].vcpu_hard[v]) == 4;
          }
    }
  tp->calls++;
  *out = tp->decision;
  return TRUE;
}

static void
tp_exit (gpointer state, guint32 domid)
{
  ((TestPolicy *) state)->exits++;
}

static const XpPolicy test_policy = {
  .abi_version = XP_POLICY_ABI_VERSION, .name = "test", .description = "scripted",
  .place = tp_place, .vm_exit = tp_exit,
};

/* ---- fixture: 2 nodes × 2 CPUs, 16 GiB free per node ---- */

typedef struct {
  XpTopology topo;
  XpNode nodes[2];
  XpCpu cpus[4];
  guint node_cpus[2][2];
  guint dist[4];
  FakeHv f;
  XpHv *hv;
  XpEventQueue *q;
  TestPolicy tp;
  XpToolstackParams p;
  XpToolstack *ts;
} Fix;

static void
fix_init (Fix *x, XpToolstackKind kind)
{
  memset (x, 0, sizeof *x);
  for (guint n = 0; n < 2; n++)
    {
      x->nodes[n].id = n;
      x->nodes[n].memory_bytes = G_GUINT64_CONSTANT (16) << 30;
      x->nodes[n].n_cpus = 2;
      x->nodes[n].n_cores = 2;
      x->nodes[n].cpus = x->node_cpus[n];
      for (guint c = 0; c < 2; c++)
        {
          guint id = n * 2 + c;
          x->node_cpus[n][c] = id;
          x->cpus[id] = (XpCpu) { .id = id, .node = n, .socket = n, .core = id };
        }
    }
  x->dist[0] = x->dist[3] = 10;
  x->dist[1] = x->dist[2] = 21;
  x->topo = (XpTopology) { .name = "test-2n", .n_nodes = 2, .nodes = x->nodes, .n_cpus = 4, .cpus = x->cpus,
                           .n_sockets = 2, .distance = x->dist };
  x->f.n_nodes = 2;
  x->f.n_cpus = 4;
  x->f.node_free[0] = x->f.node_free[1] = 16 * XP_PAGES_PER_GIB;
  x->hv = fake_hv_new (&x->f);
  x->q = xp_event_queue_new ();
  xp_placement_init (&x->tp.decision);
  xp_toolstack_params_init (&x->p, kind);
}

static void
fix_start (Fix *x)
{
  x->ts = xp_toolstack_new (&x->p, x->hv, x->q, &x->topo, &test_policy, &x->tp, NULL, NULL);
}

static void
fix_free (Fix *x)
{
  xp_toolstack_free (x->ts);
  xp_event_queue_free (x->q);
  g_string_free (x->f.log, TRUE);
  g_free (x->hv);
}

static void
decide (Fix *x, XpNodemask nodes, XpAffinityKind aff, gboolean set_node_affinity)
{
  x->tp.decision.placed = nodes != 0;
  x->tp.decision.nodes = nodes;
  x->tp.decision.affinity = aff;
  x->tp.decision.set_node_affinity = set_node_affinity;
}

/* Guest RAM of a 4096 MiB VM = 4096 − 8 MiB video = 4088 MiB = 1046528 pages. */
#define RAM_4G 1046528

/* xl: create, max_vcpus, placement (node affinity, soft affinity), max_mem
 * = 4 GiB + 1 MiB in KiB, paging pool = 4 × (256 × 2 + 4096) KiB / 4 = 4608
 * pages, claim = RAM − 0x20 VGA hole, release, unpause — libxl's order. */
START_TEST (test_xl_sequence)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XL);
  decide (&x, xp_nodemask_of (1), XP_AFFINITY_SOFT, TRUE);
  fix_start (&x);
  XpVm *vm = xp_toolstack_start (x.ts, "vm1", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_str_eq (x.f.log->str, "create(2) max_vcpus(2) numainfo node_aff(1) vcpu_aff(soft=2-3) "
                                  "maxmem(4195328) pool(4608) claim(1046496) claim(0) unpause ");
  ck_assert_int_eq (vm->state, XP_VM_RUNNING);
  ck_assert_int_eq (vm->claim_made, XP_CLAIM_HOST);
  /* all of it on node 1: RAM − VGA hole + 8 MiB video */
  ck_assert_uint_eq (vm->node_pages[1], RAM_4G - 32 + 2048);
  ck_assert_uint_eq (vm->node_pages[0], 0);
  /* 30 ms create + 1 + 20 ms placement/build_pre + populate of
   * 1046496 pages at 8 GiB/s (499.008 ms) + 300 ms device model + 5 ms */
  ck_assert_int_ge (vm->running_time, 855 * XP_NSEC_PER_MSEC);
  ck_assert_int_le (vm->running_time, 856 * XP_NSEC_PER_MSEC);
  fix_free (&x);
}
END_TEST

/* xenopsd current, single-node plan, Xen without node claims (ENOSYS):
 * affinity is set anyway; the host-wide claim goes through the same
 * xenctrlext call with no node, fails with ENOSYS too and is ignored, so
 * no claim is staked (libxenguest still cancels at the end of meminit).
 * shadow = ceil((256×2 + 2×4096)/256) = 34 MiB = 8704 pages. */
START_TEST (test_xenopsd_single_node_enosys)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  decide (&x, xp_nodemask_of (1), XP_AFFINITY_SOFT, FALSE);
  fix_start (&x);
  XpVm *vm = xp_toolstack_start (x.ts, "vm1", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_str_eq (x.f.log->str, "create(2) max_vcpus(2) maxmem(4195328) pool(8704) numainfo "
                                  "claim_node(1,1046528)=-38 vcpu_aff(soft=2-3) claim_node(255,1046528)=-38 claim(0) unpause ");
  ck_assert_int_eq (vm->claim_made, XP_CLAIM_NONE);
  ck_assert_uint_eq (vm->affinity_nodes, xp_nodemask_of (1));
  fix_free (&x);
}
END_TEST

/* With node claims: claim on the node, affinity, and every populate call
 * carries the node (exact: xenguest -mem_pnode), so memory lands there. */
START_TEST (test_xenopsd_node_claim)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  x.f.claim_node_rc = 0;
  decide (&x, xp_nodemask_of (1), XP_AFFINITY_SOFT, FALSE);
  fix_start (&x);
  XpVm *vm = xp_toolstack_start (x.ts, "vm1", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_str_eq (x.f.log->str, "create(2) max_vcpus(2) maxmem(4195328) pool(8704) numainfo "
                                  "claim_node(1,1046528)=0 vcpu_aff(soft=2-3) claim(0) unpause ");
  ck_assert_int_eq (vm->claim_made, XP_CLAIM_NODE);
  /* pfns 0..0x9F and the video RAM are populated without a node: the fake
   * puts them on the lowest node of the (untouched) node affinity */
  ck_assert_uint_eq (vm->node_pages[1], RAM_4G - 32 - 160);
  ck_assert_uint_eq (vm->node_pages[0], 160 + 2048);
  fix_free (&x);
}
END_TEST

/* A node claim refused with ENOMEM: no affinity at all, host-wide claim. */
START_TEST (test_xenopsd_node_claim_enomem)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  x.f.claim_node_rc = -ENOMEM;
  decide (&x, xp_nodemask_of (0), XP_AFFINITY_SOFT, FALSE);
  fix_start (&x);
  XpVm *vm = xp_toolstack_start (x.ts, "vm1", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_ptr_null (strstr (x.f.log->str, "vcpu_aff"));
  ck_assert_ptr_nonnull (strstr (x.f.log->str, "claim_node(0,1046528)=-12 claim_node(255,1046528)=0"));
  ck_assert_int_eq (vm->claim_made, XP_CLAIM_HOST);
  ck_assert_uint_eq (vm->affinity_nodes, 0);
  fix_free (&x);
}
END_TEST

/* Multi-node plans are not acted upon by current xenopsd; the old
 * generation sets soft affinity for any plan and makes no claim. */
START_TEST (test_xenopsd_multi_node_generations)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  decide (&x, xp_nodemask_of (0) | xp_nodemask_of (1), XP_AFFINITY_SOFT, FALSE);
  fix_start (&x);
  xp_toolstack_start (x.ts, "vm1", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_ptr_null (strstr (x.f.log->str, "vcpu_aff"));
  ck_assert_ptr_nonnull (strstr (x.f.log->str, "numainfo claim_node(255,1046528)=-38 claim(0)"));
  fix_free (&x);

  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  x.p.generation = XP_XENOPSD_OLD;
  decide (&x, xp_nodemask_of (0) | xp_nodemask_of (1), XP_AFFINITY_SOFT, FALSE);
  fix_start (&x);
  xp_toolstack_start (x.ts, "vm1", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  /* (libxenguest still cancels any claim at the end of meminit) */
  ck_assert_str_eq (x.f.log->str, "create(2) max_vcpus(2) maxmem(4195328) pool(8704) numainfo "
                                  "vcpu_aff(soft=0-3) claim(0) unpause ");
  fix_free (&x);
}
END_TEST

/* Old xenopsd's numa_resources is a running minimum: after vm1 (on node 0)
 * is destroyed, node 0's free memory is back in Xen, but the view handed to
 * the planner keeps the lowest value ever seen. */
START_TEST (test_xenopsd_old_running_minimum)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  x.p.generation = XP_XENOPSD_OLD;
  decide (&x, xp_nodemask_of (0), XP_AFFINITY_SOFT, FALSE);
  fix_start (&x);
  XpVm *vm1 = xp_toolstack_start (x.ts, "vm1", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  xp_toolstack_start (x.ts, "vm2", 2, 1024, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  xp_toolstack_stop (x.ts, vm1);
  ck_assert_uint_eq (x.tp.exits, 1);
  xp_toolstack_start (x.ts, "vm3", 2, 1024, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_uint_eq (x.tp.calls, 3);
  /* vm2 saw node 0 with 16 GiB − vm1's 4 GiB − 32 pages (fake: no pool) */
  XpPages after_vm1 = 16 * XP_PAGES_PER_GIB - (RAM_4G - 32 + 2048);
  ck_assert_uint_eq (x.tp.seen_free[1][0], after_vm1);
  /* vm3 still sees the minimum observed when vm2 was placed, although
   * vm1's 4 GiB came back: node 0 really has 16 GiB − vm2 free, 3 GiB more */
  XpPages vm2_pages = XP_MIB_TO_PAGES (1024 - 8) - 32 + 2048;
  ck_assert_uint_eq (x.tp.seen_free[2][0], after_vm1);
  /* (now vm3, of vm2's size, is there too) */
  ck_assert_uint_eq (x.f.node_free[0], 16 * XP_PAGES_PER_GIB - 2 * vm2_pages);
  /* a toolstack restart forgets the minimum */
  xp_toolstack_restart (x.ts);
  xp_toolstack_start (x.ts, "vm4", 2, 1024, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_uint_eq (x.tp.seen_free[3][0], 16 * XP_PAGES_PER_GIB - 2 * vm2_pages);
  fix_free (&x);
}
END_TEST

/* A policy that is not one of the memory-only built-ins (here the test's
 * own, as for a plugin) sees every domain with its vCPUs' hard affinity.
 * xenopsd places a VM after creating its domain and setting its vCPUs:
 * the first placement sees vm1 (2 vCPUs), the second vm1 and vm2 (3 + 2),
 * all with the default hard affinity of every CPU. */
START_TEST (test_view_has_domains)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  decide (&x, xp_nodemask_of (0), XP_AFFINITY_SOFT, FALSE);
  fix_start (&x);
  xp_toolstack_start (x.ts, "vm1", 2, 1024, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  xp_toolstack_start (x.ts, "vm2", 3, 1024, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_uint_eq (x.tp.calls, 2);
  ck_assert_uint_eq (x.tp.seen_domains[0], 1);
  ck_assert_uint_eq (x.tp.seen_vcpus[0], 2);
  ck_assert_uint_eq (x.tp.seen_domains[1], 2);
  ck_assert_uint_eq (x.tp.seen_vcpus[1], 5);
  ck_assert_uint_eq (x.tp.seen_all_cpus[1], 5);
  fix_free (&x);
}
END_TEST

/* Two builders, five VMs at t = 0: the third build starts when the first ends. */
START_TEST (test_builder_pool)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XL);
  x.p.builders = 2;
  decide (&x, 0, XP_AFFINITY_NONE, FALSE);
  fix_start (&x);
  XpVm *vms[5];
  for (guint i = 0; i < 5; i++)
    vms[i] = xp_toolstack_start (x.ts, "vm", 1, 1024, NULL, 1000000);
  ck_assert_uint_eq (xp_toolstack_builds_in_flight (x.ts), 5);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_int_eq (vms[0]->build_start, 0);
  ck_assert_int_eq (vms[1]->build_start, 0);
  ck_assert_int_eq (vms[2]->build_start, vms[0]->running_time);
  ck_assert_int_eq (vms[3]->build_start, vms[1]->running_time);
  ck_assert_int_eq (vms[4]->build_start, vms[2]->running_time);
  for (guint i = 0; i < 5; i++)
    ck_assert_int_eq (vms[i]->state, XP_VM_RUNNING);
  fix_free (&x);
}
END_TEST

/* numa_mutex: with 100 ms of planning, two parallel xenopsd builds plan
 * 100 ms apart; xl builds do not serialise. */
START_TEST (test_numa_mutex)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  x.p.placement_ns = 100 * XP_NSEC_PER_MSEC;
  decide (&x, xp_nodemask_of (0), XP_AFFINITY_SOFT, FALSE);
  fix_start (&x);
  xp_toolstack_start (x.ts, "a", 1, 1024, NULL, 1000000);
  xp_toolstack_start (x.ts, "b", 1, 1024, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_uint_eq (x.tp.calls, 2);
  ck_assert_int_eq (x.tp.call_time[1] - x.tp.call_time[0], 100 * XP_NSEC_PER_MSEC);
  fix_free (&x);

  fix_init (&x, XP_TOOLSTACK_XL);
  x.p.placement_ns = 100 * XP_NSEC_PER_MSEC;
  fix_start (&x);
  xp_toolstack_start (x.ts, "a", 1, 1024, NULL, 1000000);
  xp_toolstack_start (x.ts, "b", 1, 1024, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_int_eq (x.tp.call_time[1], x.tp.call_time[0]);
  fix_free (&x);
}
END_TEST

/* wait_xen_free_mem: 8 GiB free, a 16 GiB VM needs more; Xen reports
 * scrub_pages = 0, so xenopsd gives up at once and destroys the domain. */
START_TEST (test_not_enough_memory)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  x.f.node_free[0] = x.f.node_free[1] = 4 * XP_PAGES_PER_GIB;
  fix_start (&x);
  XpVm *vm = xp_toolstack_start (x.ts, "big", 4, 16384, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_int_eq (vm->state, XP_VM_FAILED);
  ck_assert_ptr_nonnull (strstr (vm->failure, "Not_enough_memory"));
  ck_assert_uint_eq (x.f.n_domains, 0);
  ck_assert_int_eq (vm->stop_time, 30 * XP_NSEC_PER_MSEC);   /* right after create */
  fix_free (&x);
}
END_TEST

/* wait_xen_free_mem while Xen still has pages to scrub: xenopsd checks,
 * sleeps a second and checks again, and gives up once the seconds it slept
 * reach the limit; the create step before the first check does not count.
 * create 2 s, retry 1 s, limit 3 s: checks at 2, 3, 4 and 5 s (slept 0, 1,
 * 2, 3 s), the last fails, so the VM fails at 5 s. Defaults (create 30 ms,
 * 64 s): it fails at 64.03 s, after 64 sleeps. */
START_TEST (test_free_mem_wait_counts_sleeps)
{
  static const struct { XpTime create, retry, timeout, fails_at; } cases[] = {
    { 2 * XP_NSEC_PER_SEC, XP_NSEC_PER_SEC, 3 * XP_NSEC_PER_SEC, 5 * XP_NSEC_PER_SEC },
    { 30 * XP_NSEC_PER_MSEC, XP_NSEC_PER_SEC, 64 * XP_NSEC_PER_SEC, 64 * XP_NSEC_PER_SEC + 30 * XP_NSEC_PER_MSEC },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Fix x;
      fix_init (&x, XP_TOOLSTACK_XENOPSD);
      x.f.node_free[0] = x.f.node_free[1] = 4 * XP_PAGES_PER_GIB;
      x.f.scrub_pages = 1;   /* never done: worth waiting for */
      x.p.create_ns = cases[i].create;
      x.p.free_mem_retry_ns = cases[i].retry;
      x.p.free_mem_timeout_ns = cases[i].timeout;
      fix_start (&x);
      XpVm *vm = xp_toolstack_start (x.ts, "big", 4, 16384, NULL, 1000000);
      while (xp_event_run_one (x.q))
        ;
      ck_assert_int_eq (vm->state, XP_VM_FAILED);
      ck_assert_ptr_nonnull (strstr (vm->failure, "Not_enough_memory"));
      ck_assert_msg (vm->stop_time == cases[i].fails_at, "case %u: failed at %" G_GINT64_FORMAT, i,
                     (gint64) vm->stop_time);
      fix_free (&x);
    }
}
END_TEST

/* xl: a claim beyond free memory fails the build (libxl: domain destroyed). */
START_TEST (test_xl_claim_enomem)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XL);
  x.f.node_free[0] = x.f.node_free[1] = XP_PAGES_PER_GIB;
  fix_start (&x);
  XpVm *vm = xp_toolstack_start (x.ts, "big", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_int_eq (vm->state, XP_VM_FAILED);
  ck_assert_ptr_nonnull (strstr (vm->failure, "claim"));
  ck_assert_uint_eq (x.f.n_domains, 0);
  ck_assert_uint_eq (x.f.outstanding, 0);
  /* without claims the build starts and fails at the first 4 KiB shortfall */
  fix_free (&x);
  fix_init (&x, XP_TOOLSTACK_XL);
  x.f.node_free[0] = x.f.node_free[1] = XP_PAGES_PER_GIB;
  x.p.claim_mode = FALSE;
  fix_start (&x);
  vm = xp_toolstack_start (x.ts, "big", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_int_eq (vm->state, XP_VM_FAILED);
  ck_assert_ptr_nonnull (strstr (vm->failure, "populate"));
  ck_assert_uint_eq (x.f.node_free[0] + x.f.node_free[1], 2 * XP_PAGES_PER_GIB);   /* all given back */
  fix_free (&x);
}
END_TEST

/* A stop during the build destroys the domain when the build ends. */
START_TEST (test_stop_while_building)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XL);
  fix_start (&x);
  XpVm *vm = xp_toolstack_start (x.ts, "a", 1, 1024, NULL, 1000000);
  xp_event_run_one (x.q);   /* create */
  xp_toolstack_stop (x.ts, vm);
  ck_assert_int_eq (vm->state, XP_VM_BUILDING);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_int_eq (vm->state, XP_VM_STOPPED);
  ck_assert_uint_eq (x.f.n_domains, 0);
  ck_assert_uint_eq (x.f.node_free[0] + x.f.node_free[1], 32 * XP_PAGES_PER_GIB);
  fix_free (&x);
}
END_TEST

/* Hooks that write into the fake hypervisor's log, so that their order
 * among the hypercalls shows. */
typedef struct {
  Fix *x;
  XpTime unpausing_at;
} HookLog;

static void
hook_unpausing (gpointer data, XpVm *vm)
{
  HookLog *h = data;
  /* the domain exists, is built and is not running yet */
  ck_assert_uint_ne (vm->domid, 0);
  ck_assert_int_eq (vm->state, XP_VM_BUILDING);
  h->unpausing_at = xp_event_queue_now (h->x->q);
  g_string_append_printf (h->x->f.log, "unpausing(%s) ", vm->name);
}

static void
hook_started (gpointer data, XpVm *vm)
{
  HookLog *h = data;
  g_string_append_printf (h->x->f.log, "started(%s,%s) ", vm->name, vm->state == XP_VM_RUNNING ? "running" : "failed");
}

/* vm_unpausing runs once per successful build, right before the unpause
 * hypercall: unpause_ns (5 ms) before vm_started. A build that fails
 * before its unpause never calls it. */
START_TEST (test_unpausing_hook)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XL);
  decide (&x, xp_nodemask_of (1), XP_AFFINITY_SOFT, TRUE);
  HookLog h = { .x = &x, .unpausing_at = -1 };
  XpToolstackHooks hooks = { .vm_unpausing = hook_unpausing, .vm_started = hook_started };
  x.ts = xp_toolstack_new (&x.p, x.hv, x.q, &x.topo, &test_policy, &x.tp, &hooks, &h);
  XpVm *vm = xp_toolstack_start (x.ts, "vm1", 2, 4096, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_str_eq (x.f.log->str, "create(2) max_vcpus(2) numainfo node_aff(1) vcpu_aff(soft=2-3) "
                                  "maxmem(4195328) pool(4608) claim(1046496) claim(0) "
                                  "unpausing(vm1) unpause started(vm1,running) ");
  ck_assert_int_eq (vm->running_time - h.unpausing_at, 5 * XP_NSEC_PER_MSEC);
  fix_free (&x);

  /* xenopsd gives up on a 16 GiB VM with 8 GiB free right after create */
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  x.f.node_free[0] = x.f.node_free[1] = 4 * XP_PAGES_PER_GIB;
  h = (HookLog) { .x = &x, .unpausing_at = -1 };
  x.ts = xp_toolstack_new (&x.p, x.hv, x.q, &x.topo, &test_policy, &x.tp, &hooks, &h);
  vm = xp_toolstack_start (x.ts, "big", 4, 16384, NULL, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_int_eq (vm->state, XP_VM_FAILED);
  ck_assert_ptr_null (strstr (x.f.log->str, "unpausing("));
  ck_assert_ptr_nonnull (strstr (x.f.log->str, "started(big,failed) "));
  ck_assert_int_eq (h.unpausing_at, -1);
  fix_free (&x);
}
END_TEST

/* A user hard affinity under xenopsd skips placement and claims, whatever
 * the policy (Domain.build_pre): only the hard mask is set. */
START_TEST (test_xenopsd_hard_affinity_skips_placement)
{
  Fix x;
  fix_init (&x, XP_TOOLSTACK_XENOPSD);
  x.f.claim_node_rc = 0;
  decide (&x, xp_nodemask_of (1), XP_AFFINITY_SOFT, FALSE);
  fix_start (&x);
  XpCpumask hard;
  const char *why;
  ck_assert (xp_cpumask_parse ("0-1", &hard, &why));
  XpVm *vm = xp_toolstack_start (x.ts, "pinned", 2, 4096, &hard, 1000000);
  while (xp_event_run_one (x.q))
    ;
  ck_assert_uint_eq (x.tp.calls, 0);
  ck_assert_str_eq (x.f.log->str, "create(2) max_vcpus(2) maxmem(4195328) pool(8704) vcpu_aff(hard=0-1) "
                                  "numainfo claim(0) unpause ");
  ck_assert_int_eq (vm->claim_made, XP_CLAIM_NONE);
  fix_free (&x);
}
END_TEST

/* ---- the model host behind the toolstack ---- */

/* 2 sockets, one node each, 2 CPUs per node, 8 GiB per node; no dom0
 * memory, no pages of Xen's own, no MMIO hole: node 0 has one page less
 * free than node 1 (pfn 0 never reaches the heap). */
#define MODEL_2N "synthetic:pack:2 numa:1 core:2 pu:1; mem=8GiB; dist=10,20"

typedef struct {
  XpTopology *topo;
  XpXen *xen;
  XpHv *hv;
} ModelHost;

static void
model_host_new (ModelHost *h)
{
  static const char *const bare[] = { "dom0_mem=0", "xen_pages_per_node=0", "mmio_hole=0", "dom0_vcpus=2", NULL };
  g_autoptr (GError) err = NULL;
  XpXenBehaviour b;
  XpXenParams p;
  h->topo = xp_topology_load (MODEL_2N, &err);
  ck_assert_msg (h->topo, "%s", err ? err->message : "");
  ck_assert (xp_xen_behaviour_init (&b, "4.17", &err));
  xp_xen_params_init_defaults (&p);
  for (guint i = 0; bare[i]; i++)
    ck_assert (xp_xen_params_set (&p, bare[i], &err));
  h->xen = xp_xen_new (h->topo, &b, &p, NULL, &err);
  ck_assert_msg (h->xen, "%s", err ? err->message : "");
  h->hv = xp_hv_model_new (h->xen);
}

static void
model_host_free (ModelHost *h)
{
  xp_hv_free (h->hv);
  xp_xen_free (h->xen);
  xp_topology_free (h->topo);
}

/* An idle 1-vCPU domain, with node affinity @nodes (0: automatic). */
static guint32
idle_domain (XpHv *hv, XpNodemask nodes)
{
  guint32 d = 0;
  ck_assert_int_eq (hv->ops->domain_create (hv, XP_GUEST_HVM, 1, &d), 0);
  ck_assert_int_eq (hv->ops->max_vcpus (hv, d, 1), 0);
  if (nodes)
    ck_assert_int_eq (hv->ops->node_setaffinity (hv, d, nodes), 0);
  return d;
}

/* xl + libxl on a host with more domains than the toolstack's first
 * domain-list buffer (256 ids): libxl_list_domain() lists every domain, so
 * the vCPUs of the last ones count too. dom0 and 255 idle domains with
 * automatic node affinity count once on each node (a tie); four more idle
 * domains (domids 256-259) have node affinity {1}, so node 1 runs 4 more
 * vCPUs and node 0 wins although node 1 has one page more free memory.
 * Seeing only the first 256 domains, the tie would go to node 1 by memory. */
START_TEST (test_xl_libxl_counts_every_domain)
{
  ModelHost h;
  model_host_new (&h);
  for (guint i = 0; i < 255; i++)
    idle_domain (h.hv, 0);
  for (guint i = 0; i < 4; i++)
    ck_assert_uint_eq (idle_domain (h.hv, xp_nodemask_of (1)), 256 + i);
  guint32 ids[1];
  guint n = 1;
  ck_assert_int_eq (h.hv->ops->domain_list (h.hv, &n, ids), 0);
  ck_assert_uint_eq (n, 260);   /* the total, beyond the capacity */

  g_autoptr (GError) err = NULL;
  gpointer st = xp_policy_libxl.init (h.topo, NULL, 0, &err);
  ck_assert (st != NULL);
  XpEventQueue *q = xp_event_queue_new ();
  XpToolstackParams p;
  xp_toolstack_params_init (&p, XP_TOOLSTACK_XL);
  XpToolstack *ts = xp_toolstack_new (&p, h.hv, q, h.topo, &xp_policy_libxl, st, NULL, NULL);
  XpVm *vm = xp_toolstack_start (ts, "vm", 1, 64, NULL, 1000000);
  while (xp_event_run_one (q))
    ;
  ck_assert (vm->decision.placed);
  ck_assert_uint_eq (vm->decision.nodes, xp_nodemask_of (0));
  xp_toolstack_free (ts);
  xp_event_queue_free (q);
  xp_policy_libxl.free (st);
  model_host_free (&h);
}
END_TEST

/* xl + libxl when the search finds nothing: libxl__build_pre filled the
 * node map with ones before numa_place_domain() and, the search having
 * left it alone, still sets soft affinity to the CPUs of those nodes and
 * writes it as the node affinity. The map is one byte for this 2-node host
 * (physinfo's max_node_id + 1 = 2 bits, rounded up to a byte), so Xen gets
 * nodes 0-7: not all of its 64, hence not "automatic" but explicit. The
 * user's cpus= (CPUs 2-3, node 1) then no longer narrows where memory
 * goes: 5 vCPUs on 4 CPUs leave libxl no candidate at any size, and the
 * guest's memory is spread over both nodes. With automatic node affinity
 * the hard affinity would pull all of it onto node 1. */
START_TEST (test_xl_libxl_no_candidate_all_nodes)
{
  ModelHost h;
  model_host_new (&h);
  g_autoptr (GError) err = NULL;
  gpointer st = xp_policy_libxl.init (h.topo, NULL, 0, &err);
  ck_assert (st != NULL);
  XpEventQueue *q = xp_event_queue_new ();
  XpToolstackParams p;
  xp_toolstack_params_init (&p, XP_TOOLSTACK_XL);
  XpToolstack *ts = xp_toolstack_new (&p, h.hv, q, h.topo, &xp_policy_libxl, st, NULL, NULL);
  XpCpumask hard;
  const char *why;
  ck_assert (xp_cpumask_parse ("2-3", &hard, &why));
  XpVm *vm = xp_toolstack_start (ts, "wide", 5, 1024, &hard, 1000000);
  /* run until the build is over, then look at the domain */
  while (vm->state == XP_VM_QUEUED || vm->state == XP_VM_BUILDING)
    ck_assert (xp_event_run_one (q));
  ck_assert_int_eq (vm->state, XP_VM_RUNNING);
  ck_assert (!vm->decision.placed);
  ck_assert_uint_eq (vm->affinity_nodes, 0);   /* not reported as a placement */
  XpNodemask aff;
  ck_assert_int_eq (h.hv->ops->node_getaffinity (h.hv, vm->domid, &aff), 0);
  ck_assert_uint_eq (aff, 0xFF);
  XpCpumask hd, sf;
  ck_assert_int_eq (h.hv->ops->vcpu_getaffinity (h.hv, vm->domid, 4, &hd, &sf), 0);
  ck_assert_uint_eq (xp_cpumask_weight (&hd), 2);
  ck_assert_uint_gt (vm->node_pages[0], 0);
  ck_assert_uint_gt (vm->node_pages[1], 0);
  xp_toolstack_free (ts);
  xp_event_queue_free (q);
  xp_policy_libxl.free (st);
  model_host_free (&h);
}
END_TEST

START_TEST (test_params)
{
  XpToolstackParams p;
  g_autoptr (GError) error = NULL;
  xp_toolstack_params_init (&p, XP_TOOLSTACK_XENOPSD);
  ck_assert (xp_toolstack_params_set (&p, "builders=16", NULL));
  ck_assert_uint_eq (p.builders, 16);
  ck_assert (xp_toolstack_params_set (&p, "generation=old", NULL));
  ck_assert_int_eq (p.generation, XP_XENOPSD_OLD);
  ck_assert (xp_toolstack_params_set (&p, "populate_rate=2GiB", NULL));
  ck_assert_uint_eq (p.populate_bytes_per_sec, G_GUINT64_CONSTANT (2) << 30);
  ck_assert (xp_toolstack_params_set (&p, "create_ms=7", NULL));
  ck_assert_int_eq (p.create_ns, 7 * XP_NSEC_PER_MSEC);
  ck_assert (!xp_toolstack_params_set (&p, "builders=0", &error));
  xp_assert_error_contains (error, "builders");
  g_clear_error (&error);
  ck_assert (!xp_toolstack_params_set (&p, "warp=9", &error));
  xp_assert_error_contains (error, "unknown toolstack parameter 'warp'");
  g_clear_error (&error);
  ck_assert (!xp_toolstack_params_set (&p, "claim_mode=0", &error));   /* xl's, not xenopsd's */
  xp_assert_error_contains (error, "'claim_mode' is xl's");
  g_clear_error (&error);
  ck_assert (!xp_toolstack_params_set (&p, "free_mem_retry_ms=0", &error));
  /* xenopsd's and libxl's memory figures for a 2 vCPU, 4096 MiB VM */
  ck_assert_uint_eq (xp_xenopsd_shadow_mib (2, 4096, 1.0), 34);
  ck_assert_uint_eq (xp_xenopsd_required_host_free_kib (2, 4096, 1.0), (4096 + 1 + 1 + 34 + 1) * 1024);
  ck_assert_uint_eq (xp_libxl_need_memkb (2, 4096), 4096 * 1024 + 18432 + 2048);
}
END_TEST

Suite *
xp_test_toolstack_suite (void)
{
  Suite *s = suite_create ("toolstack");
  TCase *tc = tcase_create ("flows");
  tcase_add_test (tc, test_xl_sequence);
  tcase_add_test (tc, test_xenopsd_single_node_enosys);
  tcase_add_test (tc, test_xenopsd_node_claim);
  tcase_add_test (tc, test_xenopsd_node_claim_enomem);
  tcase_add_test (tc, test_xenopsd_multi_node_generations);
  tcase_add_test (tc, test_xenopsd_old_running_minimum);
  tcase_add_test (tc, test_builder_pool);
  tcase_add_test (tc, test_view_has_domains);
  tcase_add_test (tc, test_numa_mutex);
  tcase_add_test (tc, test_not_enough_memory);
  tcase_add_test (tc, test_free_mem_wait_counts_sleeps);
  tcase_add_test (tc, test_xl_claim_enomem);
  tcase_add_test (tc, test_stop_while_building);
  tcase_add_test (tc, test_unpausing_hook);
  tcase_add_test (tc, test_xenopsd_hard_affinity_skips_placement);
  tcase_add_test (tc, test_params);
  tcase_add_test (tc, test_xl_libxl_counts_every_domain);
  tcase_add_test (tc, test_xl_libxl_no_candidate_all_nodes);
  suite_add_tcase (s, tc);
  return s;
}
