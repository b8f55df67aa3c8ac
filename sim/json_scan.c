/* xenplace — reading chosen parts of a large JSON file (see json_scan.h). */
#include "config.h"
#include "sim/json_scan.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "sim/error.h"

/* Pages behind the scan are given back in steps of this size. */
#define RELEASE_STEP (8u << 20)

typedef struct {
  const char *path;
  const char *text;
  gsize len, pos;
  gsize released;     /* bytes from the start already given back
                       * (G_MAXSIZE: the text is not mapped) */
  gsize page;
  gboolean holding;   /* the top-level member being read is kept */
  JsonParser *parser;
} Scan;

/* "PATH:LINE:COLUMN: Parse error: ..." at byte @at, as json-glib words
 * its syntax errors; the column counts bytes from 1. */
G_GNUC_PRINTF (4, 5) static gboolean
fail_at (const Scan *s, gsize at, GError **error, const char *fmt, ...)
{
  guint line = 1;
  gsize line_start = 0;
  for (gsize i = 0; i < at && i < s->len; i++)
    if (s->text[i] == '\n')
      {
        line++;
        line_start = i + 1;
      }
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, XP_ERROR, XP_ERROR_PARSE, "%s:%u:%" G_GSIZE_FORMAT ": Parse error: %s", s->path, line,
               at - line_start + 1, what);
  return FALSE;
}

