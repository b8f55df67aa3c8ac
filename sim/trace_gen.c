/* xenplace — synthetic trace generators. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/error.h"
#include "sim/trace_gen.h"
#include "sim/trace_private.h"
#include "sim/util.h"

/* Sixteen Azure VM shapes of the 2017 era (vCPUs, GiB), from Microsoft's
 * published size tables for the A (Basic/Standard), Av2 and Dv2/DSv2 series.
 * The weights are our assumption, not a measurement: they only encode the
 * well-known skew of the Azure Public Dataset V1 (most VMs have 1-2 cores and
 * at most a few GiB; Cortez et al., "Resource Central", SOSP 2017). */
static const XpVmFlavour azure2017[] = {
  { "A0", 1, 768, 60 },          /* 0.75 GiB */
  { "A1", 1, 1792, 140 },        /* 1.75 GiB */
  { "A2", 2, 3584, 110 },        /* 3.5 GiB */
  { "A3", 4, 7168, 50 },         /* 7 GiB */
  { "A4", 8, 14336, 15 },        /* 14 GiB */
  { "A1_v2", 1, 2048, 90 },
  { "A2_v2", 2, 4096, 100 },
  { "A4_v2", 4, 8192, 45 },
  { "A8_v2", 8, 16384, 15 },
  { "D1_v2", 1, 3584, 110 },     /* 3.5 GiB */
  { "D2_v2", 2, 7168, 120 },
  { "D3_v2", 4, 14336, 60 },
  { "D4_v2", 8, 28672, 25 },
  { "D5_v2", 16, 57344, 5 },
  { "D11_v2", 2, 14336, 40 },
  { "D12_v2", 4, 28672, 15 },
};

const XpVmFlavour *
xp_azure2017_flavours (guint *n)
{
  *n = G_N_ELEMENTS (azure2017);
  return azure2017;
}

static gboolean
parse_mem (const char *text, guint64 *mib)
{
  guint64 bytes;
  if (!xp_parse_size (text, G_GUINT64_CONSTANT (1) << 20, &bytes) || bytes % (G_GUINT64_CONSTANT (1) << 20))
    return FALSE;
  *mib = bytes >> 20;
  return *mib >= 1 && *mib <= XP_TRACE_MAX_MEMORY_MIB;
}

