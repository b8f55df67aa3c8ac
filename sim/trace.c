/* xenplace — the native trace format: strict CSV / JSON Lines parser and
 * the CSV writer. See sim/trace.h for the format. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "sim/error.h"
#include "sim/trace.h"
#include "sim/trace_private.h"
#include "sim/util.h"

/* ---- low-level helpers ------------------------------------------------- */

gboolean
xp_csv_split (const char *line, GPtrArray *fields, guint *err_field, const char **why)
{
  const char *p = line;
  guint n = 0;
  GString *cur = g_string_new (NULL);
  for (;;)
    {
      n++;
      g_string_truncate (cur, 0);
      if (*p == '"')
        {
          p++;
          for (;;)
            {
              if (!*p)
                {
                  *err_field = n;
                  *why = "a closing quote (unbalanced quote)";
                  g_string_free (cur, TRUE);
                  return FALSE;
                }
              if (*p == '"')
                {
                  if (p[1] == '"')
                    {
                      g_string_append_c (cur, '"');
                      p += 2;
                      continue;
                    }
                  p++;
                  break;
                }
              g_string_append_c (cur, *p++);
            }
          if (*p && *p != ',')
            {
              *err_field = n;
              *why = "',' or end of line after a closing quote";
              g_string_free (cur, TRUE);
              return FALSE;
            }
        }
      else
        {
          while (*p && *p != ',')
            {
              if (*p == '"')
                {
                  *err_field = n;
                  *why = "no quote inside an unquoted field";
                  g_string_free (cur, TRUE);
                  return FALSE;
                }
              g_string_append_c (cur, *p++);
            }
        }
      g_ptr_array_add (fields, g_strdup (cur->str));
      if (!*p)
        break;
      p++;   /* the comma */
    }
  g_string_free (cur, TRUE);
  return TRUE;
}

