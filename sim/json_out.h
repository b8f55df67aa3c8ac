/* xenplace — a streaming JSON writer for large outputs (results files).
 *
 * Writes the text json-glib's JsonGenerator (1.6, Debian 12) writes with
 * pretty printing and an indent of one space, byte for byte, without
 * building a tree first: a results file of 100,000 VMs is ~90 MB of text,
 * and its JsonNode tree took several times that in memory. Where
 * json-glib 1.6 writes invalid JSON this writes valid JSON: doubles in
 * exponent form and non-finite ones (see xp_json_out_double()), and the
 * control character 0x1f, which json-glib leaves unescaped. Values go straight to
 * a buffer that is flushed to the output file every XP_JSON_OUT_FLUSH
 * bytes (or kept whole when there is no file).
 *
 * Containers and values are written in order; @name is the member name
 * inside an object and NULL inside an array or at the top. Misuse (a
 * value without a name in an object, unbalanced ends) is a programmer
 * error. A failed write is remembered and reported by
 * xp_json_out_finish().
 */
#ifndef XP_JSON_OUT_H
#define XP_JSON_OUT_H

#include <stdio.h>
#include <glib.h>

G_BEGIN_DECLS

#define XP_JSON_OUT_FLUSH (64 * 1024)

typedef struct XpJsonOut XpJsonOut;

/* Write to @file (not closed by the writer), or, with NULL, into a string
 * that xp_json_out_finish() returns. */
XpJsonOut *xp_json_out_new (FILE *file);

void xp_json_out_begin_object (XpJsonOut *o, const char *name);
void xp_json_out_end_object (XpJsonOut *o);
void xp_json_out_begin_array (XpJsonOut *o, const char *name);
void xp_json_out_end_array (XpJsonOut *o);
void xp_json_out_int (XpJsonOut *o, const char *name, gint64 v);
/* NULL writes null. */
void xp_json_out_string (XpJsonOut *o, const char *name, const char *v);
void xp_json_out_double (XpJsonOut *o, const char *name, double v);
void xp_json_out_bool (XpJsonOut *o, const char *name, gboolean v);

/* End the text with a newline, flush it and free the writer. Returns the
 * whole text when writing to a string, else an empty string; NULL (with
 * errno set) when writing to the file failed. */
char *xp_json_out_finish (XpJsonOut *o);

G_END_DECLS

#endif
