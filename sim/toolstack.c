/* xenplace — toolstack model: xenopsd and xl/libxl VM start flows. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "sim/error.h"
#include "sim/toolstack.h"
#include "sim/util.h"

typedef enum {
  STEP_CREATE,
  STEP_WAIT_FREE_MEM,   /* xenopsd build_pre: wait_xen_free_mem */
  STEP_BUILD_PRE,
  STEP_PLACE,
  STEP_CLAIM,           /* xl: meminit_hvm's claim */
  STEP_POPULATE,
  STEP_DEVICE_MODEL,
  STEP_UNPAUSE,
  STEP_DONE,
} Step;

typedef struct {
  XpVm vm;              /* first: XpVm* and VmRun* are interchangeable */
  Step step;
  XpMeminit *meminit;   /* from placement until the memory is populated */
  guint free_mem_waits;          /* wait_xen_free_mem's delays so far */
  gboolean holds_builder;
  gboolean holds_numa_mutex;
  gboolean policy_consulted;   /* the policy was told about this domain */
} VmRun;

struct XpToolstack {
  XpToolstackParams p;
  XpHv *hv;
  XpEventQueue *events;
  const XpTopology *topo;
  const XpPolicy *policy;
  gpointer policy_state;
  gboolean view_domains;     /* the policy reads the view's domains */
  XpToolstackHooks hooks;
  gpointer hooks_data;

  GPtrArray *vms;            /* VmRun*, request order, owned */
  GQueue pending;            /* VmRun* waiting for a builder */
  guint busy_builders;
  gboolean numa_mutex_held;  /* xenopsd's numa_mutex */
  GQueue mutex_waiters;
  XpPages *numa_resources;   /* old xenopsd: running minimum per node, NULL until first use */
  XpPages *old_view;         /* scratch: the view the old planner gets */

  /* scratch for host views, reused across placements */
  XpPages *node_free, *node_claimed;
  XpNodeMeminfo *meminfo;
  guint *distance;
  GArray *domain_views;      /* XpDomainView */
  GArray *domain_masks;      /* XpCpumask, vcpu_hard storage */
  guint32 *domids;
  guint domids_cap;
  guint64 actions;
  GError *error;             /* first error of the policy itself */
};

/* ---- parameters --------------------------------------------------------- */

void
xp_toolstack_params_init (XpToolstackParams *p, XpToolstackKind kind)
{
  memset (p, 0, sizeof *p);
  p->kind = kind;
  p->generation = XP_XENOPSD_CURRENT;
  p->builders = 4;                               /* xenopsd worker-pool-size default */
  p->claim_mode = TRUE;                          /* xl.conf claim_mode default */
  p->mem_pnode_exact = TRUE;
  p->populate_bytes_per_sec = G_GUINT64_CONSTANT (8) << 30;
  p->scrub_bytes_per_sec = G_GUINT64_CONSTANT (4) << 30;
  p->populate_chunk_pages = XP_PAGES_PER_GIB;
  p->video_mib = 8;
  p->mmio_hole_bytes = XP_MMIO_HOLE_DEFAULT;
  p->shadow_multiplier = 1.0;
  p->create_ns = 30 * XP_NSEC_PER_MSEC;
  p->build_pre_ns = 20 * XP_NSEC_PER_MSEC;
  p->placement_ns = 1 * XP_NSEC_PER_MSEC;
  p->device_model_ns = 300 * XP_NSEC_PER_MSEC;
  p->unpause_ns = 5 * XP_NSEC_PER_MSEC;
  p->destroy_ns = 100 * XP_NSEC_PER_MSEC;
  p->free_mem_retry_ns = XP_NSEC_PER_SEC;
  p->free_mem_timeout_ns = 64 * XP_NSEC_PER_SEC;
  p->guest_type = XP_GUEST_HVM;
}

const char *
xp_toolstack_kind_name (XpToolstackKind kind)
{
  return kind == XP_TOOLSTACK_XL ? "xl" : "xenopsd";
}

