/* xenplace — host topology through hwloc: XML files, synthetic strings, this
 * host, and the XML export.
 *
 * How an hwloc topology becomes an XpTopology:
 *  - NUMA nodes are renumbered densely in ascending hwloc os_index;
 *  - every PU belongs to the NUMA node with the smallest cpuset containing it
 *    (the most local one). Ties go to a node without a memory-tier subtype
 *    (or subtype "DRAM") before one with another subtype (HBM, NVM, CXL, our
 *    own "MemoryOnly"), then to the lowest os_index. Nodes left without PUs
 *    are memory-only (CPU-less) nodes. A PU covered by no node is ignored and
 *    noted in the topology's warnings;
 *  - pCPUs are numbered node by node, in hwloc's logical PU order within a
 *    node (SMT siblings next to each other, as Xen numbers them);
 *  - sockets are Package objects and cores Core objects, renumbered densely
 *    in order of first appearance; a PU with no Core ancestor is its own core,
 *    a PU with no Package ancestor is on socket 0;
 *  - distances come from the NUMA-node matrix of kind FROM_OS|MEANS_LATENCY
 *    (the ACPI SLIT); without one, 10 local and 20 remote are assumed and a
 *    warning is recorded.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <hwloc.h>
#include "sim/error.h"
#include "sim/topology_private.h"

#define INFO_NAME "xenplace.name"
#define INFO_DESCRIPTION "xenplace.description"
#define INFO_SOURCE "xenplace.source"
#define MEMORY_ONLY_SUBTYPE "MemoryOnly"

static int
cmp_os_index (const void *a, const void *b)
{
  const hwloc_obj_t x = *(const hwloc_obj_t *) a, y = *(const hwloc_obj_t *) b;
  return x->os_index < y->os_index ? -1 : x->os_index > y->os_index;
}

static gboolean
plain_memory (hwloc_obj_t numa)
{
  return !numa->subtype || g_ascii_strcasecmp (numa->subtype, "DRAM") == 0;
}

static void
read_distances (hwloc_topology_t topo, XpTopology *t, hwloc_obj_t *numa)
{
  unsigned nr = 0;
  const unsigned long kind = HWLOC_DISTANCES_KIND_FROM_OS | HWLOC_DISTANCES_KIND_MEANS_LATENCY;
  if (hwloc_distances_get_by_type (topo, HWLOC_OBJ_NUMANODE, &nr, NULL, kind, 0) < 0 || nr == 0)
    {
      if (t->n_nodes > 1)
        xp__topology_add_warning (t, "no NUMA distance matrix; assumed %u local, %u remote",
                                  XP_DISTANCE_LOCAL, XP_DISTANCE_DEFAULT_REMOTE);
      return;
    }
  struct hwloc_distances_s **all = g_new0 (struct hwloc_distances_s *, nr);
  if (hwloc_distances_get_by_type (topo, HWLOC_OBJ_NUMANODE, &nr, all, kind, 0) < 0)
    nr = 0;
  struct hwloc_distances_s *d = nr ? all[0] : NULL;
  for (unsigned i = 0; i < nr; i++)
    {
      const char *name = hwloc_distances_get_name (topo, all[i]);
      if (name && strcmp (name, "NUMALatency") == 0)
        {
          d = all[i];
          break;
        }
    }
  guint covered = 0;
  if (d)
    {
      guint *index = g_new0 (guint, d->nbobjs);
      for (unsigned i = 0; i < d->nbobjs; i++)
        {
          index[i] = G_MAXUINT;
          for (guint n = 0; n < t->n_nodes; n++)
            if (numa[n] == d->objs[i])
              index[i] = n;
          covered += index[i] != G_MAXUINT;
        }
      for (unsigned i = 0; i < d->nbobjs; i++)
        for (unsigned j = 0; j < d->nbobjs; j++)
          if (index[i] != G_MAXUINT && index[j] != G_MAXUINT)
            {
              hwloc_uint64_t v = d->values[i * d->nbobjs + j];
              /* Out-of-range values are kept visible for the check to reject. */
              t->distance[index[i] * t->n_nodes + index[j]] = v > G_MAXUINT ? G_MAXUINT : (guint) v;
            }
      g_free (index);
    }
  if (covered < t->n_nodes)
    xp__topology_add_warning (t, "the NUMA distance matrix covers %u of %u nodes; "
                              "assumed %u remote for the others", covered, t->n_nodes,
                              XP_DISTANCE_DEFAULT_REMOTE);
  for (unsigned i = 0; i < nr; i++)
    hwloc_distances_release (topo, all[i]);
  g_free (all);
}

