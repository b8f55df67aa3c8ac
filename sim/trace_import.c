/* xenplace — streaming importers of public VM traces. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "sim/error.h"
#include "sim/trace_import.h"
#include "sim/trace_private.h"
#include "sim/util.h"

#define NS_PER_DAY (G_GUINT64_CONSTANT (86400) * XP_NSEC_PER_SEC)

static const char *const format_names[] = {
  "azure-v1", "azure-v2", "azure-packing-2020", "alibaba-openb",
};

gboolean
xp_import_format_parse (const char *name, XpImportFormat *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_strcmp0 (name, format_names[i]) == 0)
      {
        *out = (XpImportFormat) i;
        return TRUE;
      }
  return FALSE;
}

const char *
xp_import_format_name (XpImportFormat format)
{
  return format < G_N_ELEMENTS (format_names) ? format_names[format] : "?";
}

const char *
xp_import_format_list (void)
{
  return "azure-v1, azure-v2, azure-packing-2020, alibaba-openb";
}

/* ---- pending stops: a binary min-heap on (time, seq) ------------------- */

typedef struct {
  XpTime time;
  guint64 seq;
  char *name;
} Stop;

static gboolean
stop_before (const Stop *a, const Stop *b)
{
  return a->time != b->time ? a->time < b->time : a->seq < b->seq;
}

static void
heap_push (GArray *h, Stop s)
{
  g_array_append_val (h, s);
  Stop *v = (Stop *) h->data;
  for (guint i = h->len - 1; i > 0;)
    {
      guint parent = (i - 1) / 2;
      if (!stop_before (&v[i], &v[parent]))
        break;
      Stop t = v[i];
      v[i] = v[parent];
      v[parent] = t;
      i = parent;
    }
}

static Stop
heap_pop (GArray *h)
{
  Stop *v = (Stop *) h->data;
  Stop top = v[0];
  v[0] = v[h->len - 1];
  g_array_set_size (h, h->len - 1);
  v = (Stop *) h->data;
  for (guint i = 0;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      if (l < h->len && stop_before (&v[l], &v[m]))
        m = l;
      if (r < h->len && stop_before (&v[r], &v[m]))
        m = r;
      if (m == i)
        break;
      Stop t = v[i];
      v[i] = v[m];
      v[m] = t;
      i = m;
    }
  return top;
}

/* ---- importer state ---------------------------------------------------- */

typedef struct {
  char *name;
  XpTime created;          /* ns of source time, may be negative */
  gboolean has_deleted;
  XpTime deleted;
  guint vcpus;
  guint64 memory_mib;
  guint demand_ppm;
  gboolean skip;           /* filtered out by the format's rules */
  guint created_col;
  const char *created_text;
  guint name_col;
} Record;

typedef struct {
  guint core_cpus;         /* vCPUs after scaling by the machine */
  guint64 memory_mib;
  gint64 machine_id;
} VmType;

typedef struct Importer Importer;
struct Importer {
  const XpImportOptions *opts;
  const char *path;
  guint line;
  /* header-based formats: column index per needed name, -1 absent */
  int col[16];
  const char *const *col_names;
  guint n_needed;
  guint n_cols;
  gboolean (*parse) (Importer *im, GPtrArray *f, Record *rec, GError **error);
  GHashTable *vmtypes;     /* vmTypeId string -> VmType* */
  GPtrArray *header;       /* column names of the header row */
  gboolean header_done;
};

static gboolean
ferr (Importer *im, guint col, const char *field, const char *expected, const char *got, GError **error)
{
  g_autofree char *shown = g_strescape (got ? got : "", NULL);
  g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u:%u: field '%s': expected %s, got '%s'",
               im->path, im->line, col, field, expected, shown);
  return FALSE;
}

/* Seconds or days (@unit_ns per unit), possibly fractional, possibly
 * negative, to signed ns. */
static gboolean
parse_time (const char *text, guint64 unit_ns, XpTime *out)
{
  guint64 v;
  gboolean neg;
  if (!xp_parse_decimal_scaled (text, unit_ns, 1, &v, &neg)
      || v > XP_TRACE_MAX_SECONDS * (guint64) XP_NSEC_PER_SEC)
    return FALSE;
  *out = neg ? -(XpTime) v : (XpTime) v;
  return TRUE;
}

/* A VM id the native trace reader takes back: not empty, UTF-8, no
 * control characters (sim/trace.c has the same rule for its "vm" field). */