void
xp_csv_append_field (GString *out, const char *text)
{
  if (!text)
    return;
  gboolean quote = *text && (strpbrk (text, ",\"\r\n") || g_ascii_isspace (text[0])
                             || g_ascii_isspace (text[strlen (text) - 1]));
  if (!quote)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

gboolean
xp_parse_fixed (const char *text, guint scale, guint64 *out)
{
  const char *p = text;
  if (!p || !g_ascii_isdigit (*p))
    return FALSE;
  guint64 v = 0;
  for (; g_ascii_isdigit (*p); p++)
    {
      if (v > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      v = v * 10 + (guint64) (*p - '0');
    }
  guint frac = 0;
  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      for (; g_ascii_isdigit (*p); p++)
        {
          if (frac < scale)
            {
              if (v > (G_MAXUINT64 - 9) / 10)
                return FALSE;
              v = v * 10 + (guint64) (*p - '0');
              frac++;
            }
          else if (*p != '0')
            return FALSE;
        }
    }
  if (*p)
    return FALSE;
  for (; frac < scale; frac++)
    {
      if (v > G_MAXUINT64 / 10)
        return FALSE;
      v *= 10;
    }
  *out = v;
  return TRUE;
}

gboolean
xp_parse_decimal_scaled (const char *text, guint64 mult, guint64 div, guint64 *out, gboolean *negative)
{
  const char *p = text;
  gboolean neg = FALSE;
  if (!p || !div)
    return FALSE;
  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  /* Collect up to 36 significant digits as an integer mantissa and a
   * decimal exponent; further digits only shift the exponent (truncated). */
  unsigned __int128 mant = 0;
  int exp10 = 0, digits = 0, sig = 0;
  for (; g_ascii_isdigit (*p); p++, digits++)
    {
      if (sig < 36)
        {
          mant = mant * 10 + (unsigned) (*p - '0');
          if (mant)
            sig++;
        }
      else
        exp10++;
    }
  if (*p == '.')
    {
      p++;
      for (; g_ascii_isdigit (*p); p++, digits++)
        if (sig < 36)
          {
            mant = mant * 10 + (unsigned) (*p - '0');
            if (mant)
              sig++;
            exp10--;
          }
    }
  if (!digits)
    return FALSE;
  if (*p == 'e' || *p == 'E')
    {
      p++;
      gboolean eneg = FALSE;
      if (*p == '-' || *p == '+')
        eneg = *p++ == '-';
      if (!g_ascii_isdigit (*p))
        return FALSE;
      int e = 0;
      for (; g_ascii_isdigit (*p); p++)
        {
          if (e > 10000)
            return FALSE;
          e = e * 10 + (*p - '0');
        }
      exp10 += eneg ? -e : e;
    }
  if (*p)
    return FALSE;
  /* value * mult / div = mant * mult * 10^exp10 / div, computed in 128 bits. */
  const unsigned __int128 limit = (unsigned __int128) 1 << 100;
  unsigned __int128 num = mant, den = div;
  if (num && mult > limit / num)
    return FALSE;
  num *= mult;
  for (; exp10 > 0; exp10--)
    {
      if (num > limit / 10)
        return FALSE;
      num *= 10;
    }
  for (; exp10 < 0; exp10++)
    {
      if (den > limit / 10)
        {
          num /= 10;   /* vanishing digits: keep the denominator bounded */
          continue;
        }
      den *= 10;
    }
  unsigned __int128 q = (num + den / 2) / den;
  if (q > (unsigned __int128) G_MAXINT64)
    return FALSE;
  *out = (guint64) q;
  if (negative)
    *negative = neg && q;
  else if (neg && q)
    return FALSE;
  return TRUE;
}

gboolean
xp_read_line (FILE *f, GString *line, gboolean *had_newline)
{
  g_string_truncate (line, 0);
  int c;
  gboolean any = FALSE;
  *had_newline = FALSE;
  while ((c = getc (f)) != EOF)
    {
      any = TRUE;
      if (c == '\n')
        {
          *had_newline = TRUE;
          break;
        }
      g_string_append_c (line, (char) c);
    }
  if (line->len && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return any;
}

gboolean
xp_parse_seconds (const char *text, XpTime *out)
{
  guint64 ns;
  if (!xp_parse_fixed (text, 9, &ns) || ns > XP_TRACE_MAX_SECONDS * (guint64) XP_NSEC_PER_SEC)
    return FALSE;
  *out = (XpTime) ns;
  return TRUE;
}

char *
xp_trace_format_seconds (XpTime t)
{
  guint64 s = (guint64) t / XP_NSEC_PER_SEC, ns = (guint64) t % XP_NSEC_PER_SEC;
  if (!ns)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, s);
  char frac[16];
  g_snprintf (frac, sizeof frac, "%09" G_GUINT64_FORMAT, ns);
  for (int i = 8; i > 0 && frac[i] == '0'; i--)
    frac[i] = '\0';
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%s", s, frac);
}

/* ---- rows -------------------------------------------------------------- */

typedef enum {
  F_TIME, F_EVENT, F_VM, F_VCPUS, F_MEMORY, F_AFFINITY, F_DEMAND, F_LIFETIME, N_FIELDS
} Field;

static const char *const field_names[N_FIELDS] = {
  "time", "event", "vm", "vcpus", "memory_mib", "hard_affinity", "cpu_demand", "lifetime",
};

#define KNOWN_FIELDS "time, event, vm, vcpus, memory_mib, hard_affinity, cpu_demand, lifetime"

/* One input row as text, with where each field was found. */
typedef struct {
  const char *text[N_FIELDS];   /* NULL = absent */
  guint col[N_FIELDS];          /* column (CSV) or byte offset (JSONL) */
  guint line;
} Row;

/* Per parsed event: where its vm and lifetime were, for later messages. */
typedef struct {
  guint vm_col, lifetime_col;
} Where;

/* Sort key at equal times: stops generated from lifetimes come first (a
 * name may be reused by a start at the very instant its lifetime ends),
 * ordered by their start's time and row; then the file's rows in file order.
 * This order survives a write and reload (the writer emits rows sorted).
 * Sorting keys (not 190-byte events) and permuting the events in place
 * keeps a multi-million-event load to one copy of the events. */
typedef struct {
  XpTime time;
  XpTime start_time;  /* lifetime stops: their start's time */
  guint32 klass;      /* 0 = lifetime stop, 1 = row */
  guint32 index;      /* row index (of the start, for a lifetime stop), also into Where */
  guint32 pos;        /* position in the events array before sorting */
} SortKey;

static gboolean
field_error (GError **error, const char *path, guint line, guint col, Field f,
             const char *expected, const char *got)
{
  g_autofree char *shown = g_strescape (got ? got : "", NULL);
  g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u:%u: field '%s': expected %s, got '%s'",
               path, line, col, field_names[f], expected, shown);
  return FALSE;
}

static Field
field_lookup (const char *name)
{
  for (guint f = 0; f < N_FIELDS; f++)
    if (strcmp (name, field_names[f]) == 0)
      return (Field) f;
  return N_FIELDS;
}

static inline gboolean
present (const Row *r, Field f)
{
  return r->text[f] && *r->text[f];
}

