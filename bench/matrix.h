/* xenplace — the run matrix of a scenario: the cartesian product of its
 * axes (a configuration) × its seeds (a run).
 *
 * Order is deterministic: configurations vary the last axis fastest
 * (policy, topology, trace, toolstack, xen, node_claims), runs are the
 * configurations in order, each with its seeds in the order given.
 *
 * Every run has a file name built from all its axis values and its seed
 * (runs/NAME.json), so adding a value to an axis leaves the names of the
 * other runs alone and a bench directory can be resumed. A configuration's
 * id is its run names without the seed; its label names only the axes that
 * vary in the scenario (for tables and plots).
 *
 * A bench directory holds matrix.json (this plan, written by 'bench run'
 * and 'bench manifest'), runs/NAME.json (one results file per run),
 * summary.json, summary.tsv, timing.tsv, plots/ and report.md.
 */
#ifndef XP_BENCH_MATRIX_H
#define XP_BENCH_MATRIX_H

#include <json-glib/json-glib.h>
#include "bench/scenario.h"
#include "sim/toolstack.h"

G_BEGIN_DECLS

#define XP_BENCH_MATRIX_SCHEMA "xenplace-bench-matrix"
#define XP_BENCH_MATRIX_SCHEMA_VERSION 1

typedef struct {
  char *id;                     /* file-name safe, unique */
  char *label;                  /* varying axes only, for humans */
  char *axis[XP_N_AXES];        /* values as written in the scenario */
  guint axis_index[XP_N_AXES];  /* index of each value in its axis */
} XpBenchConfig;

typedef struct {
  char *name;                   /* runs/NAME.json */
  guint config;                 /* index into plan->configs */
  guint64 seed;
  /* what to run; set when the plan comes from a scenario, NULL when read
   * back from matrix.json (merge and report do not run anything) */
  char *policy_spec;            /* with [policy.NAME] parameters */
  char *topology;               /* resolved */
  char *trace;                  /* resolved */
  /* a plugin's run (NULL for a built-in): its file resolved, its policy
   * name (NULL when read back from matrix.json) and the SHA-256 of the
   * file, which the run's results file must record to count as done */
  char *policy_plugin;
  char *policy_plugin_name;
  char *plugin_sha256;
} XpBenchRun;

typedef struct {
  char *scenario;               /* scenario name */
  char *description;            /* may be NULL */
  guint repeat;
  GPtrArray *axis_values[XP_N_AXES];  /* char *: the values of each axis */
  GPtrArray *configs;           /* XpBenchConfig * */
  GPtrArray *runs;              /* XpBenchRun * */
  GPtrArray *xen_params;        /* char *, applied to every run */
  GPtrArray *tolerances;        /* XpTolerance * (from [gate]) */
  double speed_margin;          /* < 0: not given */
  const XpScenario *source;     /* borrowed; NULL when read from JSON */
  /* A reduced plan (see xp_bench_plan_reduce); 0 = not reduced. */
  guint64 max_vms;              /* each trace cut to its first N VMs */
  guint max_seeds;              /* each configuration runs its first N seeds */
} XpBenchPlan;

XpBenchPlan *xp_bench_plan_new (const XpScenario *s, GError **error);

/* Reduce a plan for a quick check ('bench run --max-vms N --max-seeds K'):
 * every configuration keeps its first @max_seeds seeds, every trace its
 * first @max_vms VMs (0 = no limit). Every configuration stays. A reduced
 * plan says so in matrix.json, summary.json and each run's results file
 * ("reduced"), runs of a full and a reduced plan never mix in one bench
 * directory, and 'compare' refuses to compare a reduced summary with a full
 * one, so a reduced result cannot pass for a full one. */
void xp_bench_plan_reduce (XpBenchPlan *p, guint64 max_vms, guint max_seeds);
/* The "reduced" member of matrix.json, summary.json and results files
 * (@b is a JsonBuilder *); nothing when both are 0. */
void xp_bench_reduced_to_json (gpointer b, guint64 max_vms, guint max_seeds);
/* Read the optional "reduced" member of @o (a JsonObject *): 0 and 0 when
 * absent; FALSE with an error naming @path when malformed. */
gboolean xp_bench_reduced_from_json (gpointer o, const char *path, guint64 *max_vms, guint *max_seeds, GError **error);
void xp_bench_plan_free (XpBenchPlan *p);

/* matrix.json */
JsonNode *xp_bench_plan_to_json (const XpBenchPlan *p);
gboolean xp_bench_plan_write (const XpBenchPlan *p, const char *path, GError **error);
XpBenchPlan *xp_bench_plan_load (const char *path, GError **error);

/* How an axis value is shown in labels: file paths as their base name
 * without extension, "Xen 4.17", "node-claims"/"no-node-claims". */
char *xp_bench_axis_label (XpAxis axis, const char *value);

/* Name of the run file of @run inside @dir (DIR/runs/NAME.json). */
char *xp_bench_run_path (const char *dir, const XpBenchRun *run);

/* "xenopsd", "xenopsd:generation=old", "xl:claim_mode=0,builders=8" →
 * parameters (kind default parameters, then the assignments in order). */
gboolean xp_bench_toolstack_parse (const char *spec, XpToolstackParams *out, GError **error);
/* on/off, true/false, yes/no, 1/0 */
gboolean xp_bench_node_claims_parse (const char *value, gboolean *on);

/* The replay command line of @run (argv, NULL-terminated; @xenplace is the
 * program to call) writing its results to @out_path. */
GStrv xp_bench_run_argv (const XpBenchPlan *p, const XpBenchRun *run, const char *xenplace, const char *out_path);
/* One shell command per run, newline-terminated. */
char *xp_bench_manifest (const XpBenchPlan *p, const char *dir, const char *xenplace);

/* Pretty JSON text with a final newline (the form of every file the
 * harness writes). */
char *xp_bench_json_to_text (JsonNode *root);

/* Load a JSON file; errors start with "FILE:" (json-glib adds LINE:COLUMN
 * to syntax errors). */
gboolean xp_bench_json_load (JsonParser *parser, const char *path, GError **error);

/* Typed access to JSON read from a file. json-glib's own getters (even the
 * _with_default ones) complain on stderr with a GLib critical and return a
 * placeholder when a member has another type; these return NULL / FALSE
 * instead, so that the reader can name the field in its error. @o and @a
 * may be NULL. A number is an integer or a double; an integer must be
 * written without a fraction or exponent. */
const char *xp_json_string (JsonObject *o, const char *name);
JsonObject *xp_json_object (JsonObject *o, const char *name);
JsonArray *xp_json_array (JsonObject *o, const char *name);
gboolean xp_json_int (JsonObject *o, const char *name, gint64 *out);
gboolean xp_json_number (JsonObject *o, const char *name, double *out);
gboolean xp_json_boolean (JsonObject *o, const char *name, gboolean *out);
const char *xp_json_element_string (JsonArray *a, guint i);
JsonArray *xp_json_element_array (JsonArray *a, guint i);
JsonObject *xp_json_element_object (JsonArray *a, guint i);
gboolean xp_json_element_int (JsonArray *a, guint i, gint64 *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpBenchPlan, xp_bench_plan_free)

G_END_DECLS

#endif
