/* xenplace — the live backend: XpHvOps over libxenctrl (Xen 4.17 ABI).
 *
 * Every operation returns 0 or a count on success and -errno on failure:
 * libxenctrl's "-1 with errno" is converted here. See hv_live.h for the
 * domain tagging rule and for how domain_node_pages is obtained. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>
#include "sim/live/hv_live.h"
#include "sim/error.h"

typedef struct {
  struct xentoollog_logger vtable;
  gboolean verbose;
} QuietLogger;

typedef struct {
  xc_interface *xch;
  QuietLogger logger;
  guint max_cpus;            /* bits in an xc_cpumap_t */
  guint32 capabilities;      /* XEN_SYSCTL_PHYSCAP_* */
  guint32 tag_counter;
  /* domid -> next guest frame to populate at (translated guests need
   * distinct gfns; PV guests get their m2p entries from these). */
  GHashTable *next_gfn;
} Live;

static Live *
live_of (XpHv *hv)
{
  return hv->priv;
}

/* libxenctrl logs failed hypercalls itself; the callers here turn every
 * failure into a return value, so the log is quiet unless XP_LIVE_DEBUG. */
static void
quiet_vmessage (struct xentoollog_logger *logger, xentoollog_level level, int errnoval,
                const char *context, const char *format, va_list al)
{
  QuietLogger *q = (QuietLogger *) logger;
  if (!q->verbose)
    return;
  fprintf (stderr, "%s: ", context ? context : "xc");
  vfprintf (stderr, format, al);
  if (errnoval >= 0)
    fprintf (stderr, ": %s", g_strerror (errnoval));
  fputc ('\n', stderr);
}

static void
quiet_destroy (struct xentoollog_logger *logger)
{
}

static int
neg_errno (void)
{
  return errno > 0 ? -errno : -EIO;
}

#define XC_CALL(expr) ((expr) < 0 ? neg_errno () : 0)

/* ---- masks -------------------------------------------------------------- */

static void
cpumask_to_xc (Live *l, const XpCpumask *m, xc_cpumap_t map)
{
  memset (map, 0, (l->max_cpus + 7) / 8);
  for (guint c = 0; c < l->max_cpus && c < XP_MAX_CPUS; c++)
    if (xp_cpumask_test (m, c))
      map[c / 8] |= (guint8) (1u << (c % 8));
}

static void
cpumask_from_xc (Live *l, const xc_cpumap_t map, XpCpumask *m)
{
  xp_cpumask_clear (m);
  for (guint c = 0; c < l->max_cpus && c < XP_MAX_CPUS; c++)
    if (map[c / 8] & (1u << (c % 8)))
      xp_cpumask_set (m, c);
}

/* ---- domain lookup and the tag ------------------------------------------ */

static int
get_domaininfo (Live *l, guint32 domid, xc_domaininfo_t *info)
{
  int n = xc_domain_getinfolist (l->xch, domid, 1, info);
  if (n < 0)
    return neg_errno ();
  /* getinfolist returns the first domain >= domid. */
  if (n == 0 || info->domain != domid)
    return -ESRCH;
  return 0;
}

static gboolean
handle_is_tagged (const xen_domain_handle_t handle)
{
  return memcmp (handle, XP_LIVE_HANDLE_MAGIC, 8) == 0;
}

/* 0 when @domid exists and was created by this program (tagged). */
static int
check_owned (Live *l, guint32 domid)
{
  xc_domaininfo_t info;
  int rc = get_domaininfo (l, domid, &info);
  if (rc < 0)
    return rc;
  return handle_is_tagged (info.handle) ? 0 : -EPERM;
}

/* ---- host queries -------------------------------------------------------- */

static int
live_physinfo (XpHv *hv, XpPhysinfo *out)
{
  Live *l = live_of (hv);
  xc_physinfo_t pi = { 0 };
  if (xc_physinfo (l->xch, &pi) < 0)
    return neg_errno ();
  out->nr_cpus = pi.nr_cpus;
  out->nr_nodes = pi.nr_nodes;
  out->threads_per_core = pi.threads_per_core;
  out->cores_per_socket = pi.cores_per_socket;
  out->total_pages = pi.total_pages;
  out->free_pages = pi.free_pages;
  out->scrub_pages = pi.scrub_pages;
  out->outstanding_pages = pi.outstanding_pages;
  return 0;
}

