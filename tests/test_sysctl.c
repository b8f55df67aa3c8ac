/* Tests of sim/xen/sysctl.c (physinfo, numainfo, cputopoinfo; reference §6)
 * and of the model backend of sim/hv.h (sim/hv_model.c, sim/hv.c). */
#include "config.h"
#include "tests/testutil.h"
#include "sim/xen/xen.h"
#include "sim/xen/sysctl.h"
#include "sim/hv.h"

XpTopology *xp_test_topo (guint n, guint cpus_per_node, const guint *mem_gib);
void xp_test_topo_free (XpTopology *t);
XpXen *xp_test_xen (const XpTopology *t, const char *version, XpEventQueue *q, const char *const *params);
void xp_test_check (XpXen *xen);
XpDomain *xp_test_domain (XpXen *xen, guint vcpus, XpPages max_pages);

#define GIB XP_PAGES_PER_GIB

/* 2 nodes x 8 GiB, 4 CPUs per node, one SMT-less socket per node. physinfo:
 * total = 16 GiB = 4194304 pages; free = 16 GiB - 1 (pfn 0) = 4194303;
 * after a claim of 1 GiB and a destroyed domain's dirty 2 MiB, free_pages
 * still counts both, scrub_pages stays 0, outstanding = the claim. */
START_TEST (test_physinfo)
{
  XpTopology *t = xp_test_topo (2, 4, (const guint[]) { 8, 8 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  XpPhysinfo pi;
  xp_sysctl_physinfo (xen, &pi);
  ck_assert_uint_eq (pi.nr_cpus, 8);
  ck_assert_uint_eq (pi.nr_nodes, 2);
  ck_assert_uint_eq (pi.threads_per_core, 1);
  ck_assert_uint_eq (pi.cores_per_socket, 4);
  ck_assert_uint_eq (pi.total_pages, 16 * GIB);
  ck_assert_uint_eq (pi.free_pages, 16 * GIB - 1);
  XpDomain *a = xp_test_domain (xen, 1, 2 * GIB);
  XpDomain *b = xp_test_domain (xen, 1, 2 * GIB);
  ck_assert_uint_eq (xp_populate_physmap (xen, b, 1, XP_ORDER_2M, 0), 1);
  ck_assert_int_eq (xp_domain_destroy (xen, b), 0);
  ck_assert_int_eq (xp_memory_claim_pages (xen, a->domid, GIB), 0);
  xp_sysctl_physinfo (xen, &pi);
  ck_assert_uint_eq (pi.free_pages, 16 * GIB - 1);
  ck_assert_uint_eq (pi.scrub_pages, 0);
  ck_assert_uint_eq (pi.outstanding_pages, GIB);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* numainfo: memsize is spanned (node 0 = 9 GiB with the 1 GiB MMIO hole),
 * memfree includes the DMA band; distances as the SLIT; a short buffer gets
 * the first node only. */
START_TEST (test_numainfo)
{
  XpTopology *t = xp_test_topo (2, 4, (const guint[]) { 8, 8 });
  const char *const params[] = { "dom0_mem=1GiB", NULL };
  XpXen *xen = xp_test_xen (t, "4.22", NULL, params);
  XpNodeMeminfo mem[2];
  guint dist[4];
  ck_assert_uint_eq (xp_sysctl_numainfo (xen, 2, mem, dist), 2);
  ck_assert_uint_eq (mem[0].memsize_bytes, (guint64) 9 << 30);
  ck_assert_uint_eq (mem[1].memsize_bytes, (guint64) 8 << 30);
  /* dom0's 1 GiB extent: auto affinity {0,1}, last_alloc_node 0 -> node 1 */
  ck_assert_uint_eq (mem[0].memfree_bytes, ((guint64) 8 << 30) - 4096);
  ck_assert_uint_eq (mem[1].memfree_bytes, (guint64) 7 << 30);
  ck_assert_uint_eq (mem[0].claimed_bytes, 0);
  ck_assert_uint_eq (dist[0], 10);
  ck_assert_uint_eq (dist[1], 20);
  ck_assert_uint_eq (dist[2], 20);
  ck_assert_uint_eq (dist[3], 10);
  XpNodeMeminfo one;
  guint d1;
  ck_assert_uint_eq (xp_sysctl_numainfo (xen, 1, &one, &d1), 2);
  ck_assert_uint_eq (one.memsize_bytes, (guint64) 9 << 30);
  ck_assert_uint_eq (d1, 10);
  XpCpuTopo cpus[8];
  ck_assert_uint_eq (xp_sysctl_cputopoinfo (xen, 8, cpus), 8);
  ck_assert_uint_eq (cpus[5].node, 1);
  ck_assert_uint_eq (cpus[5].socket, 1);
  ck_assert_uint_eq (cpus[5].core, 5);
  xp_test_check (xen);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

/* The hv model backend end to end, in the order a toolstack calls it, and
 * xp_hv_probe_topology() giving back the host's shape. */
START_TEST (test_hv_model)
{
  XpTopology *t = xp_test_topo (2, 4, (const guint[]) { 8, 8 });
  XpXen *xen = xp_test_xen (t, "4.22", NULL, NULL);
  g_autoptr (XpHv) hv = xp_hv_model_new (xen);
  ck_assert_ptr_eq (xp_hv_model_xen (hv), xen);
  const XpHvOps *o = hv->ops;
  guint32 domid = 0;
  ck_assert_int_eq (o->domain_create (hv, XP_GUEST_HVM, 4, &domid), 0);
  ck_assert_uint_eq (domid, 1);
  ck_assert_int_eq (o->max_vcpus (hv, domid, 4), 0);
  ck_assert_int_eq (o->node_setaffinity (hv, domid, 0x2), 0);
  XpNodemask nm;
  ck_assert_int_eq (o->node_getaffinity (hv, domid, &nm), 0);
  ck_assert_uint_eq (nm, 0x2);
  ck_assert_int_eq (o->setmaxmem (hv, domid, (2u << 20) + 1024), 0);
  ck_assert_int_eq (o->set_paging_mempool (hv, domid, 64), 0);
  ck_assert_int_eq (o->claim_pages (hv, domid, 2 * GIB), 0);
  ck_assert_int_eq (o->claim_pages_node (hv, domid, 1, GIB), -ENOSYS);
  ck_assert_int_eq (o->populate_physmap (hv, domid, 2, XP_ORDER_1G, 0), 2);
  ck_assert_int_eq (o->claim_pages (hv, domid, 0), 0);
  XpPages np[2];
  ck_assert_int_eq (o->domain_node_pages (hv, domid, 2, np), 0);
  ck_assert_uint_eq (np[0], 0);
  ck_assert_uint_eq (np[1], 2 * GIB);
  XpDomainInfo info;
  ck_assert_int_eq (o->domain_getinfo (hv, domid, &info), 0);
  ck_assert_uint_eq (info.tot_pages, 2 * GIB);
  ck_assert_uint_eq (info.max_pages, 2 * GIB + 256);
  ck_assert_uint_eq (info.n_vcpus, 4);
  ck_assert_uint_eq (info.outstanding_pages, 0);
  XpCpumask hard, soft;
  xp_cpumask_clear (&hard);
  xp_cpumask_set (&hard, 6);
  ck_assert_int_eq (o->vcpu_setaffinity (hv, domid, 0, &hard, NULL), 0);
  ck_assert_int_eq (o->vcpu_getaffinity (hv, domid, 0, &hard, &soft), 0);
  ck_assert_uint_eq (xp_cpumask_weight (&hard), 1);
  ck_assert_uint_eq (xp_cpumask_weight (&soft), 1);   /* soft all ∩ hard {6} */
  ck_assert_int_eq (o->vcpu_setaffinity (hv, domid, 4, &hard, NULL), -EINVAL);  /* >= max_vcpus */
  ck_assert_int_eq (o->unpause (hv, domid), 0);
  guint32 ids[8];
  guint n = 8;
  ck_assert_int_eq (o->domain_list (hv, &n, ids), 0);
  ck_assert_uint_eq (n, 2);
  ck_assert_uint_eq (ids[0], 0);
  ck_assert_uint_eq (ids[1], 1);
  ck_assert_int_eq (o->domain_destroy (hv, domid), 0);
  ck_assert_int_eq (o->domain_getinfo (hv, domid, &info), -ESRCH);
  ck_assert_int_eq (o->populate_physmap (hv, domid, 1, 0, 0), -ESRCH);
  /* *domid is the requested id (0: allocate), as for xc_domain_create();
   * a domain created with fewer vCPUs than max: vCPU 3 of 4 not created */
  domid = 0;
  ck_assert_int_eq (o->domain_create (hv, XP_GUEST_PVH, 4, &domid), 0);
  ck_assert_uint_eq (domid, 2);
  ck_assert_int_eq (o->max_vcpus (hv, domid, 2), 0);
  ck_assert_int_eq (o->vcpu_getaffinity (hv, domid, 3, &hard, &soft), -ESRCH);

  XpPhysinfo pi;
  ck_assert_int_eq (o->physinfo (hv, &pi), 0);
  ck_assert_uint_eq (pi.free_pages, 16 * GIB - 1);   /* d1's memory and pool came back (dirty, still free) */

  g_autoptr (GError) err = NULL;
  XpTopology *p = xp_hv_probe_topology (hv, &err);
  ck_assert_ptr_nonnull (p);
  ck_assert_uint_eq (p->n_nodes, 2);
  ck_assert_uint_eq (p->n_cpus, 8);
  ck_assert_uint_eq (p->n_sockets, 2);
  ck_assert_uint_eq (p->nodes[0].memory_bytes, (guint64) 9 << 30);
  ck_assert_uint_eq (p->nodes[1].n_cpus, 4);
  ck_assert_uint_eq (p->nodes[1].n_cores, 4);
  ck_assert_uint_eq (p->nodes[1].cpus[0], 4);
  ck_assert_uint_eq (p->distance[1], 20);
  /* node 0 spans the 1 GiB MMIO hole: the probe says its sizes overstate RAM */
  ck_assert_ptr_nonnull (p->warnings);
  ck_assert_ptr_nonnull (strstr (p->warnings[0], "262144 more than the host's RAM"));
  g_strfreev (p->warnings);
  g_free (p->description);
  g_free (p->source);
  xp_test_topo_free (p);
  xp_test_check (xen);
  g_clear_pointer (&hv, xp_hv_free);
  xp_xen_free (xen);
  xp_test_topo_free (t);
}
END_TEST

Suite *
xp_test_sysctl_suite (void)
{
  Suite *s = suite_create ("sysctl");
  TCase *tc = tcase_create ("sysctl");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_physinfo);
  tcase_add_test (tc, test_numainfo);
  tcase_add_test (tc, test_hv_model);
  suite_add_tcase (s, tc);
  return s;
}