static gboolean
check_name (Importer *im, guint col, const char *field, const char *name, GError **error)
{
  gboolean ok = *name && g_utf8_validate (name, -1, NULL);
  for (const char *p = name; ok && *p; p++)
    ok = (guchar) *p >= 0x20 && *p != 0x7f;
  return ok || ferr (im, col, field, "an id in UTF-8 without control characters", name, error);
}

/* ---- Azure Public Dataset V1 / V2 -------------------------------------- */

enum { AZ_VMID, AZ_SUB, AZ_DEPLOY, AZ_CREATED, AZ_DELETED, AZ_MAXCPU, AZ_AVGCPU, AZ_P95,
       AZ_CATEGORY, AZ_CORES, AZ_MEMORY, AZ_NCOLS };

static const char *const azure_cols[AZ_NCOLS] = {
  "vmid", "subscriptionid", "deploymentid", "vmcreated", "vmdeleted", "maxcpu", "avgcpu",
  "p95maxcpu", "vmcategory", "vmcorecountbucket", "vmmemorybucket",
};

/* A bucket: a number, or ">N" meaning "more than N" mapped to @over. An
 * @over the caller gave (@over_given) that is not more than N is refused
 * (*@floor_out = N, and FALSE with *@out untouched); the default @over is
 * raised to N + 1 instead. */
static gboolean
parse_bucket (const char *text, guint64 mult, guint64 over, gboolean over_given, guint64 *out, guint64 *floor_out)
{
  gboolean neg;
  *floor_out = G_MAXUINT64;
  if (text[0] == '>')
    {
      guint64 floor_v;
      if (!xp_parse_decimal_scaled (text + 1, mult, 1, &floor_v, &neg) || neg || floor_v == G_MAXUINT64)
        return FALSE;
      if (over_given && over <= floor_v)
        {
          *floor_out = floor_v;
          return FALSE;
        }
      *out = MAX (over, floor_v + 1);
      return TRUE;
    }
  return xp_parse_decimal_scaled (text, mult, 1, out, &neg) && !neg && *out > 0;
}

static gboolean
parse_azure (Importer *im, GPtrArray *f, Record *rec, GError **error)
{
  const char *const *t = (const char *const *) f->pdata;
  if (f->len != AZ_NCOLS)
    {
      guint col = MIN (f->len, AZ_NCOLS) + 1;
      g_autofree char *exp = g_strdup_printf ("%u columns (vmid, ..., vmmemorybucket), found %u (truncated line?)",
                                              AZ_NCOLS, f->len);
      return ferr (im, col, col <= AZ_NCOLS ? azure_cols[col - 1] : "(extra)", exp,
                   f->len ? t[f->len - 1] : "", error);
    }
  if (!check_name (im, AZ_VMID + 1, "vmid", t[AZ_VMID], error))
    return FALSE;
  rec->name = g_strdup (t[AZ_VMID]);
  rec->name_col = AZ_VMID + 1;
  rec->created_col = AZ_CREATED + 1;
  rec->created_text = t[AZ_CREATED];
  if (!parse_time (t[AZ_CREATED], XP_NSEC_PER_SEC, &rec->created))
    return ferr (im, AZ_CREATED + 1, "vmcreated", "a number of seconds", t[AZ_CREATED], error);
  if (*t[AZ_DELETED])
    {
      if (!parse_time (t[AZ_DELETED], XP_NSEC_PER_SEC, &rec->deleted))
        return ferr (im, AZ_DELETED + 1, "vmdeleted", "a number of seconds", t[AZ_DELETED], error);
      if (rec->deleted < rec->created)
        return ferr (im, AZ_DELETED + 1, "vmdeleted", "a time >= vmcreated", t[AZ_DELETED], error);
      rec->has_deleted = TRUE;
    }
  guint64 ppm;
  gboolean neg;
  /* avgcpu is a percentage of the VM's cores: 1 % = 10000 ppm. Float noise
   * slightly above 100 is clamped; anything above 101 is an error. */
  if (!xp_parse_decimal_scaled (t[AZ_AVGCPU], 10000, 1, &ppm, &neg) || neg || ppm > 1010000)
    return ferr (im, AZ_AVGCPU + 1, "avgcpu", "a CPU utilisation percentage from 0 to 100", t[AZ_AVGCPU], error);
  rec->demand_ppm = (guint) MIN (ppm, 1000000);
  guint64 cores, mem, floor_v;
  guint over_cores = im->opts->over_cores ? im->opts->over_cores : 32;
  guint64 over_mem = im->opts->over_memory_mib ? im->opts->over_memory_mib : 128 * 1024;
  if (!parse_bucket (t[AZ_CORES], 1, over_cores, im->opts->over_cores != 0, &cores, &floor_v)
      || cores > XP_TRACE_MAX_VCPUS)
    {
      if (floor_v != G_MAXUINT64)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "%s:%u:%u: field 'vmcorecountbucket': --over-cores %u is below the minimum of the '%s' bucket, %"
                       G_GUINT64_FORMAT " vCPUs", im->path, im->line, AZ_CORES + 1, over_cores, t[AZ_CORES],
                       floor_v + 1);
          return FALSE;
        }
      return ferr (im, AZ_CORES + 1, "vmcorecountbucket", "a core count like 2, 8 or >24", t[AZ_CORES], error);
    }
  /* Memory buckets are in GB, taken as GiB: 1 GB -> 1024 MiB. */
  if (!parse_bucket (t[AZ_MEMORY], 1024, over_mem, im->opts->over_memory_mib != 0, &mem, &floor_v)
      || mem > XP_TRACE_MAX_MEMORY_MIB)
    {
      if (floor_v != G_MAXUINT64)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                       "%s:%u:%u: field 'vmmemorybucket': --over-memory %" G_GUINT64_FORMAT " MiB is below the minimum "
                       "of the '%s' bucket, %" G_GUINT64_FORMAT " MiB (more than %s GiB)", im->path, im->line,
                       AZ_MEMORY + 1, over_mem, t[AZ_MEMORY], floor_v + 1, t[AZ_MEMORY] + 1);
          return FALSE;
        }
      return ferr (im, AZ_MEMORY + 1, "vmmemorybucket", "a memory size in GB like 2, 8 or >64", t[AZ_MEMORY], error);
    }
  rec->vcpus = (guint) cores;
  rec->memory_mib = mem;
  return TRUE;
}