/* Turn a row into an event; the checks that need no other row. */
static gboolean
row_to_event (const Row *r, const char *path, XpTrace *trace, XpTraceEvent *ev, GError **error)
{
  memset (ev, 0, sizeof *ev);
  ev->line = r->line;
  ev->cpu_demand_ppm = 1000000;
#define FAIL(f, exp) return field_error (error, path, r->line, r->col[f], f, exp, r->text[f])
  if (!present (r, F_TIME) || !xp_parse_seconds (r->text[F_TIME], &ev->time))
    FAIL (F_TIME, "a decimal number of seconds >= 0 (e.g. 0.25, at most 9 decimals, no exponent)");
  const char *event = r->text[F_EVENT] ? r->text[F_EVENT] : "";
  if (strcmp (event, "start") == 0)
    ev->type = XP_TRACE_START;
  else if (strcmp (event, "stop") == 0)
    ev->type = XP_TRACE_STOP;
  else if (strcmp (event, "toolstack_restart") == 0)
    ev->type = XP_TRACE_TOOLSTACK_RESTART;
  else
    FAIL (F_EVENT, "start, stop or toolstack_restart");

  if (ev->type == XP_TRACE_TOOLSTACK_RESTART)
    {
      for (Field f = F_VM; f < N_FIELDS; f++)
        if (present (r, f))
          FAIL (f, "an empty value for a toolstack_restart event");
      return TRUE;
    }

  const char *vm = r->text[F_VM] ? r->text[F_VM] : "";
  if (!*vm)
    FAIL (F_VM, "a VM name");
  for (const char *p = vm; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      FAIL (F_VM, "a VM name without control characters");
  if (!g_utf8_validate (vm, -1, NULL))
    FAIL (F_VM, "a VM name in UTF-8");
  ev->vm = g_string_chunk_insert_const (trace->strings, vm);

  if (ev->type == XP_TRACE_STOP)
    {
      for (Field f = F_VCPUS; f < N_FIELDS; f++)
        if (present (r, f))
          FAIL (f, "an empty value for a stop event (start-only field)");
      return TRUE;
    }

  guint64 v;
  if (!present (r, F_VCPUS) || !xp_parse_fixed (r->text[F_VCPUS], 0, &v) || v < 1 || v > XP_TRACE_MAX_VCPUS)
    FAIL (F_VCPUS, "an integer from 1 to 1024");
  ev->vcpus = (guint) v;
  if (!present (r, F_MEMORY) || !xp_parse_fixed (r->text[F_MEMORY], 0, &v) || v < 1
      || v > XP_TRACE_MAX_MEMORY_MIB)
    FAIL (F_MEMORY, "an integer number of MiB from 1 to 67108864 (64 TiB)");
  ev->memory_mib = v;
  if (present (r, F_AFFINITY))
    {
      const char *why = NULL;
      XpCpumask mask;
      if (!xp_cpumask_parse (r->text[F_AFFINITY], &mask, &why))
        {
          g_autofree char *exp = g_strdup_printf ("an xl CPU list like 0-7,16 (%s)", why);
          FAIL (F_AFFINITY, exp);
        }
      ev->hard_affinity = xp_trace_intern_mask (trace, &mask);
    }
  if (present (r, F_DEMAND))
    {
      if (!xp_parse_fixed (r->text[F_DEMAND], 6, &v) || v > 1000000)
        FAIL (F_DEMAND, "a busy fraction from 0 to 1 (at most 6 decimals)");
      ev->cpu_demand_ppm = (guint) v;
    }
  if (present (r, F_LIFETIME))
    {
      XpTime lt;
      if (!xp_parse_seconds (r->text[F_LIFETIME], &lt) || lt == 0)
        FAIL (F_LIFETIME, "a decimal number of seconds > 0");
      ev->lifetime = lt;
    }
#undef FAIL
  return TRUE;
}

static gint
key_cmp (gconstpointer a, gconstpointer b)
{
  const SortKey *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  if (x->klass != y->klass)
    return x->klass < y->klass ? -1 : 1;
  if (x->start_time != y->start_time)
    return x->start_time < y->start_time ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Expand, sort and validate @rows (file order; consumed) into
 * @trace->events. @where gives columns per row (may be NULL: the writer's
 * column order is used). On error @trace is unchanged. */
static gboolean
finish (XpTrace *trace, GArray *rows, const Where *where, GError **error)
{
  guint n_rows = rows->len;
  for (guint i = 0; i < n_rows; i++)
    {
      const XpTraceEvent *ev = &g_array_index (rows, XpTraceEvent, i);
      if (ev->type == XP_TRACE_START && ev->lifetime > 0)
        {
          XpTraceEvent s = { 0 };
          s.time = ev->time + ev->lifetime;
          s.type = XP_TRACE_STOP;
          s.vm = ev->vm;
          s.cpu_demand_ppm = 1000000;
          s.line = ev->line;
          s.from_lifetime = TRUE;
          s.lifetime = ev->lifetime;   /* only for the message below; cleared after */
          g_array_append_val (rows, s);
        }
    }
  guint n = rows->len;
  SortKey *keys = g_new (SortKey, MAX (n, 1));
  for (guint i = 0, g = n_rows; i < n_rows; i++)
    {
      const XpTraceEvent *ev = &g_array_index (rows, XpTraceEvent, i);
      keys[i] = (SortKey) { ev->time, 0, 1, i, i };
      if (ev->type == XP_TRACE_START && ev->lifetime > 0)
        {
          keys[g] = (SortKey) { g_array_index (rows, XpTraceEvent, g).time, ev->time, 0, i, g };
          g++;
        }
    }
  qsort (keys, n, sizeof *keys, (int (*) (const void *, const void *)) key_cmp);

  GHashTable *live = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = TRUE;
  for (guint k = 0; k < n && ok; k++)
    {
      const XpTraceEvent *ev = &g_array_index (rows, XpTraceEvent, keys[k].pos);
      guint vm_col = where ? where[keys[k].index].vm_col : 3;
      guint lt_col = where ? where[keys[k].index].lifetime_col : 8;
      if (ev->type == XP_TRACE_START)
        {
          if (!g_hash_table_add (live, (gpointer) ev->vm))
            {
              g_autofree char *at = xp_trace_format_seconds (ev->time);
              g_autofree char *exp = g_strdup_printf ("a VM name not already running at %s s", at);
              ok = field_error (error, trace->path, ev->line, vm_col, F_VM, exp, ev->vm);
            }
        }
      else if (ev->type == XP_TRACE_STOP && !g_hash_table_remove (live, ev->vm))
        {
          g_autofree char *at = xp_trace_format_seconds (ev->time);
          g_autofree char *exp = NULL;
          if (ev->from_lifetime)
            {
              exp = g_strdup_printf ("a lifetime ending while '%s' still runs (it was stopped before %s s)",
                                     ev->vm, at);
              g_autofree char *lt = xp_trace_format_seconds (ev->lifetime);
              ok = field_error (error, trace->path, ev->line, lt_col, F_LIFETIME, exp, lt);
            }
          else
            {
              exp = g_strdup_printf ("a VM running at %s s", at);
              ok = field_error (error, trace->path, ev->line, vm_col, F_VM, exp, ev->vm);
            }
        }
    }
  g_hash_table_destroy (live);
  if (!ok)
    {
      g_free (keys);
      g_array_free (rows, TRUE);
      return FALSE;
    }
  /* Permute in place: slot k receives the event at keys[k].pos, following
   * each cycle once; a visited slot is marked with G_MAXUINT32. */
  XpTraceEvent *v = (XpTraceEvent *) rows->data;
  for (guint i = 0; i < n; i++)
    {
      if (keys[i].pos == G_MAXUINT32)
        continue;
      XpTraceEvent tmp = v[i];
      guint j = i;
      for (;;)
        {
          guint src = keys[j].pos;
          keys[j].pos = G_MAXUINT32;
          if (src == i)
            {
              v[j] = tmp;
              break;
            }
          v[j] = v[src];
          j = src;
        }
    }
  for (guint i = 0; i < n; i++)
    if (v[i].from_lifetime)
      v[i].lifetime = 0;
  g_free (keys);
  g_array_free (trace->events, TRUE);
  trace->events = rows;
  return TRUE;
}

XpTrace *
xp_trace_new (const char *path)
{
  XpTrace *t = g_new0 (XpTrace, 1);
  t->path = g_strdup (path ? path : "(memory)");
  t->events = g_array_new (FALSE, FALSE, sizeof (XpTraceEvent));
  t->strings = g_string_chunk_new (4096);
  return t;
}

void
xp_trace_free (XpTrace *trace)
{
  if (!trace)
    return;
  g_free (trace->path);
  g_array_free (trace->events, TRUE);
  g_string_chunk_free (trace->strings);
  if (trace->masks)
    g_hash_table_destroy (trace->masks);
  g_free (trace);
}

static guint
mask_hash (gconstpointer p)
{
  const XpCpumask *m = p;
  guint64 h = 0;
  for (guint w = 0; w < XP_CPUMASK_WORDS; w++)
    h = (h ^ m->bits[w]) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  return (guint) (h >> 32);
}

static gboolean
mask_equal (gconstpointer a, gconstpointer b)
{
  return xp_cpumask_equal (a, b);
}

const XpCpumask *
xp_trace_intern_mask (XpTrace *trace, const XpCpumask *mask)
{
  if (!trace->masks)
    trace->masks = g_hash_table_new_full (mask_hash, mask_equal, g_free, NULL);
  XpCpumask *copy = g_hash_table_lookup (trace->masks, mask);
  if (!copy)
    {
      copy = g_memdup2 (mask, sizeof *mask);
      g_hash_table_add (trace->masks, copy);
    }
  return copy;
}

gboolean
xp_trace_finish (XpTrace *trace, GError **error)
{
  GArray *rows = g_array_sized_new (FALSE, FALSE, sizeof (XpTraceEvent), trace->events->len);
  for (guint i = 0; i < trace->events->len; i++)
    {
      const XpTraceEvent *ev = &g_array_index (trace->events, XpTraceEvent, i);
      if (!ev->from_lifetime)
        g_array_append_val (rows, *ev);
    }
  return finish (trace, rows, NULL, error);
}

static gboolean
read_all (const char *path, char **contents, gsize *len, GError **error)
{
  GError *local = NULL;
  if (!g_file_get_contents (path, contents, len, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot read: %s", path, local->message);
      g_error_free (local);
      return FALSE;
    }
  if (memchr (*contents, '\0', *len))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: expected a text file, got a NUL byte", path);
      g_free (*contents);
      return FALSE;
    }
  return TRUE;
}

static gboolean
empty_error (const char *path, GError **error)
{
  g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:1:1: expected at least one event, got an empty trace", path);
  return FALSE;
}

/* ---- CSV --------------------------------------------------------------- */

/* Past a UTF-8 byte order mark, as spreadsheets write one. */
static char *
skip_bom (char *contents, gsize len)
{
  return len >= 3 && memcmp (contents, "\xEF\xBB\xBF", 3) == 0 ? contents + 3 : contents;
}

/* The line starting at *p, NUL-terminated in place without its "\n" or
 * "\r\n"; *p moves to the next line. */
static char *
next_line (char **p, char *end)
{
  char *line = *p;
  char *nl = memchr (line, '\n', (gsize) (end - line));
  char *stop = nl ? nl : end;
  if (stop > line && stop[-1] == '\r')
    stop[-1] = '\0';
  *stop = '\0';
  *p = nl ? nl + 1 : end;
  return line;
}

XpTrace *
xp_trace_load_csv (const char *path, GError **error)
{
  char *contents;
  gsize len;
  if (!read_all (path, &contents, &len, error))
    return NULL;
  g_autoptr (XpTrace) trace = xp_trace_new (path);
  g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (XpTraceEvent));
  g_autoptr (GArray) where = g_array_new (FALSE, FALSE, sizeof (Where));
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  int colmap[N_FIELDS];   /* field -> 0-based column, -1 absent */
  guint n_cols = 0;
  gboolean have_header = FALSE, ok = TRUE;
  guint lineno = 0;
  char *p = skip_bom (contents, len), *end = contents + len;
  while (ok && p < end)
    {
      char *line = next_line (&p, end);
      lineno++;
      if (!*line)
        continue;   /* blank lines are allowed anywhere */
      g_ptr_array_set_size (fields, 0);
      guint bad_col;
      const char *why;
      if (!xp_csv_split (line, fields, &bad_col, &why))
        {
          const char *name = "?";
          if (have_header)
            for (guint f = 0; f < N_FIELDS; f++)
              if (colmap[f] == (int) bad_col - 1)
                name = field_names[f];
          g_autofree char *shown = g_strescape (line, NULL);
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u:%u: field '%s': expected %s, got '%s'",
                       path, lineno, bad_col, name, why, shown);
          ok = FALSE;
          break;
        }
      if (!have_header)
        {
          for (guint f = 0; f < N_FIELDS; f++)
            colmap[f] = -1;
          n_cols = fields->len;
          for (guint c = 0; c < fields->len && ok; c++)
            {
              const char *name = g_ptr_array_index (fields, c);
              Field f = field_lookup (name);
              if (f == N_FIELDS)
                {
                  g_autofree char *shown = g_strescape (name, NULL);
                  g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                               "%s:%u:%u: field '%s': expected a known column (" KNOWN_FIELDS "), got '%s'",
                               path, lineno, c + 1, shown, shown);
                  ok = FALSE;
                }
              else if (colmap[f] >= 0)
                {
                  g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                               "%s:%u:%u: field '%s': expected each column once, got '%s' again (first in column %d)",
                               path, lineno, c + 1, name, name, colmap[f] + 1);
                  ok = FALSE;
                }
              else
                colmap[f] = (int) c;
            }
          for (Field f = F_TIME; ok && f <= F_MEMORY; f++)
            if (colmap[f] < 0)
              {
                g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                             "%s:%u:1: field '%s': expected a '%s' column in the header, got '%s'",
                             path, lineno, field_names[f], field_names[f], line);
                ok = FALSE;
              }
          have_header = TRUE;
          continue;
        }
      if (fields->len != n_cols)
        {
          guint col = MIN (fields->len, n_cols) + 1;
          const char *name = "?";
          for (guint f = 0; f < N_FIELDS; f++)
            if (colmap[f] == (int) col - 1)
              name = field_names[f];
          g_autofree char *shown = g_strescape (line, NULL);
          if (fields->len < n_cols)
            g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                         "%s:%u:%u: field '%s': expected %u columns as in the header, found %u (truncated line?), got '%s'",
                         path, lineno, col, name, n_cols, fields->len, shown);
          else
            g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                         "%s:%u:%u: field '(extra)': expected %u columns as in the header, found %u, got '%s'",
                         path, lineno, col, n_cols, fields->len, shown);
          ok = FALSE;
          break;
        }
      Row r = { { NULL }, { 0 }, lineno };
      for (guint f = 0; f < N_FIELDS; f++)
        if (colmap[f] >= 0)
          {
            r.text[f] = g_ptr_array_index (fields, colmap[f]);
            r.col[f] = (guint) colmap[f] + 1;
          }
        else
          r.col[f] = n_cols + 1;
      XpTraceEvent ev;
      if (!row_to_event (&r, path, trace, &ev, error))
        {
          ok = FALSE;
          break;
        }
      g_array_append_val (rows, ev);
      Where w = { r.col[F_VM], r.col[F_LIFETIME] };
      g_array_append_val (where, w);
    }
  g_free (contents);
  if (!ok)
    return NULL;
  if (!have_header)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:1:1: expected a header row (time,event,vm,...), got an empty file", path);
      return NULL;
    }
  if (rows->len == 0)
    {
      empty_error (path, error);
      return NULL;
    }
  if (!finish (trace, g_steal_pointer (&rows), (const Where *) where->data, error))
    return NULL;
  return g_steal_pointer (&trace);
}