gboolean
xp_toolstack_kind_parse (const char *name, XpToolstackKind *out)
{
  if (g_strcmp0 (name, "xenopsd") == 0)
    *out = XP_TOOLSTACK_XENOPSD;
  else if (g_strcmp0 (name, "xl") == 0 || g_strcmp0 (name, "libxl") == 0)
    *out = XP_TOOLSTACK_XL;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_uint (const char *v, guint64 *out)
{
  char *end;
  if (!g_ascii_isdigit (*v))
    return FALSE;
  *out = g_ascii_strtoull (v, &end, 10);
  return *end == '\0';
}

static gboolean
parse_bool (const char *v, gboolean *out)
{
  if (!g_strcmp0 (v, "1") || !g_ascii_strcasecmp (v, "true") || !g_ascii_strcasecmp (v, "yes") || !g_ascii_strcasecmp (v, "on"))
    *out = TRUE;
  else if (!g_strcmp0 (v, "0") || !g_ascii_strcasecmp (v, "false") || !g_ascii_strcasecmp (v, "no") || !g_ascii_strcasecmp (v, "off"))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

gboolean
xp_toolstack_params_set (XpToolstackParams *p, const char *assignment, GError **error)
{
  static const struct { const char *name; gsize offset; } durations_ms[] = {
    { "create_ms", G_STRUCT_OFFSET (XpToolstackParams, create_ns) },
    { "build_pre_ms", G_STRUCT_OFFSET (XpToolstackParams, build_pre_ns) },
    { "placement_ms", G_STRUCT_OFFSET (XpToolstackParams, placement_ns) },
    { "device_model_ms", G_STRUCT_OFFSET (XpToolstackParams, device_model_ns) },
    { "unpause_ms", G_STRUCT_OFFSET (XpToolstackParams, unpause_ns) },
    { "destroy_ms", G_STRUCT_OFFSET (XpToolstackParams, destroy_ns) },
    { "free_mem_retry_ms", G_STRUCT_OFFSET (XpToolstackParams, free_mem_retry_ns) },
    { "free_mem_timeout_ms", G_STRUCT_OFFSET (XpToolstackParams, free_mem_timeout_ns) },
  };
  const char *eq = strchr (assignment, '=');
  if (!eq || eq == assignment)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "toolstack parameter '%s': expected NAME=VALUE", assignment);
      return FALSE;
    }
  g_autofree char *name = g_strndup (assignment, eq - assignment);
  const char *v = eq + 1;
  guint64 u;
  gboolean ok = TRUE;

  static const char *xenopsd_only[] = { "generation", "mem_pnode_exact", "shadow_multiplier",
                                        "free_mem_retry_ms", "free_mem_timeout_ms" };
  static const char *xl_only[] = { "claim_mode" };
  for (guint i = 0; i < G_N_ELEMENTS (xenopsd_only); i++)
    if (p->kind != XP_TOOLSTACK_XENOPSD && !strcmp (name, xenopsd_only[i]))
      {
        g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "toolstack parameter '%s' is xenopsd's, not %s's", name,
                     xp_toolstack_kind_name (p->kind));
        return FALSE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (xl_only); i++)
    if (p->kind != XP_TOOLSTACK_XL && !strcmp (name, xl_only[i]))
      {
        g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "toolstack parameter '%s' is xl's, not %s's", name,
                     xp_toolstack_kind_name (p->kind));
        return FALSE;
      }
  if (!strcmp (name, "builders"))
    ok = parse_uint (v, &u) && u >= 1 && u <= 4096 && ((p->builders = (guint) u), TRUE);
  else if (!strcmp (name, "generation"))
    {
      if (!strcmp (v, "current"))
        p->generation = XP_XENOPSD_CURRENT;
      else if (!strcmp (v, "old"))
        p->generation = XP_XENOPSD_OLD;
      else
        ok = FALSE;
    }
  else if (!strcmp (name, "guest"))
    {
      if (!strcmp (v, "hvm"))
        p->guest_type = XP_GUEST_HVM;
      else if (!strcmp (v, "pvh"))
        p->guest_type = XP_GUEST_PVH;
      else if (!strcmp (v, "pv"))
        p->guest_type = XP_GUEST_PV;
      else
        ok = FALSE;
    }
  else if (!strcmp (name, "claim_mode"))
    ok = parse_bool (v, &p->claim_mode);
  else if (!strcmp (name, "mem_pnode_exact"))
    ok = parse_bool (v, &p->mem_pnode_exact);
  else if (!strcmp (name, "populate_rate"))
    ok = xp_parse_size (v, 1, &p->populate_bytes_per_sec) && p->populate_bytes_per_sec > 0;
  else if (!strcmp (name, "scrub_rate"))
    ok = xp_parse_size (v, 1, &p->scrub_bytes_per_sec) && p->scrub_bytes_per_sec > 0;
  else if (!strcmp (name, "chunk"))
    ok = xp_parse_size (v, 1, &u) && u >= XP_PAGE_SIZE && ((p->populate_chunk_pages = u >> XP_PAGE_SHIFT), TRUE);
  else if (!strcmp (name, "video"))
    ok = xp_parse_size (v, G_GUINT64_CONSTANT (1) << 20, &u) && ((p->video_mib = u >> 20), TRUE);
  else if (!strcmp (name, "mmio_hole"))
    ok = xp_parse_size (v, 1, &p->mmio_hole_bytes) && p->mmio_hole_bytes < (G_GUINT64_CONSTANT (4) << 30);
  else if (!strcmp (name, "shadow_multiplier"))
    {
      char *end;
      p->shadow_multiplier = g_ascii_strtod (v, &end);
      ok = *v && !*end && p->shadow_multiplier > 0 && p->shadow_multiplier < 1000;
    }
  else
    {
      guint i;
      for (i = 0; i < G_N_ELEMENTS (durations_ms); i++)
        if (!strcmp (name, durations_ms[i].name))
          break;
      if (i == G_N_ELEMENTS (durations_ms))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "unknown toolstack parameter '%s' (known: builders, generation, claim_mode, "
                       "mem_pnode_exact, populate_rate, scrub_rate, chunk, video, mmio_hole, guest, "
                       "shadow_multiplier, create_ms, build_pre_ms, placement_ms, device_model_ms, "
                       "unpause_ms, destroy_ms, free_mem_retry_ms, free_mem_timeout_ms)", name);
          return FALSE;
        }
      ok = parse_uint (v, &u) && u < G_GUINT64_CONSTANT (1) << 40
           && !(u == 0 && !strcmp (name, "free_mem_retry_ms"));
      if (ok)
        G_STRUCT_MEMBER (XpTime, p, durations_ms[i].offset) = (XpTime) u * XP_NSEC_PER_MSEC;
    }
  if (!ok)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "toolstack parameter '%s': bad value '%s'", name, v);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
xp_toolstack_params_list (const XpToolstackParams *p)
{
  static const char *const guest_names[] = { [XP_GUEST_HVM] = "hvm", [XP_GUEST_PVH] = "pvh", [XP_GUEST_PV] = "pv" };
  gboolean xenopsd = p->kind == XP_TOOLSTACK_XENOPSD;
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, g_strdup_printf ("builders=%u", p->builders));
  if (xenopsd)
    {
      g_ptr_array_add (a, g_strdup_printf ("generation=%s", p->generation == XP_XENOPSD_OLD ? "old" : "current"));
      g_ptr_array_add (a, g_strdup_printf ("mem_pnode_exact=%d", p->mem_pnode_exact ? 1 : 0));
    }
  else
    g_ptr_array_add (a, g_strdup_printf ("claim_mode=%d", p->claim_mode ? 1 : 0));
  g_ptr_array_add (a, g_strdup_printf ("populate_rate=%" G_GUINT64_FORMAT, p->populate_bytes_per_sec));
  g_ptr_array_add (a, g_strdup_printf ("scrub_rate=%" G_GUINT64_FORMAT, p->scrub_bytes_per_sec));
  g_ptr_array_add (a, g_strdup_printf ("chunk=%" G_GUINT64_FORMAT, (guint64) p->populate_chunk_pages << XP_PAGE_SHIFT));
  g_ptr_array_add (a, g_strdup_printf ("video=%" G_GUINT64_FORMAT, p->video_mib));
  g_ptr_array_add (a, g_strdup_printf ("mmio_hole=%" G_GUINT64_FORMAT, p->mmio_hole_bytes));
  g_ptr_array_add (a, g_strdup_printf ("guest=%s", guest_names[p->guest_type]));
  if (xenopsd)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_ptr_array_add (a, g_strdup_printf ("shadow_multiplier=%s", g_ascii_dtostr (buf, sizeof buf, p->shadow_multiplier)));
    }
  const struct { const char *name; XpTime ns; } ms[] = {
    { "create_ms", p->create_ns }, { "build_pre_ms", p->build_pre_ns }, { "placement_ms", p->placement_ns },
    { "device_model_ms", p->device_model_ns }, { "unpause_ms", p->unpause_ns }, { "destroy_ms", p->destroy_ns },
    { "free_mem_retry_ms", p->free_mem_retry_ns }, { "free_mem_timeout_ms", p->free_mem_timeout_ns },
  };
  for (guint i = 0; i < G_N_ELEMENTS (ms); i++)
    if (xenopsd || strncmp (ms[i].name, "free_mem_", 9) != 0)
      g_ptr_array_add (a, g_strdup_printf ("%s=%" G_GUINT64_FORMAT, ms[i].name, (guint64) (ms[i].ns / XP_NSEC_PER_MSEC)));
  return a;
}