/* Convert a loaded hwloc topology; @where prefixes error messages. */
static XpTopology *
from_hwloc (hwloc_topology_t topo, const char *where, gboolean want_distances, GError **error)
{
  int n_numa = hwloc_get_nbobjs_by_type (topo, HWLOC_OBJ_NUMANODE);
  int n_pu = hwloc_get_nbobjs_by_type (topo, HWLOC_OBJ_PU);
  if (n_numa <= 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: NUMA nodes: none found", where);
      return NULL;
    }
  if (n_numa > XP_MAX_NODES)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: NUMA nodes: %d, at most %u are supported",
                   where, n_numa, XP_MAX_NODES);
      return NULL;
    }
  if (n_pu <= 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: CPUs: none found", where);
      return NULL;
    }
  if (n_pu > XP_MAX_CPUS)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: CPUs: %d, at most %u are supported",
                   where, n_pu, XP_MAX_CPUS);
      return NULL;
    }

  hwloc_obj_t numa[XP_MAX_NODES];
  for (int n = 0; n < n_numa; n++)
    numa[n] = hwloc_get_obj_by_type (topo, HWLOC_OBJ_NUMANODE, (unsigned) n);
  qsort (numa, (size_t) n_numa, sizeof numa[0], cmp_os_index);

  guint *home = g_new (guint, n_pu);
  guint ignored = 0;
  for (int p = 0; p < n_pu; p++)
    {
      hwloc_obj_t pu = hwloc_get_obj_by_type (topo, HWLOC_OBJ_PU, (unsigned) p);
      home[p] = G_MAXUINT;
      int best_weight = 0;
      gboolean best_plain = FALSE;
      for (int n = 0; n < n_numa; n++)
        {
          if (!numa[n]->cpuset || !hwloc_bitmap_isset (numa[n]->cpuset, pu->os_index))
            continue;
          int w = hwloc_bitmap_weight (numa[n]->cpuset);
          gboolean plain = plain_memory (numa[n]);
          if (home[p] == G_MAXUINT || w < best_weight || (w == best_weight && plain && !best_plain))
            {
              home[p] = (guint) n;
              best_weight = w;
              best_plain = plain;
            }
        }
      ignored += home[p] == G_MAXUINT;
    }

  guint64 memory[XP_MAX_NODES];
  for (int n = 0; n < n_numa; n++)
    memory[n] = numa[n]->attr ? numa[n]->attr->numanode.local_memory : 0;
  XpRawCpu *raw = g_new0 (XpRawCpu, n_pu);
  guint k = 0;
  for (int n = 0; n < n_numa; n++)
    for (int p = 0; p < n_pu; p++)
      if (home[p] == (guint) n)
        {
          hwloc_obj_t pu = hwloc_get_obj_by_type (topo, HWLOC_OBJ_PU, (unsigned) p);
          hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type (topo, HWLOC_OBJ_PACKAGE, pu);
          hwloc_obj_t core = hwloc_get_ancestor_obj_by_type (topo, HWLOC_OBJ_CORE, pu);
          raw[k++] = (XpRawCpu) {
            .node = (guint) n,
            .socket_key = pkg ? (guint64) pkg->logical_index + 1 : 0,
            .core_key = core ? (guint64) core->logical_index : (G_GUINT64_CONSTANT (1) << 32) | pu->logical_index,
          };
        }
  XpTopology *t = xp__topology_assemble ((guint) n_numa, memory, k, raw);
  g_free (raw);
  g_free (home);
  for (guint n = 0; n < t->n_nodes; n++)
    if (t->nodes[n].memory_bytes == 0 && t->nodes[n].n_cpus > 0)
      xp__topology_add_warning (t, "node %u: no memory size recorded; taken as 0", n);
  if (ignored)
    xp__topology_add_warning (t, "%u PU%s outside every NUMA node's cpuset ignored", ignored,
                              ignored == 1 ? "" : "s");
  if (want_distances)
    read_distances (topo, t, numa);

  hwloc_obj_t root = hwloc_get_root_obj (topo);
  const char *v;
  if ((v = hwloc_obj_get_info_by_name (root, INFO_NAME)))
    t->name = g_strdup (v);
  if ((v = hwloc_obj_get_info_by_name (root, INFO_DESCRIPTION)))
    t->description = g_strdup (v);
  if ((v = hwloc_obj_get_info_by_name (root, INFO_SOURCE)))
    t->source = g_strdup (v);

  if (!xp__topology_check (t, where, error))
    {
      xp_topology_free (t);
      return NULL;
    }
  xp__topology_note_asymmetry (t);
  return t;
}

