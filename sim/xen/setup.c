/* xenplace — boot of the modelled host (xen/arch/x86/setup.c __start_xen,
 * end_boot_allocator, dom0 construction) and the per-run version table. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "sim/xen/xen.h"
#include "sim/error.h"
#include "sim/util.h"

/* Version table of reference §0: which observable rules each release has. */
gboolean
xp_xen_behaviour_init (XpXenBehaviour *b, const char *version, GError **error)
{
  const char *v = version ? version : "4.17";
  g_autofree char *base = g_strdup (v);
  XpNodeClaimsMode nc = XP_NODE_CLAIMS_NONE;
  char *plus = strchr (base, '+');
  if (plus)
    {
      if (strcmp (plus, "+node-claims") != 0)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "xen version '%s': unknown variant '%s' (expected '+node-claims')", v, plus);
          return FALSE;
        }
      nc = XP_NODE_CLAIMS_SINGLE;
      *plus = '\0';
    }
  guint major = 0, minor = 0, patch = 0;
  char tail = 0;
  int n = sscanf (base, "%u.%u.%u%c", &major, &minor, &patch, &tail);
  if (!g_regex_match_simple ("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", base, 0, 0)
      || n < 2 || n > 3 || major != 4 || minor < 17 || minor > 22)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "xen version '%s': expected 4.17 .. 4.22 (optionally +node-claims)", v);
      return FALSE;
    }
  memset (b, 0, sizeof *b);
  b->version = major * 100 + minor;
  /* Three of 4.22's claim changes were backported to the stable branches
   * still supported in early 2026 and ship in RELEASE-4.19.5, 4.20.3 and
   * 4.21.1 (not in any 4.17 or 4.18 release): alloc_heap_pages() consumes
   * the claim itself, domain_adjust_tot_pages() no longer re-grows it on
   * free, and XENMEM_claim_pages refuses a dying domain. A version without
   * a patch level means the .0 release. */
  gboolean claim_backports = (minor == 19 && patch >= 5) || (minor == 20 && patch >= 3)
    || (minor == 21 && patch >= 1);
  b->claim_regrow_on_free = minor <= 20 && !claim_backports;
  b->claim_consumed_in_alloc = minor >= 22 || claim_backports;
  b->claim_rejects_dying = minor >= 22 || claim_backports;
  b->populate_defers_scrub = minor >= 22;
  b->libxc_claim_enosys_ok = minor <= 21;
  b->credit_balance_ratelimit = minor >= 18;
  b->credit_skip_yielded = minor >= 18;
  b->node_claims = nc;
  return TRUE;
}

void
xp_xen_params_init_defaults (XpXenParams *p)
{
  memset (p, 0, sizeof *p);
  p->scrub_bytes_per_sec = G_GUINT64_CONSTANT (4) << 30;
  p->boot_memory_dirty = FALSE;
  p->dma_bits = 0;
  p->xen_pages_per_node = XP_XEN_PAGES_AUTO;
  p->dom0_mem_bytes = G_GUINT64_CONSTANT (4) << 30;
  p->dom0_vcpus = 8;
  p->max_order = XP_ORDER_1G;
  p->mmio_hole_bytes = G_GUINT64_CONSTANT (1) << 30;
}