/* What stands at @at, for an error message. */
static char *
describe (const Scan *s, gsize at)
{
  if (at >= s->len)
    return g_strdup ("the end of the file");
  guchar c = (guchar) s->text[at];
  if (c >= 0x21 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  return g_strdup_printf ("byte 0x%02x", c);
}

static gboolean
unexpected (const Scan *s, GError **error, const char *expected)
{
  g_autofree char *what = describe (s, s->pos);
  return fail_at (s, s->pos, error, "unexpected %s, expected %s", what, expected);
}

static void
skip_space (Scan *s)
{
  while (s->pos < s->len)
    {
      char c = s->text[s->pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        return;
      s->pos++;
    }
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits of a \u escape at s->pos. */
static gboolean
hex4 (Scan *s, guint *out, GError **error)
{
  guint v = 0;
  for (int i = 0; i < 4; i++, s->pos++)
    {
      int d = s->pos < s->len ? hex_digit (s->text[s->pos]) : -1;
      if (d < 0)
        return unexpected (s, error, "a hex digit of a \\u escape");
      v = v << 4 | (guint) d;
    }
  *out = v;
  return TRUE;
}

/* The string starting at s->pos ('"'), decoded into @out unless NULL. */
static gboolean
scan_string (Scan *s, GString *out, GError **error)
{
  gsize start = s->pos++;
  for (;;)
    {
      if (s->pos >= s->len)
        return fail_at (s, start, error, "a string that does not end");
      guchar c = (guchar) s->text[s->pos];
      if (c == '"')
        {
          s->pos++;
          return TRUE;
        }
      if (c < 0x20)
        return fail_at (s, s->pos, error, "control character 0x%02x in a string", c);
      if (c < 0x80 && c != '\\')
        {
          if (out)
            g_string_append_c (out, (char) c);
          s->pos++;
          continue;
        }
      if (c >= 0x80)
        {
          gunichar u = g_utf8_get_char_validated (s->text + s->pos, (gssize) (s->len - s->pos));
          if (u == (gunichar) -1 || u == (gunichar) -2)
            return fail_at (s, s->pos, error, "invalid UTF-8 in a string");
          gsize n = (gsize) (g_utf8_next_char (s->text + s->pos) - (s->text + s->pos));
          if (out)
            g_string_append_len (out, s->text + s->pos, (gssize) n);
          s->pos += n;
          continue;
        }
      /* an escape */
      gsize esc = s->pos++;
      char e = s->pos < s->len ? s->text[s->pos] : 0;
      const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
      const char *k = e ? strchr (from, e) : NULL;
      if (k)
        {
          if (out)
            g_string_append_c (out, to[k - from]);
          s->pos++;
          continue;
        }
      if (e != 'u')
        return fail_at (s, esc, error, "invalid escape in a string");
      s->pos++;
      guint u;
      if (!hex4 (s, &u, error))
        return FALSE;
      if (u >= 0xdc00 && u <= 0xdfff)
        return fail_at (s, esc, error, "unpaired surrogate \\u%04x in a string", u);
      if (u >= 0xd800 && u <= 0xdbff)
        {
          guint lo;
          if (s->pos + 1 >= s->len || s->text[s->pos] != '\\' || s->text[s->pos + 1] != 'u')
            return fail_at (s, esc, error, "unpaired surrogate \\u%04x in a string", u);
          s->pos += 2;
          if (!hex4 (s, &lo, error))
            return FALSE;
          if (lo < 0xdc00 || lo > 0xdfff)
            return fail_at (s, esc, error, "unpaired surrogate \\u%04x in a string", u);
          u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
        }
      if (out)
        g_string_append_unichar (out, u);
    }
}

static gboolean
digits (Scan *s, GError **error)
{
  if (s->pos >= s->len || !g_ascii_isdigit (s->text[s->pos]))
    return unexpected (s, error, "a digit");
  while (s->pos < s->len && g_ascii_isdigit (s->text[s->pos]))
    s->pos++;
  return TRUE;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
scan_number (Scan *s, GError **error)
{
  if (s->text[s->pos] == '-')
    s->pos++;
  if (s->pos < s->len && s->text[s->pos] == '0')
    s->pos++;
  else if (!digits (s, error))
    return FALSE;
  if (s->pos < s->len && s->text[s->pos] == '.')
    {
      s->pos++;
      if (!digits (s, error))
        return FALSE;
    }
  if (s->pos < s->len && (s->text[s->pos] == 'e' || s->text[s->pos] == 'E'))
    {
      s->pos++;
      if (s->pos < s->len && (s->text[s->pos] == '+' || s->text[s->pos] == '-'))
        s->pos++;
      if (!digits (s, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean scan_value (Scan *s, guint depth, GError **error);
static void release_before (Scan *s, gsize keep);

/* Step into the container opening at s->pos: TRUE when it is empty (and
 * then stepped over). */
static inline gboolean
open_container (Scan *s, char close)
{
  s->pos++;
  skip_space (s);
  if (s->pos < s->len && s->text[s->pos] == close)
    {
      s->pos++;
      return TRUE;
    }
  return FALSE;
}

/* A member's name and its colon, the name decoded into @name unless NULL. */
static inline gboolean
member_name (Scan *s, GString *name, GError **error)
{
  if (s->pos >= s->len || s->text[s->pos] != '"')
    return unexpected (s, error, "a member name");
  if (!scan_string (s, name, error))
    return FALSE;
  skip_space (s);
  if (s->pos >= s->len || s->text[s->pos] != ':')
    return unexpected (s, error, "':'");
  s->pos++;
  skip_space (s);
  return TRUE;
}

/* After a member or element: 1 when another follows, 0 when @close ended
 * the container (both stepped over), -1 on anything else. */
static inline int
next_item (Scan *s, char close, GError **error)
{
  skip_space (s);
  if (s->pos < s->len && (s->text[s->pos] == ',' || s->text[s->pos] == close))
    {
      gboolean more = s->text[s->pos++] == ',';
      if (more)
        skip_space (s);
      return more;
    }
  unexpected (s, error, close == '}' ? "',' or '}'" : "',' or ']'");
  return -1;
}

/* The object or array at s->pos; its members or elements at @depth + 1. */
static gboolean
scan_container (Scan *s, guint depth, GError **error)
{
  if (depth >= XP_JSON_SCAN_MAX_DEPTH)
    return fail_at (s, s->pos, error, "nested deeper than %u", XP_JSON_SCAN_MAX_DEPTH);
  gboolean object = s->text[s->pos] == '{';
  char close = object ? '}' : ']';
  if (open_container (s, close))
    return TRUE;
  int more;
  do
    {
      if (object && !member_name (s, NULL, error))
        return FALSE;
      if (!scan_value (s, depth + 1, error))
        return FALSE;
      if (depth == 1 && !s->holding)
        release_before (s, s->pos);
    }
  while ((more = next_item (s, close, error)) > 0);
  return more == 0;
}

/* One value at s->pos (no space before it). */
static gboolean
scan_value (Scan *s, guint depth, GError **error)
{
  if (s->pos >= s->len)
    return unexpected (s, error, "a value");
  char c = s->text[s->pos];
  switch (c)
    {
    case '{':
    case '[':
      return scan_container (s, depth, error);
    case '"':
      return scan_string (s, NULL, error);
    case 't':
    case 'f':
    case 'n':
      {
        const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        gsize n = strlen (word);
        if (s->len - s->pos < n || memcmp (s->text + s->pos, word, n) != 0)
          return unexpected (s, error, "a value");
        s->pos += n;
        return TRUE;
      }
    default:
      if (c == '-' || g_ascii_isdigit (c))
        return scan_number (s, error);
      return unexpected (s, error, "a value");
    }
}

/* Give back the mapped pages before @keep: nothing before it is read again. */
static void
release_before (Scan *s, gsize keep)
{
#ifdef MADV_DONTNEED
  gsize end = keep / s->page * s->page;
  if (s->released == G_MAXSIZE || end < s->released + RELEASE_STEP)
    return;
  /* the mapping starts on a page boundary */
  madvise ((void *) (s->text + s->released), end - s->released, MADV_DONTNEED);
  s->released = end;
#else
  (void) s;
  (void) keep;
#endif
}

/* The value just scanned, [@start, s->pos), as a tree: json-glib reads
 * only text that the scan found well-formed. */
static JsonNode *
to_tree (Scan *s, gsize start, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (s->parser, s->text + start, (gssize) (s->pos - start), &local))
    {
      /* not seen: json-glib 1.6 takes all the grammar allows (it wraps
       * integers beyond 64 bits, as it does reading a whole file); kept in
       * case a later json-glib refuses something. Its message would count
       * from the value's start, so the position is the value's. */
      const char *m = strstr (local->message, "Parse error: ");
      fail_at (s, start, error, "%s", m ? m + strlen ("Parse error: ") : local->message);
      return NULL;
    }
  return json_parser_steal_root (s->parser);
}

/* The fields a row reader asked for, and the values of the current element. */
typedef struct {
  const char *const *names;
  guint n;
  XpJsonField *values;
  GString **strings;      /* one buffer per field: several may be strings */
  GString *name;          /* scratch: the member name being read */
  GString *number;        /* scratch: a number's text, NUL-terminated */
} Fields;

/* The number just scanned, [@start, s->pos), as json-glib 1.6 reads it: its
 * scanner takes the digits after a minus sign as a token of their own,
 * g_ascii_strtoull() for an integer, g_strtod() otherwise (the same as
 * g_ascii_strtod() for any text the grammar allows), and its parser
 * negates the value when a minus sign came first. */
static void
number_field (Scan *s, gsize start, Fields *f, XpJsonField *v)
{
  gboolean negative = s->text[start] == '-';
  gsize from = start + (negative ? 1 : 0);
  g_string_truncate (f->number, 0);
  g_string_append_len (f->number, s->text + from, (gssize) (s->pos - from));
  if (strpbrk (f->number->str, ".eE"))
    {
      double d = g_ascii_strtod (f->number->str, NULL);
      v->type = XP_JSON_FIELD_DOUBLE;
      v->number = negative ? -d : d;
    }
  else
    {
      guint64 u = g_ascii_strtoull (f->number->str, NULL, 10);
      v->type = XP_JSON_FIELD_INT;
      v->integer = (gint64) (negative ? 0 - u : u);   /* wraps, as json-glib's does */
      v->number = (double) v->integer;
    }
}

/* The value of field @i at s->pos, a member of the element. */
static gboolean
field_value (Scan *s, Fields *f, guint i, GError **error)
{
  XpJsonField *v = &f->values[i];
  *v = (XpJsonField) { .type = XP_JSON_FIELD_ABSENT };   /* a member written twice may change type */
  gsize start = s->pos;
  char c = s->pos < s->len ? s->text[s->pos] : '\0';
  if (c == '"')
    {
      g_string_truncate (f->strings[i], 0);
      if (!scan_string (s, f->strings[i], error))
        return FALSE;
      v->type = XP_JSON_FIELD_STRING;
      v->string = f->strings[i]->str;
      return TRUE;
    }
  if (!scan_value (s, 3, error))
    return FALSE;
  switch (c)
    {
    case '{':
      v->type = XP_JSON_FIELD_OBJECT;
      break;
    case '[':
      v->type = XP_JSON_FIELD_ARRAY;
      break;
    case 'n':
      v->type = XP_JSON_FIELD_NULL;
      break;
    case 't':
    case 'f':
      v->type = XP_JSON_FIELD_BOOLEAN;
      v->boolean = c == 't';
      break;
    default:
      number_field (s, start, f, v);
    }
  return TRUE;
}

/* One element at s->pos: the values of the fields among its members. */
static gboolean
element_fields (Scan *s, Fields *f, gboolean *is_object, GError **error)
{
  for (guint i = 0; i < f->n; i++)
    f->values[i] = (XpJsonField) { .type = XP_JSON_FIELD_ABSENT };
  *is_object = s->pos < s->len && s->text[s->pos] == '{';
  if (!*is_object)
    return scan_value (s, 2, error);
  if (open_container (s, '}'))
    return TRUE;
  int more;
  do
    {
      g_string_truncate (f->name, 0);
      if (!member_name (s, f->name, error))
        return FALSE;
      guint i = 0;
      while (i < f->n && strcmp (f->name->str, f->names[i]) != 0)
        i++;
      if (i == f->n)
        {
          if (!scan_value (s, 3, error))
            return FALSE;
        }
      else
        {
          if (!field_value (s, f, i, error))
            return FALSE;
          /* A name asked for twice gets the same value in every place. */
          for (guint j = i + 1; j < f->n; j++)
            if (strcmp (f->names[j], f->names[i]) == 0)
              f->values[j] = f->values[i];
        }
    }
  while ((more = next_item (s, '}', error)) > 0);
  return more == 0;
}

/* What the caller asked for, and what the top-level object gave so far. */
typedef struct {
  const char *const *members;
  const char *each;
  XpJsonElementFunc func;       /* elements as trees, or */
  XpJsonFieldsFunc fields_func; /* elements as fields */
  Fields *fields;
  gpointer user_data;
  JsonObject *out;
  GHashTable *seen;                    /* names of members kept or streamed */
  GString *name;
} Top;

static gboolean
stream_elements (Scan *s, Top *t, GError **error)
{
  if (open_container (s, ']'))
    return TRUE;
  guint index = 0;
  int more;
  do
    {
      gsize start = s->pos;
      if (t->fields)
        {
          gboolean is_object;
          if (!element_fields (s, t->fields, &is_object, error)
              || !t->fields_func (t->fields->values, is_object, index++, t->user_data, error))
            return FALSE;
        }
      else
        {
          if (!scan_value (s, 2, error))
            return FALSE;
          g_autoptr (JsonNode) element = to_tree (s, start, error);
          if (!element || !t->func (element, index++, t->user_data, error))
            return FALSE;
        }
      release_before (s, s->pos);
    }
  while ((more = next_item (s, ']', error)) > 0);
  return more == 0;
}

/* One member of the top-level object: kept, streamed or skipped. */
static gboolean
top_member (Scan *s, Top *t, GError **error)
{
  gsize name_at = s->pos;
  g_string_truncate (t->name, 0);
  if (!member_name (s, t->name, error))
    return FALSE;
  const char *name = t->name->str;
  gboolean wanted = t->members && g_strv_contains (t->members, name);
  gboolean streamed = t->each && strcmp (name, t->each) == 0;
  if ((wanted || streamed) && !g_hash_table_add (t->seen, g_strdup (name)))
    return fail_at (s, name_at, error, "member \"%s\" appears twice", name);
  gsize start = s->pos;
  if (streamed && s->pos < s->len && s->text[s->pos] == '[')
    {
      if (!stream_elements (s, t, error))
        return FALSE;
      json_object_set_array_member (t->out, name, json_array_new ());
    }
  else
    {
      s->holding = wanted || streamed;
      if (!scan_value (s, 1, error))
        return FALSE;
      if (s->holding)
        {
          JsonNode *tree = to_tree (s, start, error);
          if (!tree)
            return FALSE;
          json_object_set_member (t->out, name, tree);
        }
    }
  release_before (s, s->pos);
  return TRUE;
}

static gboolean
scan_top (Scan *s, Top *t, GError **error)
{
  skip_space (s);
  if (s->pos >= s->len || s->text[s->pos] != '{')
    return unexpected (s, error, "'{' (the file holds one object)");
  if (!open_container (s, '}'))
    {
      int more;
      do
        if (!top_member (s, t, error))
          return FALSE;
      while ((more = next_item (s, '}', error)) > 0);
      if (more < 0)
        return FALSE;
    }
  skip_space (s);
  if (s->pos < s->len)
    return unexpected (s, error, "the end of the file after the object");
  return TRUE;
}

/* Scan @path for @t (see xp_json_scan_file()). */
static JsonObject *
scan_file (const char *path, Top *t, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) map = NULL;
  g_autofree char *read_whole = NULL;
  gsize read_len = 0;
  GStatBuf st;
  if (g_stat (path, &st) == 0 && !S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode))
    /* not a regular file (a pipe, say): read it whole, nothing given back */
    g_file_get_contents (path, &read_whole, &read_len, &local);
  else
    map = g_mapped_file_new (path, FALSE, &local);
  if (!map && !read_whole)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: no such file", path);
      else
        g_set_error (error, XP_ERROR, XP_ERROR_IO, "%s: %s", path, local->message);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  Scan s = {
    .path = path,
    .text = map ? g_mapped_file_get_contents (map) : read_whole,
    .len = map ? g_mapped_file_get_length (map) : read_len,
    .page = (gsize) sysconf (_SC_PAGESIZE),
    .released = map ? 0 : G_MAXSIZE,   /* only mapped pages are given back */
    .parser = parser,
  };
  if (!s.text)
    s.len = 0;
  g_autoptr (GString) name = g_string_new (NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  t->out = json_object_new ();
  t->seen = seen;
  t->name = name;
  if (!scan_top (&s, t, error))
    {
      g_clear_pointer (&t->out, json_object_unref);
      return NULL;
    }
  return t->out;
}

JsonObject *
xp_json_scan_file (const char *path, const char *const *members, const char *each, XpJsonElementFunc func,
                   gpointer user_data, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (!each || func, NULL);
  Top t = { .members = members, .each = each, .func = func, .user_data = user_data };
  return scan_file (path, &t, error);
}

JsonObject *
xp_json_scan_file_fields (const char *path, const char *const *members, const char *each,
                          const char *const *fields, XpJsonFieldsFunc func, gpointer user_data, GError **error)
{
  g_return_val_if_fail (path != NULL && each != NULL && func != NULL, NULL);
  g_return_val_if_fail (fields != NULL && fields[0] != NULL, NULL);
  guint n = g_strv_length ((char **) fields);
  g_autofree XpJsonField *values = g_new0 (XpJsonField, n);
  g_autofree GString **strings = g_new (GString *, n);
  for (guint i = 0; i < n; i++)
    strings[i] = g_string_new (NULL);
  g_autoptr (GString) name = g_string_new (NULL);
  g_autoptr (GString) number = g_string_new (NULL);
  Fields f = { fields, n, values, strings, name, number };
  Top t = { .members = members, .each = each, .fields_func = func, .fields = &f, .user_data = user_data };
  JsonObject *out = scan_file (path, &t, error);
  for (guint i = 0; i < n; i++)
    g_string_free (strings[i], TRUE);
  return out;
}
