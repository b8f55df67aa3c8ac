/* xenplace — topology specifications: the dispatcher of xp_topology_load(),
 * synthetic strings with xenplace's memory/distance extensions, .ini
 * description files, the bundled library, and the synthetic export.
 * The syntax of both formats is documented in topologies/README.md.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "sim/error.h"
#include "sim/util.h"
#include "sim/topology_private.h"

#define SYNTHETIC_PREFIX "synthetic:"

/* ---- the bundled library ------------------------------------------------- */

const char *
xp_topology_dir (void)
{
  const char *env = g_getenv ("XENPLACE_TOPOLOGY_DIR");
  if (env && *env)
    return g_intern_string (env);
  g_autofree char *src = g_build_filename (XP_SRCDIR, "topologies", NULL);
  if (g_file_test (src, G_FILE_TEST_IS_DIR))
    return g_intern_string (src);
  return XP_DATADIR "/topologies";
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
xp_topology_bundled_names (void)
{
  GPtrArray *names = g_ptr_array_new ();
  GDir *dir = g_dir_open (xp_topology_dir (), 0, NULL);
  if (dir)
    {
      const char *f;
      while ((f = g_dir_read_name (dir)))
        if (g_str_has_suffix (f, ".ini") && f[0] != '.')
          g_ptr_array_add (names, g_strndup (f, strlen (f) - 4));
      g_dir_close (dir);
    }
  g_ptr_array_sort (names, cmp_str);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/* ---- value parsers ------------------------------------------------------- */

/* Split a comma (or blank) separated list; empty items are an error. */
static char **
split_list (const char *value, guint *n_out)
{
  char **items = g_strsplit_set (value, ",", -1);
  guint n = 0;
  for (guint i = 0; items[i]; i++)
    {
      g_strstrip (items[i]);
      n++;
    }
  *n_out = n;
  return items;
}

static gboolean
parse_uint_list (const char *value, const char *where, guint **out, guint *n_out, GError **error)
{
  guint n;
  g_auto (GStrv) items = split_list (value, &n);
  g_autofree guint *v = g_new0 (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      guint64 x;
      if (!*items[i] || !g_ascii_string_to_unsigned (items[i], 10, 0, G_MAXUINT, &x, NULL))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                       "%s: item %u '%s' is not a whole number", where, i + 1, items[i]);
          return FALSE;
        }
      v[i] = (guint) x;
    }
  *out = g_steal_pointer (&v);
  *n_out = n;
  return TRUE;
}

/* ---- the pieces of a synthetic description -------------------------------- */

typedef struct {
  const char *value, *where;
} Field;

typedef struct {
  Field hwloc;        /* hwloc synthetic description */
  Field cpuless;      /* node list of memory-only nodes */
  Field mem;          /* one size, or one per node */
  Field dist;         /* 2, 3 or n*n distances */
  char **rows;        /* or one row per node ([distances] group), NULL-terminated */
  char **row_where;
} Parts;

/* The first node id a valid node list names twice ("2,2", "1-3,3"), or -1. */
static int
repeated_node (const char *list)
{
  XpNodemask seen = 0;
  g_auto (GStrv) items = g_strsplit (list, ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      char *end;
      guint64 lo = g_ascii_strtoull (items[i], &end, 10), hi = lo;
      if (*end == '-')
        hi = g_ascii_strtoull (end + 1, NULL, 10);
      for (guint64 id = lo; id <= hi && id < XP_MAX_NODES; id++)
        {
          if (xp_nodemask_test (seen, (guint) id))
            return (int) id;
          seen |= xp_nodemask_of ((guint) id);
        }
    }
  return -1;
}

