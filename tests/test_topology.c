/* xenplace tests — host topologies: the bundled library, round trips through
 * both export formats, real machines' hwloc XML, synthetic strings with the
 * xenplace extensions, and bad input. */
#include "config.h"
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "sim/error.h"
#include "sim/topology.h"
#include "tests/testutil.h"

#define GiB (G_GUINT64_CONSTANT (1) << 30)
#define KiB G_GUINT64_CONSTANT (1024)

static XpTopology *
load_ok (const char *spec)
{
  GError *error = NULL;
  XpTopology *t = xp_topology_load (spec, &error);
  ck_assert_msg (t != NULL, "%s: %s", spec, error ? error->message : "?");
  return t;
}

static gboolean
has_warning (const XpTopology *t, const char *needle)
{
  for (guint i = 0; t->warnings && t->warnings[i]; i++)
    if (strstr (t->warnings[i], needle))
      return TRUE;
  return FALSE;
}

/* ---- the bundled library --------------------------------------------------- */

typedef struct {
  const char *name;
  guint nodes, cpu_nodes, cpus, sockets;
  guint cores_per_node, threads;  /* on each node that has CPUs */
  guint64 mem[8];                 /* per node, GiB; mem[0] alone = all nodes */
  guint d01, d0last;              /* distance 0->1 and 0->(n-1) */
} Bundled;

/* Numbers follow from each file's synthetic string and keys, e.g.
 * intel-snc4-2s "pack:2 numa:4 core:14 pu:2": 2*4 = 8 nodes, 14*2 = 28 pCPUs
 * per node, 8*28 = 224 pCPUs; dist 10,12,21: node 1 shares socket 0 with node
 * 0 (12), node 7 is on socket 1 (21). */
static const Bundled bundled[] = {
  { "amd-epyc-nps1-2s", 2, 2, 256, 2, 64, 2, { 512 }, 32, 32 },
  { "amd-epyc-nps2-2s", 4, 4, 256, 2, 32, 2, { 256 }, 12, 32 },
  { "amd-epyc-nps4-2s", 8, 8, 256, 2, 16, 2, { 128 }, 11, 32 },
  { "cxl-2s", 4, 2, 208, 2, 52, 2, { 512, 512, 64, 128 }, 21, 24 },
  { "generic-2n", 2, 2, 32, 2, 8, 2, { 64 }, 21, 21 },
  { "generic-4n", 4, 4, 64, 4, 8, 2, { 128 }, 16, 22 },
  { "intel-cod-2s", 4, 4, 56, 2, 7, 2, { 64 }, 21, 31 },
  { "intel-snc2-2s", 4, 4, 80, 2, 10, 2, { 96 }, 11, 21 },
  { "intel-snc4-2s", 8, 8, 224, 2, 14, 2, { 128 }, 12, 21 },
  { "intel-xeon-2s", 2, 2, 80, 2, 20, 2, { 192 }, 21, 21 },
  { "intel-xeon-4s", 4, 4, 224, 4, 28, 2, { 384 }, 21, 21 },
  { "intel-xeon-8s", 8, 8, 448, 8, 28, 2, { 384 }, 21, 31 },
};

START_TEST (test_bundled_list)
{
  /* Every bundled file is described in the table above, and vice versa. */
  g_auto (GStrv) names = xp_topology_bundled_names ();
  ck_assert_uint_eq (g_strv_length (names), G_N_ELEMENTS (bundled));
  for (guint i = 0; i < G_N_ELEMENTS (bundled); i++)
    ck_assert_str_eq (names[i], bundled[i].name);
}
END_TEST

START_TEST (test_bundled_shape)
{
  const Bundled *b = &bundled[_i];
  g_autoptr (XpTopology) t = load_ok (b->name);
  ck_assert_str_eq (t->name, b->name);
  ck_assert_ptr_nonnull (t->description);
  ck_assert_ptr_nonnull (t->source);
  ck_assert_uint_eq (t->n_nodes, b->nodes);
  ck_assert_uint_eq (xp_topology_n_cpu_nodes (t), b->cpu_nodes);
  ck_assert_uint_eq (t->n_cpus, b->cpus);
  ck_assert_uint_eq (t->n_sockets, b->sockets);
  ck_assert_msg (t->warnings == NULL, "%s: unexpected note '%s'", b->name, t->warnings ? t->warnings[0] : "");
  guint64 total = 0;
  guint next_cpu = 0;
  for (guint n = 0; n < t->n_nodes; n++)
    {
      const XpNode *node = &t->nodes[n];
      ck_assert_uint_eq (node->id, n);
      guint64 want = (b->mem[1] ? b->mem[n] : b->mem[0]) * GiB;
      ck_assert_uint_eq (node->memory_bytes, want);
      total += want;
      if (n < b->cpu_nodes)
        {
          ck_assert_uint_eq (node->n_cpus, b->cpus / b->cpu_nodes);
          ck_assert_uint_eq (node->n_cores, b->cores_per_node);
        }
      else
        {
          ck_assert_uint_eq (node->n_cpus, 0);
          ck_assert_uint_eq (node->n_cores, 0);
        }
      /* pCPUs ascend node by node; SMT siblings are adjacent. */
      for (guint i = 0; i < node->n_cpus; i++)
        {
          const XpCpu *c = &t->cpus[node->cpus[i]];
          ck_assert_uint_eq (node->cpus[i], next_cpu++);
          ck_assert_uint_eq (c->node, n);
          ck_assert_uint_eq (c->thread, i % b->threads);
          ck_assert_uint_eq (c->core, node->cpus[i] / b->threads);
        }
    }
  ck_assert_uint_eq (xp_topology_total_memory (t), total);
  for (guint i = 0; i < t->n_nodes; i++)
    for (guint j = 0; j < t->n_nodes; j++)
      {
        ck_assert_uint_eq (xp_topology_distance (t, i, j), xp_topology_distance (t, j, i));
        if (i == j)
          ck_assert_uint_eq (xp_topology_distance (t, i, j), 10);
        else
          ck_assert_uint_gt (xp_topology_distance (t, i, j), 10);
      }
  ck_assert_uint_eq (xp_topology_distance (t, 0, 1), b->d01);
  ck_assert_uint_eq (xp_topology_distance (t, 0, t->n_nodes - 1), b->d0last);

  g_autoptr (GString) out = g_string_new (NULL);
  xp_topology_print (t, out);
  ck_assert_ptr_nonnull (strstr (out->str, b->name));
  ck_assert_ptr_nonnull (strstr (out->str, "distances:"));
  ck_assert_ptr_nonnull (strstr (out->str, t->source));
}
END_TEST