static gboolean
parse_uint (const char *s, guint64 max, guint64 *out)
{
  char *end = NULL;
  if (!*s || *s == '-')
    return FALSE;
  guint64 v = g_ascii_strtoull (s, &end, 10);
  if (*end || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
xp_xen_params_set (XpXenParams *p, const char *assignment, GError **error)
{
  const char *eq = strchr (assignment, '=');
  if (!eq || eq == assignment)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                   "xen parameter '%s': expected NAME=VALUE", assignment);
      return FALSE;
    }
  g_autofree char *name = g_strndup (assignment, eq - assignment);
  const char *val = eq + 1;
  guint64 v = 0;
  const char *expect = NULL;

  if (!strcmp (name, "scrub_rate"))
    {
      if (xp_parse_size (val, 1, &v))
        p->scrub_bytes_per_sec = v;
      else
        expect = "a rate in bytes per second such as 4GiB";
    }
  else if (!strcmp (name, "dma_bits"))
    {
      if (parse_uint (val, 52, &v) && (v == 0 || v > XP_PAGE_SHIFT))
        p->dma_bits = (guint) v;
      else
        expect = "0 (automatic) or a bit count 13..52";
    }
  else if (!strcmp (name, "dom0_mem"))
    {
      if (xp_parse_size (val, 1, &v))
        p->dom0_mem_bytes = v;
      else
        expect = "a size such as 4GiB";
    }
  else if (!strcmp (name, "dom0_vcpus"))
    {
      if (parse_uint (val, XP_MAX_CPUS, &v) && v >= 1)
        p->dom0_vcpus = (guint) v;
      else
        expect = "a vCPU count 1..1024";
    }
  else if (!strcmp (name, "boot_dirty"))
    {
      if (!strcmp (val, "1") || !strcmp (val, "true") || !strcmp (val, "yes"))
        p->boot_memory_dirty = TRUE;
      else if (!strcmp (val, "0") || !strcmp (val, "false") || !strcmp (val, "no"))
        p->boot_memory_dirty = FALSE;
      else
        expect = "0 or 1";
    }
  else if (!strcmp (name, "xen_pages_per_node"))
    {
      if (!strcmp (val, "auto"))
        p->xen_pages_per_node = XP_XEN_PAGES_AUTO;
      else if (parse_uint (val, G_MAXUINT64 - 1, &v))
        p->xen_pages_per_node = v;
      else if (xp_parse_size (val, 1, &v))
        p->xen_pages_per_node = v / XP_PAGE_SIZE;
      else
        expect = "'auto', a page count, or a size such as 64MiB";
    }
  else if (!strcmp (name, "max_order"))
    {
      if (parse_uint (val, 20, &v) && v >= XP_ORDER_2M)
        p->max_order = (guint) v;
      else
        expect = "an order 9..20";
    }
  else if (!strcmp (name, "mmio_hole"))
    {
      if (xp_parse_size (val, 1, &v) && v <= (G_GUINT64_CONSTANT (4) << 30) && v % XP_PAGE_SIZE == 0)
        p->mmio_hole_bytes = v;
      else
        expect = "a page-aligned size up to 4GiB";
    }
  else
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "xen parameter '%s': unknown name (expected scrub_rate, dma_bits, dom0_mem, dom0_vcpus, "
                   "boot_dirty, xen_pages_per_node, max_order or mmio_hole)", name);
      return FALSE;
    }
  if (expect)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "xen parameter '%s': bad value '%s' (expected %s)", name, val, expect);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
xp_xen_params_list (const XpXenParams *p)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, g_strdup_printf ("scrub_rate=%" G_GUINT64_FORMAT, p->scrub_bytes_per_sec));
  g_ptr_array_add (a, g_strdup_printf ("dma_bits=%u", p->dma_bits));
  g_ptr_array_add (a, g_strdup_printf ("dom0_mem=%" G_GUINT64_FORMAT, p->dom0_mem_bytes));
  g_ptr_array_add (a, g_strdup_printf ("dom0_vcpus=%u", p->dom0_vcpus));
  g_ptr_array_add (a, g_strdup_printf ("boot_dirty=%d", p->boot_memory_dirty ? 1 : 0));
  if (p->xen_pages_per_node == XP_XEN_PAGES_AUTO)
    g_ptr_array_add (a, g_strdup ("xen_pages_per_node=auto"));
  else
    g_ptr_array_add (a, g_strdup_printf ("xen_pages_per_node=%" G_GUINT64_FORMAT, p->xen_pages_per_node));
  g_ptr_array_add (a, g_strdup_printf ("max_order=%u", p->max_order));
  g_ptr_array_add (a, g_strdup_printf ("mmio_hole=%" G_GUINT64_FORMAT, p->mmio_hole_bytes));
  return a;
}