static gboolean
apply_cpuless (XpTopology **tp, const Field *f, GError **error)
{
  XpTopology *t = *tp;
  XpNodemask mask;
  const char *why = NULL;
  if (!xp_nodemask_parse (f->value, &mask, &why))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: '%s' is not a node list (%s)", f->where, f->value,
                   why ? why : "e.g. 2-3");
      return FALSE;
    }
  /* the total is hwloc's nodes plus the list's length: a repeated id
   * would count once and leave a node fewer than the list says */
  int again = repeated_node (f->value);
  if (again >= 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: '%s' names node %d more than once (each id is one "
                   "memory-only node)", f->where, f->value, again);
      return FALSE;
    }
  guint total = t->n_nodes + xp_nodemask_weight (mask);
  if (mask == 0 || total > XP_MAX_NODES || (total < 64 && (mask >> total) != 0))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "%s: '%s' must name between 1 and %u node ids below %u (the total number of nodes)",
                   f->where, f->value, XP_MAX_NODES - t->n_nodes, MIN (total, XP_MAX_NODES));
      return FALSE;
    }
  guint map[XP_MAX_NODES];
  guint64 memory[XP_MAX_NODES] = { 0 };
  for (guint id = 0, old = 0; id < total; id++)
    if (!xp_nodemask_test (mask, id))
      {
        map[old] = id;
        memory[id] = t->nodes[old].memory_bytes;
        old++;
      }
  XpRawCpu *raw = g_new0 (XpRawCpu, t->n_cpus);
  for (guint i = 0; i < t->n_cpus; i++)
    raw[i] = (XpRawCpu) { map[t->cpus[i].node], t->cpus[i].socket, t->cpus[i].core };
  XpTopology *n = xp__topology_assemble (total, memory, t->n_cpus, raw);
  g_free (raw);
  n->warnings = g_steal_pointer (&t->warnings);
  xp_topology_free (t);
  *tp = n;
  return TRUE;
}

static gboolean
apply_mem (XpTopology *t, const Field *f, GError **error)
{
  guint n;
  g_auto (GStrv) items = split_list (f->value, &n);
  if (n != 1 && n != t->n_nodes)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "%s: expected one size for all nodes or %u sizes (one per node), got %u",
                   f->where, t->n_nodes, n);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      guint64 bytes;
      if (!xp_parse_size (items[i], 1, &bytes) || bytes == 0)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                       "%s: item %u '%s' is not a size (e.g. 64GiB, 512MiB)", f->where, i + 1, items[i]);
          return FALSE;
        }
      if (n == 1)
        for (guint k = 0; k < t->n_nodes; k++)
          t->nodes[k].memory_bytes = bytes;
      else
        t->nodes[i].memory_bytes = bytes;
    }
  return TRUE;
}

/* Socket of a node for the "same socket" distance rule: that of its first
 * CPU; G_MAXUINT for a memory-only node (never "same socket"). */
static guint
node_socket (const XpTopology *t, guint node)
{
  return t->nodes[node].n_cpus ? t->cpus[t->nodes[node].cpus[0]].socket : G_MAXUINT;
}

static gboolean
apply_dist (XpTopology *t, const Field *f, GError **error)
{
  g_autofree guint *v = NULL;
  guint k, n = t->n_nodes;
  if (!parse_uint_list (f->value, f->where, &v, &k, error))
    return FALSE;
  if (k == n * n)
    memcpy (t->distance, v, sizeof (guint) * k);
  else if (k == 2 || k == 3)
    {
      for (guint i = 0; i < n; i++)
        for (guint j = 0; j < n; j++)
          {
            guint same = node_socket (t, i) != G_MAXUINT && node_socket (t, i) == node_socket (t, j);
            t->distance[i * n + j] = i == j ? v[0] : k == 2 ? v[1] : same ? v[1] : v[2];
          }
    }
  else
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "%s: expected 2 values (local,remote), 3 (local,same-socket,other-socket) "
                   "or %u (a %ux%u matrix), got %u", f->where, n * n, n, n, k);
      return FALSE;
    }
  return xp__distances_check (n, t->distance, f->where, error);
}