START_TEST (test_bundled_round_trip)
{
  const Bundled *b = &bundled[_i];
  g_autoptr (XpTopology) t = load_ok (b->name);
  g_autofree char *dir = xp_test_tmpdir ();

  g_autoptr (GError) error = NULL;
  g_autoptr (GString) xml = g_string_new (NULL);
  ck_assert_msg (xp_topology_export (t, "xml", xml, &error), "%s", error ? error->message : "");
  g_autofree char *path = xp_test_write (dir, "export.xml", xml->str);
  g_autoptr (XpTopology) from_xml = load_ok (path);
  ck_assert_msg (xp_topology_equal (t, from_xml), "%s: xml round trip differs", b->name);
  ck_assert_str_eq (from_xml->name, b->name);   /* carried as an hwloc info */
  ck_assert_ptr_null (from_xml->warnings);

  g_autoptr (GString) syn = g_string_new (NULL);
  ck_assert_msg (xp_topology_export (t, "synthetic", syn, &error), "%s", error ? error->message : "");
  ck_assert (g_str_has_prefix (syn->str, "synthetic:"));
  g_autoptr (XpTopology) from_syn = load_ok (syn->str);
  ck_assert_msg (xp_topology_equal (t, from_syn), "%s: synthetic round trip differs (%s)", b->name, syn->str);
  g_autoptr (XpTopology) from_syn2 = xp_topology_new_synthetic (syn->str, &error);
  ck_assert (from_syn2 && xp_topology_equal (t, from_syn2));

  g_autoptr (XpTopology) copy = xp_topology_copy (t);
  ck_assert (xp_topology_equal (t, copy));
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_bundled_xml_matches_ini)
{
  /* topologies/generic-4n.xml (used by ./bootstrap) is the export of the .ini. */
  g_autofree char *xml = xp_test_srcpath ("topologies/generic-4n.xml");
  g_autoptr (XpTopology) a = load_ok (xml);
  g_autoptr (XpTopology) b = load_ok ("generic-4n");
  ck_assert (xp_topology_equal (a, b));
}
END_TEST

START_TEST (test_equal_detects_differences)
{
  g_autoptr (XpTopology) a = load_ok ("generic-2n");
  g_autoptr (XpTopology) b = xp_topology_copy (a);
  b->distance[1] = 22;
  ck_assert (!xp_topology_equal (a, b));
  b->distance[1] = 21;
  ck_assert (xp_topology_equal (a, b));
  b->nodes[1].memory_bytes--;
  ck_assert (!xp_topology_equal (a, b));
  b->nodes[1].memory_bytes++;
  b->cpus[3].thread = 0;
  ck_assert (!xp_topology_equal (a, b));
}
END_TEST

START_TEST (test_masks)
{
  /* generic-4n: node n holds pCPUs 16n .. 16n+15. */
  g_autoptr (XpTopology) t = load_ok ("generic-4n");
  XpCpumask m;
  xp_topology_node_cpumask (t, 2, &m);
  ck_assert_uint_eq (xp_cpumask_weight (&m), 16);
  ck_assert (xp_cpumask_test (&m, 32) && xp_cpumask_test (&m, 47));
  ck_assert (!xp_cpumask_test (&m, 31) && !xp_cpumask_test (&m, 48));
  xp_topology_nodes_cpumask (t, xp_nodemask_of (1) | xp_nodemask_of (3), &m);
  ck_assert_uint_eq (xp_cpumask_weight (&m), 32);
  g_autofree char *s = xp_cpumask_format (&m);
  ck_assert_str_eq (s, "16-31,48-63");
  XpCpumask few;
  xp_cpumask_clear (&few);
  xp_cpumask_set (&few, 5);
  xp_cpumask_set (&few, 50);
  ck_assert_uint_eq (xp_topology_cpumask_nodes (t, &few), xp_nodemask_of (0) | xp_nodemask_of (3));
  ck_assert_uint_eq (xp_topology_total_memory (t), 512 * GiB);
}
END_TEST

/* ---- synthetic strings ---------------------------------------------------- */