XpTopology *
xp_topology_load_xml (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  GError *local = NULL;
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot read: %s", path, local->message);
      g_error_free (local);
      return NULL;
    }
  hwloc_topology_t topo;
  if (hwloc_topology_init (&topo) < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "%s: hwloc: cannot initialise", path);
      return NULL;
    }
  /* An export records the allowed_cpuset and allowed_nodeset of the process
   * that ran lstopo (its cgroup, a container's --cpuset-cpus, a batch job's
   * binding). They say nothing of the hardware, which is what Xen sees, but
   * hwloc drops the disallowed PUs and nodes unless asked to keep them, and
   * the machine would shrink without a word (hwloc's UV2000 test file keeps
   * 2 of its 8 nodes that way). */
  if (hwloc_topology_set_flags (topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) < 0
      || hwloc_topology_set_xmlbuffer (topo, text, (int) len + 1) < 0 || hwloc_topology_load (topo) < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                   "%s: XML: not an hwloc 2.x topology that hwloc %s can load", path, HWLOC_VERSION);
      hwloc_topology_destroy (topo);
      return NULL;
    }
  XpTopology *t = from_hwloc (topo, path, TRUE, error);
  hwloc_topology_destroy (topo);
  if (t && !t->name)
    {
      char *base = g_path_get_basename (path);
      if (g_str_has_suffix (base, ".xml"))
        base[strlen (base) - 4] = '\0';
      t->name = base;
    }
  return t;
}

XpTopology *
xp_topology_new_host (GError **error)
{
  hwloc_topology_t topo;
  /* The whole machine, not only the CPUs and nodes this process may use
   * (as for XML files, see above). */
  if (hwloc_topology_init (&topo) < 0
      || hwloc_topology_set_flags (topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) < 0
      || hwloc_topology_load (topo) < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_UNSUPPORTED, "host: hwloc cannot read this machine's topology");
      return NULL;
    }
  XpTopology *t = from_hwloc (topo, "host", TRUE, error);
  hwloc_topology_destroy (topo);
  if (t)
    {
      g_free (t->name);
      t->name = g_strdup ("host");
      if (!t->source)
        t->source = g_strdup ("this machine, read by hwloc " HWLOC_VERSION);
    }
  return t;
}