static XpTopology *
build_from_parts (const Parts *p, const char *where, GError **error)
{
  XpTopology *t = xp__topology_from_hwloc_synthetic (p->hwloc.value, p->hwloc.where, error);
  if (!t)
    return NULL;
  if (p->cpuless.value && !apply_cpuless (&t, &p->cpuless, error))
    goto fail;
  if (p->cpuless.value && !p->mem.value)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "%s: memory-only nodes need their memory size: give it per node", p->cpuless.where);
      goto fail;
    }
  if (p->mem.value && !apply_mem (t, &p->mem, error))
    goto fail;
  if (p->dist.value && !apply_dist (t, &p->dist, error))
    goto fail;
  if (p->rows)
    {
      guint n_rows = g_strv_length (p->rows);
      if (n_rows != t->n_nodes)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: [distances]: %u rows for %u nodes",
                       where, n_rows, t->n_nodes);
          goto fail;
        }
      for (guint r = 0; r < n_rows; r++)
        {
          g_autofree guint *v = NULL;
          guint k;
          if (!parse_uint_list (p->rows[r], p->row_where[r], &v, &k, error))
            goto fail;
          if (k != t->n_nodes)
            {
              g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: expected %u distances, got %u",
                           p->row_where[r], t->n_nodes, k);
              goto fail;
            }
          memcpy (t->distance + r * t->n_nodes, v, sizeof (guint) * k);
          g_autofree guint *row = g_new (guint, t->n_nodes * t->n_nodes);
          for (guint i = 0; i < t->n_nodes * t->n_nodes; i++)
            row[i] = i / t->n_nodes == i % t->n_nodes ? XP_DISTANCE_LOCAL : XP_DISTANCE_DEFAULT_REMOTE + 1;
          memcpy (row + r * t->n_nodes, v, sizeof (guint) * k);
          if (!xp__distances_check (t->n_nodes, row, p->row_where[r], error))
            goto fail;
        }
    }
  if (!p->dist.value && !p->rows && t->n_nodes > 1)
    xp__topology_add_warning (t, "no distances given; assumed %u local, %u remote",
                              XP_DISTANCE_LOCAL, XP_DISTANCE_DEFAULT_REMOTE);
  if (!xp__topology_check (t, where, error))
    goto fail;
  xp__topology_note_asymmetry (t);
  return t;
fail:
  xp_topology_free (t);
  return NULL;
}

XpTopology *
xp_topology_new_synthetic (const char *desc, GError **error)
{
  g_return_val_if_fail (desc != NULL, NULL);
  if (g_str_has_prefix (desc, SYNTHETIC_PREFIX))
    desc += strlen (SYNTHETIC_PREFIX);
  g_auto (GStrv) parts = g_strsplit (desc, ";", -1);
  Parts p = { .hwloc = { parts[0] ? g_strstrip (parts[0]) : "", "synthetic" } };
  for (guint i = 1; parts[0] && parts[i]; i++)
    {
      char *item = g_strstrip (parts[i]);
      if (!*item)
        continue;
      char *eq = strchr (item, '=');
      if (eq)
        *eq = '\0';
      const char *key = g_strstrip (item), *value = eq ? g_strstrip (eq + 1) : NULL;
      Field *f = strcmp (key, "mem") == 0 ? &p.mem : strcmp (key, "dist") == 0 ? &p.dist
                 : strcmp (key, "cpuless") == 0 ? &p.cpuless : NULL;
      if (!f || !value || !*value)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                       f ? "synthetic: %s: missing value after '='"
                         : "synthetic: '%s': unknown option (expected mem=, dist= or cpuless=)", key);
          return NULL;
        }
      if (f->value)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "synthetic: %s: given twice", key);
          return NULL;
        }
      f->value = value;
      f->where = f == &p.mem ? "synthetic: mem" : f == &p.dist ? "synthetic: dist" : "synthetic: cpuless";
    }
  XpTopology *t = build_from_parts (&p, "synthetic", error);
  if (t)
    t->name = g_strdup ("synthetic");
  return t;
}

/* ---- .ini description files ---------------------------------------------- */

/* Line (1-based) of KEY in GROUP, or of the group header when KEY is NULL;
 * 0 when absent. GKeyFile keeps no line numbers, so we look ourselves. */
static guint
ini_line (char **lines, const char *group, const char *key)
{
  gboolean in_group = FALSE;
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      while (*l == ' ' || *l == '\t')
        l++;
      if (*l == '[')
        {
          const char *end = strchr (l, ']');
          in_group = end && (gsize) (end - l - 1) == strlen (group) && strncmp (l + 1, group, strlen (group)) == 0;
          if (in_group && !key)
            return i + 1;
          continue;
        }
      if (!in_group || !key)
        continue;
      gsize kl = strlen (key);
      if (strncmp (l, key, kl) == 0)
        {
          const char *r = l + kl;
          while (*r == ' ' || *r == '\t')
            r++;
          if (*r == '=')
            return i + 1;
        }
    }
  return 0;
}

static const char *const topology_keys[] = { "name", "description", "source", "synthetic",
                                             "memory", "distances", "memory-only", NULL };