START_TEST (test_synthetic_rules)
{
  GError *error = NULL;
  /* Three values: local, same package, other package. Nodes 0,1 are on
   * package 0 and 2,3 on package 1. */
  g_autoptr (XpTopology) t = xp_topology_new_synthetic ("pack:2 numa:2 core:4 pu:2; mem=32GiB,32GiB,16GiB,16GiB; dist=10,12,32", &error);
  ck_assert_msg (t != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (t->name, "synthetic");
  ck_assert_uint_eq (t->n_nodes, 4);
  ck_assert_uint_eq (t->n_cpus, 32);
  ck_assert_uint_eq (t->nodes[2].memory_bytes, 16 * GiB);
  ck_assert_uint_eq (t->nodes[1].memory_bytes, 32 * GiB);
  ck_assert_uint_eq (xp_topology_distance (t, 0, 1), 12);
  ck_assert_uint_eq (xp_topology_distance (t, 3, 2), 12);
  ck_assert_uint_eq (xp_topology_distance (t, 1, 2), 32);
  ck_assert_uint_eq (t->cpus[9].socket, 0);    /* node 1 = pCPUs 8-15, package 0 */
  ck_assert_uint_eq (t->cpus[16].socket, 1);
  ck_assert_uint_eq (t->cpus[9].core, 4);      /* pCPU 9 = second thread of core 4 */
  ck_assert_uint_eq (t->cpus[9].thread, 1);
  ck_assert_ptr_null (t->warnings);

  /* Full matrix, asymmetric: accepted and noted. */
  g_autoptr (XpTopology) a = xp_topology_new_synthetic ("synthetic:pack:2 numa:1 core:2 pu:1; mem=1GiB; dist=10,16,18,10", &error);
  ck_assert_msg (a != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (xp_topology_distance (a, 0, 1), 16);
  ck_assert_uint_eq (xp_topology_distance (a, 1, 0), 18);
  ck_assert (has_warning (a, "asymmetric"));

  /* No distances: 10 local, 20 remote, and a note saying so. hwloc's own
   * default of 1 GiB per node stands without mem=. */
  g_autoptr (XpTopology) d = load_ok ("synthetic:pack:2 numa:1 core:2 pu:2");
  ck_assert_uint_eq (xp_topology_distance (d, 0, 1), 20);
  ck_assert_uint_eq (d->nodes[0].memory_bytes, 1 * GiB);
  ck_assert (has_warning (d, "no distances"));

  /* Memory-only nodes: cpuless=1 puts a CPU-less node between the two CPU nodes. */
  g_autoptr (XpTopology) c = load_ok ("synthetic:pack:2 numa:1 core:2 pu:1; cpuless=1; mem=8GiB,4GiB,8GiB; dist=10,21");
  ck_assert_uint_eq (c->n_nodes, 3);
  ck_assert_uint_eq (c->nodes[1].n_cpus, 0);
  ck_assert_uint_eq (c->nodes[2].n_cpus, 2);
  ck_assert_uint_eq (c->nodes[2].cpus[0], 2);
  ck_assert_uint_eq (c->cpus[2].node, 2);
  ck_assert_uint_eq (c->nodes[1].memory_bytes, 4 * GiB);
  g_autoptr (GString) syn = g_string_new (NULL);
  ck_assert (xp_topology_export (c, "synthetic", syn, &error));
  ck_assert_str_eq (syn->str, "synthetic:pack:2 numa:1 core:2 pu:1; cpuless=1; mem=8GiB,4GiB,8GiB; dist=10,21");

  /* A node made of two sockets ("numa" above "pack"). */
  g_autoptr (XpTopology) w = load_ok ("synthetic:numa:2 pack:2 core:3 pu:2; mem=16GiB; dist=10,20");
  ck_assert_uint_eq (w->n_sockets, 4);
  ck_assert_uint_eq (w->nodes[0].n_cores, 6);
  g_autoptr (GString) wx = g_string_new (NULL);
  ck_assert (xp_topology_export (w, "xml", wx, &error));
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = xp_test_write (dir, "wide.xml", wx->str);
  g_autoptr (XpTopology) wb = load_ok (path);
  ck_assert (xp_topology_equal (w, wb));
  g_string_truncate (wx, 0);
  ck_assert (xp_topology_export (w, "synthetic", wx, &error));
  g_autoptr (XpTopology) ws = load_ok (wx->str);
  ck_assert (xp_topology_equal (w, ws));
  xp_test_rmtree (dir);
}
END_TEST

/* ---- real machines ----------------------------------------------------------- */

/* ../shared/hwloc-xml beside the source tree (where CI puts it), or the
 * folder named by XP_HWLOC_XML_DIR; NULL (test skipped) when absent. */
static char *
hwloc_xml_dir (void)
{
  const char *top = g_getenv ("XP_SRCDIR"), *over = g_getenv ("XP_HWLOC_XML_DIR");
  char *dir = over && *over ? g_strdup (over)
                            : g_build_filename (top ? top : XP_SRCDIR, "..", "shared", "hwloc-xml", NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_free (dir);
      return NULL;
    }
  return dir;
}

static XpTopology *
load_real (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  return load_ok (path);
}

START_TEST (test_real_machines)
{
  g_autofree char *dir = hwloc_xml_dir ();
  if (!dir)
    {
      fprintf (stderr, "SKIP test_real_machines: ../shared/hwloc-xml not present\n");
      return;
    }
  /* Numbers read from the files (lstopo --distances; NUMANode local_memory). */
  {
    /* 8 nodes listed in os order 1,0,2,5,4,3,6,7; all remote distances 20.
     * Node os 0 has 8386704 KiB and sits in the second package. */
    g_autoptr (XpTopology) t = load_real (dir, "16amd64-4distances.xml");
    ck_assert_uint_eq (t->n_nodes, 8);
    ck_assert_uint_eq (t->n_cpus, 16);
    ck_assert_uint_eq (t->nodes[0].memory_bytes, 8386704 * KiB);
    ck_assert_uint_eq (t->nodes[1].memory_bytes, 8388608 * KiB);
    ck_assert_uint_eq (xp_topology_distance (t, 0, 7), 20);
    ck_assert_uint_eq (xp_topology_distance (t, 5, 3), 20);
  }
  {
    /* Nodes os 1..5; os 4 and 5 have no CPUs; PUs 0,1,12-15 are in no node. */
    g_autoptr (XpTopology) t = load_real (dir, "16amd64-8n2c-cpusets.xml");
    ck_assert_uint_eq (t->n_nodes, 5);
    ck_assert_uint_eq (t->n_cpus, 4);
    ck_assert_uint_eq (t->nodes[0].n_cpus, 2);
    ck_assert_uint_eq (t->nodes[3].n_cpus, 0);
    ck_assert_uint_eq (t->nodes[4].n_cpus, 0);
    ck_assert_uint_eq (t->nodes[4].memory_bytes, 8 * GiB);
    ck_assert (has_warning (t, "6 PUs"));
  }
  {
    /* A non-NUMA machine: one node, 4 packages x 2 cores x 2 threads. */
    g_autoptr (XpTopology) t = load_real (dir, "16em64t-4s2c2t.xml");
    ck_assert_uint_eq (t->n_nodes, 1);
    ck_assert_uint_eq (t->n_cpus, 16);
    ck_assert_uint_eq (t->n_sockets, 4);
    ck_assert_uint_eq (t->nodes[0].n_cores, 8);
    ck_assert_uint_eq (t->cpus[1].thread, 1);
  }
  {
    /* 24 nodes; pairs on a board at 50, then 65 and 79. */
    g_autoptr (XpTopology) t = load_real (dir, "192em64t-24n8c2t.xml");
    ck_assert_uint_eq (t->n_nodes, 24);
    ck_assert_uint_eq (t->n_cpus, 384);
    ck_assert_uint_eq (xp_topology_distance (t, 0, 1), 50);
    ck_assert_uint_eq (xp_topology_distance (t, 0, 2), 65);
    ck_assert_uint_eq (xp_topology_distance (t, 0, 10), 79);
    ck_assert_uint_eq (xp_topology_distance (t, 23, 22), 50);
    ck_assert_uint_eq (t->nodes[0].memory_bytes, 32475908 * KiB);
  }
  {
    g_autoptr (XpTopology) t = load_real (dir, "24em64t-2n6c2t-pci.xml");
    ck_assert_uint_eq (t->n_nodes, 2);
    ck_assert_uint_eq (t->n_cpus, 24);
    ck_assert_uint_eq (xp_topology_distance (t, 1, 0), 20);
  }
  {
    /* Cluster-on-Die: 21 between the clusters of a die, 31 across. */
    g_autoptr (XpTopology) t = load_real (dir, "28intel64-2p2g7c-CoDgroups.v1tov2.xml");
    ck_assert_uint_eq (t->n_nodes, 4);
    ck_assert_uint_eq (t->n_cpus, 28);
    ck_assert_uint_eq (t->n_sockets, 2);
    ck_assert_uint_eq (xp_topology_distance (t, 0, 1), 21);
    ck_assert_uint_eq (xp_topology_distance (t, 0, 2), 31);
    ck_assert_uint_eq (xp_topology_distance (t, 2, 3), 21);
    ck_assert_uint_eq (t->nodes[0].memory_bytes, 16503516 * KiB);
  }
  {
    /* PU P#0 and P#16 are the threads of core 0: pCPUs 0 and 1. */
    g_autoptr (XpTopology) t = load_real (dir, "32em64t-2n8c2t-pci-noio.xml");
    ck_assert_uint_eq (t->n_nodes, 2);
    ck_assert_uint_eq (t->n_cpus, 32);
    ck_assert_uint_eq (t->cpus[0].core, t->cpus[1].core);
    ck_assert_uint_eq (t->cpus[1].thread, 1);
    ck_assert_uint_eq (xp_topology_distance (t, 0, 1), 20);
  }
  {
    /* An SGI UV2000 exported from a process allowed on nodes 0-1 only
     * (allowed_cpuset 0xffff, allowed_nodeset 0x3): the machine is still
     * 8 packages of one node and 8 single-thread cores each, 64 pCPUs.
     * Matrix row 7 of the file reads 65 65 79 79 65 79 79 10. */
    g_autoptr (XpTopology) t = load_real (dir, "64intel64-3g2n+2n-irregulargroups+pci.xml");
    ck_assert_uint_eq (t->n_nodes, 8);
    ck_assert_uint_eq (t->n_cpus, 64);
    ck_assert_uint_eq (t->n_sockets, 8);
    ck_assert_uint_eq (t->nodes[7].n_cpus, 8);
    ck_assert_uint_eq (t->nodes[7].memory_bytes, 33269219328);
    ck_assert_uint_eq (xp_topology_distance (t, 0, 1), 50);
    ck_assert_uint_eq (xp_topology_distance (t, 7, 2), 79);
    ck_assert_uint_eq (xp_topology_distance (t, 7, 4), 65);
  }
  {
    /* No distance matrix and no Core objects: 10/20 assumed, each PU a core. */
    g_autoptr (XpTopology) t = load_real (dir, "8intel64-4n2t-memattrs.xml");
    ck_assert_uint_eq (t->n_nodes, 4);
    ck_assert_uint_eq (t->n_cpus, 8);
    ck_assert_uint_eq (t->nodes[3].n_cores, 2);
    ck_assert_uint_eq (xp_topology_distance (t, 0, 3), 20);
    ck_assert (has_warning (t, "no NUMA distance matrix"));
  }
  {
    /* 4 nodes of 4 packages each, 26 between nodes. */
    g_autoptr (XpTopology) t = load_real (dir, "96em64t-4n4d3ca2co-pci.xml");
    ck_assert_uint_eq (t->n_nodes, 4);
    ck_assert_uint_eq (t->n_cpus, 96);
    ck_assert_uint_eq (t->n_sockets, 16);
    ck_assert_uint_eq (xp_topology_distance (t, 3, 0), 26);
  }
}
END_TEST

START_TEST (test_real_machines_round_trip)
{
  /* Irregular real shapes have no synthetic form, but the XML export must
   * still give every one of them back. */
  g_autofree char *dir = hwloc_xml_dir ();
  if (!dir)
    {
      fprintf (stderr, "SKIP test_real_machines_round_trip: ../shared/hwloc-xml not present\n");
      return;
    }
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *tmp = xp_test_tmpdir ();
  const char *f;
  guint n = 0;
  while ((f = g_dir_read_name (d)))
    {
      if (!g_str_has_suffix (f, ".xml"))
        continue;
      g_autoptr (XpTopology) t = load_real (dir, f);
      g_autoptr (GString) xml = g_string_new (NULL);
      g_autoptr (GError) error = NULL;
      ck_assert_msg (xp_topology_export (t, "xml", xml, &error), "%s: %s", f, error ? error->message : "");
      g_autofree char *path = xp_test_write (tmp, "rt.xml", xml->str);
      g_autoptr (XpTopology) back = load_ok (path);
      ck_assert_msg (xp_topology_equal (t, back), "%s: xml round trip differs", f);
      n++;
    }
  ck_assert_uint_eq (n, 10);
  xp_test_rmtree (tmp);
}
END_TEST

START_TEST (test_host)
{
  g_autoptr (XpTopology) t = load_ok ("host");
  ck_assert_str_eq (t->name, "host");
  ck_assert_uint_ge (t->n_nodes, 1);
  ck_assert_uint_ge (t->n_cpus, 1);
}
END_TEST

/* ---- bad input ------------------------------------------------------------ */

static const char good_ini[] =
  "[topology]\n"                          /* 1 */
  "name = t\n"                            /* 2 */
  "synthetic = pack:2 numa:1 core:2 pu:1\n" /* 3 */
  "memory = 4GiB\n"                       /* 4 */
  "distances = 10,21\n";                  /* 5 */

typedef struct {
  const char *contents;
  const char *needle;   /* besides the file name */
} BadIni;

static const BadIni bad_inis[] = {
  { "[topology]\nname = t\nthis line is not a pair\n", ":3: expected 'key = value'" },
  { "[topology]\nname = t\n[colours]\n", ":3: group [colours]: unknown" },
  { "[topology]\nname = t\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\ncolour = red\n", ":5: [topology] colour: unknown key" },
  { "[topology]\nname = t\nmemory = 4GiB\n", "[topology] synthetic: missing" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\n", "[topology] memory: missing" },
  { "[topology]\nsynthetic = pack:2 fish:1\nmemory = 4GiB\n", ":2: synthetic: 'pack:2 fish:1' is not a valid hwloc" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB, 4GiB, 4GiB\n", ":3: memory: expected one size for all nodes or 2 sizes" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4 bananas\n", ":3: memory: item 1 '4 bananas' is not a size" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\ndistances = 10,21,31,41,51\n", ":4: distances: expected 2 values" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\ndistances = 12,21\n", ":4: distances: distance from node 0 to itself is 12, expected 10" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\ndistances = 10,5,5,10\n", ":4: distances: distance from node 0 to node 1 is 5" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\ndistances = 10,x\n", ":4: distances: item 2 'x' is not a whole number" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\n\n[distances]\n0 = 10,21\n1 = 21,10,30\n", ":7: [distances] 1: expected 2 distances, got 3" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\n\n[distances]\n0 = 10,21\n1 = 21,9\n", ":7: [distances] 1: distance from node 1 to itself is 9" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\n\n[distances]\n0 = 10,21\n", "[distances]: 1 rows for 2 nodes" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\nmemory-only = 7\n", ":4: memory-only: '7' must name" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\nmemory-only = 2,3,2\n", ":4: memory-only: '2,3,2' names node 2 more than once" },
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1; mem=4GiB\nmemory = 4GiB\n", ":2: synthetic: ';' extensions" },
  /* found by the fuzzer: a row that is not UTF-8 used to leak the rows after it */
  { "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = 4GiB\n\n[distances]\n0 = 10,\xe7 21\n1 = 21,10\n", ":6: [distances] 0:" },
};

/* A description file with a UTF-8 byte order mark loads as without it
 * (it was refused: "expected 'key = value', '[group]' or a '#' comment"
 * on line 1, which reads "[topology]"). */
START_TEST (test_ini_bom)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *text = g_strconcat ("\xef\xbb\xbf", good_ini, NULL);
  g_autofree char *path = xp_test_write (dir, "bom.ini", text);
  g_autoptr (XpTopology) t = load_ok (path);
  ck_assert_str_eq (t->name, "t");
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_bad_ini)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *good = xp_test_write (dir, "good.ini", good_ini);
  g_autoptr (XpTopology) ok = load_ok (good);
  ck_assert_str_eq (ok->name, "t");

  const BadIni *b = &bad_inis[_i];
  g_autofree char *path = xp_test_write (dir, "bad-input.ini", b->contents);
  g_autoptr (GError) error = NULL;
  XpTopology *t = xp_topology_load (path, &error);
  ck_assert_msg (t == NULL, "case %d: loaded", _i);
  xp_assert_error_contains (error, path);
  xp_assert_error_contains (error, b->needle);
  ck_assert (error->domain == XP_ERROR);
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_bad_files)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autoptr (GError) error = NULL;

  g_autofree char *missing = g_build_filename (dir, "nowhere.ini", NULL);
  ck_assert_ptr_null (xp_topology_load (missing, &error));
  xp_assert_error_contains (error, missing);
  xp_assert_error_contains (error, "cannot read");
  ck_assert_int_eq (error->code, XP_ERROR_IO);
  g_clear_error (&error);

  g_autofree char *missing_xml = g_build_filename (dir, "nowhere.xml", NULL);
  ck_assert_ptr_null (xp_topology_load (missing_xml, &error));
  xp_assert_error_contains (error, missing_xml);
  g_clear_error (&error);

  g_autofree char *bad = xp_test_write (dir, "bad.xml", "<topology version=\"2.0\"><object type=");
  ck_assert_ptr_null (xp_topology_load (bad, &error));
  xp_assert_error_contains (error, bad);
  xp_assert_error_contains (error, "XML: not an hwloc 2.x topology");
  g_clear_error (&error);

  /* An XML whose SLIT has a distance below 10: export generic-2n and break
   * its first off-diagonal value. */
  g_autoptr (XpTopology) t = load_ok ("generic-2n");
  g_autoptr (GString) xml = g_string_new (NULL);
  ck_assert (xp_topology_export (t, "xml", xml, NULL));
  /* "05" keeps the element's recorded text length. */
  ck_assert_uint_eq (g_string_replace (xml, ">10 21 21 10 <", ">10 05 21 10 <", 1), 1);
  g_autofree char *slit = xp_test_write (dir, "slit.xml", xml->str);
  ck_assert_ptr_null (xp_topology_load (slit, &error));
  xp_assert_error_contains (error, slit);
  xp_assert_error_contains (error, "distances: distance from node 0 to node 1 is 5");
  g_clear_error (&error);

  ck_assert_ptr_null (xp_topology_load ("no-such-machine", &error));
  xp_assert_error_contains (error, "no-such-machine");
  xp_assert_error_contains (error, "generic-4n");   /* lists what is bundled */
  g_clear_error (&error);

  ck_assert_ptr_null (xp_topology_load ("machine.json", &error));
  xp_assert_error_contains (error, "unknown topology file type");
  g_clear_error (&error);

  g_autoptr (GString) out = g_string_new (NULL);
  ck_assert (!xp_topology_export (t, "yaml", out, &error));
  xp_assert_error_contains (error, "'yaml'");
  g_clear_error (&error);
  xp_test_rmtree (dir);
}
END_TEST

static const struct {
  const char *desc, *needle;
} bad_synthetic[] = {
  { "pack:2 banana:3", "synthetic: 'pack:2 banana:3' is not a valid hwloc synthetic description" },
  { "", "synthetic: '' is not a valid" },
  { "pack:2 numa:1 core:2 pu:1; colour=red", "synthetic: 'colour': unknown option" },
  { "pack:2 numa:1 core:2 pu:1; mem=", "synthetic: mem: missing value" },
  { "pack:2 numa:1 core:2 pu:1; mem=1GiB; mem=2GiB", "synthetic: mem: given twice" },
  { "pack:2 numa:1 core:2 pu:1; mem=1GiB,2GiB,3GiB", "synthetic: mem: expected one size for all nodes or 2 sizes" },
  { "pack:2 numa:1 core:2 pu:1; dist=10", "synthetic: dist: expected 2 values" },
  { "pack:2 numa:1 core:2 pu:1; dist=10,300", "synthetic: dist: distance from node 0 to node 1 is 300" },
  { "pack:2 numa:1 core:2 pu:1; dist=11,20,20,10", "synthetic: dist: distance from node 0 to itself is 11" },
  { "pack:2 numa:1 core:2 pu:1; cpuless=2", "synthetic: cpuless: memory-only nodes need their memory" },
  { "pack:2 numa:1 core:2 pu:1; cpuless=x", "synthetic: cpuless: 'x' is not a node list" },
  /* the total is hwloc's nodes plus the list's length: a repeated id gave a
   * node fewer (2,2 made 3 nodes, not 4) */
  { "pack:2 numa:1 core:2 pu:1; cpuless=2,2; mem=1GiB", "synthetic: cpuless: '2,2' names node 2 more than once" },
  { "pack:2 numa:1 core:2 pu:1; cpuless=1-3,3; mem=1GiB", "synthetic: cpuless: '1-3,3' names node 3 more than once" },
  /* 65 nodes and 9*57*2 = 1026 CPUs are beyond Xen's MAX_NUMNODES and our CPU bound. */
  { "numa:65 core:1 pu:1", "synthetic: NUMA nodes: 65, at most 64" },
  { "pack:9 numa:1 core:57 pu:2", "describes more than 1024 CPUs" },
  /* found by the fuzzer: hwloc used to build all 33156 PUs (seconds) before the limit applied */
  { "pack:2 numa:2 core:9 pu:921", "describes more than 1024 CPUs" },
  /* found by the fuzzer in CI: bare counts went uncounted, and hwloc spent
   * minutes building 2.2 billion PUs */
  { "2211777777", "describes more than 1024 CPUs" },
  { "2 2 8 33", "describes more than 1024 CPUs" },
  /* and longer runs found more that hwloc reads: levels without a space
   * between them, a space after the colon, a count on the next line */
  { "pack:3numa:919 core:1pu :8", "describes more than 1024 CPUs" },
  { "pack:1 core: 6\n3642", "describes more than 1024 CPUs" },
  /* and in CI: hwloc takes a type name's count from the next ':' anywhere
   * after it, skipping the junk between (here unbalanced parentheses,
   * which hid the rest from the count), and reads counts in base 0:
   * 8 x octal 012244 = 8 x 5284 PUs */
  { "pac000000000000000000\x17" "000000000000<0000000000000000020000000,00000000((((((((((((((((((((00000 core:8 "
    "pu:00000000000000000012244", "describes more than 1024 CPUs" },
  { "pack:2 numa:1 core:0x201 pu:1", "describes more than 1024 CPUs" },     /* 2 x 513 */
  { "pack:2 numa:1 core:01001 pu:1", "describes more than 1024 CPUs" },     /* 2 x octal 513 */
  { "pack:2(memory=1GB) numa:1 core:600 pu:1", "describes more than 1024 CPUs" },
};

/* Forms hwloc's reader takes, read as it reads them (CPUs worked out from
 * each level's count): bare counts, a blank after the colon, cache levels
 * with digits in their names, hex and octal counts, attributes. */
static const struct {
  const char *desc;
  guint cpus;
} loose_synthetic[] = {
  { "2 2 8 2", 64 },
  { "pack:1 core: 6 pu:2", 12 },
  { "pack:2 L3:1 L2:4 core:1 pu:2", 16 },
  { "pack:0x2 numa:1 core:010 pu:1", 16 },
  { "pack:2(memory=1GB) numa:1 core:4 pu:2", 16 },
  { "pack:2 numa:1 core:2\npu:3", 12 },
};

START_TEST (test_loose_synthetic)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (XpTopology) t = xp_topology_new_synthetic (loose_synthetic[_i].desc, &error);
  ck_assert_msg (t != NULL, "'%s': %s", loose_synthetic[_i].desc, error ? error->message : "?");
  ck_assert_uint_eq (t->n_cpus, loose_synthetic[_i].cpus);
}
END_TEST