static gboolean
parse_uint (const char *text, guint64 max, guint64 *out)
{
  guint64 v;
  if (!xp_parse_fixed (text, 0, &v) || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
mix_error (GError **error, const char *spec, const char *what)
{
  g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "size mix '%s': expected %s", spec, what);
  return FALSE;
}

XpSizeMix *
xp_size_mix_parse (const char *spec, GError **error)
{
  g_autoptr (XpSizeMix) mix = g_new0 (XpSizeMix, 1);
  mix->spec = g_strdup (spec);
  mix->flavours = g_array_new (FALSE, FALSE, sizeof (XpVmFlavour));
  if (strcmp (spec, "azure2017") == 0)
    {
      g_array_append_vals (mix->flavours, azure2017, G_N_ELEMENTS (azure2017));
    }
  else if (g_str_has_prefix (spec, "fixed:"))
    {
      g_auto (GStrv) parts = g_strsplit (spec + 6, ":", -1);
      guint64 v, m;
      if (g_strv_length (parts) != 2 || !parse_uint (parts[0], XP_TRACE_MAX_VCPUS, &v) || v < 1
          || !parse_mem (parts[1], &m))
        {
          mix_error (error, spec, "fixed:VCPUS:MEMORY, e.g. fixed:2:4GiB");
          return NULL;
        }
      XpVmFlavour f = { NULL, (guint) v, m, 1 };
      g_array_append_val (mix->flavours, f);
    }
  else if (g_str_has_prefix (spec, "uniform:"))
    {
      g_auto (GStrv) parts = g_strsplit (spec + 8, ":", -1);
      g_auto (GStrv) vr = NULL, mr = NULL;
      guint64 v0, v1;
      if (g_strv_length (parts) != 2
          || g_strv_length (vr = g_strsplit (parts[0], "-", -1)) != 2
          || g_strv_length (mr = g_strsplit (parts[1], "-", -1)) != 2
          || !parse_uint (vr[0], XP_TRACE_MAX_VCPUS, &v0) || !parse_uint (vr[1], XP_TRACE_MAX_VCPUS, &v1)
          || v0 < 1 || v1 < v0 || !parse_mem (mr[0], &mix->memory_min_mib)
          || !parse_mem (mr[1], &mix->memory_max_mib) || mix->memory_max_mib < mix->memory_min_mib)
        {
          mix_error (error, spec, "uniform:VMIN-VMAX:MMIN-MMAX with MIN <= MAX, e.g. uniform:1-8:1GiB-16GiB");
          return NULL;
        }
      mix->uniform = TRUE;
      mix->vcpus_min = (guint) v0;
      mix->vcpus_max = (guint) v1;
    }
  else
    {
      g_auto (GStrv) items = g_strsplit (spec, ",", -1);
      for (guint i = 0; items[i]; i++)
        {
          char *x = strchr (items[i], 'x'), *colon = strrchr (items[i], ':');
          guint64 v, m, w;
          if (!x || !colon || colon < x)
            {
              mix_error (error, spec, "azure2017, fixed:..., uniform:... or a list VCPUSxMEMORY:WEIGHT,...");
              return NULL;
            }
          *x = *colon = '\0';
          if (!parse_uint (items[i], XP_TRACE_MAX_VCPUS, &v) || v < 1 || !parse_mem (x + 1, &m)
              || !parse_uint (colon + 1, G_MAXUINT32, &w))
            {
              mix_error (error, spec, "VCPUSxMEMORY:WEIGHT items, e.g. 2x4GiB:30 (vCPUs 1..1024, weight an integer)");
              return NULL;
            }
          XpVmFlavour f = { NULL, (guint) v, m, (guint) w };
          g_array_append_val (mix->flavours, f);
        }
    }
  for (guint i = 0; i < mix->flavours->len; i++)
    mix->total_weight += g_array_index (mix->flavours, XpVmFlavour, i).weight;
  if (!mix->uniform && mix->total_weight == 0)
    {
      mix_error (error, spec, "at least one weight > 0");
      return NULL;
    }
  return g_steal_pointer (&mix);
}

void
xp_size_mix_free (XpSizeMix *mix)
{
  if (!mix)
    return;
  g_free (mix->spec);
  g_array_free (mix->flavours, TRUE);
  g_free (mix);
}

/* Uniform integer in [0, n) from the run's GRand; n may exceed 32 bits. */
static guint64
rand_below (GRand *rand, guint64 n)
{
  if (n <= 1)
    return 0;
  if (n <= G_MAXINT32)
    return (guint64) g_rand_int_range (rand, 0, (gint32) n);
  guint64 hi = g_rand_int (rand), lo = g_rand_int (rand);
  return ((hi << 32) | lo) % n;
}

void
xp_size_mix_draw (const XpSizeMix *mix, GRand *rand, guint *vcpus, guint64 *memory_mib)
{
  if (mix->uniform)
    {
      *vcpus = mix->vcpus_min + (guint) rand_below (rand, mix->vcpus_max - mix->vcpus_min + 1);
      /* Memory in 256 MiB steps from the minimum, never above the maximum. */
      guint64 steps = (mix->memory_max_mib - mix->memory_min_mib) / 256 + 1;
      *memory_mib = mix->memory_min_mib + 256 * rand_below (rand, steps);
      return;
    }
  guint64 r = rand_below (rand, mix->total_weight);
  for (guint i = 0; i < mix->flavours->len; i++)
    {
      const XpVmFlavour *f = &g_array_index (mix->flavours, XpVmFlavour, i);
      if (r < f->weight)
        {
          *vcpus = f->vcpus;
          *memory_mib = f->memory_mib;
          return;
        }
      r -= f->weight;
    }
  g_assert_not_reached ();
}

/* The range of a lifetime's parameters in seconds: a drawn lifetime is
 * raised to 1 ms, and a generated time may reach a quarter of the parser's
 * limit (so that a start plus its lifetime stays within it). */
#define LIFETIME_MIN_S 0.001
#define GEN_MAX_S ((double) XP_TRACE_MAX_SECONDS / 4)
/* A lognormal's sigma: e^(+-3 sigma) around the median (99.7 % of the
 * draws) spans at most the 1 ms .. 1e9 s a generated lifetime may take. */
#define LOGNORMAL_MAX_SIGMA 4.6

static gboolean
in_range (double v)
{
  return isfinite (v) && v >= LIFETIME_MIN_S && v <= GEN_MAX_S;
}

gboolean
xp_lifetime_parse (const char *spec, XpLifetimeDist *out, GError **error)
{
  XpLifetimeDist d = { XP_LIFETIME_NONE, 0, 0 };
  char *end;
  const char *p;
  gboolean ok = TRUE;
  if (strcmp (spec, "none") == 0)
    ;
  else if (g_str_has_prefix (spec, (p = "fixed:")) || g_str_has_prefix (spec, (p = "exp:")))
    {
      d.kind = p[0] == 'f' ? XP_LIFETIME_FIXED : XP_LIFETIME_EXPONENTIAL;
      d.a = g_ascii_strtod (spec + strlen (p), &end);
      ok = *end == '\0' && end != spec + strlen (p) && in_range (d.a);
    }
  else if (g_str_has_prefix (spec, "uniform:"))
    {
      d.kind = XP_LIFETIME_UNIFORM;
      d.a = g_ascii_strtod (spec + 8, &end);
      ok = *end == '-';
      if (ok)
        {
          d.b = g_ascii_strtod (end + 1, &end);
          ok = *end == '\0' && in_range (d.a) && in_range (d.b) && d.b >= d.a;
        }
    }
  else if (g_str_has_prefix (spec, "lognormal:"))
    {
      d.kind = XP_LIFETIME_LOGNORMAL;
      d.a = g_ascii_strtod (spec + 10, &end);
      ok = *end == ':';
      if (ok)
        {
          d.b = g_ascii_strtod (end + 1, &end);
          ok = *end == '\0' && in_range (d.a) && d.b >= 0 && d.b <= LOGNORMAL_MAX_SIGMA;
        }
    }
  else
    ok = FALSE;
  if (!ok)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_PARSE,
                   "lifetime '%s': expected none, fixed:S, uniform:A-B (A <= B), exp:MEAN or lognormal:MEDIAN:SIGMA "
                   "with seconds from 0.001 to 1e9 and SIGMA from 0 to %.1f", spec, LOGNORMAL_MAX_SIGMA);
      return FALSE;
    }
  *out = d;
  return TRUE;
}