XpTopology *
xp_topology_load_ini (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *text = NULL;
  GError *local = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot read: %s", path, local->message);
      g_error_free (local);
      return NULL;
    }
  /* a UTF-8 byte order mark, as some editors save, is not text */
  if (g_str_has_prefix (text, "\xef\xbb\xbf"))
    memmove (text, text + 3, strlen (text + 3) + 1);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  /* Our own syntax pass first, for errors with line numbers. */
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      while (g_ascii_isspace (*l))
        l++;
      if (!*l || *l == '#' || *l == ';')
        continue;
      if (*l == '[')
        {
          const char *end = strchr (l, ']');
          if (!end || (end[1] != '\0' && !g_ascii_isspace (end[1])))
            {
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: group header: expected '[name]'", path, i + 1);
              return NULL;
            }
          g_autofree char *g = g_strndup (l + 1, end - l - 1);
          if (strcmp (g, "topology") != 0 && strcmp (g, "distances") != 0)
            {
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                           "%s:%u: group [%s]: unknown (expected [topology] or [distances])", path, i + 1, g);
              return NULL;
            }
          continue;
        }
      if (!strchr (l, '='))
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                       "%s:%u: expected 'key = value', '[group]' or a '#' comment", path, i + 1);
          return NULL;
        }
    }
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, text, (gsize) -1, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: %s", path, local->message);
      g_error_free (local);
      return NULL;
    }
  if (!g_key_file_has_group (kf, "topology"))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: [topology]: group missing", path);
      return NULL;
    }
  g_auto (GStrv) keys = g_key_file_get_keys (kf, "topology", NULL, NULL);
  for (guint i = 0; keys && keys[i]; i++)
    if (!g_strv_contains (topology_keys, keys[i]))
      {
        g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                     "%s:%u: [topology] %s: unknown key (expected name, description, source, synthetic, "
                     "memory, distances or memory-only)", path, ini_line (lines, "topology", keys[i]), keys[i]);
        return NULL;
      }

#define GET(key) g_key_file_get_string (kf, "topology", key, NULL)
#define WHERE(key) g_strdup_printf ("%s:%u: %s", path, ini_line (lines, "topology", key), key)
  g_autofree char *synthetic = GET ("synthetic"), *memory = GET ("memory"), *distances = GET ("distances");
  g_autofree char *memonly = GET ("memory-only");
  g_autofree char *w_syn = WHERE ("synthetic"), *w_mem = WHERE ("memory"), *w_dist = WHERE ("distances");
  g_autofree char *w_memonly = WHERE ("memory-only");
  if (!synthetic || !*g_strstrip (synthetic))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: [topology] synthetic: missing (an hwloc synthetic "
                   "description such as 'pack:2 numa:1 core:8 pu:2')", path);
      return NULL;
    }
  if (strchr (synthetic, ';'))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: ';' extensions are not used here: give the "
                   "memory, distances and memory-only keys", w_syn);
      return NULL;
    }
  if (!memory)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s: [topology] memory: missing (one size for all nodes "
                   "or one per node, e.g. 64GiB)", path);
      return NULL;
    }
  Parts p = { .hwloc = { synthetic, w_syn }, .mem = { memory, w_mem }, .dist = { distances, w_dist },
              .cpuless = { memonly, w_memonly } };

  g_auto (GStrv) rows = NULL;
  g_auto (GStrv) row_where = NULL;
  if (g_key_file_has_group (kf, "distances"))
    {
      if (distances)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: [distances]: give either this group or the "
                       "distances key, not both", path, ini_line (lines, "distances", NULL));
          return NULL;
        }
      gsize n_keys = 0;
      g_auto (GStrv) rkeys = g_key_file_get_keys (kf, "distances", &n_keys, NULL);
      rows = g_new0 (char *, n_keys + 1);
      row_where = g_new0 (char *, n_keys + 1);
      for (gsize r = 0; r < n_keys; r++)
        {
          g_autofree char *key = g_strdup_printf ("%" G_GSIZE_FORMAT, r);
          if (!g_strv_contains ((const char *const *) rkeys, key))
            {
              guint line = ini_line (lines, "distances", rkeys[r]);
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: [distances]: row %s missing (rows are "
                           "named 0, 1, ... one per node)", path, line ? line : ini_line (lines, "distances", NULL),
                           key);
              return NULL;
            }
          g_autoptr (GError) local = NULL;
          char *row = g_key_file_get_string (kf, "distances", key, &local);
          if (!row)
            {
              /* e.g. text that is not UTF-8: stop here, or the rows after a
               * NULL one would be lost to g_strfreev */
              g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u: [distances] %s: %s", path,
                           ini_line (lines, "distances", key), key, local ? local->message : "unreadable value");
              return NULL;
            }
          rows[r] = row;
          row_where[r] = g_strdup_printf ("%s:%u: [distances] %s", path, ini_line (lines, "distances", key), key);
        }
      p.rows = rows;
      p.row_where = row_where;
    }
  XpTopology *t = build_from_parts (&p, path, error);
  if (!t)
    return NULL;
  t->name = GET ("name");
  if (!t->name || !*t->name)
    {
      g_free (t->name);
      char *base = g_path_get_basename (path);
      if (g_str_has_suffix (base, ".ini"))
        base[strlen (base) - 4] = '\0';
      t->name = base;
    }
  t->description = GET ("description");
  t->source = GET ("source");
