/* xenplace — host topology: assembly, checks, queries, printing, comparison.
 *
 * The loaders live in sim/topology_hwloc.c (hwloc XML, synthetic, this host)
 * and sim/topology_spec.c (xenplace's synthetic extensions, .ini files, the
 * bundled library). Everything they produce goes through
 * xp__topology_assemble() and xp__topology_check() below, so the numbering
 * rules and the limits are the same whatever the source.
 */
#include "config.h"
#include <string.h>
#include "sim/error.h"
#include "sim/util.h"
#include "sim/topology_private.h"

/* ---- assembly ------------------------------------------------------------ */

XpTopology *
xp__topology_assemble (guint n_nodes, const guint64 *memory, guint n_cpus, const XpRawCpu *cpus)
{
  XpTopology *t = g_new0 (XpTopology, 1);
  t->n_nodes = n_nodes;
  t->nodes = g_new0 (XpNode, n_nodes);
  t->n_cpus = n_cpus;
  t->cpus = g_new0 (XpCpu, MAX (n_cpus, 1));
  t->distance = g_new0 (guint, (gsize) n_nodes * n_nodes);

  /* Dense socket and core ids by first appearance. At most 1024 CPUs, so a
   * linear search over the keys seen so far is cheap and keeps it simple. */
  guint64 *socket_keys = g_new0 (guint64, MAX (n_cpus, 1));
  guint64 *core_keys = g_new0 (guint64, MAX (n_cpus, 1));
  guint *core_threads = g_new0 (guint, MAX (n_cpus, 1));
  guint n_sockets = 0, n_cores = 0;
  for (guint i = 0; i < n_cpus; i++)
    {
      guint s, c;
      for (s = 0; s < n_sockets && socket_keys[s] != cpus[i].socket_key; s++)
        ;
      if (s == n_sockets)
        socket_keys[n_sockets++] = cpus[i].socket_key;
      for (c = 0; c < n_cores && core_keys[c] != cpus[i].core_key; c++)
        ;
      if (c == n_cores)
        core_keys[n_cores++] = cpus[i].core_key;
      t->cpus[i] = (XpCpu) { .id = i, .node = cpus[i].node, .socket = s, .core = c,
                             .thread = core_threads[c]++ };
    }
  t->n_sockets = n_sockets;

  for (guint n = 0; n < n_nodes; n++)
    {
      XpNode *node = &t->nodes[n];
      node->id = n;
      node->memory_bytes = memory[n];
      for (guint i = 0; i < n_cpus; i++)
        if (t->cpus[i].node == n)
          node->n_cpus++;
      node->cpus = g_new0 (guint, MAX (node->n_cpus, 1));
      guint k = 0;
      for (guint i = 0; i < n_cpus; i++)
        if (t->cpus[i].node == n)
          {
            node->cpus[k++] = i;
            /* A core counts once, at its first CPU on this node. */
            gboolean seen = FALSE;
            for (guint j = 0; j < k - 1 && !seen; j++)
              seen = t->cpus[node->cpus[j]].core == t->cpus[i].core;
            if (!seen)
              node->n_cores++;
          }
      for (guint m = 0; m < n_nodes; m++)
        t->distance[n * n_nodes + m] = n == m ? XP_DISTANCE_LOCAL : XP_DISTANCE_DEFAULT_REMOTE;
    }
  g_free (socket_keys);
  g_free (core_keys);
  g_free (core_threads);
  return t;
}

void
xp__topology_add_warning (XpTopology *t, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  guint n = t->warnings ? g_strv_length (t->warnings) : 0;
  t->warnings = g_renew (char *, t->warnings, n + 2);
  t->warnings[n] = msg;
  t->warnings[n + 1] = NULL;
}

/* ---- checks -------------------------------------------------------------- */

gboolean
xp__distances_check (guint n, const guint *d, const char *where, GError **error)
{
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      {
        guint v = d[i * n + j];
        if (i == j && v != XP_DISTANCE_LOCAL)
          {
            g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                         "%s: distance from node %u to itself is %u, expected %u",
                         where, i, v, XP_DISTANCE_LOCAL);
            return FALSE;
          }
        if (v < XP_DISTANCE_LOCAL || v > XP_DISTANCE_UNREACHABLE)
          {
            g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                         "%s: distance from node %u to node %u is %u, expected %u..%u (%u = unreachable)",
                         where, i, j, v, XP_DISTANCE_LOCAL, XP_DISTANCE_UNREACHABLE, XP_DISTANCE_UNREACHABLE);
            return FALSE;
          }
      }
  return TRUE;
}

