/* xenplace — benchmark scenario files (GKeyFile .ini).
 *
 *   [scenario]
 *   name = fit
 *   description = fit algorithms on two topologies
 *   seeds = 1-3                 # a range, or a list "1;2;7" (',' works too)
 *   repeat = 1                  # executions per run, for timing only
 *   policies = first-fit;best-fit;xenopsd:mode=x;../plugins/mine.so:k=v   # axes: lists separated by ';'
 *   topologies = generic-2n;generic-4n;my/host.xml
 *   traces = ../traces/poisson-1k.csv
 *   toolstacks = xenopsd;xenopsd:generation=old;xl;xl:claim_mode=0
 *   xen = 4.17;4.22
 *   node_claims = off;on
 *   xen_params = scrub_rate=4GiB;dom0_mem=4GiB   # applied to every run
 *
 *   [policy.best-fit]           # parameters added to every best-fit run
 *   key = value
 *
 *   [gate]                      # regression gate defaults for 'compare'
 *   speed_margin = 0.25
 *   mean_locality = 0.01        # absolute tolerance, or "5%" (relative)
 *
 * policies, topologies and traces are required; toolstacks defaults to
 * xenopsd, xen to 4.17, node_claims to off, seeds to 1. File paths (traces,
 * topologies ending in .ini/.xml or containing '/', policies ending in .so
 * or containing '/', which are plugins) are relative to the scenario file. Only '#' starts a comment (at the start of a line, or after
 * a space or tab). At most 100000 seeds and 100000 runs (configurations ×
 * seeds). Every error names FILE:LINE and the key.
 */
#ifndef XP_BENCH_SCENARIO_H
#define XP_BENCH_SCENARIO_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  XP_AXIS_POLICY,
  XP_AXIS_TOPOLOGY,
  XP_AXIS_TRACE,
  XP_AXIS_TOOLSTACK,
  XP_AXIS_XEN,
  XP_AXIS_NODE_CLAIMS,
  XP_N_AXES
} XpAxis;

/* Add the member "gate": {speed_margin?, tolerances: {metric: {value,
 * relative}}} to the object being built (@b is a JsonBuilder *). */
void xp_gate_to_json (gpointer b, double speed_margin, const GPtrArray *tolerances);
/* Read the member "gate" of the object @o (a JsonObject *; the member is
 * optional) as xp_gate_to_json writes it: @speed_margin is left alone when
 * not given, tolerances are appended (XpTolerance *). FALSE with an error
 * naming @path and the field when a value has the wrong type. */
gboolean xp_gate_from_json (gpointer o, const char *path, double *speed_margin, GPtrArray *tolerances, GError **error);

/* "policy", "topology", ... (the column names of the summary) */
const char *xp_axis_name (XpAxis axis);
/* "policies", "topologies", ... (the scenario keys) */
const char *xp_axis_key (XpAxis axis);

typedef struct {
  char *metric;
  double value;
  gboolean relative;   /* value is a fraction of the baseline ("5%" → 0.05) */
} XpTolerance;

void xp_tolerance_free (gpointer tolerance);

typedef struct {
  char *name;                   /* policy name the group applies to */
  GPtrArray *params;            /* "key=value" strings in file order */
  guint line;
} XpPolicyGroup;

/* A policy entry naming a plugin file ("FILE.so[:key=value,...]", see
 * xp_policy_spec_is_plugin), loaded when the scenario is read. */
typedef struct {
  char *path;                   /* resolved against the scenario's directory */
  char *name;                   /* the plugin's policy name ([policy.NAME] groups use it) */
  char *sha256;                 /* of the file (xp_policy_plugin_sha256) */
} XpScenarioPlugin;

typedef struct {
  char *path;                   /* as given */
  char *dir;                    /* directory of the file, for relative paths */
  char *name;
  char *description;            /* may be NULL */
  GArray *seeds;                /* guint64, in the order given */
  guint repeat;
  GPtrArray *axes[XP_N_AXES];   /* char *, as written */
  guint axis_line[XP_N_AXES];   /* line of the key (0: default) */
  GPtrArray *xen_params;        /* char * "name=value" */
  guint xen_params_line;
  GPtrArray *policy_groups;     /* XpPolicyGroup * */
  GHashTable *plugins;          /* policy entry as written → XpScenarioPlugin * (plugin entries only) */
  GPtrArray *tolerances;        /* XpTolerance * */
  double speed_margin;          /* < 0: not given */
} XpScenario;

/* Parse and validate (policy specs, toolstacks, Xen versions and
 * parameters are checked against their modules). Topologies and traces are
 * loaded later, by the runner. */
XpScenario *xp_scenario_load (const char *path, GError **error);
/* Same, from text; @path is used for messages and relative paths. */
XpScenario *xp_scenario_parse (const char *path, const char *text, GError **error);
void xp_scenario_free (XpScenario *s);

/* The plugin a policy entry names, or NULL for a built-in's entry. */
const XpScenarioPlugin *xp_scenario_plugin (const XpScenario *s, const char *spec);
/* Policy spec with the [policy.NAME] parameters appended (newly allocated);
 * for a plugin entry NAME is the plugin's policy name. */
char *xp_scenario_effective_policy (const XpScenario *s, const char *spec);
/* Resolve a topology or trace value against the scenario's directory
 * (newly allocated; unchanged for bundled names, synthetic: and host). */
char *xp_scenario_resolve_topology (const XpScenario *s, const char *value);
char *xp_scenario_resolve_trace (const XpScenario *s, const char *value);

/* Parse a tolerance value: "0.01" or "5%". */
gboolean xp_tolerance_parse (const char *text, double *value, gboolean *relative);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpScenario, xp_scenario_free)

G_END_DECLS

#endif