/* ---- header-based formats ---------------------------------------------- */

/* Map the header row's names onto @im->col; names are matched case-blind. */
static gboolean
read_header (Importer *im, GPtrArray *f, const char *const *names, guint n_names, guint n_required,
             GError **error)
{
  im->col_names = names;
  im->n_needed = n_names;
  im->n_cols = f->len;
  if (!im->header)
    im->header = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_set_size (im->header, 0);
  for (guint c = 0; c < f->len; c++)
    g_ptr_array_add (im->header, g_strdup (g_ptr_array_index (f, c)));
  for (guint i = 0; i < n_names; i++)
    im->col[i] = -1;
  for (guint c = 0; c < f->len; c++)
    for (guint i = 0; i < n_names; i++)
      if (g_ascii_strcasecmp (g_ptr_array_index (f, c), names[i]) == 0)
        {
          if (im->col[i] >= 0)
            return ferr (im, c + 1, names[i], "each column once in the header", names[i], error);
          im->col[i] = (int) c;
        }
  for (guint i = 0; i < n_required; i++)
    if (im->col[i] < 0)
      {
        g_autofree char *exp = g_strdup_printf ("a header row with a '%s' column", names[i]);
        g_autoptr (GString) joined = g_string_new (NULL);
        for (guint c = 0; c < f->len; c++)
          g_string_append_printf (joined, "%s%s", c ? "," : "", (const char *) g_ptr_array_index (f, c));
        return ferr (im, 1, names[i], exp, joined->str, error);
      }
  return TRUE;
}

static gboolean
check_cols (Importer *im, GPtrArray *f, GError **error)
{
  if (f->len == im->n_cols)
    return TRUE;
  guint col = MIN (f->len, im->n_cols) + 1;
  const char *name = col <= im->header->len ? g_ptr_array_index (im->header, col - 1) : "(extra)";
  g_autofree char *exp = g_strdup_printf ("%u columns as in the header, found %u (truncated line?)", im->n_cols, f->len);
  return ferr (im, col, name, exp, f->len ? g_ptr_array_index (f, f->len - 1) : "", error);
}

static const char *
colv (Importer *im, GPtrArray *f, guint i)
{
  return im->col[i] >= 0 ? g_ptr_array_index (f, im->col[i]) : "";
}

/* Azure packing trace 2020, vm table: vmId, tenantId, vmTypeId, priority,
 * starttime, endtime (days). */