void
xp__topology_note_asymmetry (XpTopology *t)
{
  for (guint i = 0; i < t->n_nodes; i++)
    for (guint j = i + 1; j < t->n_nodes; j++)
      if (t->distance[i * t->n_nodes + j] != t->distance[j * t->n_nodes + i])
        {
          xp__topology_add_warning (t, "asymmetric distances (node %u to %u is %u, back is %u); "
                                    "kept as given, as Xen and xenopsd do",
                                    i, j, t->distance[i * t->n_nodes + j], t->distance[j * t->n_nodes + i]);
          return;
        }
}

gboolean
xp__topology_check (const XpTopology *t, const char *where, GError **error)
{
  if (t->n_nodes == 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: NUMA nodes: none found", where);
      return FALSE;
    }
  if (t->n_nodes > XP_MAX_NODES)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: NUMA nodes: %u, at most %u are supported",
                   where, t->n_nodes, XP_MAX_NODES);
      return FALSE;
    }
  if (t->n_cpus == 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: CPUs: none found", where);
      return FALSE;
    }
  if (t->n_cpus > XP_MAX_CPUS)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: CPUs: %u, at most %u are supported",
                   where, t->n_cpus, XP_MAX_CPUS);
      return FALSE;
    }
  for (guint n = 0; n < t->n_nodes; n++)
    if (t->nodes[n].n_cpus == 0 && t->nodes[n].memory_bytes == 0)
      {
        g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                     "%s: node %u: has neither CPUs nor memory", where, n);
        return FALSE;
      }
  g_autofree char *dwhere = g_strdup_printf ("%s: distances", where);
  return xp__distances_check (t->n_nodes, t->distance, dwhere, error);
}

/* ---- life cycle ---------------------------------------------------------- */

XpTopology *
xp_topology_copy (const XpTopology *topo)
{
  g_return_val_if_fail (topo != NULL, NULL);
  XpTopology *t = g_new0 (XpTopology, 1);
  t->name = g_strdup (topo->name);
  t->description = g_strdup (topo->description);
  t->source = g_strdup (topo->source);
  t->n_nodes = topo->n_nodes;
  t->nodes = g_new0 (XpNode, MAX (topo->n_nodes, 1));
  for (guint n = 0; n < topo->n_nodes; n++)
    {
      t->nodes[n] = topo->nodes[n];
      t->nodes[n].cpus = g_memdup2 (topo->nodes[n].cpus, sizeof (guint) * MAX (topo->nodes[n].n_cpus, 1));
    }
  t->n_cpus = topo->n_cpus;
  t->cpus = g_memdup2 (topo->cpus, sizeof (XpCpu) * MAX (topo->n_cpus, 1));
  t->n_sockets = topo->n_sockets;
  t->distance = g_memdup2 (topo->distance, sizeof (guint) * MAX ((gsize) topo->n_nodes * topo->n_nodes, 1));
  t->warnings = g_strdupv (topo->warnings);
  return t;
}

void
xp_topology_free (XpTopology *topo)
{
  if (!topo)
    return;
  g_free (topo->name);
  g_free (topo->description);
  g_free (topo->source);
  for (guint n = 0; n < topo->n_nodes && topo->nodes; n++)
    g_free (topo->nodes[n].cpus);
  g_free (topo->nodes);
  g_free (topo->cpus);
  g_free (topo->distance);
  g_strfreev (topo->warnings);
  g_free (topo);
}

/* ---- queries ------------------------------------------------------------- */

void
xp_topology_node_cpumask (const XpTopology *t, guint node, XpCpumask *out)
{
  xp_cpumask_clear (out);
  g_return_if_fail (node < t->n_nodes);
  for (guint i = 0; i < t->nodes[node].n_cpus; i++)
    xp_cpumask_set (out, t->nodes[node].cpus[i]);
}

void
xp_topology_nodes_cpumask (const XpTopology *t, XpNodemask nodes, XpCpumask *out)
{
  xp_cpumask_clear (out);
  guint node;
  XP_NODEMASK_FOREACH (node, nodes)
    {
      if (node >= t->n_nodes)
        break;
      for (guint i = 0; i < t->nodes[node].n_cpus; i++)
        xp_cpumask_set (out, t->nodes[node].cpus[i]);
    }
}

XpNodemask
xp_topology_cpumask_nodes (const XpTopology *t, const XpCpumask *cpus)
{
  XpNodemask m = 0;
  guint cpu;
  XP_CPUMASK_FOREACH (cpu, cpus)
    {
      if (cpu >= t->n_cpus)
        break;
      m |= xp_nodemask_of (t->cpus[cpu].node);
    }
  return m;
}