START_TEST (test_bad_synthetic)
{
  g_autoptr (GError) error = NULL;
  XpTopology *t = xp_topology_new_synthetic (bad_synthetic[_i].desc, &error);
  ck_assert_msg (t == NULL, "'%s' loaded", bad_synthetic[_i].desc);
  xp_assert_error_contains (error, bad_synthetic[_i].needle);
}
END_TEST

START_TEST (test_topology_dir_override)
{
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *p = xp_test_write (dir, "tiny.ini", good_ini);
  g_autofree char *saved = g_strdup (g_getenv ("XENPLACE_TOPOLOGY_DIR"));
  g_setenv ("XENPLACE_TOPOLOGY_DIR", dir, TRUE);
  ck_assert_str_eq (xp_topology_dir (), dir);
  g_auto (GStrv) names = xp_topology_bundled_names ();
  ck_assert_uint_eq (g_strv_length (names), 1);
  ck_assert_str_eq (names[0], "tiny");
  g_autoptr (XpTopology) t = load_ok ("tiny");
  ck_assert_uint_eq (t->n_cpus, 4);
  if (saved)
    g_setenv ("XENPLACE_TOPOLOGY_DIR", saved, TRUE);
  else
    g_unsetenv ("XENPLACE_TOPOLOGY_DIR");
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_export_irregular_synthetic)
{
  /* Nodes of different sizes have no synthetic form: a clear refusal. */
  g_autoptr (XpTopology) t = load_ok ("generic-2n");
  g_autoptr (XpTopology) odd = xp_topology_copy (t);
  odd->nodes[1].n_cpus = 14;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (!xp_topology_export (odd, "synthetic", out, &error));
  xp_assert_error_contains (error, "export synthetic");
}
END_TEST