/* Product of the level counts of a synthetic description ("pack:2 numa:2
 * core:8 pu:2" -> 64), saturating: hwloc would build a huge description
 * before xenplace's own limits are checked. It steps through the text as
 * hwloc 2.9's reader does (hwloc_backend_synthetic_init()), so that it
 * reads the very counts hwloc would build: blanks and newlines between
 * levels are skipped; '[' starts memory children that end at the next
 * ']'; a level that does not start with a digit is a type name, and its
 * count follows the next ':' anywhere after it (whatever stands between);
 * the count is read by strtoul() in base 0 (leading white space, a sign,
 * 0x for hex, 0 for octal); '(' right after the count, or at the very
 * start, opens attributes that end at the next ')'. Where hwloc would
 * refuse the text, the product so far is returned: hwloc then refuses it
 * itself. Tokenizing more loosely than this, as this function did before,
 * missed counts that hwloc reads (the fuzzer found "pack:3numa:919",
 * "core: 6", bare counts such as "2 2 8 33", counts on the next line, and
 * unbalanced parentheses inside a type name's junk, which hwloc skips). */
static guint64
synthetic_leaves (const char *desc)
{
  guint64 product = 1;
  const char *pos = desc;
  if (*pos == '(')
    {
      const char *close = strchr (pos + 1, ')');
      if (!close)
        return product;
      pos = close + 1;
    }
  for (;;)
    {
      while (*pos == ' ' || *pos == '\n')
        pos++;
      if (!*pos)
        return product;
      if (*pos == '[')
        {
          const char *close = strchr (pos + 1, ']');
          if (!close)
            return product;
          pos = close + 1;
          continue;
        }
      if (!g_ascii_isdigit (*pos))
        {
          const char *colon = strchr (pos, ':');
          if (!colon)
            return product;
          pos = colon + 1;
        }
      char *next;
      unsigned long n = strtoul (pos, &next, 0);
      if (next == pos || n == 0)
        return product;
      product = product > G_MAXUINT32 || n > G_MAXUINT32 ? G_MAXUINT64 : product * n;
      pos = next;
      if (*pos == '(')
        {
          const char *close = strchr (pos + 1, ')');
          if (!close)
            return product;
          pos = close + 1;
        }
    }
}

XpTopology *
xp__topology_from_hwloc_synthetic (const char *desc, const char *where, GError **error)
{
  if (synthetic_leaves (desc) > XP_MAX_CPUS)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "%s: '%s' describes more than %u CPUs", where, desc,
                   XP_MAX_CPUS);
      return NULL;
    }
  hwloc_topology_t topo;
  if (hwloc_topology_init (&topo) < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "%s: hwloc: cannot initialise", where);
      return NULL;
    }
  if (!*desc || hwloc_topology_set_synthetic (topo, desc) < 0 || hwloc_topology_load (topo) < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                   "%s: '%s' is not a valid hwloc synthetic description (e.g. 'pack:2 numa:2 core:8 pu:2')",
                   where, desc);
      hwloc_topology_destroy (topo);
      return NULL;
    }
  XpTopology *t = from_hwloc (topo, where, FALSE, error);
  hwloc_topology_destroy (topo);
  return t;
}

/* ---- XML export ----------------------------------------------------------
 *
 * We describe the topology to hwloc as a minimal XML skeleton (Machine,
 * Groups where a node is smaller or larger than a socket, Packages, NUMA
 * nodes, Cores, PUs, with their cpusets and nodesets), let hwloc load it,
 * add the SLIT with hwloc's distances API and let hwloc write the result.
 * Node os_index = node id, PU os_index = pCPU id, so loading the export
 * gives the same topology back. Memory-only nodes hang off the Machine with
 * subtype "MemoryOnly" so that they never win a PU (see the rule above).
 */

typedef struct {
  GString *s;
  const XpTopology *t;
  hwloc_bitmap_t cpus, nodes;
} Skel;