XpDomain *
xp_xen_domain (XpXen *xen, guint32 domid)
{
  return domid < XP_DOMID_FIRST_RESERVED ? xen->domain_by_id[domid] : NULL;
}

/* arch_get_dma_bitsize(): a quarter of the first node with memory below 4 GiB. */
static guint
dma_bitsize (const guint64 *start, const guint64 *end, guint n)
{
  for (guint i = 0; i < n; i++)
    if (end[i] > start[i] && !(start[i] >> (32 - XP_PAGE_SHIFT)))
      {
        guint64 x = start[i] + (end[i] - start[i]) / 4 - 1;
        guint bits = (x ? 64 - (guint) __builtin_clzll (x) : 0) + XP_PAGE_SHIFT;
        return MIN (bits, 32u);
      }
  return 0;
}

/* Take @pages from @node for Xen itself (frame table, heap metadata). */
static gboolean
take_xen_pages (XpXen *xen, guint node, XpPages pages)
{
  for (guint order = xen->params.max_order + 1; order-- > 0 && pages;)
    while (pages >= (G_GUINT64_CONSTANT (1) << order))
      {
        guint64 pfn = xp_alloc_domheap_pages (xen, NULL, order, XP_MEMF_node (node) | XP_MEMF_exact_node);
        if (pfn == XP_INVALID_PFN)
          break;
        pages -= G_GUINT64_CONSTANT (1) << order;
      }
  return pages == 0;
}

/* dom0 construction: memory striped over all nodes in the largest extents
 * available (dom0 has no dom0_nodes= here), vCPUs on all CPUs. */
static gboolean
build_dom0 (XpXen *xen, GError **error)
{
  XpDomainConfig cfg = { .type = XP_DOMAIN_PV, .is_dom0 = TRUE };
  cfg.max_vcpus = MIN (MAX (xen->params.dom0_vcpus, 1u), xen->topo->n_cpus);
  XpDomain *d = NULL;
  int rc = xp_domain_create (xen, &cfg, &d);
  if (rc == 0)
    rc = xp_domain_max_vcpus (xen, d, cfg.max_vcpus);
  if (rc < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "dom0: creation failed (%s)", g_strerror (-rc));
      return FALSE;
    }
  XpPages want = xen->params.dom0_mem_bytes / XP_PAGE_SIZE;
  d->max_pages = want;
  static const guint orders[] = { XP_ORDER_1G, XP_ORDER_2M, XP_ORDER_4K };
  XpPages got = 0;
  for (guint i = 0; i < G_N_ELEMENTS (orders) && got < want; i++)
    {
      guint o = MIN (orders[i], xen->params.max_order);
      while (want - got >= (G_GUINT64_CONSTANT (1) << o))
        {
          if (xp_alloc_domheap_pages (xen, d, o, 0) == XP_INVALID_PFN)
            break;
          got += G_GUINT64_CONSTANT (1) << o;
        }
    }
  if (got < want)
    {
      /* name the topology: its memory is what is too small */
      guint64 total = xp_topology_total_memory (xen->topo);
      g_autofree char *have = xp_format_bytes (total);
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "dom0_mem: %" G_GUINT64_FORMAT " bytes do not fit in the free memory of topology '%s' (%s in %u "
                   "node%s%s)", xen->params.dom0_mem_bytes, xen->topo->name ? xen->topo->name : "?", have,
                   xen->topo->n_nodes, xen->topo->n_nodes == 1 ? "" : "s",
                   total == 0 ? "; it records no memory size" : "");
      return FALSE;
    }
  xen->dom0 = d;
  d->creation_finished = TRUE;
  d->paused = FALSE;
  return TRUE;
}