enum { PK_VMID, PK_TYPE, PK_START, PK_END, PK_TENANT, PK_PRIORITY, PK_N };
static const char *const packing_cols[PK_N] = { "vmId", "vmTypeId", "starttime", "endtime", "tenantId", "priority" };

static gboolean
parse_packing (Importer *im, GPtrArray *f, Record *rec, GError **error)
{
  if (!im->header_done)
    {
      im->header_done = TRUE;
      rec->skip = TRUE;
      return read_header (im, f, packing_cols, PK_N, 4, error);
    }
  if (!check_cols (im, f, error))
    return FALSE;
  const char *id = colv (im, f, PK_VMID), *type = colv (im, f, PK_TYPE);
  const char *st = colv (im, f, PK_START), *en = colv (im, f, PK_END);
  if (!check_name (im, im->col[PK_VMID] + 1, "vmId", id, error))
    return FALSE;
  rec->name = g_strdup (id);
  rec->name_col = im->col[PK_VMID] + 1;
  rec->created_col = im->col[PK_START] + 1;
  rec->created_text = st;
  if (!parse_time (st, NS_PER_DAY, &rec->created))
    return ferr (im, im->col[PK_START] + 1, "starttime", "a number of days", st, error);
  if (*en && g_ascii_strcasecmp (en, "null") != 0)
    {
      if (!parse_time (en, NS_PER_DAY, &rec->deleted))
        return ferr (im, im->col[PK_END] + 1, "endtime", "a number of days or empty", en, error);
      if (rec->deleted < rec->created)
        return ferr (im, im->col[PK_END] + 1, "endtime", "a time >= starttime", en, error);
      rec->has_deleted = TRUE;
    }
  const VmType *vt = g_hash_table_lookup (im->vmtypes, type);
  if (!vt)
    return ferr (im, im->col[PK_TYPE] + 1, "vmTypeId", "a vmTypeId listed in the vmType table (for the chosen machine)",
                 type, error);
  rec->vcpus = vt->core_cpus;
  rec->memory_mib = vt->memory_mib;
  rec->demand_ppm = 1000000;
  return TRUE;
}

/* vmType table: vmTypeId, machineId, core, memory (fractions of a machine). */
enum { VT_TYPE, VT_MACHINE, VT_CORE, VT_MEMORY, VT_N };
static const char *const vmtype_cols[VT_N] = { "vmTypeId", "machineId", "core", "memory" };

