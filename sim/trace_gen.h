/* xenplace — synthetic trace generators (start storms, Poisson arrivals)
 * and VM size mixes.
 *
 * Everything random comes from one GRand seeded by the caller, so the same
 * parameters and seed give the same trace, byte for byte once written.
 * Times are integer ns rounded to whole microseconds.
 */
#ifndef XP_TRACE_GEN_H
#define XP_TRACE_GEN_H

#include "sim/trace.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;     /* flavour name, or NULL */
  guint vcpus;
  guint64 memory_mib;
  guint weight;         /* relative frequency */
} XpVmFlavour;

typedef struct {
  char *spec;           /* as parsed, for messages and reports */
  GArray *flavours;     /* XpVmFlavour; empty for a uniform mix */
  guint64 total_weight;
  gboolean uniform;     /* vcpus and memory drawn independently and uniformly */
  guint vcpus_min, vcpus_max;
  guint64 memory_min_mib, memory_max_mib;   /* uniform: step 256 MiB */
} XpSizeMix;

/* The built-in table of 16 Azure VM flavours (A, Av2, Dv2 series shapes)
 * with assumed weights; see bench/traces/README.md. */
const XpVmFlavour *xp_azure2017_flavours (guint *n);

/* Parse a mix:
 *   azure2017                        the built-in table
 *   fixed:VCPUS:MEM                  one size ("fixed:2:4GiB")
 *   uniform:VMIN-VMAX:MMIN-MMAX      e.g. uniform:1-8:1GiB-16GiB
 *   VCPUSxMEM:WEIGHT,...             e.g. 1x1GiB:118,2x2GiB:30
 * MEM takes xp_parse_size units; a plain number is MiB. */
XpSizeMix *xp_size_mix_parse (const char *spec, GError **error);
void xp_size_mix_free (XpSizeMix *mix);
/* Draw one size. */
void xp_size_mix_draw (const XpSizeMix *mix, GRand *rand, guint *vcpus, guint64 *memory_mib);

typedef enum {
  XP_LIFETIME_NONE,
  XP_LIFETIME_FIXED,        /* a seconds */
  XP_LIFETIME_UNIFORM,      /* a..b seconds */
  XP_LIFETIME_EXPONENTIAL,  /* mean a seconds */
  XP_LIFETIME_LOGNORMAL,    /* median a seconds, sigma b (of ln seconds) */
} XpLifetimeKind;

typedef struct {
  XpLifetimeKind kind;
  double a, b;
} XpLifetimeDist;

/* "none", "fixed:S", "uniform:A-B", "exp:MEAN", "lognormal:MEDIAN:SIGMA"
 * (seconds from 0.001 to 1e9, the range a generated lifetime may take;
 * SIGMA from 0 to 4.6). */
gboolean xp_lifetime_parse (const char *spec, XpLifetimeDist *out, GError **error);
/* 0 for XP_LIFETIME_NONE; otherwise >= 1 ms, rounded to whole microseconds. */
XpTime xp_lifetime_draw (const XpLifetimeDist *dist, GRand *rand);

typedef struct {
  guint n_vms;
  XpTime window;            /* starts fall in [0, window) */
  XpTime spacing;           /* > 0: VM i starts at i * spacing (window ignored) */
  const XpSizeMix *mix;
  gboolean exact_mix;       /* counts per flavour = weight share of n_vms, order shuffled */
  XpLifetimeDist lifetime;
  guint32 seed;
  const char *prefix;       /* VM name prefix, default "vm" */
  guint demand_ppm;         /* every VM's CPU demand (1..1000000); 0: the default, always busy */
} XpStormParams;

typedef struct {
  double rate;              /* arrivals per second */
  XpTime duration;          /* 0 = no limit (then n_vms must be > 0) */
  guint n_vms;              /* 0 = no limit */
  const XpSizeMix *mix;
  XpLifetimeDist lifetime;
  guint32 seed;
  const char *prefix;
  guint demand_ppm;         /* as XpStormParams */
} XpPoissonParams;

/* Poisson arrival rates (per second) the generator takes: below, the
 * first arrival alone is expected beyond the 1e9 s a generated time may
 * reach; above, the gaps are far below the microsecond times are rounded
 * to. A draw (arrival or lifetime) beyond 1e9 s is an error, not clamped. */
/* VMs one generated trace may hold (--vms, and poisson's arrivals within
 * --duration): the trace is built in memory, two 64-byte events a VM with
 * a lifetime, so ten million is 1.3 GB before it is written. */
#define XP_TRACE_GEN_MAX_VMS 10000000u

#define XP_TRACE_GEN_MIN_RATE 1e-9
#define XP_TRACE_GEN_MAX_RATE 1e6

XpTrace *xp_trace_gen_storm (const XpStormParams *params, GError **error);
XpTrace *xp_trace_gen_poisson (const XpPoissonParams *params, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpSizeMix, xp_size_mix_free)

G_END_DECLS

#endif
