/* xenplace — reading chosen parts of a large JSON file.
 *
 * A run's results file is a few small objects (run, summary, nodes) and
 * one large array of per-VM rows: about 90 MB of text at 100,000 VMs,
 * whose json-glib tree took 750 MB to read. The readers that want only the
 * summary (bench merge, resume) or one VM at a time (the report's plots)
 * go through xp_json_scan_file() instead of json_parser_load_from_file():
 *
 *   - the whole text is checked against the JSON grammar (RFC 8259) as
 *     it is read, so a file that json-glib would refuse as a whole is
 *     refused here too, with "FILE:LINE:COLUMN: Parse error: ...";
 *   - the top-level members named in @members are handed to json-glib
 *     and returned, each as a tree;
 *   - the elements of the top-level array @each are handed to json-glib
 *     one at a time and passed to @func, so memory holds one element;
 *   - everything else is checked and skipped.
 *
 * Stricter than json-glib 1.6, which also takes comments, "var name =",
 * single-quoted names, numbers such as 01, 1. and .5, and raw control
 * characters and unknown escapes in strings: all of these are refused
 * here, and nesting is limited to XP_JSON_SCAN_MAX_DEPTH. A member asked
 * for that is written twice at the top level is an error (json-glib keeps
 * the last one).
 *
 * A regular file is mapped, and the pages already read are given back as
 * the scan goes (a file truncated by someone else while it is read ends
 * the process with SIGBUS: xenplace replaces its files, it never
 * truncates them); anything else (a pipe) is read whole first.
 */
#ifndef XP_JSON_SCAN_H
#define XP_JSON_SCAN_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define XP_JSON_SCAN_MAX_DEPTH 512

/* One element of the streamed array, at @index; the node is the caller's
 * only for the call. Return FALSE with @error set to stop the scan. */
typedef gboolean (*XpJsonElementFunc) (JsonNode *element, guint index, gpointer user_data, GError **error);

/* Scan @path, whose text must be one JSON object. Returns a new object
 * (json_object_unref() it) with the members of @members (NULL-terminated,
 * or NULL for none) that the file has. If @each is not NULL and the
 * file's member @each is an array, its elements go to @func in order and
 * the returned object holds @each as an empty array (so that its
 * presence and type can be checked); if that member is not an array, it
 * is returned like one of @members. @func may have been called when a
 * later part of the file turns out to be malformed: its work is then
 * the caller's to throw away. Errors name @path. */
JsonObject *xp_json_scan_file (const char *path, const char *const *members, const char *each,
                               XpJsonElementFunc func, gpointer user_data, GError **error);

G_END_DECLS

#endif