static int
live_numainfo (XpHv *hv, guint *n_nodes, XpNodeMeminfo *mem, guint *distance)
{
  Live *l = live_of (hv);
  unsigned count = 0;
  if (xc_numainfo (l->xch, &count, NULL, NULL) < 0)
    return neg_errno ();
  if (!mem && !distance)
    {
      /* A size query, as xc_numainfo with no buffers. */
      *n_nodes = count;
      return 0;
    }
  g_autofree xc_meminfo_t *mi = g_new0 (xc_meminfo_t, count);
  g_autofree uint32_t *dist = g_new0 (uint32_t, (gsize) count * count);
  if (xc_numainfo (l->xch, &count, mi, dist) < 0)
    return neg_errno ();
  guint n = MIN (count, *n_nodes);
  for (guint i = 0; i < n; i++)
    {
      if (mem)
        {
          /* Offline node ids report XEN_INVALID_MEM_SZ: show them empty. */
          gboolean offline = mi[i].memsize == XEN_INVALID_MEM_SZ;
          mem[i].memsize_bytes = offline ? 0 : mi[i].memsize;
          mem[i].memfree_bytes = offline ? 0 : mi[i].memfree;
          mem[i].claimed_bytes = 0;   /* upstream has no per-node claims */
        }
      if (distance)
        for (guint j = 0; j < n; j++)
          {
            uint32_t d = dist[i * count + j];
            distance[i * n + j] = d == XEN_INVALID_NODE_DIST ? XP_DISTANCE_UNREACHABLE : d;
          }
    }
  *n_nodes = n;
  return 0;
}

static int
live_cputopoinfo (XpHv *hv, guint *n_cpus, XpCpuTopo *cpus)
{
  Live *l = live_of (hv);
  unsigned count = 0;
  if (xc_cputopoinfo (l->xch, &count, NULL) < 0)
    return neg_errno ();
  if (!cpus)
    {
      *n_cpus = count;
      return 0;
    }
  g_autofree xc_cputopo_t *ct = g_new0 (xc_cputopo_t, count);
  if (xc_cputopoinfo (l->xch, &count, ct) < 0)
    return neg_errno ();
  guint n = MIN (count, *n_cpus);
  for (guint i = 0; i < n; i++)
    {
      cpus[i].core = ct[i].core;
      cpus[i].socket = ct[i].socket;
      cpus[i].node = ct[i].node == XEN_INVALID_NODE_ID ? XP_NO_NODE : ct[i].node;
    }
  *n_cpus = n;
  return 0;
}

/* ---- domains ------------------------------------------------------------- */

static int
live_domain_create (XpHv *hv, XpGuestType type, guint max_vcpus, guint32 *domid)
{
  Live *l = live_of (hv);
  struct xen_domctl_createdomain cfg;
  memset (&cfg, 0, sizeof cfg);

  /* Tag: magic, then our pid and a per-process counter. */
  memcpy (cfg.handle, XP_LIVE_HANDLE_MAGIC, 8);
  guint32 pid = (guint32) getpid (), seq = ++l->tag_counter;
  memcpy (cfg.handle + 8, &pid, 4);
  memcpy (cfg.handle + 12, &seq, 4);

  switch (type)
    {
    case XP_GUEST_HVM:
    case XP_GUEST_PVH:
      /* An empty container: no device model, no firmware; the emulation
       * set is what 4.17's emulation_flags_ok() accepts for a domU. */
      if (!(l->capabilities & XEN_SYSCTL_PHYSCAP_hvm))
        return -EOPNOTSUPP;
      cfg.flags = XEN_DOMCTL_CDF_hvm;
      if (l->capabilities & XEN_SYSCTL_PHYSCAP_hap)
        cfg.flags |= XEN_DOMCTL_CDF_hap;
      cfg.arch.emulation_flags = type == XP_GUEST_HVM
        ? (XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI) : XEN_X86_EMU_LAPIC;
      break;
    case XP_GUEST_PV:
      if (!(l->capabilities & XEN_SYSCTL_PHYSCAP_pv))
        return -EOPNOTSUPP;
      cfg.flags = 0;
      cfg.arch.emulation_flags = 0;
      break;
    default:
      return -EINVAL;
    }
  cfg.max_vcpus = max_vcpus;
  cfg.max_evtchn_port = 1023;          /* libxl's default event_channels */
  cfg.max_grant_frames = 32;
  cfg.max_maptrack_frames = 1024;
  cfg.grant_opts = XEN_DOMCTL_GRANT_version (1);
  cfg.cpupool_id = 0;

  /* *domid in: the domid wanted, 0 (or a reserved id) lets Xen choose. */
  uint32_t id = *domid;
  if (xc_domain_create (l->xch, &id, &cfg) < 0)
    return neg_errno ();
  *domid = id;
  g_hash_table_insert (l->next_gfn, GUINT_TO_POINTER (id), g_new0 (guint64, 1));
  return 0;
}