#undef GET
#undef WHERE
  return t;
}

/* ---- dispatcher -------------------------------------------------------- */

XpTopology *
xp_topology_load (const char *spec, GError **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  if (!*spec)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "topology: empty name");
      return NULL;
    }
  if (strcmp (spec, "host") == 0)
    return xp_topology_new_host (error);
  if (g_str_has_prefix (spec, SYNTHETIC_PREFIX))
    return xp_topology_new_synthetic (spec + strlen (SYNTHETIC_PREFIX), error);
  if (g_str_has_suffix (spec, ".xml"))
    return xp_topology_load_xml (spec, error);
  if (g_str_has_suffix (spec, ".ini"))
    return xp_topology_load_ini (spec, error);
  if (strchr (spec, '/') || strchr (spec, '.'))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "%s: unknown topology file type (expected PATH.ini or PATH.xml)", spec);
      return NULL;
    }
  g_autofree char *file = g_strconcat (spec, ".ini", NULL);
  g_autofree char *path = g_build_filename (xp_topology_dir (), file, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_auto (GStrv) names = xp_topology_bundled_names ();
      g_autofree char *list = g_strjoinv (", ", names);
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "topology '%s': not a bundled name (bundled in %s: %s), nor host, synthetic:DESC, "
                   "PATH.ini or PATH.xml", spec, xp_topology_dir (), *list ? list : "none");
      return NULL;
    }
  return xp_topology_load_ini (path, error);
}

/* ---- synthetic export ----------------------------------------------------- */

static void
append_size (GString *s, guint64 bytes)
{
  static const struct { const char *unit; guint shift; } units[] = {
    { "TiB", 40 }, { "GiB", 30 }, { "MiB", 20 }, { "KiB", 10 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (bytes && bytes % (G_GUINT64_CONSTANT (1) << units[i].shift) == 0)
      {
        g_string_append_printf (s, "%" G_GUINT64_FORMAT "%s", bytes >> units[i].shift, units[i].unit);
        return;
      }
  g_string_append_printf (s, "%" G_GUINT64_FORMAT, bytes);
}

static gboolean
describe_cpus (const XpTopology *t, GString *s, GError **error)
{
  guint first = G_MAXUINT, n_cpu_nodes = 0;
  for (guint n = 0; n < t->n_nodes; n++)
    if (t->nodes[n].n_cpus)
      {
        if (first == G_MAXUINT)
          first = n;
        n_cpu_nodes++;
        if (t->nodes[n].n_cpus != t->nodes[first].n_cpus || t->nodes[n].n_cores != t->nodes[first].n_cores)
          {
            g_set_error (error, XP_ERROR, XP_ERROR_UNSUPPORTED,
                         "export synthetic: nodes %u and %u differ in CPUs or cores; only regular "
                         "shapes have a synthetic form (use xml)", first, n);
            return FALSE;
          }
      }
  guint cores = t->nodes[first].n_cores, cpus = t->nodes[first].n_cpus;
  if (cpus % cores)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_UNSUPPORTED,
                   "export synthetic: cores have different numbers of threads (use xml)");
      return FALSE;
    }
  guint threads = cpus / cores, S = t->n_sockets;
  /* Nodes per socket, or sockets per node. */
  guint *sockets_of_node = g_new0 (guint, t->n_nodes), *nodes_of_socket = g_new0 (guint, S);
  for (guint n = 0; n < t->n_nodes; n++)
    {
      guint64 seen = 0;
      for (guint i = 0; i < t->nodes[n].n_cpus; i++)
        {
          guint sk = t->cpus[t->nodes[n].cpus[i]].socket;
          if (sk < 64 && !(seen & (G_GUINT64_CONSTANT (1) << sk)))
            {
              seen |= G_GUINT64_CONSTANT (1) << sk;
              sockets_of_node[n]++;
              nodes_of_socket[sk]++;
            }
        }
    }
  gboolean per_socket = TRUE, per_node = TRUE;
  for (guint n = 0; n < t->n_nodes; n++)
    if (t->nodes[n].n_cpus)
      {
        per_socket &= sockets_of_node[n] == 1;
        per_node &= sockets_of_node[n] == sockets_of_node[first];
      }
  for (guint sk = 0; sk < S; sk++)
    {
      per_socket &= nodes_of_socket[sk] == n_cpu_nodes / S;
      per_node &= nodes_of_socket[sk] == 1;
    }
  guint span = sockets_of_node[first];
  g_free (sockets_of_node);
  g_free (nodes_of_socket);
  if (per_socket && n_cpu_nodes % S == 0)
    g_string_append_printf (s, "pack:%u numa:%u core:%u pu:%u", S, n_cpu_nodes / S, cores, threads);
  else if (per_node && cores % span == 0)
    g_string_append_printf (s, "numa:%u pack:%u core:%u pu:%u", n_cpu_nodes, span, cores / span, threads);
  else
    {
      g_set_error (error, XP_ERROR, XP_ERROR_UNSUPPORTED,
                   "export synthetic: nodes and sockets do not nest regularly (use xml)");
      return FALSE;
    }
  return TRUE;
}