/* ---- JSON Lines -------------------------------------------------------- */

/* Find where each top-level key and its value begin in a line json-glib has
 * accepted as an object (json-glib keeps neither positions nor duplicate
 * keys). Offsets are 1-based bytes. */
typedef struct {
  char *key;
  guint key_off, value_off;
} KeyPos;

static void
scan_keys (const char *line, GArray *out)
{
  const char *p = line;
  int depth = 0;
  gboolean expect_key = FALSE;
  while (*p)
    {
      char c = *p;
      if (c == '"')
        {
          const char *s = p++;
          GString *k = g_string_new (NULL);
          while (*p && *p != '"')
            {
              if (*p == '\\' && p[1])
                g_string_append_c (k, *p++);
              g_string_append_c (k, *p++);
            }
          if (*p)
            p++;
          if (depth == 1 && expect_key)
            {
              const char *q = p;
              while (g_ascii_isspace (*q))
                q++;
              if (*q == ':')
                q++;
              while (g_ascii_isspace (*q))
                q++;
              KeyPos kp = { g_string_free (k, FALSE), (guint) (s - line) + 1, (guint) (q - line) + 1 };
              g_array_append_val (out, kp);
              expect_key = FALSE;
              p = q;
              continue;
            }
          g_string_free (k, TRUE);
          continue;
        }
      if (c == '{' || c == '[')
        {
          depth++;
          if (depth == 1 && c == '{')
            expect_key = TRUE;
        }
      else if (c == '}' || c == ']')
        depth--;
      else if (c == ',' && depth == 1)
        expect_key = TRUE;
      p++;
    }
}

