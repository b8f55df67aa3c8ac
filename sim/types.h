/* xenplace — basic types shared by every module.
 *
 * Units: memory is counted in 4 KiB pages (XpPages) everywhere inside the
 * model, as Xen does; simulated time is integer nanoseconds (XpTime).
 * Node sets are 64-bit masks (Xen's MAX_NUMNODES is 64); CPU sets are a
 * fixed-size bitmap so that copying one never allocates.
 */
#ifndef XP_TYPES_H
#define XP_TYPES_H

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

typedef gint64 XpTime;                 /* simulated nanoseconds */
typedef guint64 XpPages;               /* count of 4 KiB pages */

#define XP_PAGE_SHIFT      12
#define XP_PAGE_SIZE       (G_GUINT64_CONSTANT (1) << XP_PAGE_SHIFT)
#define XP_NSEC_PER_USEC   G_GINT64_CONSTANT (1000)
#define XP_NSEC_PER_MSEC   G_GINT64_CONSTANT (1000000)
#define XP_NSEC_PER_SEC    G_GINT64_CONSTANT (1000000000)
#define XP_TIME_NEVER      G_MAXINT64

#define XP_PAGES_PER_MIB   (G_GUINT64_CONSTANT (1) << (20 - XP_PAGE_SHIFT))
#define XP_PAGES_PER_GIB   (G_GUINT64_CONSTANT (1) << (30 - XP_PAGE_SHIFT))
#define XP_MIB_TO_PAGES(m) ((XpPages) (m) << (20 - XP_PAGE_SHIFT))
#define XP_KIB_TO_PAGES(k) ((XpPages) (k) >> 2)

/* Xen's MAX_NUMNODES (x86 default) and an upper bound on pCPUs. */
#define XP_MAX_NODES   64
#define XP_MAX_CPUS    1024
#define XP_NO_NODE     0xFFu           /* NUMA_NO_NODE */

/* ---- node masks ------------------------------------------------------- */

typedef guint64 XpNodemask;

#define XP_NODEMASK_ALL   G_GUINT64_CONSTANT (0xFFFFFFFFFFFFFFFF)

static inline XpNodemask xp_nodemask_of (guint node) { return G_GUINT64_CONSTANT (1) << node; }
/* Nodes 0 .. @n - 1 (all of them from XP_MAX_NODES on). */
static inline XpNodemask xp_nodemask_first_n (guint n) { return n >= XP_MAX_NODES ? XP_NODEMASK_ALL : xp_nodemask_of (n) - 1; }
static inline gboolean xp_nodemask_test (XpNodemask m, guint node) { return (m >> node) & 1; }
static inline guint xp_nodemask_weight (XpNodemask m) { return (guint) __builtin_popcountll (m); }
static inline guint xp_nodemask_first (XpNodemask m) { return m ? (guint) __builtin_ctzll (m) : XP_MAX_NODES; }

/* Next node set in @m strictly after @node, wrapping to the lowest one;
 * XP_MAX_NODES when @m is empty (Xen's cycle_node()). */
static inline guint
xp_nodemask_cycle (XpNodemask m, guint node)
{
  XpNodemask above = node + 1 < XP_MAX_NODES ? m & (XP_NODEMASK_ALL << (node + 1)) : 0;
  return above ? xp_nodemask_first (above) : xp_nodemask_first (m);
}