static void
skel_open (Skel *k, int depth, const char *type, guint os_index, gboolean close)
{
  char *c = NULL, *n = NULL;
  hwloc_bitmap_asprintf (&c, k->cpus);
  hwloc_bitmap_asprintf (&n, k->nodes);
  g_string_append_printf (k->s, "%*s<object type=\"%s\" os_index=\"%u\" cpuset=\"%s\" complete_cpuset=\"%s\" "
                          "nodeset=\"%s\" complete_nodeset=\"%s\"%s", depth * 2, "", type, os_index, c, c, n, n,
                          close ? "/>\n" : ">\n");
  free (c);
  free (n);
}

static void
skel_close (Skel *k, int depth)
{
  g_string_append_printf (k->s, "%*s</object>\n", depth * 2, "");
}

static void
set_node_cpus (Skel *k, guint node)
{
  hwloc_bitmap_zero (k->cpus);
  for (guint i = 0; i < k->t->nodes[node].n_cpus; i++)
    hwloc_bitmap_set (k->cpus, k->t->nodes[node].cpus[i]);
  hwloc_bitmap_only (k->nodes, node);
}

static void
skel_numa (Skel *k, int depth, guint node, const char *subtype)
{
  char *c = NULL;
  hwloc_bitmap_asprintf (&c, k->cpus);
  g_string_append_printf (k->s, "%*s<object type=\"NUMANode\" os_index=\"%u\" cpuset=\"%s\" complete_cpuset=\"%s\" "
                          "nodeset=\"0x%llx\" complete_nodeset=\"0x%llx\" local_memory=\"%" G_GUINT64_FORMAT "\"%s%s%s/>\n",
                          depth * 2, "", node, c, c, 1ULL << node, 1ULL << node,
                          k->t->nodes[node].memory_bytes, subtype ? " subtype=\"" : "", subtype ? subtype : "",
                          subtype ? "\"" : "");
  free (c);
}

/* Cores (and their PUs) of @node that sit on @socket. */
static void
skel_cores (Skel *k, int depth, guint node, guint socket)
{
  const XpTopology *t = k->t;
  const XpNode *nd = &t->nodes[node];
  for (guint i = 0; i < nd->n_cpus; i++)
    {
      const XpCpu *c = &t->cpus[nd->cpus[i]];
      if (c->socket != socket || c->thread != 0)
        continue;
      hwloc_bitmap_zero (k->cpus);
      for (guint j = 0; j < nd->n_cpus; j++)
        if (t->cpus[nd->cpus[j]].core == c->core)
          hwloc_bitmap_set (k->cpus, nd->cpus[j]);
      hwloc_bitmap_only (k->nodes, node);
      skel_open (k, depth, "Core", c->core, FALSE);
      for (guint j = 0; j < nd->n_cpus; j++)
        if (t->cpus[nd->cpus[j]].core == c->core)
          {
            hwloc_bitmap_only (k->cpus, nd->cpus[j]);
            skel_open (k, depth + 1, "PU", nd->cpus[j], TRUE);
          }
      skel_close (k, depth);
    }
}

static void
set_socket_cpus (Skel *k, guint socket)
{
  hwloc_bitmap_zero (k->cpus);
  hwloc_bitmap_zero (k->nodes);
  for (guint i = 0; i < k->t->n_cpus; i++)
    if (k->t->cpus[i].socket == socket)
      {
        hwloc_bitmap_set (k->cpus, i);
        hwloc_bitmap_set (k->nodes, k->t->cpus[i].node);
      }
}