/* Seconds (double) to ns rounded to whole microseconds, clamped to
 * [0, GEN_MAX_S]; *beyond (if given) tells whether it was clamped above. */
static XpTime
seconds_to_ns_us (double s, gboolean *beyond)
{
  double us = floor (s * 1e6 + 0.5);
  gboolean over = !(us <= GEN_MAX_S * 1e6);   /* NaN too */
  if (beyond)
    *beyond = over;
  if (over)
    us = GEN_MAX_S * 1e6;
  if (us < 0)
    us = 0;
  return (XpTime) us * XP_NSEC_PER_USEC;
}

/* Exponential with mean 1, from one uniform draw. */
static double
draw_exp1 (GRand *rand)
{
  return -log1p (-g_rand_double (rand));   /* g_rand_double is in [0, 1) */
}

/* One lifetime; *beyond is set when the draw was above GEN_MAX_S and
 * clamped to it. */
static XpTime
lifetime_draw (const XpLifetimeDist *dist, GRand *rand, gboolean *beyond)
{
  double s;
  *beyond = FALSE;
  switch (dist->kind)
    {
    case XP_LIFETIME_NONE:
      return 0;
    case XP_LIFETIME_FIXED:
      s = dist->a;
      break;
    case XP_LIFETIME_UNIFORM:
      s = dist->a + (dist->b - dist->a) * g_rand_double (rand);
      break;
    case XP_LIFETIME_EXPONENTIAL:
      s = dist->a * draw_exp1 (rand);
      break;
    case XP_LIFETIME_LOGNORMAL:
      {
        /* Box-Muller; both uniforms are always drawn so the stream of
         * random numbers does not depend on the values. */
        double u1 = 1.0 - g_rand_double (rand), u2 = g_rand_double (rand);
        double z = sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
        s = dist->a * exp (dist->b * z);
        break;
      }
    default:
      g_assert_not_reached ();
    }
  XpTime t = seconds_to_ns_us (s, beyond);
  return MAX (t, XP_NSEC_PER_MSEC);
}

XpTime
xp_lifetime_draw (const XpLifetimeDist *dist, GRand *rand)
{
  gboolean beyond;
  return lifetime_draw (dist, rand, &beyond);
}

