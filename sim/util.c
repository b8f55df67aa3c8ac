/* xenplace — small helpers. */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
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

struct XpAtomicFile {
  FILE *file;
  char *path, *tmp;
  int slot;                     /* in tmp_slots, or -1 */
};

/* Files get the mode open() would give them, 0666 less the umask, as
 * g_file_set_contents() does. The umask cannot be read without setting
 * it, so it is read once, at load time, before any thread creates a
 * file. */
static mode_t new_file_mode = 0644;

__attribute__ ((constructor)) static void
read_umask (void)
{
  mode_t mask = umask (0);
  umask (mask);
  new_file_mode = 0666 & ~mask;
}

/* Temporary files being written, so that a process stopped by SIGINT,
 * SIGTERM or SIGHUP removes them instead of leaving "OUT.tmp-XXXXXX"
 * behind. The handler reads the table without a lock (it may run in any
 * thread, in the middle of anything), so each slot is a fixed buffer with
 * a state: free, being filled, or holding a path; a slot is filled before
 * it is marked as holding one. A file whose slot cannot be had (all busy,
 * path too long) is written all the same, only not cleaned up. */
enum { TMP_SLOTS = 64, TMP_FREE = 0, TMP_FILLING = 1, TMP_HELD = 2 };
static struct {
  volatile gint state;
  char path[PATH_MAX];
} tmp_slots[TMP_SLOTS];

static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void
tmp_cleanup_handler (int sig)
{
  int saved = errno;
  for (guint i = 0; i < TMP_SLOTS; i++)
    if (g_atomic_int_get (&tmp_slots[i].state) == TMP_HELD)
      unlink (tmp_slots[i].path);
  /* then die of the signal as without the handler */
  signal (sig, SIG_DFL);
  raise (sig);
  errno = saved;
}

static gpointer
install_cleanup_handlers (gpointer unused)
{
  (void) unused;
  for (guint i = 0; i < G_N_ELEMENTS (cleanup_signals); i++)
    {
      struct sigaction old, sa = { 0 };
      /* a signal ignored on entry (nohup, a background job) stays ignored,
       * and one a caller handles itself is left to it */
      if (sigaction (cleanup_signals[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL)
        continue;
      sa.sa_handler = tmp_cleanup_handler;
      sigemptyset (&sa.sa_mask);
      for (guint k = 0; k < G_N_ELEMENTS (cleanup_signals); k++)
        sigaddset (&sa.sa_mask, cleanup_signals[k]);
      sigaction (cleanup_signals[i], &sa, NULL);
    }
  return NULL;
}

static int
tmp_register (const char *tmp)
{
  if (strlen (tmp) >= PATH_MAX)
    return -1;
  for (int i = 0; i < TMP_SLOTS; i++)
    if (g_atomic_int_compare_and_exchange (&tmp_slots[i].state, TMP_FREE, TMP_FILLING))
      {
        strcpy (tmp_slots[i].path, tmp);
        g_atomic_int_set (&tmp_slots[i].state, TMP_HELD);
        return i;
      }
  return -1;
}

static void
tmp_unregister (int slot)
{
  if (slot >= 0)
    g_atomic_int_set (&tmp_slots[slot].state, TMP_FREE);
}

XpAtomicFile *
xp_atomic_file_open (const char *path, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-XXXXXX", path);
  /* The handlers are in place before the first file exists, and the
   * cleanup signals are held in this thread from the file's creation until
   * it is in the table: otherwise a signal in between (the very moment a
   * caller sees the file appear) would leave it behind. In a process with
   * other threads such a signal may still go to one of them in that window. */
  static GOnce once = G_ONCE_INIT;
  g_once (&once, install_cleanup_handlers, NULL);
  sigset_t hold, saved;
  sigemptyset (&hold);
  for (guint i = 0; i < G_N_ELEMENTS (cleanup_signals); i++)
    sigaddset (&hold, cleanup_signals[i]);
  pthread_sigmask (SIG_BLOCK, &hold, &saved);
  int fd = g_mkstemp (tmp);
  int slot = fd >= 0 ? tmp_register (tmp) : -1;
  pthread_sigmask (SIG_SETMASK, &saved, NULL);
  FILE *file = NULL;
  if (fd >= 0)
    {
      fchmod (fd, new_file_mode);   /* mkstemp's 0600 would survive the rename */
      file = fdopen (fd, "w");
    }
  if (!file)
    {
      int err = errno;
      if (fd >= 0)
        {
          close (fd);
          g_unlink (tmp);
        }
      tmp_unregister (slot);
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot write: %s", path, g_strerror (err));
      return NULL;
    }
  XpAtomicFile *f = g_new0 (XpAtomicFile, 1);
  f->file = file;
  f->path = g_strdup (path);
  f->tmp = g_steal_pointer (&tmp);
  f->slot = slot;
  return f;
}

FILE *
xp_atomic_file_stream (XpAtomicFile *f)
{
  return f->file;
}

static void
atomic_file_free (XpAtomicFile *f)
{
  tmp_unregister (f->slot);
  g_free (f->path);
  g_free (f->tmp);
  g_free (f);
}

gboolean
xp_atomic_file_commit (XpAtomicFile *f, GError **error)
{
  /* As g_file_set_contents(): sync before replacing a file, so that a
   * crash leaves the old one or the new one; a new file needs no sync. */
  gboolean replacing = g_file_test (f->path, G_FILE_TEST_EXISTS);
  gboolean ok = fflush (f->file) == 0 && (!replacing || fsync (fileno (f->file)) == 0);
  int err = ok ? 0 : errno;
  if (fclose (f->file) != 0 && ok)
    {
      ok = FALSE;
      err = errno;
    }
  if (!ok)
    g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot write: %s", f->path, g_strerror (err));
  else if (g_rename (f->tmp, f->path) != 0)
    {
      g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot rename into place: %s", f->path, g_strerror (errno));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (f->tmp);
  atomic_file_free (f);
  return ok;
}

void
xp_atomic_file_abort (XpAtomicFile *f)
{
  fclose (f->file);
  g_unlink (f->tmp);
  atomic_file_free (f);
}

gboolean
xp_atomic_file_fail (XpAtomicFile *f, int err, GError **error)
{
  if (error && !*error)
    g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: cannot write: %s", f->path, g_strerror (err));
  xp_atomic_file_abort (f);
  return FALSE;
}

gboolean
xp_write_file_atomic (const char *path, const char *contents, gssize len, GError **error)
{
  XpAtomicFile *f = xp_atomic_file_open (path, error);
  if (!f)
    return FALSE;
  gsize n = len < 0 ? strlen (contents) : (gsize) len;
  if (fwrite (contents, 1, n, f->file) != n)
    return xp_atomic_file_fail (f, errno, error);
  return xp_atomic_file_commit (f, error);
}

gboolean
xp_same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;
  return a && b && g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
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
