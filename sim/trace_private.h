/* xenplace — helpers shared by the trace parser, generators and importers.
 * Internal to sim/trace*.c; not a contract. */
#ifndef XP_TRACE_PRIVATE_H
#define XP_TRACE_PRIVATE_H

#include <stdio.h>
#include "sim/trace.h"

G_BEGIN_DECLS

/* Upper bounds the parser accepts (anything above is "absurd"). */
#define XP_TRACE_MAX_VCPUS        1024u
#define XP_TRACE_MAX_MEMORY_MIB   (G_GUINT64_CONSTANT (64) << 20)     /* 64 TiB */
#define XP_TRACE_MAX_SECONDS      G_GUINT64_CONSTANT (4000000000)     /* ~126 years */

/* Split one CSV record (without its line terminator) into @fields (char *,
 * g_free'd by the array). Quotes follow RFC 4180 within one line: a quoted
 * field may hold commas and doubled quotes but not a line break. On a syntax
 * error returns FALSE with the 1-based field number in @err_field and a
 * static reason in @why. */
gboolean xp_csv_split (const char *line, GPtrArray *fields, guint *err_field, const char **why);

/* Append @text to @out as a CSV field, quoted when it must be. */
void xp_csv_append_field (GString *out, const char *text);

/* Strict unsigned decimal "D+(.D+)?" scaled by 10^@scale into @out. Digits
 * beyond @scale must be zeros. No sign, no exponent, no spaces. */
gboolean xp_parse_fixed (const char *text, guint scale, guint64 *out);

/* Lenient decimal for importers: optional sign, digits, optional fraction,
 * optional exponent ("1.5e-05" as sqlite prints). Returns round-half-up of
 * |value| * @mult / @div in @out and the sign in @negative. FALSE when not a
 * number or when the result does not fit in 63 bits. */
gboolean xp_parse_decimal_scaled (const char *text, guint64 mult, guint64 div,
                                  guint64 *out, gboolean *negative);

/* Read one line from @f into @line (terminator stripped, "\r\n" too).
 * Returns FALSE at end of file. @had_newline tells whether the line was
 * terminated (a final line without one may be a truncated file). */
gboolean xp_read_line (FILE *f, GString *line, gboolean *had_newline);

G_END_DECLS

#endif
