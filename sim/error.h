/* xenplace — GError domain for all user-facing errors.
 *
 * Messages about input files always start with "FILE:LINE:" (and ":COLUMN"
 * where a column is known), then the field, then what was expected.
 */
#ifndef XP_ERROR_H
#define XP_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define XP_ERROR (xp_error_quark ())
GQuark xp_error_quark (void);

typedef enum {
  XP_ERROR_PARSE,        /* malformed input file or string */
  XP_ERROR_INVALID,      /* well-formed but meaningless (negative size, unknown node, ...) */
  XP_ERROR_IO,           /* cannot read or write a file */
  XP_ERROR_UNSUPPORTED,  /* feature not available in this build or on this host */
  XP_ERROR_FAILED,       /* anything else */
} XpErrorCode;

G_END_DECLS

#endif