static void
skel_package (Skel *k, int depth, guint socket, guint spanning_node)
{
  const XpTopology *t = k->t;
  set_socket_cpus (k, socket);
  skel_open (k, depth, "Package", socket, FALSE);
  if (spanning_node != G_MAXUINT)
    skel_cores (k, depth + 1, spanning_node, socket);
  for (guint n = 0; n < t->n_nodes; n++)
    {
      const XpNode *nd = &t->nodes[n];
      if (!nd->n_cpus || n == spanning_node || t->cpus[nd->cpus[0]].socket != socket)
        continue;
      /* Does node n cover the whole socket? */
      set_socket_cpus (k, socket);
      hwloc_bitmap_t sock = hwloc_bitmap_dup (k->cpus);
      set_node_cpus (k, n);
      gboolean whole = hwloc_bitmap_isequal (sock, k->cpus);
      hwloc_bitmap_free (sock);
      if (whole)
        {
          skel_numa (k, depth + 1, n, NULL);
          skel_cores (k, depth + 1, n, socket);
        }
      else
        {
          skel_open (k, depth + 1, "Group", n, FALSE);
          skel_numa (k, depth + 2, n, NULL);
          skel_cores (k, depth + 2, n, socket);
          skel_close (k, depth + 1);
        }
    }
  skel_close (k, depth);
}

/* Check the shape can be described: a core's threads on one node; a node
 * either inside one socket or made of whole sockets. Returns for each socket
 * the node spanning several sockets it belongs to, or G_MAXUINT. */
static gboolean
skel_plan (const XpTopology *t, guint *spanning, GError **error)
{
  for (guint s = 0; s < t->n_sockets; s++)
    spanning[s] = G_MAXUINT;
  for (guint i = 0; i < t->n_cpus; i++)
    for (guint j = i + 1; j < t->n_cpus; j++)
      if (t->cpus[i].core == t->cpus[j].core && t->cpus[i].node != t->cpus[j].node)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_UNSUPPORTED,
                       "export xml: core %u has threads on nodes %u and %u", t->cpus[i].core,
                       t->cpus[i].node, t->cpus[j].node);
          return FALSE;
        }
  for (guint n = 0; n < t->n_nodes; n++)
    {
      const XpNode *nd = &t->nodes[n];
      gboolean multi = FALSE;
      for (guint i = 1; i < nd->n_cpus; i++)
        multi |= t->cpus[nd->cpus[i]].socket != t->cpus[nd->cpus[0]].socket;
      if (!multi)
        continue;
      for (guint i = 0; i < t->n_cpus; i++)
        {
          gboolean in_node = t->cpus[i].node == n, socket_in_node = FALSE;
          for (guint j = 0; j < nd->n_cpus; j++)
            socket_in_node |= t->cpus[nd->cpus[j]].socket == t->cpus[i].socket;
          if (socket_in_node && !in_node)
            {
              g_set_error (error, XP_ERROR, XP_ERROR_UNSUPPORTED,
                           "export xml: node %u spans several sockets but not all of socket %u",
                           n, t->cpus[i].socket);
              return FALSE;
            }
          if (in_node)
            spanning[t->cpus[i].socket] = n;
        }
    }
  return TRUE;
}