static gboolean
load_vmtypes (Importer *im, GError **error)
{
  const XpImportOptions *o = im->opts;
  if (!o->vmtypes_path || !o->machine_cpus || !o->machine_memory_mib)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "azure-packing-2020 needs the vmType table (--vmtypes FILE) and the machine size "
                   "(--machine-cpus N --machine-memory SIZE)");
      return FALSE;
    }
  FILE *fp = fopen (o->vmtypes_path, "r");
  if (!fp)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot read: %s", o->vmtypes_path, g_strerror (errno));
      return FALSE;
    }
  Importer sub = { .opts = o, .path = o->vmtypes_path };
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GPtrArray) f = g_ptr_array_new_with_free_func (g_free);
  gboolean nl, ok = TRUE, header = FALSE;
  while (ok && xp_read_line (fp, line, &nl))
    {
      sub.line++;
      if (!line->len)
        continue;
      g_ptr_array_set_size (f, 0);
      guint bad;
      const char *why;
      if (!xp_csv_split (line->str, f, &bad, &why))
        {
          ok = ferr (&sub, bad, "?", why, line->str, error);
          break;
        }
      if (!header)
        {
          ok = read_header (&sub, f, vmtype_cols, VT_N, VT_N, error);
          header = TRUE;
          continue;
        }
      if (!(ok = check_cols (&sub, f, error)))
        break;
      const char *type = colv (&sub, f, VT_TYPE), *mach = colv (&sub, f, VT_MACHINE);
      const char *core = colv (&sub, f, VT_CORE), *mem = colv (&sub, f, VT_MEMORY);
      guint64 mid, cpus, mib, frac_ppm;
      gboolean neg;
      if (!*type)
        ok = ferr (&sub, sub.col[VT_TYPE] + 1, "vmTypeId", "a type id", type, error);
      else if (!xp_parse_fixed (mach, 0, &mid))
        ok = ferr (&sub, sub.col[VT_MACHINE] + 1, "machineId", "an integer", mach, error);
      /* Fractions of the machine, rounded to the nearest whole vCPU / MiB. */
      else if (!xp_parse_decimal_scaled (core, o->machine_cpus, 1, &cpus, &neg) || neg
               || !xp_parse_decimal_scaled (core, 1000000, 1, &frac_ppm, &neg) || neg
               || frac_ppm > 1000000 || cpus > XP_TRACE_MAX_VCPUS)
        ok = ferr (&sub, sub.col[VT_CORE] + 1, "core", "a fraction of the machine's cores from 0 to 1", core, error);
      else if (!xp_parse_decimal_scaled (mem, o->machine_memory_mib, 1, &mib, &neg) || neg
               || !xp_parse_decimal_scaled (mem, 1000000, 1, &frac_ppm, &neg) || frac_ppm > 1000000
               || mib > XP_TRACE_MAX_MEMORY_MIB)
        ok = ferr (&sub, sub.col[VT_MEMORY] + 1, "memory", "a fraction of the machine's memory from 0 to 1", mem,
                   error);
      if (!ok)
        break;
      if (o->machine_id >= 0 && (gint64) mid != o->machine_id)
        continue;
      VmType *old = g_hash_table_lookup (im->vmtypes, type);
      if (old && old->machine_id <= (gint64) mid)
        continue;   /* keep the lowest machineId per type */
      VmType *vt = g_new (VmType, 1);
      vt->core_cpus = (guint) MAX (cpus, 1);
      vt->memory_mib = MAX (mib, 1);
      vt->machine_id = (gint64) mid;
      g_hash_table_replace (im->vmtypes, g_strdup (type), vt);
    }
  fclose (fp);
  if (sub.header)
    g_ptr_array_free (sub.header, TRUE);
  if (ok && !header)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:1:1: expected a header row (vmTypeId,machineId,core,memory,...), got an empty file",
                   o->vmtypes_path);
      ok = FALSE;
    }
  if (ok && g_hash_table_size (im->vmtypes) == 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: no vmType rows%s", o->vmtypes_path,
                   o->machine_id >= 0 ? " for the chosen --machine-id" : "");
      ok = FALSE;
    }
  return ok;
}

/* Alibaba openb pod list: name, cpu_milli, memory_mib, num_gpu, gpu_milli,
 * gpu_spec, qos, pod_phase, creation_time, deletion_time, scheduled_time. */
enum { AB_NAME, AB_CPU, AB_MEM, AB_CREATED, AB_DELETED, AB_PHASE, AB_SCHED, AB_N };
static const char *const openb_cols[AB_N] = {
  "name", "cpu_milli", "memory_mib", "creation_time", "deletion_time", "pod_phase", "scheduled_time",
};

static gboolean
parse_openb (Importer *im, GPtrArray *f, Record *rec, GError **error)
{
  if (!im->header_done)
    {
      im->header_done = TRUE;
      rec->skip = TRUE;
      return read_header (im, f, openb_cols, AB_N, 5, error);
    }
  if (!check_cols (im, f, error))
    return FALSE;
  const char *name = colv (im, f, AB_NAME), *cpu = colv (im, f, AB_CPU), *mem = colv (im, f, AB_MEM);
  const char *cr = colv (im, f, AB_CREATED), *de = colv (im, f, AB_DELETED);
  const char *phase = colv (im, f, AB_PHASE), *sched = colv (im, f, AB_SCHED);
  if (!check_name (im, im->col[AB_NAME] + 1, "name", name, error))
    return FALSE;
  rec->name = g_strdup (name);
  rec->name_col = im->col[AB_NAME] + 1;
  rec->created_col = im->col[AB_CREATED] + 1;
  rec->created_text = cr;
  guint64 milli, mib;
  if (!xp_parse_fixed (cpu, 0, &milli) || milli == 0 || milli > (guint64) XP_TRACE_MAX_VCPUS * 1000)
    return ferr (im, im->col[AB_CPU] + 1, "cpu_milli", "an integer number of milli-CPUs from 1 to 1024000", cpu, error);
  if (!xp_parse_fixed (mem, 0, &mib) || mib > XP_TRACE_MAX_MEMORY_MIB)
    return ferr (im, im->col[AB_MEM] + 1, "memory_mib", "an integer number of MiB", mem, error);
  if (!parse_time (cr, XP_NSEC_PER_SEC, &rec->created))
    return ferr (im, im->col[AB_CREATED] + 1, "creation_time", "a number of seconds", cr, error);
  if (*de)
    {
      if (!parse_time (de, XP_NSEC_PER_SEC, &rec->deleted))
        return ferr (im, im->col[AB_DELETED] + 1, "deletion_time", "a number of seconds or empty", de, error);
      if (rec->deleted < rec->created)
        return ferr (im, im->col[AB_DELETED] + 1, "deletion_time", "a time >= creation_time", de, error);
      rec->has_deleted = TRUE;
    }
  /* vCPUs = milli-CPUs rounded up to whole CPUs (a 500m pod gets one vCPU);
   * a pod asking for no memory gets 1 MiB so that it is a valid VM. */
  rec->vcpus = (guint) ((milli + 999) / 1000);
  rec->memory_mib = MAX (mib, 1);
  rec->demand_ppm = 1000000;
  /* Pods the cluster never scheduled did not run anywhere: leave them out. */
  if (g_ascii_strcasecmp (phase, "Pending") == 0 || (im->col[AB_SCHED] >= 0 && !*sched))
    rec->skip = TRUE;
  return TRUE;
}