static void
keypos_clear (gpointer p)
{
  g_free (((KeyPos *) p)->key);
}

/* Where the text after the first JSON value of @line begins, past
 * whitespace, or NULL if nothing follows it. json-glib 1.6 takes a line
 * such as '{...} {}' or '{...}[]' as the first object alone. The line has
 * been accepted by json-glib, so its strings are closed. */
static const char *
json_after_first_value (const char *line)
{
  const char *p = line;
  while (g_ascii_isspace (*p))
    p++;
  int depth = 0;
  do
    {
      if (*p == '"')
        {
          for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1])
              p++;
        }
      else if (*p == '{' || *p == '[')
        depth++;
      else if (*p == '}' || *p == ']')
        depth--;
      if (*p)
        p++;
    }
  while (*p && depth > 0);
  while (g_ascii_isspace (*p))
    p++;
  return *p ? p : NULL;
}

/* Whether the JSON string starting at @line[@off - 1] (its opening quote)
 * holds an escaped NUL, which json-glib decodes into a C string that then
 * ends there: "a\u0000b" would be read as "a". */
static gboolean
json_string_has_nul (const char *line, guint off)
{
  const char *p = line + off - 1;
  if (*p != '"')
    return FALSE;
  for (p++; *p && *p != '"'; p++)
    if (*p == '\\' && p[1])
      {
        p++;
        if (*p == 'u' && strncmp (p + 1, "0000", 4) == 0)
          return TRUE;
      }
  return FALSE;
}