gboolean
xp__topology_export_synthetic (const XpTopology *t, GString *out, GError **error)
{
  g_autoptr (GString) s = g_string_new (NULL);
  if (!describe_cpus (t, s, error))
    return FALSE;
  guint n = t->n_nodes;
  XpNodemask cpuless = 0;
  for (guint i = 0; i < n; i++)
    if (!t->nodes[i].n_cpus)
      cpuless |= xp_nodemask_of (i);
  if (cpuless)
    {
      g_autofree char *list = xp_nodemask_format (cpuless);
      g_string_append_printf (s, "; cpuless=%s", list);
    }
  gboolean same_mem = TRUE;
  for (guint i = 1; i < n; i++)
    same_mem &= t->nodes[i].memory_bytes == t->nodes[0].memory_bytes;
  g_string_append (s, "; mem=");
  for (guint i = 0; i < (same_mem ? 1 : n); i++)
    {
      if (i)
        g_string_append_c (s, ',');
      append_size (s, t->nodes[i].memory_bytes);
    }
  if (n > 1)
    {
      /* The shortest form that gives the same matrix back. */
      gboolean two = TRUE, three = TRUE;
      guint remote = 0, same = 0, other = 0;
      for (guint i = 0; i < n; i++)
        for (guint j = 0; j < n; j++)
          {
            if (i == j)
              continue;
            guint d = t->distance[i * n + j];
            two &= !remote || d == remote;
            remote = remote ? remote : d;
            gboolean near = node_socket (t, i) != G_MAXUINT && node_socket (t, i) == node_socket (t, j);
            guint *slot = near ? &same : &other;
            three &= !*slot || d == *slot;
            *slot = *slot ? *slot : d;
          }
      if (two)
        g_string_append_printf (s, "; dist=%u,%u", XP_DISTANCE_LOCAL, remote);
      else if (three && same && other)
        g_string_append_printf (s, "; dist=%u,%u,%u", XP_DISTANCE_LOCAL, same, other);
      else
        {
          g_string_append (s, "; dist=");
          for (guint i = 0; i < n * n; i++)
            g_string_append_printf (s, i ? ",%u" : "%u", t->distance[i]);
        }
    }
  /* The string must read back to this very topology (pCPU order included). */
  g_autoptr (GError) local = NULL;
  g_autoptr (XpTopology) back = xp_topology_new_synthetic (s->str, &local);
  if (!back || !xp_topology_equal (t, back))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_UNSUPPORTED,
                   "export synthetic: '%s' would not give this topology back%s%s (use xml)", s->str,
                   local ? ": " : "", local ? local->message : "");
      return FALSE;
    }
  g_string_append (out, SYNTHETIC_PREFIX);
  g_string_append (out, s->str);
  return TRUE;
}