static char *
skeleton_xml (const XpTopology *t, GError **error)
{
  g_autofree guint *spanning = g_new (guint, MAX (t->n_sockets, 1));
  if (!skel_plan (t, spanning, error))
    return NULL;
  Skel k = { g_string_new (NULL), t, hwloc_bitmap_alloc (), hwloc_bitmap_alloc () };
  g_string_append (k.s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
                        "<topology version=\"2.0\">\n");
  hwloc_bitmap_set_range (k.cpus, 0, (int) t->n_cpus - 1);
  hwloc_bitmap_set_range (k.nodes, 0, (int) t->n_nodes - 1);
  char *c = NULL, *n = NULL;
  hwloc_bitmap_asprintf (&c, k.cpus);
  hwloc_bitmap_asprintf (&n, k.nodes);
  g_string_append_printf (k.s, "  <object type=\"Machine\" os_index=\"0\" cpuset=\"%s\" complete_cpuset=\"%s\" "
                          "allowed_cpuset=\"%s\" nodeset=\"%s\" complete_nodeset=\"%s\" allowed_nodeset=\"%s\">\n",
                          c, c, c, n, n, n);
  free (c);
  free (n);
  hwloc_bitmap_t all = hwloc_bitmap_dup (k.cpus);
  for (guint node = 0; node < t->n_nodes; node++)
    {
      if (t->nodes[node].n_cpus == 0)
        {
          hwloc_bitmap_copy (k.cpus, all);
          skel_numa (&k, 2, node, MEMORY_ONLY_SUBTYPE);
          continue;
        }
      set_node_cpus (&k, node);
      if (hwloc_bitmap_isequal (k.cpus, all) && t->n_sockets > 1)
        skel_numa (&k, 2, node, NULL);
    }
  hwloc_bitmap_free (all);
  for (guint s = 0; s < t->n_sockets; s++)
    {
      guint span = spanning[s];
      if (span == G_MAXUINT || t->nodes[span].n_cpus == t->n_cpus)
        {
          skel_package (&k, 2, s, span);
          continue;
        }
      /* First socket of a node made of several sockets: a Group holds the
       * node and all its sockets. */
      if (s > 0 && spanning[s - 1] == span)
        continue;
      set_node_cpus (&k, span);
      skel_open (&k, 2, "Group", span, FALSE);
      skel_numa (&k, 3, span, NULL);
      for (guint s2 = s; s2 < t->n_sockets && spanning[s2] == span; s2++)
        skel_package (&k, 3, s2, span);
      skel_close (&k, 2);
    }
  g_string_append (k.s, "  </object>\n</topology>\n");
  hwloc_bitmap_free (k.cpus);
  hwloc_bitmap_free (k.nodes);
  return g_string_free (k.s, FALSE);
}

gboolean
xp__topology_export_xml (const XpTopology *t, GString *out, GError **error)
{
  g_autofree char *skel = skeleton_xml (t, error);
  if (!skel)
    return FALSE;
  hwloc_topology_t topo;
  if (hwloc_topology_init (&topo) < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "export xml: hwloc: cannot initialise");
      return FALSE;
    }
  gboolean ok = FALSE;
  if (hwloc_topology_set_xmlbuffer (topo, skel, (int) strlen (skel) + 1) < 0 || hwloc_topology_load (topo) < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "export xml: hwloc refused the topology");
      goto out;
    }
  hwloc_obj_t root = hwloc_get_root_obj (topo);
  if (t->name)
    hwloc_obj_add_info (root, INFO_NAME, t->name);
  if (t->description)
    hwloc_obj_add_info (root, INFO_DESCRIPTION, t->description);
  if (t->source)
    hwloc_obj_add_info (root, INFO_SOURCE, t->source);
  if (t->n_nodes > 1)
    {
      hwloc_obj_t objs[XP_MAX_NODES];
      for (guint n = 0; n < t->n_nodes; n++)
        objs[n] = hwloc_get_numanode_obj_by_os_index (topo, n);
      hwloc_uint64_t *values = g_new (hwloc_uint64_t, t->n_nodes * t->n_nodes);
      for (guint i = 0; i < t->n_nodes * t->n_nodes; i++)
        values[i] = t->distance[i];
      hwloc_distances_add_handle_t h =
        hwloc_distances_add_create (topo, "NUMALatency",
                                    HWLOC_DISTANCES_KIND_FROM_OS | HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0);
      gboolean added = h && hwloc_distances_add_values (topo, h, t->n_nodes, objs, values, 0) == 0
                       && hwloc_distances_add_commit (topo, h, 0) == 0;
      g_free (values);
      if (!added)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "export xml: hwloc refused the distance matrix");
          goto out;
        }
    }
  char *buf = NULL;
  int len = 0;
  if (hwloc_topology_export_xmlbuffer (topo, &buf, &len, 0) < 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_FAILED, "export xml: hwloc cannot write XML");
      goto out;
    }
  g_string_append (out, buf);
  hwloc_free_xmlbuffer (topo, buf);
  ok = TRUE;
out:
  hwloc_topology_destroy (topo);
  return ok;
}