/* The raw text between the quotes of the JSON string at @line[@off - 1]. */
static char *
raw_string (const char *line, guint off)
{
  const char *s = line + off, *e = s;
  while (*e && *e != '"')
    e += *e == '\\' && e[1] ? 2 : 1;
  return g_strndup (s, (gsize) (e - s));
}

/* The raw text of a JSON number starting at @line[@off - 1]. */
static char *
raw_number (const char *line, guint off)
{
  const char *s = line + off - 1, *e = s;
  while (*e && strchr ("+-0123456789.eE", *e))
    e++;
  return g_strndup (s, (gsize) (e - s));
}

XpTrace *
xp_trace_load_jsonl (const char *path, GError **error)
{
  char *contents;
  gsize len;
  if (!read_all (path, &contents, &len, error))
    return NULL;
  g_autoptr (XpTrace) trace = xp_trace_new (path);
  g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (XpTraceEvent));
  g_autoptr (GArray) where = g_array_new (FALSE, FALSE, sizeof (Where));
  g_autoptr (GArray) keys = g_array_new (FALSE, FALSE, sizeof (KeyPos));
  g_array_set_clear_func (keys, keypos_clear);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  gboolean ok = TRUE;
  guint lineno = 0;
  char *p = skip_bom (contents, len), *end = contents + len;
  while (ok && p < end)
    {
      char *line = next_line (&p, end);
      lineno++;
      const char *t = line;
      while (g_ascii_isspace (*t))
        t++;
      if (!*t)
        continue;
      GError *jerr = NULL;
      if (!json_parser_load_from_data (parser, line, -1, &jerr))
        {
          /* json-glib says "<data>:LINE:COL: Parse error: ..."; keep the
           * column and the reason. */
          guint jl = 0, jc = 0;
          const char *reason = jerr->message;
          if (sscanf (jerr->message, "<data>:%u:%u:", &jl, &jc) == 2)
            {
              const char *r = strstr (jerr->message, ": ");
              reason = r ? r + 2 : jerr->message;
              r = strstr (reason, ": ");
              if (g_str_has_prefix (reason, "Parse error") && r)
                reason = r + 2;
            }
          g_autofree char *shown = g_strescape (line, NULL);
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                       "%s:%u:%u: field '(json)': expected one complete JSON object (%s), got '%s'",
                       path, lineno, jc ? jc : 1, reason, shown);
          g_error_free (jerr);
          ok = FALSE;
          break;
        }
      JsonNode *root = json_parser_get_root (parser);
      if (!root || !JSON_NODE_HOLDS_OBJECT (root))
        {
          g_autofree char *shown = g_strescape (line, NULL);
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                       "%s:%u:%u: field '(json)': expected a JSON object, got '%s'",
                       path, lineno, (guint) (t - line) + 1, shown);
          ok = FALSE;
          break;
        }
      const char *extra = json_after_first_value (line);
      if (extra)
        {
          g_autofree char *shown = g_strescape (line, NULL);
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                       "%s:%u:%u: field '(json)': expected one complete JSON object (one per line, nothing after it), "
                       "got '%s'",
                       path, lineno, (guint) (extra - line) + 1, shown);
          ok = FALSE;
          break;
        }
      g_array_set_size (keys, 0);
      scan_keys (line, keys);
      JsonObject *obj = json_node_get_object (root);
      Row r = { { NULL }, { 0 }, lineno };
      char *owned[N_FIELDS] = { NULL };
      for (guint f = 0; f < N_FIELDS; f++)
        r.col[f] = (guint) strlen (line) + 1;
      for (guint k = 0; k < keys->len && ok; k++)
        {
          const KeyPos *kp = &g_array_index (keys, KeyPos, k);
          Field f = field_lookup (kp->key);
          if (f == N_FIELDS)
            {
              g_autofree char *shown = g_strescape (kp->key, NULL);
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                           "%s:%u:%u: field '%s': expected a known field (" KNOWN_FIELDS "), got '%s'",
                           path, lineno, kp->key_off, shown, shown);
              ok = FALSE;
              break;
            }
          if (owned[f] || r.text[f])
            {
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                           "%s:%u:%u: field '%s': expected each field once, got '%s' again",
                           path, lineno, kp->key_off, kp->key, kp->key);
              ok = FALSE;
              break;
            }
          r.col[f] = kp->value_off;
          JsonNode *node = json_object_get_member (obj, kp->key);
          if (!node || JSON_NODE_HOLDS_NULL (node))
            {
              r.text[f] = "";
              continue;
            }
          if (!JSON_NODE_HOLDS_VALUE (node))
            {
              ok = field_error (error, path, lineno, kp->value_off, f, "a number or a string",
                                JSON_NODE_HOLDS_OBJECT (node) ? "{...}" : "[...]");
              break;
            }
          GType vt = json_node_get_value_type (node);
          if (vt == G_TYPE_STRING && json_string_has_nul (line, kp->value_off))
            {
              g_autofree char *raw = raw_string (line, kp->value_off);
              ok = field_error (error, path, lineno, kp->value_off, f, "a string without NUL characters (\\u0000)", raw);
              break;
            }
          if (vt == G_TYPE_STRING)
            r.text[f] = json_node_get_string (node);
          else if (vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE)
            r.text[f] = owned[f] = raw_number (line, kp->value_off);
          else
            {
              ok = field_error (error, path, lineno, kp->value_off, f, "a number or a string",
                                json_node_get_boolean (node) ? "true" : "false");
              break;
            }
        }
      if (ok)
        for (Field f = F_TIME; f <= F_EVENT && ok; f++)   /* vm is checked per event type */
          if (!r.text[f])
            ok = field_error (error, path, lineno, r.col[f], f, "this field in every object", "");
      XpTraceEvent ev;
      if (ok && (ok = row_to_event (&r, path, trace, &ev, error)))
        {
          g_array_append_val (rows, ev);
          Where w = { r.col[F_VM], r.col[F_LIFETIME] };
          g_array_append_val (where, w);
        }
      for (guint f = 0; f < N_FIELDS; f++)
        g_free (owned[f]);
    }
  g_free (contents);
  if (!ok)
    return NULL;
  if (rows->len == 0)
    {
      empty_error (path, error);
      return NULL;
    }
  if (!finish (trace, g_steal_pointer (&rows), (const Where *) where->data, error))
    return NULL;
  return g_steal_pointer (&trace);
}