XpXen *
xp_xen_new (const XpTopology *topo, const XpXenBehaviour *behaviour,
            const XpXenParams *params, XpEventQueue *events, GError **error)
{
  g_return_val_if_fail (topo != NULL && behaviour != NULL, NULL);
  XpXenParams defaults;
  if (!params)
    {
      xp_xen_params_init_defaults (&defaults);
      params = &defaults;
    }
  if (topo->n_nodes == 0 || topo->n_nodes > XP_MAX_NODES || topo->n_cpus == 0 || topo->n_cpus > XP_MAX_CPUS)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "topology '%s': expected 1..%u nodes and 1..%u CPUs, got %u and %u",
                   topo->name ? topo->name : "?", XP_MAX_NODES, XP_MAX_CPUS, topo->n_nodes, topo->n_cpus);
      return NULL;
    }
  if (params->max_order < XP_ORDER_2M || params->max_order > 20)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "xen parameter 'max_order': %u is outside 9..20",
                   params->max_order);
      return NULL;
    }

  XpXen *xen = g_new0 (XpXen, 1);
  xen->topo = topo;
  xen->behaviour = *behaviour;
  xen->params = *params;
  xen->events = events;
  xen->online_nodes = xp_nodemask_first_n (topo->n_nodes);
  xp_cpumask_fill (&xen->online_cpus, topo->n_cpus);
  xen->domain_by_id = g_new0 (XpDomain *, XP_DOMID_FIRST_RESERVED);
  xen->domain_list = g_ptr_array_new ();

  /* Host memory map: node i is one contiguous pfn range, in node order; the
   * MMIO hole [4 GiB - hole, 4 GiB) holds no RAM and lies inside whichever
   * node spans it (node 0 on any real host). */
  guint n = topo->n_nodes;
  g_autofree guint64 *start = g_new (guint64, n);
  g_autofree guint64 *end = g_new (guint64, n);
  guint64 hole_end = G_GUINT64_CONSTANT (1) << (32 - XP_PAGE_SHIFT);
  guint64 hole_start = hole_end - params->mmio_hole_bytes / XP_PAGE_SIZE;
  guint64 cur = 0;
  for (guint i = 0; i < n; i++)
    {
      XpPages ram = topo->nodes[i].memory_bytes / XP_PAGE_SIZE;
      start[i] = cur;
      while (ram)
        {
          if (cur >= hole_start && cur < hole_end)
            {
              cur = hole_end;
              continue;
            }
          guint64 room = cur < hole_start ? hole_start - cur : G_MAXUINT64;
          guint64 take = MIN (ram, room);
          cur += take;
          ram -= take;
        }
      end[i] = cur;
    }

  if (params->dma_bits)
    xen->dma_bitsize = params->dma_bits;
  else if (n > 1)
    xen->dma_bitsize = dma_bitsize (start, end, n);

  xp_heap_new (xen, start, end, hole_start, hole_end);

  for (guint i = 0; i < n; i++)
    {
      XpPages xp = params->xen_pages_per_node == XP_XEN_PAGES_AUTO
        ? (topo->nodes[i].memory_bytes / XP_PAGE_SIZE) / 512 : params->xen_pages_per_node;
      xp = MIN (xp, xp_heap_node_avail (xen, i));
      if (!take_xen_pages (xen, i, xp))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "xen_pages_per_node: node %u cannot hold %" G_GUINT64_FORMAT " pages", i, xp);
          xp_xen_free (xen);
          return NULL;
        }
    }
  if (!build_dom0 (xen, error))
    {
      xp_xen_free (xen);
      return NULL;
    }
  return xen;
}

void
xp_xen_free (XpXen *xen)
{
  if (!xen)
    return;
  if (xen->sched && xen->sched->free)
    xen->sched->free (xen);
  xen->sched = NULL;
  /* Tear domains down without touching the heap (it goes as a whole). */
  for (guint i = 0; i < xen->domain_list->len; i++)
    {
      XpDomain *d = g_ptr_array_index (xen->domain_list, i);
      g_array_free (d->memory, TRUE);
      g_array_free (d->paging_pool, TRUE);
      g_free (d->node_pages);
      g_free (d->open_run);
      g_free (d->vcpus);
      g_free (d);
    }
  g_ptr_array_free (xen->domain_list, TRUE);
  g_free (xen->domain_by_id);
  xp_heap_free (xen->heap);
  g_free (xen);
}