#define XP_NODEMASK_FOREACH(node, mask) \
  for (XpNodemask _m_##node = (mask); \
       _m_##node && ((node) = (guint) __builtin_ctzll (_m_##node), 1); \
       _m_##node &= _m_##node - 1)

/* ---- CPU masks -------------------------------------------------------- */

#define XP_CPUMASK_WORDS (XP_MAX_CPUS / 64)

typedef struct {
  guint64 bits[XP_CPUMASK_WORDS];
} XpCpumask;

static inline void xp_cpumask_clear (XpCpumask *m) { memset (m, 0, sizeof *m); }
static inline void xp_cpumask_set (XpCpumask *m, guint cpu) { m->bits[cpu / 64] |= G_GUINT64_CONSTANT (1) << (cpu % 64); }
static inline void xp_cpumask_unset (XpCpumask *m, guint cpu) { m->bits[cpu / 64] &= ~(G_GUINT64_CONSTANT (1) << (cpu % 64)); }
static inline gboolean xp_cpumask_test (const XpCpumask *m, guint cpu) { return (m->bits[cpu / 64] >> (cpu % 64)) & 1; }

static inline void
xp_cpumask_fill (XpCpumask *m, guint n_cpus)
{
  xp_cpumask_clear (m);
  for (guint w = 0; w < n_cpus / 64; w++)
    m->bits[w] = G_MAXUINT64;
  if (n_cpus % 64)
    m->bits[n_cpus / 64] = (G_GUINT64_CONSTANT (1) << (n_cpus % 64)) - 1;
}

static inline void
xp_cpumask_and (XpCpumask *dst, const XpCpumask *a, const XpCpumask *b)
{
  for (guint w = 0; w < XP_CPUMASK_WORDS; w++)
    dst->bits[w] = a->bits[w] & b->bits[w];
}

static inline void
xp_cpumask_or (XpCpumask *dst, const XpCpumask *a, const XpCpumask *b)
{
  for (guint w = 0; w < XP_CPUMASK_WORDS; w++)
    dst->bits[w] = a->bits[w] | b->bits[w];
}

static inline gboolean
xp_cpumask_empty (const XpCpumask *m)
{
  for (guint w = 0; w < XP_CPUMASK_WORDS; w++)
    if (m->bits[w])
      return FALSE;
  return TRUE;
}

static inline gboolean
xp_cpumask_intersects (const XpCpumask *a, const XpCpumask *b)
{
  for (guint w = 0; w < XP_CPUMASK_WORDS; w++)
    if (a->bits[w] & b->bits[w])
      return TRUE;
  return FALSE;
}

/* TRUE when every CPU of @a is in @b. */
static inline gboolean
xp_cpumask_subset (const XpCpumask *a, const XpCpumask *b)
{
  for (guint w = 0; w < XP_CPUMASK_WORDS; w++)
    if (a->bits[w] & ~b->bits[w])
      return FALSE;
  return TRUE;
}

static inline gboolean
xp_cpumask_equal (const XpCpumask *a, const XpCpumask *b)
{
  return memcmp (a, b, sizeof *a) == 0;
}

static inline guint
xp_cpumask_weight (const XpCpumask *m)
{
  guint n = 0;
  for (guint w = 0; w < XP_CPUMASK_WORDS; w++)
    n += (guint) __builtin_popcountll (m->bits[w]);
  return n;
}

/* First CPU set at or after @from, or XP_MAX_CPUS. */
static inline guint
xp_cpumask_next (const XpCpumask *m, guint from)
{
  for (guint w = from / 64; w < XP_CPUMASK_WORDS; w++)
    {
      guint64 word = m->bits[w];
      if (w == from / 64)
        word &= G_MAXUINT64 << (from % 64);
      if (word)
        return w * 64 + (guint) __builtin_ctzll (word);
    }
  return XP_MAX_CPUS;
}

#define XP_CPUMASK_FOREACH(cpu, mask) \
  for ((cpu) = xp_cpumask_next ((mask), 0); (cpu) < XP_MAX_CPUS; (cpu) = xp_cpumask_next ((mask), (cpu) + 1))

/* Parse an xl-style CPU list ("0-3,8,10-11") into @out; FALSE with a message
 * in @why (static string) on bad syntax or a CPU >= XP_MAX_CPUS. */
gboolean xp_cpumask_parse (const char *text, XpCpumask *out, const char **why);
/* Format as a compact range list; caller frees. */
char *xp_cpumask_format (const XpCpumask *m);
/* Parse a node list ("0,2-3"); same rules as the CPU list. */
gboolean xp_nodemask_parse (const char *text, XpNodemask *out, const char **why);
char *xp_nodemask_format (XpNodemask m);

G_END_DECLS

#endif /* XP_TYPES_H */