/* ---- memory figures --------------------------------------------------------- */

/* xenopsd Memory.HVM shadow_mib (ocaml/xapi-idl/memory/memory.ml). */
guint64
xp_xenopsd_shadow_mib (guint vcpus, guint64 static_max_mib, double multiplier)
{
  double base = ceil ((256.0 * vcpus + 2.0 * (double) static_max_mib) / 256.0);
  guint64 mib = (guint64) (base * multiplier);
  return MAX (mib, 1);
}

/* xenopsd required_host_free_mib = target + overhead (HVM), in KiB. */
guint64
xp_xenopsd_required_host_free_kib (guint vcpus, guint64 target_mib, double multiplier)
{
  guint64 overhead = 1 /* extra internal */ + 1 /* extra external */
                     + xp_xenopsd_shadow_mib (vcpus, target_mib, multiplier)
                     + (38 * (guint64) vcpus + 255) / 256;   /* 38 pages per vCPU, in MiB */
  return (target_mib + overhead) * 1024;
}

/* libxl HVM/HAP default shadow_memkb: 4 KiB × (256 per vCPU + 1 per MiB of maxmem). */
guint64
xp_libxl_shadow_kib (guint vcpus, guint64 maxmem_mib)
{
  return 4 * (256 * (guint64) vcpus + maxmem_mib);
}

/* libxl__domain_need_memory_calculate for HVM, rounded up to 2 MiB. */
guint64
xp_libxl_need_memkb (guint vcpus, guint64 target_mib)
{
  guint64 kib = target_mib * 1024 + xp_libxl_shadow_kib (vcpus, target_mib) + 2048;
  return (kib + 2047) / 2048 * 2048;
}

/* ---- helpers -------------------------------------------------------------------- */

static void vm_step (XpEventQueue *q, gpointer a, gpointer b);

static XpTime now (XpToolstack *ts) { return xp_event_queue_now (ts->events); }

static void
schedule_step (XpToolstack *ts, VmRun *r, Step step, XpTime delay)
{
  r->step = step;
  xp_event_schedule (ts->events, now (ts) + delay, vm_step, ts, r);
}

/* Time to process @pages at @bytes_per_sec, rounded up to whole ns. */
static XpTime
pages_time (gint64 pages, guint64 bytes_per_sec)
{
  /* pages * 4096 * 1e9 overflows 64 bits above ~4.5 TB: use 128-bit */
  unsigned __int128 ns = (unsigned __int128) pages * XP_PAGE_SIZE * XP_NSEC_PER_SEC;
  return (XpTime) ((ns + bytes_per_sec - 1) / bytes_per_sec);
}

/* The builder's state, kept only while the VM's memory is populated. */
static XpMeminit *
meminit_of (VmRun *r)
{
  if (!r->meminit)
    r->meminit = g_new (XpMeminit, 1);
  return r->meminit;
}

static XpPages
guest_ram_pages (XpToolstack *ts, const XpVm *vm)
{
  guint64 mib = vm->memory_mib > ts->p.video_mib ? vm->memory_mib - ts->p.video_mib : 1;
  return XP_MIB_TO_PAGES (mib);
}

/* Every vCPU's hard or soft affinity to @cpus (not empty). */
static void
set_vcpus_affinity (XpToolstack *ts, VmRun *r, const XpCpumask *cpus, XpAffinityKind kind)
{
  for (guint v = 0; v < r->vm.vcpus; v++)
    {
      XpCpumask m = *cpus;
      int rc = kind == XP_AFFINITY_HARD ? ts->hv->ops->vcpu_setaffinity (ts->hv, r->vm.domid, v, &m, NULL)
                                        : ts->hv->ops->vcpu_setaffinity (ts->hv, r->vm.domid, v, NULL, &m);
      if (rc < 0)
        g_debug ("vm %s: vcpu %u affinity: %s", r->vm.name, v, g_strerror (-rc));
    }
}

/* The placement's affinity to the CPUs of @nodes, recorded as the VM's. */
static void
set_affinity (XpToolstack *ts, VmRun *r, XpNodemask nodes, XpAffinityKind kind)
{
  XpCpumask cpus;
  xp_topology_nodes_cpumask (ts->topo, nodes, &cpus);
  if (kind == XP_AFFINITY_NONE || nodes == 0 || xp_cpumask_empty (&cpus))
    return;
  set_vcpus_affinity (ts, r, &cpus, kind);
  r->vm.affinity_nodes = nodes;
  r->vm.affinity_kind = kind;
}

/* Build the host view a real toolstack reads at this moment: physinfo,
 * numainfo, and, for a policy that reads them (xp_policy_reads_domains():
 * libxl's placement, plugins), every domain's vCPU hard affinity and node
 * affinity. xenopsd's planner never reads them, and skipping one call per
 * vCPU of every domain on every placement is a good part of a long
 * replay's time. */