guint64
xp_topology_total_memory (const XpTopology *t)
{
  guint64 sum = 0;
  for (guint n = 0; n < t->n_nodes; n++)
    sum += t->nodes[n].memory_bytes;
  return sum;
}

guint
xp_topology_n_cpu_nodes (const XpTopology *t)
{
  guint k = 0;
  for (guint n = 0; n < t->n_nodes; n++)
    k += t->nodes[n].n_cpus > 0;
  return k;
}

/* ---- printing ------------------------------------------------------------ */

void
xp_topology_print (const XpTopology *t, GString *out)
{
  guint n_cores = 0;
  for (guint i = 0; i < t->n_cpus; i++)
    n_cores = MAX (n_cores, t->cpus[i].core + 1);
  g_autofree char *total = xp_format_bytes (xp_topology_total_memory (t));
  g_string_append_printf (out, "topology %s: %u node%s, %u socket%s, %u cores, %u pCPUs, %s\n",
                          t->name ? t->name : "(unnamed)", t->n_nodes, t->n_nodes == 1 ? "" : "s",
                          t->n_sockets, t->n_sockets == 1 ? "" : "s", n_cores, t->n_cpus, total);
  if (t->description)
    g_string_append_printf (out, "  description: %s\n", t->description);
  if (t->source)
    g_string_append_printf (out, "  source: %s\n", t->source);
  g_string_append (out, "\nnode  sockets  cores  pCPUs  cpus              memory\n");
  for (guint n = 0; n < t->n_nodes; n++)
    {
      const XpNode *node = &t->nodes[n];
      XpCpumask mask;
      xp_topology_node_cpumask (t, n, &mask);
      g_autofree char *cpus = node->n_cpus ? xp_cpumask_format (&mask) : g_strdup ("(memory only)");
      guint64 sockets = 0;
      for (guint i = 0; i < node->n_cpus; i++)
        sockets |= G_GUINT64_CONSTANT (1) << MIN (t->cpus[node->cpus[i]].socket, 63);
      g_autofree char *sock = node->n_cpus ? xp_nodemask_format (sockets) : g_strdup ("-");
      g_autofree char *mem = xp_format_bytes (node->memory_bytes);
      g_string_append_printf (out, "%4u  %-7s  %5u  %5u  %-16s  %s\n", n, sock, node->n_cores,
                              node->n_cpus, cpus, mem);
    }
  g_string_append (out, "\ndistances:\n    ");
  for (guint m = 0; m < t->n_nodes; m++)
    g_string_append_printf (out, " %3u", m);
  g_string_append_c (out, '\n');
  for (guint n = 0; n < t->n_nodes; n++)
    {
      g_string_append_printf (out, "%3u:", n);
      for (guint m = 0; m < t->n_nodes; m++)
        g_string_append_printf (out, " %3u", xp_topology_distance (t, n, m));
      g_string_append_c (out, '\n');
    }
  for (guint i = 0; t->warnings && t->warnings[i]; i++)
    g_string_append_printf (out, "note: %s\n", t->warnings[i]);
}

/* ---- export and comparison ---------------------------------------------- */

gboolean
xp_topology_export (const XpTopology *t, const char *format, GString *out, GError **error)
{
  g_return_val_if_fail (t != NULL && format != NULL && out != NULL, FALSE);
  if (g_ascii_strcasecmp (format, "xml") == 0)
    return xp__topology_export_xml (t, out, error);
  if (g_ascii_strcasecmp (format, "synthetic") == 0)
    return xp__topology_export_synthetic (t, out, error);
  g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
               "export format '%s': expected 'xml' or 'synthetic'", format);
  return FALSE;
}

gboolean
xp_topology_equal (const XpTopology *a, const XpTopology *b)
{
  if (a == b)
    return TRUE;
  if (!a || !b)
    return FALSE;
  if (a->n_nodes != b->n_nodes || a->n_cpus != b->n_cpus || a->n_sockets != b->n_sockets)
    return FALSE;
  for (guint n = 0; n < a->n_nodes; n++)
    {
      const XpNode *x = &a->nodes[n], *y = &b->nodes[n];
      if (x->memory_bytes != y->memory_bytes || x->n_cpus != y->n_cpus || x->n_cores != y->n_cores
          || memcmp (x->cpus, y->cpus, sizeof (guint) * x->n_cpus) != 0)
        return FALSE;
    }
  for (guint i = 0; i < a->n_cpus; i++)
    {
      const XpCpu *x = &a->cpus[i], *y = &b->cpus[i];
      if (x->node != y->node || x->socket != y->socket || x->core != y->core || x->thread != y->thread)
        return FALSE;
    }
  return memcmp (a->distance, b->distance, sizeof (guint) * a->n_nodes * a->n_nodes) == 0;
}