static int
live_domain_destroy (XpHv *hv, guint32 domid)
{
  Live *l = live_of (hv);
  int rc = check_owned (l, domid);
  if (rc < 0)
    return rc;
  rc = XC_CALL (xc_domain_destroy (l->xch, domid));
  if (rc == 0)
    g_hash_table_remove (l->next_gfn, GUINT_TO_POINTER (domid));
  return rc;
}

static void
fill_info (const xc_domaininfo_t *info, XpDomainInfo *out)
{
  out->domid = info->domain;
  out->dying = (info->flags & XEN_DOMINF_dying) != 0;
  out->max_vcpus = info->max_vcpu_id == XEN_INVALID_MAX_VCPU_ID ? 0 : info->max_vcpu_id + 1;
  out->n_vcpus = info->nr_online_vcpus;
  out->tot_pages = info->tot_pages;
  out->max_pages = info->max_pages;
  out->outstanding_pages = info->outstanding_pages;
}

static int
live_domain_getinfo (XpHv *hv, guint32 domid, XpDomainInfo *out)
{
  xc_domaininfo_t info;
  int rc = get_domaininfo (live_of (hv), domid, &info);
  if (rc < 0)
    return rc;
  fill_info (&info, out);
  return 0;
}

static int
list_domains (Live *l, guint *n, guint32 *domids, gboolean tagged_only)
{
  guint cap = *n, count = 0;
  xc_domaininfo_t batch[64];
  guint32 next = 0;
  for (;;)
    {
      int got = xc_domain_getinfolist (l->xch, next, G_N_ELEMENTS (batch), batch);
      if (got < 0)
        return neg_errno ();
      for (int i = 0; i < got; i++)
        if (!tagged_only || handle_is_tagged (batch[i].handle))
          {
            if (count < cap)
              domids[count] = batch[i].domain;
            count++;
          }
      if (got < (int) G_N_ELEMENTS (batch))
        break;
      next = batch[got - 1].domain + 1;
    }
  /* As sim/hv.h says: the total, which may exceed the capacity. */
  *n = count;
  return 0;
}

static int
live_domain_list (XpHv *hv, guint *n, guint32 *domids)
{
  return list_domains (live_of (hv), n, domids, FALSE);
}

int
xp_hv_live_tagged_domains (XpHv *hv, guint *n, guint32 *domids)
{
  g_return_val_if_fail (xp_hv_is_live (hv), -EINVAL);
  return list_domains (live_of (hv), n, domids, TRUE);
}

static int
live_max_vcpus (XpHv *hv, guint32 domid, guint n)
{
  Live *l = live_of (hv);
  int rc = check_owned (l, domid);
  /* 4.17: max_vcpus was fixed by createdomain; this domctl allocates the
   * vCPUs and fails with -EINVAL for any other count. */
  return rc < 0 ? rc : XC_CALL (xc_domain_max_vcpus (l->xch, domid, n));
}

static int
live_setmaxmem (XpHv *hv, guint32 domid, guint64 max_kib)
{
  Live *l = live_of (hv);
  int rc = check_owned (l, domid);
  return rc < 0 ? rc : XC_CALL (xc_domain_setmaxmem (l->xch, domid, max_kib));
}