static gboolean
lifetime_beyond_error (GError **error, const char *gen, const char *vm)
{
  g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
               "%s: --lifetime: %s drew a lifetime beyond the %.0f s a generated time may reach; "
               "lower the mean or median (or sigma)", gen, vm, GEN_MAX_S);
  return FALSE;
}

static char *
vm_name (const char *prefix, guint i, guint n)
{
  guint width = 1;
  for (guint x = n; x >= 10; x /= 10)
    width++;
  return g_strdup_printf ("%s%0*u", prefix ? prefix : "vm", (int) width, i);
}

static void
add_start (XpTrace *t, XpTime time, const char *name, guint vcpus, guint64 mem, XpTime lifetime, guint demand_ppm)
{
  XpTraceEvent ev = { 0 };
  ev.time = time;
  ev.type = XP_TRACE_START;
  ev.vm = g_string_chunk_insert_const (t->strings, name);
  ev.vcpus = vcpus;
  ev.memory_mib = mem;
  ev.cpu_demand_ppm = demand_ppm ? demand_ppm : 1000000;
  ev.lifetime = lifetime;
  ev.line = t->events->len + 2;   /* as the row would be written */
  g_array_append_val (t->events, ev);
}

static gint
cmp_time (gconstpointer a, gconstpointer b)
{
  XpTime x = *(const XpTime *) a, y = *(const XpTime *) b;
  return x < y ? -1 : x > y;
}

XpTrace *
xp_trace_gen_storm (const XpStormParams *p, GError **error)
{
  if (p->n_vms == 0 || !p->mix || (p->spacing <= 0 && p->window <= 0))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "storm: expected at least one VM, a size mix and a window or spacing > 0");
      return NULL;
    }
  if (p->n_vms > XP_TRACE_GEN_MAX_VMS)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "storm: --vms: expected at most %u VMs, got %u",
                   XP_TRACE_GEN_MAX_VMS, p->n_vms);
      return NULL;
    }
  const guint64 limit = XP_TRACE_MAX_SECONDS * (guint64) XP_NSEC_PER_SEC / 4;
  if ((p->spacing > 0 && p->n_vms > 1 && (guint64) p->spacing > limit / (p->n_vms - 1))
      || (guint64) p->window > limit)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "storm: expected all starts within %" G_GUINT64_FORMAT
                   " s, got a window or spacing that goes beyond", limit / XP_NSEC_PER_SEC);
      return NULL;
    }
  if (p->exact_mix && p->mix->uniform)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "storm: --exact-mix needs a weighted mix, not '%s'",
                   p->mix->spec);
      return NULL;
    }
  g_autoptr (GRand) rand = g_rand_new_with_seed (p->seed);
  g_autoptr (XpTrace) t = xp_trace_new ("(storm)");

  /* Start times first (sorted), then sizes, then lifetimes: each from the
   * same stream in a fixed order. */
  g_autofree XpTime *times = g_new (XpTime, p->n_vms);
  for (guint i = 0; i < p->n_vms; i++)
    {
      if (p->spacing > 0)
        times[i] = (XpTime) i * p->spacing;
      else
        {
          guint64 us = (guint64) p->window / XP_NSEC_PER_USEC;
          times[i] = (XpTime) rand_below (rand, MAX (us, 1)) * XP_NSEC_PER_USEC;
        }
    }
  qsort (times, p->n_vms, sizeof *times, cmp_time);

  g_autofree guint *vcpus = g_new (guint, p->n_vms);
  g_autofree guint64 *mem = g_new (guint64, p->n_vms);
  if (p->exact_mix)
    {
      /* Largest-remainder apportionment of n_vms over the weights (ties to
       * the earlier flavour), then a Fisher-Yates shuffle of the order. */
      const GArray *fl = p->mix->flavours;
      g_autofree guint64 *count = g_new0 (guint64, fl->len);
      g_autofree guint64 *rem = g_new0 (guint64, fl->len);
      guint64 given = 0;
      for (guint f = 0; f < fl->len; f++)
        {
          guint64 share = (guint64) g_array_index (fl, XpVmFlavour, f).weight * p->n_vms;
          count[f] = share / p->mix->total_weight;
          rem[f] = share % p->mix->total_weight;
          given += count[f];
        }
      for (; given < p->n_vms; given++)
        {
          guint best = 0;
          for (guint f = 1; f < fl->len; f++)
            if (rem[f] > rem[best])
              best = f;
          count[best]++;
          rem[best] = 0;
        }
      guint k = 0;
      for (guint f = 0; f < fl->len; f++)
        for (guint64 c = 0; c < count[f]; c++, k++)
          {
            vcpus[k] = g_array_index (fl, XpVmFlavour, f).vcpus;
            mem[k] = g_array_index (fl, XpVmFlavour, f).memory_mib;
          }
      for (guint i = p->n_vms - 1; i > 0; i--)
        {
          guint j = (guint) rand_below (rand, i + 1);
          guint tv = vcpus[i];
          guint64 tm = mem[i];
          vcpus[i] = vcpus[j];
          mem[i] = mem[j];
          vcpus[j] = tv;
          mem[j] = tm;
        }
    }
  else
    for (guint i = 0; i < p->n_vms; i++)
      xp_size_mix_draw (p->mix, rand, &vcpus[i], &mem[i]);

  for (guint i = 0; i < p->n_vms; i++)
    {
      g_autofree char *name = vm_name (p->prefix, i + 1, p->n_vms);
      gboolean beyond;
      XpTime lt = lifetime_draw (&p->lifetime, rand, &beyond);
      if (beyond)
        {
          lifetime_beyond_error (error, "storm", name);
          return NULL;
        }
      add_start (t, times[i], name, vcpus[i], mem[i], lt, p->demand_ppm);
    }
  if (!xp_trace_finish (t, error))
    return NULL;
  return g_steal_pointer (&t);
}

