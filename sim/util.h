/* xenplace — small helpers shared by the command line and the engine. */
#ifndef XP_UTIL_H
#define XP_UTIL_H

#include <stdio.h>
#include <glib.h>

G_BEGIN_DECLS

/* Parse a size with an optional binary or decimal unit: "4096", "64GiB",
 * "64G" (= GiB), "512MiB", "1.5TiB", "16GB" (= 10^9). Plain numbers are
 * bytes unless @default_unit_bytes says otherwise. */
gboolean xp_parse_size (const char *text, guint64 default_unit_bytes, guint64 *out_bytes);

/* A file that replaces @path only when committed: until then its text
 * goes to a temporary file beside @path (mode 0666 less the umask), which
 * an abort or a failed commit removes. For outputs written piece by
 * piece. */
typedef struct XpAtomicFile XpAtomicFile;
XpAtomicFile *xp_atomic_file_open (const char *path, GError **error);
FILE *xp_atomic_file_stream (XpAtomicFile *f);
/* Flush, sync, close and rename into place; frees @f either way. */
gboolean xp_atomic_file_commit (XpAtomicFile *f, GError **error);
void xp_atomic_file_abort (XpAtomicFile *f);
/* Abort after a failed write: "@path: cannot write: strerror(@err)" in
 * @error, unless it already holds why the output stopped. FALSE. */
gboolean xp_atomic_file_fail (XpAtomicFile *f, int err, GError **error);
/* The same for a whole text at once (@len -1: up to its NUL). */
gboolean xp_write_file_atomic (const char *path, const char *contents, gssize len, GError **error);

/* Whether @a and @b name one existing file (the same device and inode),
 * whatever the spelling: an output about to replace an input. */
gboolean xp_same_file (const char *a, const char *b);

/* Format bytes as "12.5 GiB". */
char *xp_format_bytes (guint64 bytes);

G_END_DECLS

#endif