static int
live_set_paging_mempool (XpHv *hv, guint32 domid, XpPages pages)
{
  Live *l = live_of (hv);
  int rc = check_owned (l, domid);
  /* XEN_DOMCTL_set_paging_mempool_size exists in 4.17 (it replaced the
   * shadow-op allocation call); the size is in bytes. */
  return rc < 0 ? rc : XC_CALL (xc_set_paging_mempool_size (l->xch, domid, pages << XP_PAGE_SHIFT));
}

static int
live_claim_pages (XpHv *hv, guint32 domid, XpPages pages)
{
  Live *l = live_of (hv);
  int rc = check_owned (l, domid);
  return rc < 0 ? rc : XC_CALL (xc_domain_claim_pages (l->xch, domid, pages));
}

static int
live_claim_pages_node (XpHv *hv, guint32 domid, guint node, XpPages pages)
{
  /* Per-node claims are a XenServer patch, not in upstream 4.17. */
  return -ENOSYS;
}

static int
live_vcpu_setaffinity (XpHv *hv, guint32 domid, guint vcpu, XpCpumask *hard, XpCpumask *soft)
{
  Live *l = live_of (hv);
  int rc = check_owned (l, domid);
  if (rc < 0)
    return rc;
  if (!hard && !soft)
    return 0;
  xc_cpumap_t h = xc_cpumap_alloc (l->xch), s = xc_cpumap_alloc (l->xch);
  if (!h || !s)
    {
      free (h);
      free (s);
      return -ENOMEM;
    }
  uint32_t flags = 0;
  if (hard)
    {
      cpumask_to_xc (l, hard, h);
      flags |= XEN_VCPUAFFINITY_HARD;
    }
  if (soft)
    {
      cpumask_to_xc (l, soft, s);
      flags |= XEN_VCPUAFFINITY_SOFT;
    }
  rc = XC_CALL (xc_vcpu_setaffinity (l->xch, domid, (int) vcpu, h, s, flags));
  if (rc == 0)
    {
      /* Xen writes back the effective masks. */
      if (hard)
        cpumask_from_xc (l, h, hard);
      if (soft)
        cpumask_from_xc (l, s, soft);
    }
  free (h);
  free (s);
  return rc;
}

static int
live_vcpu_getaffinity (XpHv *hv, guint32 domid, guint vcpu, XpCpumask *hard, XpCpumask *soft)
{
  Live *l = live_of (hv);
  xc_cpumap_t h = xc_cpumap_alloc (l->xch), s = xc_cpumap_alloc (l->xch);
  int rc = -ENOMEM;
  if (h && s)
    rc = XC_CALL (xc_vcpu_getaffinity (l->xch, domid, (int) vcpu, h, s,
                                       XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT));
  if (rc == 0)
    {
      if (hard)
        cpumask_from_xc (l, h, hard);
      if (soft)
        cpumask_from_xc (l, s, soft);
    }
  free (h);
  free (s);
  return rc;
}

static int
live_node_setaffinity (XpHv *hv, guint32 domid, XpNodemask nodes)
{
  Live *l = live_of (hv);
  int rc = check_owned (l, domid);
  if (rc < 0)
    return rc;
  int size = xc_get_nodemap_size (l->xch);
  if (size <= 0)
    return neg_errno ();
  xc_nodemap_t map = xc_nodemap_alloc (l->xch);
  if (!map)
    return -ENOMEM;
  for (int b = 0; b < size && b < 8; b++)
    map[b] = (guint8) (nodes >> (8 * b));
  rc = XC_CALL (xc_domain_node_setaffinity (l->xch, domid, map));
  free (map);
  return rc;
}

static int
live_node_getaffinity (XpHv *hv, guint32 domid, XpNodemask *nodes)
{
  Live *l = live_of (hv);
  int size = xc_get_nodemap_size (l->xch);
  if (size <= 0)
    return neg_errno ();
  xc_nodemap_t map = xc_nodemap_alloc (l->xch);
  if (!map)
    return -ENOMEM;
  int rc = XC_CALL (xc_domain_node_getaffinity (l->xch, domid, map));
  if (rc == 0)
    {
      XpNodemask m = 0;
      for (int b = 0; b < size && b < 8; b++)
        m |= (XpNodemask) map[b] << (8 * b);
      *nodes = m;
    }
  free (map);
  return rc;
}

/* Largest batch handed to one populate call (the gfn array is 8 bytes per
 * extent). */
#define POPULATE_BATCH 65536