START_TEST (test_memory_only_tie)
{
  /* Node 0 is memory-only and has a lower id than the only CPU node; in the
   * XML both hang where their cpusets are equal (the whole machine), so only
   * the "MemoryOnly" subtype keeps the pCPUs on node 1 when read back. */
  g_autoptr (XpTopology) t = load_ok ("synthetic:pack:1 numa:1 core:2 pu:1; cpuless=0; mem=4GiB; dist=10,30");
  ck_assert_uint_eq (t->nodes[0].n_cpus, 0);
  ck_assert_uint_eq (t->nodes[1].n_cpus, 2);
  g_autoptr (GString) xml = g_string_new (NULL);
  ck_assert (xp_topology_export (t, "xml", xml, NULL));
  ck_assert_ptr_nonnull (strstr (xml->str, "subtype=\"MemoryOnly\""));
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = xp_test_write (dir, "tie.xml", xml->str);
  g_autoptr (XpTopology) back = load_ok (path);
  ck_assert (xp_topology_equal (t, back));
  xp_test_rmtree (dir);
}
END_TEST

START_TEST (test_xml_disallowed)
{
  /* lstopo run inside a cgroup or container limited to socket 0 writes the
   * whole machine but records allowed_cpuset 0x3 and allowed_nodeset 0x1.
   * The host Xen runs on still has both sockets: 2 nodes of 4 GiB, each
   * with 2 single-thread cores, so 4 pCPUs, 8 GiB, and the file's 10/21. */
  static const char xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
    "<topology version=\"2.0\">\n"
    " <object type=\"Machine\" os_index=\"0\" cpuset=\"0xf\" complete_cpuset=\"0xf\" allowed_cpuset=\"0x3\""
    "  nodeset=\"0x3\" complete_nodeset=\"0x3\" allowed_nodeset=\"0x1\" gp_index=\"1\">\n"
    "  <object type=\"Package\" os_index=\"0\" cpuset=\"0x3\" complete_cpuset=\"0x3\" nodeset=\"0x1\""
    "   complete_nodeset=\"0x1\" gp_index=\"2\">\n"
    "   <object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x3\" complete_cpuset=\"0x3\" nodeset=\"0x1\""
    "    complete_nodeset=\"0x1\" gp_index=\"3\" local_memory=\"4294967296\"/>\n"
    "   <object type=\"Core\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\" complete_nodeset=\"0x1\" gp_index=\"4\">\n"
    "    <object type=\"PU\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\" complete_nodeset=\"0x1\" gp_index=\"5\"/>\n"
    "   </object>\n"
    "   <object type=\"Core\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\" nodeset=\"0x1\" complete_nodeset=\"0x1\" gp_index=\"6\">\n"
    "    <object type=\"PU\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\" nodeset=\"0x1\" complete_nodeset=\"0x1\" gp_index=\"7\"/>\n"
    "   </object>\n"
    "  </object>\n"
    "  <object type=\"Package\" os_index=\"1\" cpuset=\"0xc\" complete_cpuset=\"0xc\" nodeset=\"0x2\""
    "   complete_nodeset=\"0x2\" gp_index=\"8\">\n"
    "   <object type=\"NUMANode\" os_index=\"1\" cpuset=\"0xc\" complete_cpuset=\"0xc\" nodeset=\"0x2\""
    "    complete_nodeset=\"0x2\" gp_index=\"9\" local_memory=\"4294967296\"/>\n"
    "   <object type=\"Core\" os_index=\"0\" cpuset=\"0x4\" complete_cpuset=\"0x4\" nodeset=\"0x2\" complete_nodeset=\"0x2\" gp_index=\"10\">\n"
    "    <object type=\"PU\" os_index=\"2\" cpuset=\"0x4\" complete_cpuset=\"0x4\" nodeset=\"0x2\" complete_nodeset=\"0x2\" gp_index=\"11\"/>\n"
    "   </object>\n"
    "   <object type=\"Core\" os_index=\"1\" cpuset=\"0x8\" complete_cpuset=\"0x8\" nodeset=\"0x2\" complete_nodeset=\"0x2\" gp_index=\"12\">\n"
    "    <object type=\"PU\" os_index=\"3\" cpuset=\"0x8\" complete_cpuset=\"0x8\" nodeset=\"0x2\" complete_nodeset=\"0x2\" gp_index=\"13\"/>\n"
    "   </object>\n"
    "  </object>\n"
    " </object>\n"
    " <distances2 type=\"NUMANode\" nbobjs=\"2\" kind=\"5\" name=\"NUMALatency\" indexing=\"os\">\n"
    "  <indexes length=\"4\">0 1 </indexes>\n"
    "  <u64values length=\"12\">10 21 21 10 </u64values>\n"
    " </distances2>\n"
    "</topology>\n";
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *path = xp_test_write (dir, "restricted.xml", xml);
  g_autoptr (XpTopology) t = load_ok (path);
  ck_assert_uint_eq (t->n_nodes, 2);
  ck_assert_uint_eq (t->n_cpus, 4);
  ck_assert_uint_eq (t->n_sockets, 2);
  ck_assert_uint_eq (t->nodes[1].n_cpus, 2);
  ck_assert_uint_eq (t->cpus[3].node, 1);
  ck_assert_uint_eq (xp_topology_total_memory (t), 8 * GiB);
  ck_assert_uint_eq (xp_topology_distance (t, 1, 0), 21);
  ck_assert (t->warnings == NULL);
  xp_test_rmtree (dir);
}
END_TEST

