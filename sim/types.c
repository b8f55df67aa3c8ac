/* xenplace — CPU and node list parsing and formatting (xl syntax). */
#include "config.h"
#include <stdlib.h>
#include "sim/types.h"

/* Parse "a-b,c,..." calling @set for every id; ids must be < @limit. */
static gboolean
parse_list (const char *text, guint limit, gboolean (*set) (gpointer, guint), gpointer target, const char **why)
{
  const char *p = text;
  if (!p || !*p)
    {
      *why = "empty list";
      return FALSE;
    }
  while (*p)
    {
      char *end;
      if (!g_ascii_isdigit (*p))
        {
          *why = "expected a number";
          return FALSE;
        }
      guint64 lo = g_ascii_strtoull (p, &end, 10), hi = lo;
      p = end;
      if (*p == '-')
        {
          p++;
          if (!g_ascii_isdigit (*p))
            {
              *why = "expected a number after '-'";
              return FALSE;
            }
          hi = g_ascii_strtoull (p, &end, 10);
          p = end;
          if (hi < lo)
            {
              *why = "range end below its start";
              return FALSE;
            }
        }
      if (hi >= limit)
        {
          *why = "id out of range";
          return FALSE;
        }
      for (guint64 i = lo; i <= hi; i++)
        set (target, (guint) i);
      if (*p == ',')
        {
          p++;
          if (!*p)
            {
              *why = "trailing ','";
              return FALSE;
            }
        }
      else if (*p)
        {
          *why = "expected ',' or '-'";
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
set_cpu (gpointer target, guint id)
{
  xp_cpumask_set (target, id);
  return TRUE;
}

static gboolean
set_node (gpointer target, guint id)
{
  *(XpNodemask *) target |= xp_nodemask_of (id);
  return TRUE;
}

gboolean
xp_cpumask_parse (const char *text, XpCpumask *out, const char **why)
{
  XpCpumask m;
  xp_cpumask_clear (&m);
  if (!parse_list (text, XP_MAX_CPUS, set_cpu, &m, why))
    return FALSE;
  *out = m;
  return TRUE;
}

gboolean
xp_nodemask_parse (const char *text, XpNodemask *out, const char **why)
{
  XpNodemask m = 0;
  if (!parse_list (text, XP_MAX_NODES, set_node, &m, why))
    return FALSE;
  *out = m;
  return TRUE;
}

static char *
format_ranges (gboolean (*test) (gconstpointer, guint), gconstpointer mask, guint limit)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < limit;)
    {
      if (!test (mask, i))
        {
          i++;
          continue;
        }
      guint j = i;
      while (j + 1 < limit && test (mask, j + 1))
        j++;
      if (s->len)
        g_string_append_c (s, ',');
      if (j == i)
        g_string_append_printf (s, "%u", i);
      else
        g_string_append_printf (s, "%u-%u", i, j);
      i = j + 1;
    }
  return g_string_free (s, FALSE);
}

static gboolean
test_cpu (gconstpointer m, guint i)
{
  return xp_cpumask_test (m, i);
}

static gboolean
test_node (gconstpointer m, guint i)
{
  return xp_nodemask_test (*(const XpNodemask *) m, i);
}

char *
xp_cpumask_format (const XpCpumask *m)
{
  return format_ranges (test_cpu, m, XP_MAX_CPUS);
}

char *
xp_nodemask_format (XpNodemask m)
{
  return format_ranges (test_node, &m, XP_MAX_NODES);
}