static gint64
live_populate_physmap (XpHv *hv, guint32 domid, guint64 nr_extents, guint order, guint xenmemflags)
{
  Live *l = live_of (hv);
  int rc = check_owned (l, domid);
  if (rc < 0)
    return rc;
  if (order > 30)
    return -EINVAL;
  guint64 *next = g_hash_table_lookup (l->next_gfn, GUINT_TO_POINTER (domid));
  if (!next)
    {
      /* Created by another run of this program: start high, far from any
       * frame that run used. */
      next = g_new0 (guint64, 1);
      *next = G_GUINT64_CONSTANT (1) << 30;
      g_hash_table_insert (l->next_gfn, GUINT_TO_POINTER (domid), next);
    }
  guint64 step = G_GUINT64_CONSTANT (1) << order;
  guint64 done = 0;
  g_autofree xen_pfn_t *gfns = g_new (xen_pfn_t, MIN (nr_extents, POPULATE_BATCH) + 1);
  while (done < nr_extents)
    {
      guint64 batch = MIN (nr_extents - done, POPULATE_BATCH);
      /* Each extent at a fresh gfn aligned to its order (a translated guest
       * maps it there; a PV guest records it in the m2p). */
      guint64 gfn = (*next + step - 1) & ~(step - 1);
      for (guint64 i = 0; i < batch; i++)
        gfns[i] = gfn + i * step;
      int got = xc_domain_populate_physmap (l->xch, domid, batch, order, xenmemflags, gfns);
      if (got < 0)
        return done > 0 ? (gint64) done : neg_errno ();
      *next = gfn + (guint64) got * step;
      done += (guint64) got;
      if ((guint64) got < batch)
        break;
    }
  return (gint64) done;
}

static int
live_unpause (XpHv *hv, guint32 domid)
{
  Live *l = live_of (hv);
  int rc = check_owned (l, domid);
  return rc < 0 ? rc : XC_CALL (xc_domain_unpause (l->xch, domid));
}

/* ---- pages per node, from the 'u' debug key ------------------------------ */

/* Skip a console line's "(XEN) " prefix and an optional "[timestamp] ". */
static const char *
console_payload (const char *line)
{
  const char *p = strstr (line, "(XEN) ");
  p = p ? p + 6 : line;
  if (*p == '[')
    {
      const char *close = strchr (p, ']');
      if (close)
        p = close + 1;
    }
  while (*p == ' ')
    p++;
  return p;
}

int
xp_hv_live_parse_numa_dump (const char *text, guint32 domid, guint n_nodes, XpPages *pages)
{
  const char *start = NULL, *p = text;
  while ((p = strstr (p, "dumping numa info")))
    start = p++;
  if (!start)
    return -EOVERFLOW;
  g_auto (GStrv) lines = g_strsplit (start, "\n", -1);
  gboolean in_domain = FALSE, found = FALSE;
  guint64 total = 0, sum = 0;
  for (guint i = 0; lines[i]; i++)
    {
      const char *s = console_payload (lines[i]);
      unsigned d, node;
      unsigned long long t, cnt;
      if (sscanf (s, "Domain %u (total: %llu):", &d, &t) == 2)
        {
          if (found)
            break;              /* next domain: ours is complete */
          in_domain = d == domid;
          if (in_domain)
            {
              found = TRUE;
              total = t;
              for (guint k = 0; k < n_nodes; k++)
                pages[k] = 0;
            }
          continue;
        }
      if (in_domain && sscanf (s, "Node %u: %llu", &node, &cnt) == 2)
        {
          if (node < n_nodes)
            pages[node] = cnt;
          sum += cnt;
        }
    }
  if (!found)
    return -ESRCH;
  /* tot_pages and the page list agree unless the dump was cut short or the
   * domain changed while it was being printed. */
  return sum == total ? 0 : -EOVERFLOW;
}

