/* xenplace — small helpers. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/error.h"
#include "sim/util.h"

gboolean
xp_parse_size (const char *text, guint64 default_unit_bytes, guint64 *out_bytes)
{
  static const struct { const char *suffix; guint64 mult; } units[] = {
    { "KiB", G_GUINT64_CONSTANT (1) << 10 }, { "MiB", G_GUINT64_CONSTANT (1) << 20 },
    { "GiB", G_GUINT64_CONSTANT (1) << 30 }, { "TiB", G_GUINT64_CONSTANT (1) << 40 },
    { "K", G_GUINT64_CONSTANT (1) << 10 }, { "M", G_GUINT64_CONSTANT (1) << 20 },
    { "G", G_GUINT64_CONSTANT (1) << 30 }, { "T", G_GUINT64_CONSTANT (1) << 40 },
    { "KB", G_GUINT64_CONSTANT (1000) }, { "MB", G_GUINT64_CONSTANT (1000000) },
    { "GB", G_GUINT64_CONSTANT (1000000000) }, { "TB", G_GUINT64_CONSTANT (1000000000000) },
    { "B", 1 },
  };
  if (!text || !*text || !(g_ascii_isdigit (*text) || *text == '.'))
    return FALSE;
  char *end;
  errno = 0;
  double v = g_ascii_strtod (text, &end);
  if (errno || end == text || v < 0 || !isfinite (v))
    return FALSE;
  while (*end == ' ')
    end++;
  guint64 mult = default_unit_bytes;
  if (*end)
    {
      mult = 0;
      for (guint i = 0; i < G_N_ELEMENTS (units); i++)
        if (strcmp (end, units[i].suffix) == 0)
          {
            mult = units[i].mult;
            break;
          }
      if (!mult)
        return FALSE;
    }
  double bytes = v * (double) mult;
  if (bytes >= 18446744073709551615.0 || bytes != floor (bytes))
    return FALSE;
  *out_bytes = (guint64) bytes;
  return TRUE;
}

gboolean
xp_write_file_atomic (const char *path, const char *contents, gssize len, GError **error)
{
  GError *local = NULL;
  /* g_file_set_contents() writes a temporary file in the same directory,
   * fsyncs it where needed and renames it over @path. */
  if (!g_file_set_contents (path, contents, len, &local))
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot write: %s", path, local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

char *
xp_format_bytes (guint64 bytes)
{
  static const char *names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
  double v = (double) bytes;
  guint i = 0;
  while (v >= 1024 && i + 1 < G_N_ELEMENTS (names))
    {
      v /= 1024;
      i++;
    }
  if (i == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " B", bytes);
  return g_strdup_printf ("%.1f %s", v, names[i]);
}
