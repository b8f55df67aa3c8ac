/* xenplace — reading chosen parts of a large JSON file.
 *
 * A run's results file is a few small objects (run, summary, nodes) and
 * one large array of per-VM rows: about 90 MB of text at 100,000 VMs,
 * whose json-glib tree took 750 MB to read. The readers that want only the
 * summary (bench merge, resume) or a few fields of one VM at a time (the
 * report's plots) go through xp_json_scan_file() instead of
 * json_parser_load_from_file():
 *
 *   - the whole text is checked against the JSON grammar (RFC 8259) as
 *     it is read, so a file that json-glib would refuse as a whole is
 *     refused here too, with "FILE:LINE:COLUMN: Parse error: ...";
 *   - the top-level members named in @members are handed to json-glib
 *     and returned, each as a tree;
 *   - the elements of the top-level array @each are handed to json-glib
 *     one at a time and passed to @func, so memory holds one element; or,
 *     with xp_json_scan_file_fields(), only the values of the members
 *     the caller names, read straight from the text (no tree at all);
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

/* ---- rows read field by field, without a tree ----------------------------
 *
 * Building a json-glib tree for every element costs most of the time of a
 * streamed read (about 70 % for 100,000 VM rows). A reader that wants only
 * a few members of each element names them, and the scanner hands over
 * their values as it reads them: no tree, no allocation per element. The
 * values are the ones json-glib would give: a number without a fraction or
 * an exponent is an integer, any other number a double; of a member
 * written twice in one element, the last counts. Like json-glib 1.6, an
 * integer's digits are read as an unsigned 64-bit number, saturating at
 * 2^64 - 1, taken as a gint64 (so 2^63 and beyond wrap to negative, and
 * anything beyond 64 bits reads -1) and negated if a minus sign stood
 * before them. */

typedef enum {
  XP_JSON_FIELD_ABSENT,    /* no such member, or the element is not an object */
  XP_JSON_FIELD_NULL,
  XP_JSON_FIELD_BOOLEAN,
  XP_JSON_FIELD_INT,
  XP_JSON_FIELD_DOUBLE,
  XP_JSON_FIELD_STRING,
  XP_JSON_FIELD_OBJECT,    /* checked and skipped: no value */
  XP_JSON_FIELD_ARRAY,     /* checked and skipped: no value */
} XpJsonFieldType;

/* Only the members for the value's type are set; the others are zero. */
typedef struct {
  XpJsonFieldType type;
  gboolean boolean;
  gint64 integer;
  double number;           /* a DOUBLE's value, or an INT's as a double */
  const char *string;      /* decoded, NUL-terminated; the scanner's, valid
                            * for the call only */
} XpJsonField;

/* One element of the streamed array: @fields holds one value per name the
 * scan was asked for, in that order (a name asked for twice has the same
 * value in both places); @is_object says whether the element
 * is an object at all. Return FALSE with @error set to stop the scan. */
typedef gboolean (*XpJsonFieldsFunc) (const XpJsonField *fields, gboolean is_object, guint index,
                                      gpointer user_data, GError **error);

/* As xp_json_scan_file(), but each element of the array @each goes to
 * @func as the values of its top-level members named in @fields
 * (NULL-terminated, at least one name) instead of as a tree. The whole
 * text is checked as by xp_json_scan_file(). */
JsonObject *xp_json_scan_file_fields (const char *path, const char *const *members, const char *each,
                                      const char *const *fields, XpJsonFieldsFunc func, gpointer user_data,
                                      GError **error);

G_END_DECLS

#endif