static int
live_domain_node_pages (XpHv *hv, guint32 domid, guint n_nodes, XpPages *pages)
{
  Live *l = live_of (hv);
  xc_domaininfo_t info;
  int rc = get_domaininfo (l, domid, &info);
  if (rc < 0)
    return rc;
  if (xc_send_debug_keys (l->xch, "u") < 0)
    return neg_errno ();
  /* Read the whole ring (non-incremental, not cleared): the dump is printed
   * synchronously by the sysctl, so it is the last one in the ring. */
  unsigned size = 1u << 20;
  for (int attempt = 0; attempt < 4; attempt++, size <<= 2)
    {
      g_autofree char *buf = g_malloc (size + 1);
      unsigned nr = size;
      if (xc_readconsolering (l->xch, buf, &nr, 0, 0, NULL) < 0)
        return neg_errno ();
      buf[MIN (nr, size)] = '\0';
      if (nr >= size)
        continue;               /* may be truncated: retry bigger */
      return xp_hv_live_parse_numa_dump (buf, domid, n_nodes, pages);
    }
  return -EOVERFLOW;
}

/* ---- lifetime ------------------------------------------------------------- */

static void
live_free (XpHv *hv)
{
  Live *l = live_of (hv);
  if (l->xch)
    xc_interface_close (l->xch);
  g_hash_table_destroy (l->next_gfn);
  g_free (l);
}

static const XpHvOps live_ops = {
  .name = "live",
  .physinfo = live_physinfo,
  .numainfo = live_numainfo,
  .cputopoinfo = live_cputopoinfo,
  .domain_create = live_domain_create,
  .domain_destroy = live_domain_destroy,
  .domain_getinfo = live_domain_getinfo,
  .domain_list = live_domain_list,
  .max_vcpus = live_max_vcpus,
  .setmaxmem = live_setmaxmem,
  .set_paging_mempool = live_set_paging_mempool,
  .claim_pages = live_claim_pages,
  .claim_pages_node = live_claim_pages_node,
  .vcpu_setaffinity = live_vcpu_setaffinity,
  .vcpu_getaffinity = live_vcpu_getaffinity,
  .node_setaffinity = live_node_setaffinity,
  .node_getaffinity = live_node_getaffinity,
  .populate_physmap = live_populate_physmap,
  .unpause = live_unpause,
  .domain_node_pages = live_domain_node_pages,
  .free = live_free,
};

gboolean
xp_hv_is_live (XpHv *hv)
{
  return hv && hv->ops == &live_ops;
}

gboolean
xp_hv_live_can_hvm (XpHv *hv)
{
  g_return_val_if_fail (xp_hv_is_live (hv), FALSE);
  return (live_of (hv)->capabilities & XEN_SYSCTL_PHYSCAP_hvm) != 0;
}

XpHv *
xp_hv_live_new (GError **error)
{
  Live *l = g_new0 (Live, 1);
  l->logger.vtable.vmessage = quiet_vmessage;
  l->logger.vtable.destroy = quiet_destroy;
  l->logger.verbose = g_getenv ("XP_LIVE_DEBUG") != NULL;
  l->next_gfn = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);

  errno = 0;
  l->xch = xc_interface_open (&l->logger.vtable, &l->logger.vtable, 0);
  if (!l->xch)
    {
      int e = errno;
      const char *why;
      if (!g_file_test ("/proc/xen", G_FILE_TEST_IS_DIR) && !g_file_test ("/dev/xen/privcmd", G_FILE_TEST_EXISTS))
        why = "this is not a Xen control domain (no /proc/xen, no /dev/xen/privcmd)";
      else if (geteuid () != 0)
        why = "opening privcmd needs root";
      else
        why = "is xenfs mounted on /proc/xen and the xen-privcmd module loaded?";
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "cannot open libxenctrl: %s (%s)",
                   why, e ? g_strerror (e) : "unknown error");
      g_hash_table_destroy (l->next_gfn);
      g_free (l);
      return NULL;
    }
  xc_physinfo_t pi = { 0 };
  if (xc_physinfo (l->xch, &pi) < 0)
    {
      int e = errno;
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED,
                   "xc_physinfo failed: %s (is libxenctrl the same Xen version as the hypervisor?)",
                   g_strerror (e));
      xc_interface_close (l->xch);
      g_hash_table_destroy (l->next_gfn);
      g_free (l);
      return NULL;
    }
  l->capabilities = pi.capabilities;
  l->max_cpus = pi.max_cpu_id + 1;

  XpHv *hv = g_new0 (XpHv, 1);
  hv->ops = &live_ops;
  hv->priv = l;
  return hv;
}