static void
build_view (XpToolstack *ts, XpHostView *view)
{
  guint n = ts->topo->n_nodes;
  XpPhysinfo pi;
  memset (view, 0, sizeof *view);
  view->topo = ts->topo;
  view->now = now (ts);
  if (ts->hv->ops->physinfo (ts->hv, &pi) == 0)
    {
      view->free_pages = pi.free_pages;
      view->outstanding_pages = pi.outstanding_pages;
    }
  guint got = n;
  if (ts->hv->ops->numainfo (ts->hv, &got, ts->meminfo, ts->distance) < 0)
    got = 0;
  for (guint i = 0; i < n; i++)
    {
      ts->node_free[i] = i < got ? ts->meminfo[i].memfree_bytes >> XP_PAGE_SHIFT : 0;
      ts->node_claimed[i] = i < got ? ts->meminfo[i].claimed_bytes >> XP_PAGE_SHIFT : 0;
    }
  view->node_free = ts->node_free;
  view->node_claimed = ts->node_claimed;
  if (!ts->view_domains)
    return;

  guint nd = ts->domids_cap;
  if (ts->hv->ops->domain_list (ts->hv, &nd, ts->domids) < 0)
    nd = 0;
  if (nd > ts->domids_cap)
    {
      /* the list grew past our buffer: make room and ask again */
      ts->domids_cap = nd * 2;
      ts->domids = g_renew (guint32, ts->domids, ts->domids_cap);
      nd = ts->domids_cap;
      if (ts->hv->ops->domain_list (ts->hv, &nd, ts->domids) < 0)
        nd = 0;
    }
  guint32 *domids = ts->domids;
  g_array_set_size (ts->domain_views, 0);
  g_array_set_size (ts->domain_masks, 0);
  for (guint i = 0; i < nd; i++)
    {
      XpDomainInfo info;
      if (ts->hv->ops->domain_getinfo (ts->hv, domids[i], &info) < 0 || info.dying)
        continue;
      XpDomainView dv = { .domid = domids[i], .n_vcpus = info.n_vcpus };
      if (ts->hv->ops->node_getaffinity (ts->hv, domids[i], &dv.node_affinity) < 0)
        dv.node_affinity = XP_NODEMASK_ALL;
      guint first = ts->domain_masks->len;
      g_array_set_size (ts->domain_masks, first + info.n_vcpus);
      for (guint v = 0; v < info.n_vcpus; v++)
        {
          XpCpumask *hard = &g_array_index (ts->domain_masks, XpCpumask, first + v);
          if (ts->hv->ops->vcpu_getaffinity (ts->hv, domids[i], v, hard, NULL) < 0)
            xp_cpumask_fill (hard, ts->topo->n_cpus);
        }
      /* masks array may move while growing: store the index, fix up below */
      dv.vcpu_hard = GUINT_TO_POINTER (first);
      g_array_append_val (ts->domain_views, dv);
    }
  for (guint i = 0; i < ts->domain_views->len; i++)
    {
      XpDomainView *dv = &g_array_index (ts->domain_views, XpDomainView, i);
      dv->vcpu_hard = &g_array_index (ts->domain_masks, XpCpumask, GPOINTER_TO_UINT (dv->vcpu_hard));
    }
  view->n_domains = ts->domain_views->len;
  view->domains = (const XpDomainView *) ts->domain_views->data;
}

/* ---- builder pool ------------------------------------------------------------- */

static void
begin_build (XpToolstack *ts, VmRun *r)
{
  ts->busy_builders++;
  r->holds_builder = TRUE;
  r->vm.state = XP_VM_BUILDING;
  r->vm.build_start = now (ts);
  schedule_step (ts, r, STEP_CREATE, 0);
}

static void
release_builder (XpToolstack *ts, VmRun *r)
{
  if (!r->holds_builder)
    return;
  r->holds_builder = FALSE;
  ts->busy_builders--;
  VmRun *next = g_queue_pop_head (&ts->pending);
  if (next)
    begin_build (ts, next);
}

static void
release_numa_mutex (XpToolstack *ts, VmRun *r)
{
  if (!r->holds_numa_mutex)
    return;
  r->holds_numa_mutex = FALSE;
  ts->numa_mutex_held = FALSE;
  VmRun *next = g_queue_pop_head (&ts->mutex_waiters);
  if (next)
    {
      /* hand the mutex over: nobody can take it in between */
      ts->numa_mutex_held = TRUE;
      next->holds_numa_mutex = TRUE;
      schedule_step (ts, next, STEP_PLACE, 0);
    }
}

static void
record_node_pages (XpToolstack *ts, VmRun *r)
{
  if (!r->vm.node_pages)
    r->vm.node_pages = g_new0 (XpPages, ts->topo->n_nodes);
  if (r->vm.domid && ts->hv->ops->domain_node_pages (ts->hv, r->vm.domid, ts->topo->n_nodes, r->vm.node_pages) < 0)
    memset (r->vm.node_pages, 0, ts->topo->n_nodes * sizeof (XpPages));
}

static void
destroy_domain (XpToolstack *ts, VmRun *r)
{
  if (r->vm.domid)
    {
      int rc = ts->hv->ops->domain_destroy (ts->hv, r->vm.domid);
      if (rc < 0)
        g_warning ("vm %s: destroying domain %u: %s", r->vm.name, r->vm.domid, g_strerror (-rc));
    }
}