XpTrace *
xp_trace_load (const char *path, GError **error)
{
  if (g_str_has_suffix (path, ".jsonl") || g_str_has_suffix (path, ".ndjson"))
    return xp_trace_load_jsonl (path, error);
  if (g_str_has_suffix (path, ".csv"))
    return xp_trace_load_csv (path, error);
  g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
               "%s: expected a .csv, .jsonl or .ndjson file name, got an unknown extension", path);
  return NULL;
}

/* ---- writer ------------------------------------------------------------ */

void
xp_trace_append_csv_header (GString *out)
{
  g_string_append (out, "time,event,vm,vcpus,memory_mib,hard_affinity,cpu_demand,lifetime\n");
}

void
xp_trace_append_csv_row (GString *out, const XpTraceEvent *ev)
{
  g_autofree char *t = xp_trace_format_seconds (ev->time);
  g_string_append (out, t);
  switch (ev->type)
    {
    case XP_TRACE_TOOLSTACK_RESTART:
      g_string_append (out, ",toolstack_restart,,,,,,\n");
      return;
    case XP_TRACE_STOP:
      g_string_append (out, ",stop,");
      xp_csv_append_field (out, ev->vm);
      g_string_append (out, ",,,,,\n");
      return;
    case XP_TRACE_START:
      break;
    }
  g_string_append (out, ",start,");
  xp_csv_append_field (out, ev->vm);
  g_string_append_printf (out, ",%u,%" G_GUINT64_FORMAT ",", ev->vcpus, ev->memory_mib);
  if (ev->hard_affinity)
    {
      g_autofree char *m = xp_cpumask_format (ev->hard_affinity);
      xp_csv_append_field (out, m);
    }
  g_string_append_c (out, ',');
  if (ev->cpu_demand_ppm != 1000000)
    {
      char frac[8];
      g_snprintf (frac, sizeof frac, "%06u", ev->cpu_demand_ppm);
      for (int i = 5; i > 0 && frac[i] == '0'; i--)
        frac[i] = '\0';
      g_string_append_printf (out, "%s%s", ev->cpu_demand_ppm ? "0." : "0", ev->cpu_demand_ppm ? frac : "");
    }
  g_string_append_c (out, ',');
  if (ev->lifetime)
    {
      g_autofree char *lt = xp_trace_format_seconds (ev->lifetime);
      g_string_append (out, lt);
    }
  g_string_append_c (out, '\n');
}