/* Run the built program; NULL when it is not there (suite run on its own). */
static char *
xenplace_path (void)
{
  const char *b = g_getenv ("XP_BUILDDIR");
  char *p = g_build_filename (b ? b : ".", "xenplace", NULL);
  if (!g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_free (p);
      return NULL;
    }
  return p;
}

static int
run (const char *const *argv, char **out, char **err)
{
  int status = 0;
  GError *error = NULL;
  ck_assert_msg (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error),
                 "spawn: %s", error ? error->message : "?");
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

START_TEST (test_cli)
{
  g_autofree char *prog = xenplace_path ();
  if (!prog)
    {
      fprintf (stderr, "SKIP test_cli: xenplace not built beside the tests (set XP_BUILDDIR)\n");
      return;
    }
  g_autofree char *dir = xp_test_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "g2.txt", NULL);
  g_autofree char *out = NULL, *err = NULL;

  const char *exp[] = { prog, "topo", "export", "generic-2n", "--format", "synthetic", "-o", file, NULL };
  ck_assert_int_eq (run (exp, &out, &err), 0);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (file, &text, NULL, NULL));
  ck_assert_str_eq (text, "synthetic:pack:2 numa:1 core:8 pu:2; mem=64GiB; dist=10,21\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  const char *list[] = { prog, "topo", "list", NULL };
  ck_assert_int_eq (run (list, &out, &err), 0);
  ck_assert_ptr_nonnull (strstr (out, "generic-4n"));
  ck_assert_ptr_nonnull (strstr (out, "intel-snc4-2s"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  const char *show[] = { prog, "topo", "show", "amd-epyc-nps4-2s", NULL };
  ck_assert_int_eq (run (show, &out, &err), 0);
  ck_assert_ptr_nonnull (strstr (out, "8 nodes, 2 sockets, 128 cores, 256 pCPUs"));
  ck_assert_ptr_nonnull (strstr (out, "  0:  10  11  12  12  32  32  32  32"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  const char *nofmt[] = { prog, "topo", "export", "generic-2n", NULL };
  ck_assert_int_eq (run (nofmt, &out, &err), 2);
  ck_assert_ptr_nonnull (strstr (err, "--format"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_autofree char *bad = xp_test_write (dir, "bad.ini", "[topology]\nsynthetic = pack:2 numa:1 core:2 pu:1\nmemory = lots\n");
  const char *badshow[] = { prog, "topo", "show", bad, NULL };
  ck_assert_int_eq (run (badshow, &out, &err), 1);
  ck_assert_ptr_nonnull (strstr (err, ":3: memory: item 1 'lots' is not a size"));
  xp_test_rmtree (dir);
}
END_TEST

Suite *xp_test_topology_suite (void);

Suite *
xp_test_topology_suite (void)
{
  Suite *s = suite_create ("topology");
  TCase *tc = tcase_create ("bundled");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_bundled_list);
  tcase_add_loop_test (tc, test_bundled_shape, 0, G_N_ELEMENTS (bundled));
  tcase_add_loop_test (tc, test_bundled_round_trip, 0, G_N_ELEMENTS (bundled));
  tcase_add_test (tc, test_bundled_xml_matches_ini);
  tcase_add_test (tc, test_equal_detects_differences);
  tcase_add_test (tc, test_masks);
  suite_add_tcase (s, tc);

  tc = tcase_create ("sources");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_synthetic_rules);
  tcase_add_test (tc, test_real_machines);
  tcase_add_test (tc, test_real_machines_round_trip);
  tcase_add_test (tc, test_host);
  tcase_add_test (tc, test_topology_dir_override);
  tcase_add_test (tc, test_memory_only_tie);
  tcase_add_test (tc, test_xml_disallowed);
  tcase_add_test (tc, test_cli);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors");
  tcase_add_test (tc, test_ini_bom);
  tcase_add_loop_test (tc, test_bad_ini, 0, G_N_ELEMENTS (bad_inis));
  tcase_add_test (tc, test_bad_files);
  tcase_add_loop_test (tc, test_bad_synthetic, 0, G_N_ELEMENTS (bad_synthetic));
  tcase_add_loop_test (tc, test_loose_synthetic, 0, G_N_ELEMENTS (loose_synthetic));
  tcase_add_test (tc, test_export_irregular_synthetic);
  suite_add_tcase (s, tc);
  return s;
}