static void
fail_build (XpToolstack *ts, VmRun *r, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
fail_build (XpToolstack *ts, VmRun *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  r->vm.failure = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (r->vm.domid)
    {
      record_node_pages (ts, r);
      ts->hv->ops->claim_pages (ts->hv, r->vm.domid, 0);
      destroy_domain (ts, r);
    }
  if (r->policy_consulted && ts->policy->vm_exit)
    ts->policy->vm_exit (ts->policy_state, r->vm.domid);
  r->vm.state = XP_VM_FAILED;
  r->vm.stop_time = now (ts);
  r->step = STEP_DONE;
  release_numa_mutex (ts, r);
  release_builder (ts, r);
  if (ts->hooks.vm_started)
    ts->hooks.vm_started (ts->hooks_data, &r->vm);
}

static void
finish_build (XpToolstack *ts, VmRun *r)
{
  r->vm.state = XP_VM_RUNNING;
  r->vm.running_time = now (ts);
  r->step = STEP_DONE;
  record_node_pages (ts, r);
  release_builder (ts, r);
  if (ts->hooks.vm_started)
    ts->hooks.vm_started (ts->hooks_data, &r->vm);
  if (r->vm.stop_requested)
    xp_toolstack_stop (ts, &r->vm);
}

/* ---- placement ---------------------------------------------------------------------- */

/* The user's hard affinity (cpus=, VCPUs_params:mask), if any, on every vCPU. */
static void
apply_user_affinity (XpToolstack *ts, VmRun *r)
{
  if (r->vm.hard_affinity)
    set_vcpus_affinity (ts, r, r->vm.hard_affinity, XP_AFFINITY_HARD);
}

static gboolean
any_single_node_fit (XpToolstack *ts, const XpHostView *view, XpPages pages)
{
  for (guint n = 0; n < ts->topo->n_nodes; n++)
    if (view->node_free[n] >= view->node_claimed[n] && view->node_free[n] - view->node_claimed[n] >= pages)
      return TRUE;
  return FALSE;
}

/* Why @d cannot be carried out on this host, or NULL when it can. */
static char *
invalid_decision (const XpToolstack *ts, const XpPlacement *d)
{
  guint n = ts->topo->n_nodes;
  XpNodemask host = xp_nodemask_first_n (n);
  if ((guint) d->affinity > XP_AFFINITY_HARD)
    return g_strdup_printf ("affinity %d is not an XpAffinityKind", (int) d->affinity);
  if ((guint) d->claim > XP_CLAIM_NODE)
    return g_strdup_printf ("claim %d is not an XpClaimKind", (int) d->claim);
  if (d->placed && d->nodes == 0)
    return g_strdup ("placed with an empty node mask (placed = FALSE says no plan)");
  if (d->placed && (d->nodes & ~host))
    {
      g_autofree char *m = xp_nodemask_format (d->nodes);
      return g_strdup_printf ("nodes %s, not all among the host's %u node%s", m, n, n == 1 ? "" : "s");
    }
  if (d->populate_node != XP_NO_NODE && d->populate_node >= n)
    return g_strdup_printf ("populate_node %u, not one of the host's %u node%s", d->populate_node, n, n == 1 ? "" : "s");
  return NULL;
}

static gboolean
ask_policy (XpToolstack *ts, VmRun *r, XpHostView *view, XpPlacement *out)
{
  /* the 2019 xenopsd asked for xen_max_mib (memory + 1 MiB), later ones
   * for the build claim (memory − video) */
  gboolean old = ts->p.kind == XP_TOOLSTACK_XENOPSD && ts->p.generation == XP_XENOPSD_OLD;
  XpVmRequest req = {
    .name = r->vm.name,
    .domid = r->vm.domid,
    .vcpus = r->vm.vcpus,
    .memory_kib = r->vm.memory_mib * 1024,
    .build_claim_kib = old ? (r->vm.memory_mib + 1) * 1024 : guest_ram_pages (ts, &r->vm) * 4,
    .footprint_kib = ts->p.kind == XP_TOOLSTACK_XL
                       ? xp_libxl_need_memkb (r->vm.vcpus, r->vm.memory_mib)
                       : xp_xenopsd_required_host_free_kib (r->vm.vcpus, r->vm.memory_mib, ts->p.shadow_multiplier),
    .hard_affinity = r->vm.hard_affinity,
  };
  xp_placement_init (out);
  g_autoptr (GError) error = NULL;
  if (!ts->policy->place (ts->policy_state, view, &req, out, &error))
    {
      /* an error of the policy itself, not a placement outcome: the run
       * stops (xp_toolstack_error) */
      if (!ts->error)
        ts->error = g_error_new (XP_ERROR, XP_ERROR_FAILED, "policy %s failed placing %s: %s", ts->policy->name,
                                 r->vm.name, error ? error->message : "no reason given");
      fail_build (ts, r, "policy %s failed", ts->policy->name);
      return FALSE;
    }
  r->policy_consulted = TRUE;
  g_autofree char *why = invalid_decision (ts, out);
  if (why)
    {
      /* a decision no toolstack could carry out (nodes this host does not
       * have, an empty plan, a value outside the ABI's enums) is an error
       * of the policy, like a FALSE return: the run stops naming it,
       * instead of going on with a guess that would pass for a result */
      if (!ts->error)
        ts->error = g_error_new (XP_ERROR, XP_ERROR_FAILED, "policy %s returned an invalid placement for %s: %s",
                                 ts->policy->name, r->vm.name, why);
      fail_build (ts, r, "policy %s returned an invalid placement", ts->policy->name);
      return FALSE;
    }
  r->vm.decision = *out;
  return TRUE;
}

/* xenopsd's handling of a host-wide claim's result: ENOMEM fails the
 * start, other errors (ENOSYS, EPERM...) are logged and ignored. */
static gboolean
host_claim_outcome (XpToolstack *ts, VmRun *r, int rc, XpPages pages)
{
  r->vm.claim_rc = rc;
  if (rc == 0)
    {
      r->vm.claim_made = XP_CLAIM_HOST;
      return TRUE;
    }
  if (rc == -ENOMEM)
    {
      fail_build (ts, r, "claim of %" G_GUINT64_FORMAT " pages: ENOMEM", pages);
      return FALSE;
    }
  return TRUE;
}

static gboolean
host_claim (XpToolstack *ts, VmRun *r, XpPages pages)
{
  return host_claim_outcome (ts, r, ts->hv->ops->claim_pages (ts->hv, r->vm.domid, pages), pages);
}

/* xenopsd Domain.numa_placement + build_pre's claim, per generation. Runs
 * with numa_mutex held. Returns FALSE when the build failed. */
static gboolean
xenopsd_place (XpToolstack *ts, VmRun *r, guint *populate_node)
{
  XpHostView view;
  XpPlacement d;
  guint n = ts->topo->n_nodes;
  XpPages pages = guest_ram_pages (ts, &r->vm);   /* ceil(build_claim bytes / 4096) */

  *populate_node = XP_NO_NODE;
  build_view (ts, &view);
  /* from Xen's real numbers, before any stale toolstack bookkeeping */
  r->vm.single_node_fit = any_single_node_fit (ts, &view, XP_MIB_TO_PAGES (r->vm.memory_mib));

  /* A user hard affinity (VCPUs_params:mask) skips NUMA placement and
   * claims altogether, whatever the policy (Domain.build_pre). */
  if (r->vm.hard_affinity)
    return TRUE;

  if (ts->p.generation == XP_XENOPSD_OLD)
    {
      /* numa_resources: per node min(current memfree, previous minimum);
       * the VM being placed is never subtracted and the minimum never
       * rises. Only builds that run the planner update it (not host
       * policy Any). */
      for (guint i = 0; i < n; i++)
        ts->old_view[i] = ts->numa_resources ? MIN (ts->node_free[i], ts->numa_resources[i]) : ts->node_free[i];
      memcpy (ts->node_free, ts->old_view, n * sizeof (XpPages));
      memset (ts->node_claimed, 0, n * sizeof (XpPages));
      if (!ask_policy (ts, r, &view, &d))
        return FALSE;
      if (!(!d.placed && d.claim == XP_CLAIM_NONE))
        {
          if (!ts->numa_resources)
            ts->numa_resources = g_new (XpPages, n);
          memcpy (ts->numa_resources, ts->old_view, n * sizeof (XpPages));
        }
      if (d.placed && d.nodes)
        set_affinity (ts, r, d.nodes, d.affinity == XP_AFFINITY_NONE ? XP_AFFINITY_SOFT : d.affinity);
      if (d.claim == XP_CLAIM_HOST && !host_claim (ts, r, pages))
        return FALSE;
      return TRUE;
    }

  if (!ask_policy (ts, r, &view, &d))
    return FALSE;
  if (!d.placed && d.claim == XP_CLAIM_NONE)
    return TRUE;   /* host policy Any: no claim at all */
  if (d.placed && d.claim == XP_CLAIM_NONE)
    {
      set_affinity (ts, r, d.nodes, d.affinity);
      return TRUE;
    }
  if (d.placed && xp_nodemask_weight (d.nodes) == 1 && d.claim != XP_CLAIM_HOST)
    {
      guint node = xp_nodemask_first (d.nodes);
      int rc = ts->hv->ops->claim_pages_node (ts->hv, r->vm.domid, node, pages);
      r->vm.claim_rc = rc;
      if (rc == 0)
        {
          r->vm.claim_made = XP_CLAIM_NODE;
          set_affinity (ts, r, d.nodes, d.affinity);
          *populate_node = node;
          return TRUE;
        }
      if (rc != -ENOMEM)
        set_affinity (ts, r, d.nodes, d.affinity);   /* e.g. ENOSYS: Xen without node claims */
    }
  else if (d.placed && d.claim == XP_CLAIM_HOST)
    set_affinity (ts, r, d.nodes, d.affinity);
  /* Multi-node plan, no plan, or the node claim failed: a host-wide claim
   * through the same xenctrlext call with no node. Without XenServer's Xen
   * patches that call fails with ENOSYS too, and xenopsd ignores it: on
   * upstream Xen xenopsd stakes no claim at all. */
  return host_claim_outcome (ts, r, ts->hv->ops->claim_pages_node (ts->hv, r->vm.domid, XP_NO_NODE, pages), pages);
}

/* libxl__build_pre when numa_place_domain() found no candidate: the node
 * map it filled with ones beforehand is applied anyway. Soft affinity goes
 * to the CPUs of those nodes (every CPU), then the map becomes the node
 * affinity. The map has ceil(nodes / 8) bytes (libxl_node_bitmap_alloc()
 * sized from physinfo), all bits set; Xen only goes back to automatic node
 * affinity for a map covering all 64 of its nodes, so on a smaller host the
 * domain keeps an explicit affinity to every node, and a later cpus= does
 * not narrow where its memory goes. Not recorded as the VM's affinity: it
 * is not a placement. */
static void
xl_unplaced_affinity (XpToolstack *ts, VmRun *r)
{
  XpNodemask map = xp_nodemask_first_n ((ts->topo->n_nodes + 7) / 8 * 8);
  XpCpumask cpus;
  xp_topology_nodes_cpumask (ts->topo, map, &cpus);
  if (!xp_cpumask_empty (&cpus))
    set_vcpus_affinity (ts, r, &cpus, XP_AFFINITY_SOFT);
  ts->hv->ops->node_setaffinity (ts->hv, r->vm.domid, map);
}

/* libxl numa_place_domain + libxl__build_pre's affinity calls. */
static gboolean
xl_place (XpToolstack *ts, VmRun *r)
{
  XpHostView view;
  XpPlacement d;
  build_view (ts, &view);
  r->vm.single_node_fit = any_single_node_fit (ts, &view, XP_MIB_TO_PAGES (r->vm.memory_mib));
  if (!ask_policy (ts, r, &view, &d))
    return FALSE;
  if (d.placed && d.nodes)
    {
      if (d.set_node_affinity)
        ts->hv->ops->node_setaffinity (ts->hv, r->vm.domid, d.nodes);
      set_affinity (ts, r, d.nodes, d.affinity == XP_AFFINITY_NONE ? XP_AFFINITY_SOFT : d.affinity);
    }
  else if (!d.placed && d.set_node_affinity)
    xl_unplaced_affinity (ts, r);
  /* the user's cpus= is applied per vCPU after placement */
  apply_user_affinity (ts, r);
  return TRUE;
}

/* ---- the step machine ---------------------------------------------------------------- */

static void
vm_step (XpEventQueue *q, gpointer a, gpointer b)
{
  XpToolstack *ts = a;
  VmRun *r = b;
  XpHv *hv = ts->hv;
  gboolean xl = ts->p.kind == XP_TOOLSTACK_XL;
  int rc;

  ts->actions++;
  switch (r->step)
    {
    case STEP_CREATE:
      rc = hv->ops->domain_create (hv, ts->p.guest_type, r->vm.vcpus, &r->vm.domid);
      if (rc < 0)
        {
          r->vm.domid = 0;
          fail_build (ts, r, "domain create: %s", g_strerror (-rc));
          return;
        }
      rc = hv->ops->max_vcpus (hv, r->vm.domid, r->vm.vcpus);
      if (rc < 0)
        {
          fail_build (ts, r, "max_vcpus: %s", g_strerror (-rc));
          return;
        }
      schedule_step (ts, r, xl ? STEP_PLACE : STEP_WAIT_FREE_MEM, ts->p.create_ns);
      return;

    case STEP_WAIT_FREE_MEM:
      {
        /* wait_xen_free_mem: host-wide, outside any lock */
        XpPhysinfo pi;
        guint64 need_kib = xp_xenopsd_required_host_free_kib (r->vm.vcpus, r->vm.memory_mib, ts->p.shadow_multiplier);
        rc = hv->ops->physinfo (hv, &pi);
        if (rc == 0 && pi.free_pages * 4 >= need_kib)
          {
            schedule_step (ts, r, STEP_BUILD_PRE, 0);
            return;
          }
        /* like upstream, the time waited is the number of delays so far
         * (not the time since the request: the create step before it
         * does not count) */
        if (rc < 0 || pi.scrub_pages == 0
            || (XpTime) r->free_mem_waits * ts->p.free_mem_retry_ns >= ts->p.free_mem_timeout_ns)
          {
            fail_build (ts, r, "Not_enough_memory: need %" G_GUINT64_FORMAT " KiB free, host has %" G_GUINT64_FORMAT " KiB",
                        need_kib, rc == 0 ? pi.free_pages * 4 : 0);
            return;
          }
        r->free_mem_waits++;
        schedule_step (ts, r, STEP_WAIT_FREE_MEM, ts->p.free_mem_retry_ns);
        return;
      }

    case STEP_BUILD_PRE:
      {
        /* xenopsd build_pre: maxmem, shadow allocation, user hard affinity */
        hv->ops->setmaxmem (hv, r->vm.domid, r->vm.memory_mib * 1024 + 1024);
        XpPages pool = xp_xenopsd_shadow_mib (r->vm.vcpus, r->vm.memory_mib, ts->p.shadow_multiplier) * XP_PAGES_PER_MIB;
        /* a PV guest has no paging pool (Xen 4.17 refuses the domctl with EOPNOTSUPP) */
        rc = ts->p.guest_type == XP_GUEST_PV ? 0 : hv->ops->set_paging_mempool (hv, r->vm.domid, pool);
        if (rc < 0)
          {
            fail_build (ts, r, "shadow allocation of %" G_GUINT64_FORMAT " pages: %s", pool, g_strerror (-rc));
            return;
          }
        apply_user_affinity (ts, r);
        schedule_step (ts, r, STEP_PLACE, ts->p.build_pre_ns);
        return;
      }

    case STEP_PLACE:
      if (xl)
        {
          if (!xl_place (ts, r))
            return;
          /* max_mem, then the paging pool is allocated before the claim */
          hv->ops->setmaxmem (hv, r->vm.domid, r->vm.memory_mib * 1024 + 1024);
          XpPages pool = xp_libxl_shadow_kib (r->vm.vcpus, r->vm.memory_mib) / 4;
          rc = ts->p.guest_type == XP_GUEST_PV ? 0 : hv->ops->set_paging_mempool (hv, r->vm.domid, pool);
          if (rc < 0)
            {
              fail_build (ts, r, "paging pool of %" G_GUINT64_FORMAT " pages: %s", pool, g_strerror (-rc));
              return;
            }
          xp_meminit_hvm_init (meminit_of (r), r->vm.domid, guest_ram_pages (ts, &r->vm), ts->p.mmio_hole_bytes,
                               r->vm.decision.populate_node, r->vm.decision.populate_exact);
          schedule_step (ts, r, STEP_CLAIM, ts->p.placement_ns + ts->p.build_pre_ns);
          return;
        }
      if (ts->numa_mutex_held && !r->holds_numa_mutex)
        {
          g_queue_push_tail (&ts->mutex_waiters, r);
          return;
        }
      ts->numa_mutex_held = TRUE;
      r->holds_numa_mutex = TRUE;
      {
        guint node;
        if (!xenopsd_place (ts, r, &node))
          return;
        xp_meminit_hvm_init (meminit_of (r), r->vm.domid, guest_ram_pages (ts, &r->vm), ts->p.mmio_hole_bytes,
                             node, ts->p.mem_pnode_exact);
      }
      /* the mutex is held for the planning time, then released */
      schedule_step (ts, r, STEP_POPULATE, ts->p.placement_ns);
      return;

    case STEP_CLAIM:
      {
        XpClaimKind kind = r->vm.decision.claim;
        XpPages pages = guest_ram_pages (ts, &r->vm) - XP_VGA_HOLE_PAGES;   /* target − vga hole */
        if (kind == XP_CLAIM_TOOLSTACK)
          kind = ts->p.claim_mode ? XP_CLAIM_HOST : XP_CLAIM_NONE;
        if (kind == XP_CLAIM_NODE && r->vm.decision.nodes)
          {
            rc = hv->ops->claim_pages_node (hv, r->vm.domid, xp_nodemask_first (r->vm.decision.nodes), pages);
            r->vm.claim_rc = rc;
            if (rc == 0)
              r->vm.claim_made = XP_CLAIM_NODE;
            else
              kind = XP_CLAIM_HOST;
          }
        if (kind == XP_CLAIM_HOST)
          {
            rc = hv->ops->claim_pages (hv, r->vm.domid, pages);
            r->vm.claim_rc = rc;
            if (rc < 0)
              {
                fail_build (ts, r, "claim of %" G_GUINT64_FORMAT " pages: %s", pages, g_strerror (-rc));
                return;
              }
            r->vm.claim_made = XP_CLAIM_HOST;
          }
        schedule_step (ts, r, STEP_POPULATE, 0);
        return;
      }

    case STEP_POPULATE:
      {
        release_numa_mutex (ts, r);
        gint64 dirty_before = hv->ops->dirty_pages_scrubbed ? hv->ops->dirty_pages_scrubbed (hv) : 0;
        gint64 done = xp_meminit_step (hv, r->meminit, ts->p.populate_chunk_pages);
        gint64 dirty = hv->ops->dirty_pages_scrubbed ? hv->ops->dirty_pages_scrubbed (hv) - dirty_before : 0;
        r->vm.extents_1g = r->meminit->extents_1g;
        r->vm.extents_2m = r->meminit->extents_2m;
        r->vm.pages_4k = r->meminit->pages_4k;
        if (done < 0)
          {
            fail_build (ts, r, "populate_physmap: out of memory after %" G_GUINT64_FORMAT " pages",
                        r->vm.pages_populated);
            return;
          }
        r->vm.pages_populated += (XpPages) done;
        /* time of this chunk: its pages at the populate rate, plus the
         * dirty pages Xen zeroed synchronously for it at the scrub rate */
        XpTime t = pages_time (done, ts->p.populate_bytes_per_sec) + pages_time (MAX (dirty, 0), ts->p.scrub_bytes_per_sec);
        r->vm.dirty_pages_scrubbed += (XpPages) MAX (dirty, 0);
        if (r->meminit->finished)
          {
            g_clear_pointer (&r->meminit, g_free);
            hv->ops->claim_pages (hv, r->vm.domid, 0);   /* meminit releases what is left */
            schedule_step (ts, r, STEP_DEVICE_MODEL, t);
          }
        else
          schedule_step (ts, r, STEP_POPULATE, MAX (t, 1));
        return;
      }

    case STEP_DEVICE_MODEL:
      {
        /* QEMU populates video RAM as 4 KiB pages, after the claim is gone */
        XpPages video = XP_MIB_TO_PAGES (MIN (ts->p.video_mib, r->vm.memory_mib));
        if (video)
          {
            gint64 done = hv->ops->populate_physmap (hv, r->vm.domid, video, XP_ORDER_4K, 0);
            if (done != (gint64) video)
              {
                fail_build (ts, r, "device model: video RAM: out of memory");
                return;
              }
            r->vm.pages_populated += video;
            r->vm.pages_4k += video;
          }
        schedule_step (ts, r, STEP_UNPAUSE, ts->p.device_model_ns);
        return;
      }

    case STEP_UNPAUSE:
      if (ts->hooks.vm_unpausing)
        ts->hooks.vm_unpausing (ts->hooks_data, &r->vm);
      rc = hv->ops->unpause (hv, r->vm.domid);
      if (rc < 0)
        {
          fail_build (ts, r, "unpause: %s", g_strerror (-rc));
          return;
        }
      schedule_step (ts, r, STEP_DONE, ts->p.unpause_ns);
      return;

    case STEP_DONE:
      finish_build (ts, r);
      return;
    }
}

/* ---- public API ---------------------------------------------------------------- */

XpToolstack *
xp_toolstack_new (const XpToolstackParams *params, XpHv *hv, XpEventQueue *events, const XpTopology *topo,
                  const XpPolicy *policy, gpointer policy_state, const XpToolstackHooks *hooks, gpointer hooks_data)
{
  XpToolstack *ts = g_new0 (XpToolstack, 1);
  ts->p = *params;
  ts->hv = hv;
  ts->events = events;
  ts->topo = topo;
  ts->policy = policy;
  ts->policy_state = policy_state;
  ts->view_domains = xp_policy_reads_domains (policy);
  if (hooks)
    ts->hooks = *hooks;
  ts->hooks_data = hooks_data;
  ts->vms = g_ptr_array_new ();
  g_queue_init (&ts->pending);
  g_queue_init (&ts->mutex_waiters);
  ts->node_free = g_new0 (XpPages, topo->n_nodes);
  ts->node_claimed = g_new0 (XpPages, topo->n_nodes);
  ts->old_view = g_new0 (XpPages, topo->n_nodes);
  ts->meminfo = g_new0 (XpNodeMeminfo, topo->n_nodes);
  ts->distance = g_new0 (guint, topo->n_nodes * topo->n_nodes);
  ts->domain_views = g_array_new (FALSE, FALSE, sizeof (XpDomainView));
  ts->domain_masks = g_array_new (FALSE, FALSE, sizeof (XpCpumask));
  ts->domids_cap = 256;
  ts->domids = g_new (guint32, ts->domids_cap);
  return ts;
}

void
xp_toolstack_free (XpToolstack *ts)
{
  if (!ts)
    return;
  for (guint i = 0; i < ts->vms->len; i++)
    {
      VmRun *r = ts->vms->pdata[i];
      g_free (r->vm.node_pages);
      g_free (r->vm.hard_affinity);
      g_free (r->vm.run_on_node);
      g_free (r->vm.failure);
      g_free (r->meminit);
      g_free (r);
    }
  g_ptr_array_free (ts->vms, TRUE);
  g_queue_clear (&ts->pending);
  g_queue_clear (&ts->mutex_waiters);
  g_free (ts->numa_resources);
  g_free (ts->node_free);
  g_free (ts->node_claimed);
  g_free (ts->old_view);
  if (ts->error)
    g_error_free (ts->error);
  g_free (ts->meminfo);
  g_free (ts->distance);
  g_array_free (ts->domain_views, TRUE);
  g_array_free (ts->domain_masks, TRUE);
  g_free (ts->domids);
  g_free (ts);
}

XpVm *
xp_toolstack_start (XpToolstack *ts, const char *name, guint vcpus, guint64 memory_mib,
                    const XpCpumask *hard_affinity, guint cpu_demand_ppm)
{
  VmRun *r = g_new0 (VmRun, 1);
  r->vm.index = ts->vms->len;
  r->vm.name = name;
  r->vm.vcpus = vcpus;
  r->vm.memory_mib = memory_mib;
  r->vm.cpu_demand_ppm = cpu_demand_ppm;
  if (hard_affinity)
    r->vm.hard_affinity = g_memdup2 (hard_affinity, sizeof *hard_affinity);
  r->vm.state = XP_VM_QUEUED;
  r->vm.submit_time = now (ts);
  r->vm.claim_made = XP_CLAIM_NONE;
  g_ptr_array_add (ts->vms, r);
  if (ts->busy_builders < ts->p.builders)
    begin_build (ts, r);
  else
    g_queue_push_tail (&ts->pending, r);
  return &r->vm;
}

void
xp_toolstack_stop (XpToolstack *ts, XpVm *vm)
{
  VmRun *r = (VmRun *) vm;
  ts->actions++;
  switch (vm->state)
    {
    case XP_VM_QUEUED:
      g_queue_remove (&ts->pending, r);
      vm->state = XP_VM_STOPPED;
      vm->stop_time = now (ts);
      vm->failure = g_strdup ("stopped before its build began");
      if (ts->hooks.vm_stopped)
        ts->hooks.vm_stopped (ts->hooks_data, vm);
      return;
    case XP_VM_BUILDING:
      vm->stop_requested = TRUE;
      return;
    case XP_VM_RUNNING:
      if (ts->hooks.vm_destroying)
        ts->hooks.vm_destroying (ts->hooks_data, vm);
      destroy_domain (ts, r);
      vm->state = XP_VM_STOPPED;
      vm->stop_time = now (ts);
      if (ts->policy->vm_exit)
        ts->policy->vm_exit (ts->policy_state, vm->domid);
      if (ts->hooks.vm_stopped)
        ts->hooks.vm_stopped (ts->hooks_data, vm);
      return;
    case XP_VM_FAILED:
    case XP_VM_STOPPED:
      return;
    }
}

void
xp_toolstack_restart (XpToolstack *ts)
{
  if (ts->policy->toolstack_restart)
    ts->policy->toolstack_restart (ts->policy_state);
  g_clear_pointer (&ts->numa_resources, g_free);
}

GPtrArray *
xp_toolstack_vms (XpToolstack *ts)
{
  return ts->vms;
}

guint
xp_toolstack_builds_in_flight (const XpToolstack *ts)
{
  return ts->busy_builders + g_queue_get_length ((GQueue *) &ts->pending);
}

guint64
xp_toolstack_actions (const XpToolstack *ts)
{
  return ts->actions;
}

const GError *
xp_toolstack_error (const XpToolstack *ts)
{
  return ts->error;
}

void
xp_toolstack_detach (XpToolstack *ts)
{
  ts->hv = NULL;
  ts->events = NULL;
  ts->policy_state = NULL;
}