/* ---- driver ------------------------------------------------------------ */

typedef struct {
  FILE *out;
  GString *buf;
  XpImportReport *rep;
} Writer;

static gboolean
write_row (Writer *w, const XpTraceEvent *ev)
{
  g_string_truncate (w->buf, 0);
  xp_trace_append_csv_row (w->buf, ev);
  if (ev->type == XP_TRACE_START)
    w->rep->starts++;
  else
    w->rep->stops++;
  return fwrite (w->buf->str, 1, w->buf->len, w->out) == w->buf->len;
}

/* Write every pending stop at or before @until. */
static gboolean
flush_stops (Writer *w, GArray *heap, GHashTable *live, XpTime until)
{
  while (heap->len && g_array_index (heap, Stop, 0).time <= until)
    {
      Stop s = heap_pop (heap);
      XpTraceEvent ev = { .time = s.time, .type = XP_TRACE_STOP, .vm = s.name, .cpu_demand_ppm = 1000000 };
      gboolean ok = write_row (w, &ev);
      g_hash_table_remove (live, s.name);
      g_free (s.name);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

gboolean
xp_trace_import (const XpImportOptions *opts, const char *in_path, const char *out_path,
                 XpImportReport *report, GError **error)
{
  XpImportReport local_rep = { 0 };
  XpImportReport *rep = report ? report : &local_rep;
  memset (rep, 0, sizeof *rep);
  Importer im = { .opts = opts, .path = in_path };
  switch (opts->format)
    {
    case XP_IMPORT_AZURE_V1:
    case XP_IMPORT_AZURE_V2:
      im.parse = parse_azure;
      break;
    case XP_IMPORT_AZURE_PACKING_2020:
      im.parse = parse_packing;
      break;
    case XP_IMPORT_ALIBABA_OPENB:
      im.parse = parse_openb;
      break;
    default:
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "unknown import format");
      return FALSE;
    }
  if (opts->has_start && opts->has_end && opts->end <= opts->start)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "import window: expected --end after --start");
      return FALSE;
    }
  g_autoptr (GHashTable) vmtypes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  im.vmtypes = vmtypes;
  if (opts->format == XP_IMPORT_AZURE_PACKING_2020 && !load_vmtypes (&im, error))
    return FALSE;

  gboolean use_stdin = strcmp (in_path, "-") == 0;
  if (use_stdin)
    im.path = in_path = "<stdin>";
  FILE *in = use_stdin ? stdin : fopen (in_path, "r");
  if (!in)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot read: %s", in_path, g_strerror (errno));
      return FALSE;
    }
  XpAtomicFile *af = xp_atomic_file_open (out_path, error);
  if (!af)
    {
      if (!use_stdin)
        fclose (in);
      return FALSE;
    }
  FILE *out = xp_atomic_file_stream (af);

  XpTime start = opts->has_start ? opts->start : 0;
  g_autoptr (GString) buf = g_string_new (NULL);
  Writer w = { out, buf, rep };
  xp_trace_append_csv_header (buf);
  gboolean ok = fwrite (buf->str, 1, buf->len, out) == buf->len;

  g_autoptr (GArray) heap = g_array_new (FALSE, FALSE, sizeof (Stop));
  g_autoptr (GHashTable) live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *prev_created = NULL;
  XpTime last_created = G_MININT64;
  guint64 seq = 0;
  gboolean nl;
  while (ok && xp_read_line (in, line, &nl))
    {
      im.line++;
      rep->lines++;
      if (im.line == 1 && line->len >= 3 && memcmp (line->str, "\xEF\xBB\xBF", 3) == 0)
        g_string_erase (line, 0, 3);   /* a UTF-8 byte order mark */
      if (!line->len)
        continue;
      g_ptr_array_set_size (fields, 0);
      guint bad;
      const char *why;
      if (!xp_csv_split (line->str, fields, &bad, &why))
        {
          ok = ferr (&im, bad, "?", why, line->str, error);
          break;
        }
      Record rec = { 0 };
      /* Azure V1/V2 files have no header; tolerate one that someone added. */
      if (im.parse == parse_azure && im.line == 1 && fields->len > AZ_CREATED
          && g_ascii_strcasecmp (g_ptr_array_index (fields, AZ_CREATED), "vmcreated") == 0)
        continue;
      ok = im.parse (&im, fields, &rec, error);
      if (ok && !rec.skip)
        {
          if (rec.created < last_created)
            {
              g_autofree char *exp = g_strdup_printf (
                "creation times in nondecreasing order (previous row: '%s'; sort the input by this column first)",
                prev_created);
              ok = ferr (&im, rec.created_col, rec.created_col ? "creation time" : "?", exp, rec.created_text, error);
            }
          else
            {
              last_created = rec.created;
              g_free (prev_created);
              prev_created = g_strdup (rec.created_text);
            }
        }
      if (!ok || rec.skip)
        {
          if (ok && im.header_done && rec.name)
            rep->skipped_filtered++;
          g_free (rec.name);
          continue;
        }
      if (rec.created < start)
        {
          if (opts->include_running && (!rec.has_deleted || rec.deleted > start))
            {
              rec.created = start;
              rep->clamped++;
            }
          else
            {
              rep->skipped_before++;
              g_free (rec.name);
              continue;
            }
        }
      if (opts->has_end && rec.created >= opts->end)
        {
          g_free (rec.name);
          break;   /* sorted input: nothing later can be in the window */
        }
      /* Write the stops due by now first: they take their ids out of
       * @live, so that an id whose VM has already stopped can be used
       * again (the check below is about VMs still running). */
      XpTime at = rec.created - start;
      ok = flush_stops (&w, heap, live, at);
      if (ok && g_hash_table_contains (live, rec.name))
        {
          ok = ferr (&im, rec.name_col, "vm id", "an id not already running (ids must be unique among live VMs)", rec.name, error);
          g_free (rec.name);
          break;
        }
      XpTraceEvent ev = { .time = at, .type = XP_TRACE_START, .vm = rec.name, .vcpus = rec.vcpus,
                          .memory_mib = rec.memory_mib, .cpu_demand_ppm = rec.demand_ppm, .line = im.line };
      ok = ok && write_row (&w, &ev);
      /* Every started id stays in @live until its stop is written; one
       * that never stops stays for good (it runs to the end). */
      if (ok)
        g_hash_table_add (live, g_strdup (rec.name));
      if (ok && rec.has_deleted && (!opts->has_end || rec.deleted < opts->end))
        {
          Stop s = { rec.deleted - start, seq++, rec.name };
          heap_push (heap, s);
          rec.name = NULL;
          rep->peak_pending = MAX (rep->peak_pending, heap->len);
        }
      else if (ok)
        rep->running_at_end++;
      g_free (rec.name);
      if (opts->limit && rep->starts >= opts->limit)
        break;
    }
  if (ok && ferror (in))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s:%u: read error: %s", in_path, im.line, g_strerror (errno));
      ok = FALSE;
    }
  if (!use_stdin)
    fclose (in);
  if (im.header)
    g_ptr_array_free (im.header, TRUE);
  if (ok)
    ok = flush_stops (&w, heap, live, XP_TIME_NEVER);
  while (heap->len)
    g_free (heap_pop (heap).name);
  if (ok && rep->starts == 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: no VM in the input%s", in_path,
                   opts->has_start || opts->has_end ? " within the --start/--end window" : "");
      ok = FALSE;
    }
  if (!ok)
    /* a failed fwrite() stops the import without an error of its own */
    return xp_atomic_file_fail (af, errno, error);
  return xp_atomic_file_commit (af, error);
}