XpTrace *
xp_trace_gen_poisson (const XpPoissonParams *p, GError **error)
{
  if (!(p->rate > 0) || !isfinite (p->rate) || !p->mix || (p->duration <= 0 && p->n_vms == 0))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID,
                   "poisson: expected a rate > 0, a size mix and a duration or a VM count");
      return NULL;
    }
  if (p->n_vms > XP_TRACE_GEN_MAX_VMS)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "poisson: --vms: expected at most %u VMs, got %u",
                   XP_TRACE_GEN_MAX_VMS, p->n_vms);
      return NULL;
    }
  if (p->rate < XP_TRACE_GEN_MIN_RATE || p->rate > XP_TRACE_GEN_MAX_RATE)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "poisson: --rate: expected arrivals per second from %g to %g, "
                   "got %g", XP_TRACE_GEN_MIN_RATE, XP_TRACE_GEN_MAX_RATE, p->rate);
      return NULL;
    }
  if ((double) p->duration > GEN_MAX_S * XP_NSEC_PER_SEC)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "poisson: --duration: expected at most %.0f s, the limit of a "
                   "generated time", GEN_MAX_S);
      return NULL;
    }
  g_autoptr (GRand) rand = g_rand_new_with_seed (p->seed);
  g_autoptr (XpTrace) t = xp_trace_new ("(poisson)");
  /* Arrival times accumulate in double seconds; each is rounded to whole
   * microseconds on its own so rounding errors do not accumulate. */
  double clock = 0;
  guint n_width = p->n_vms ? p->n_vms : 999999;
  for (guint i = 0; p->n_vms == 0 || i < p->n_vms; i++)
    {
      clock += draw_exp1 (rand) / p->rate;
      gboolean beyond;
      XpTime at = seconds_to_ns_us (clock, &beyond);
      if (p->duration > 0 && at >= p->duration)
        break;
      if (beyond)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "poisson: --rate: arrival %u falls beyond the %.0f s a "
                       "generated time may reach; raise the rate or lower the VM count", i + 1, GEN_MAX_S);
          return NULL;
        }
      guint v;
      guint64 m;
      xp_size_mix_draw (p->mix, rand, &v, &m);
      g_autofree char *name = vm_name (p->prefix, i + 1, n_width);
      XpTime lt = lifetime_draw (&p->lifetime, rand, &beyond);
      if (beyond)
        {
          lifetime_beyond_error (error, "poisson", name);
          return NULL;
        }
      if (t->events->len >= XP_TRACE_GEN_MAX_VMS)
        {
          g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "poisson: more than %u VMs within --duration; lower the "
                       "rate or duration", XP_TRACE_GEN_MAX_VMS);
          return NULL;
        }
      add_start (t, at, name, v, m, lt, p->demand_ppm);
    }
  if (t->events->len == 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_INVALID, "poisson: no arrival within the duration; raise the rate or duration");
      return NULL;
    }
  if (!xp_trace_finish (t, error))
    return NULL;
  return g_steal_pointer (&t);
}