gboolean
xp_trace_write_csv (const XpTrace *trace, const char *path, GError **error)
{
  g_autoptr (GString) out = g_string_sized_new (64 + 48 * trace->events->len);
  xp_trace_append_csv_header (out);
  for (guint i = 0; i < trace->events->len; i++)
    {
      const XpTraceEvent *ev = &g_array_index (trace->events, XpTraceEvent, i);
      if (!ev->from_lifetime)
        xp_trace_append_csv_row (out, ev);
    }
  return xp_write_file_atomic (path, out->str, (gssize) out->len, error);
}

static void
append_json_string (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

void
xp_trace_append_jsonl_row (GString *out, const XpTraceEvent *ev)
{
  g_autofree char *t = xp_trace_format_seconds (ev->time);
  static const char *const names[] = { "start", "stop", "toolstack_restart" };
  g_string_append_printf (out, "{\"time\":%s,\"event\":\"%s\"", t, names[ev->type]);
  if (ev->type != XP_TRACE_TOOLSTACK_RESTART)
    {
      g_string_append (out, ",\"vm\":");
      append_json_string (out, ev->vm);
    }
  if (ev->type == XP_TRACE_START)
    {
      g_string_append_printf (out, ",\"vcpus\":%u,\"memory_mib\":%" G_GUINT64_FORMAT, ev->vcpus, ev->memory_mib);
      if (ev->hard_affinity)
        {
          g_autofree char *m = xp_cpumask_format (ev->hard_affinity);
          g_string_append_printf (out, ",\"hard_affinity\":\"%s\"", m);
        }
      if (ev->cpu_demand_ppm != 1000000)
        {
          char frac[8];
          g_snprintf (frac, sizeof frac, "%06u", ev->cpu_demand_ppm);
          for (int i = 5; i > 0 && frac[i] == '0'; i--)
            frac[i] = '\0';
          g_string_append_printf (out, ",\"cpu_demand\":%s%s", ev->cpu_demand_ppm ? "0." : "0",
                                  ev->cpu_demand_ppm ? frac : "");
        }
      if (ev->lifetime)
        {
          g_autofree char *lt = xp_trace_format_seconds (ev->lifetime);
          g_string_append_printf (out, ",\"lifetime\":%s", lt);
        }
    }
  g_string_append (out, "}\n");
}

gboolean
xp_trace_write_jsonl (const XpTrace *trace, const char *path, GError **error)
{
  g_autoptr (GString) out = g_string_sized_new (64 + 96 * trace->events->len);
  for (guint i = 0; i < trace->events->len; i++)
    {
      const XpTraceEvent *ev = &g_array_index (trace->events, XpTraceEvent, i);
      if (!ev->from_lifetime)
        xp_trace_append_jsonl_row (out, ev);
    }
  return xp_write_file_atomic (path, out->str, (gssize) out->len, error);
}

gboolean
xp_trace_write (const XpTrace *trace, const char *path, GError **error)
{
  if (g_str_has_suffix (path, ".jsonl") || g_str_has_suffix (path, ".ndjson"))
    return xp_trace_write_jsonl (trace, path, error);
  return xp_trace_write_csv (trace, path, error);
}
