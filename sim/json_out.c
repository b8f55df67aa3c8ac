/* xenplace — streaming JSON writer (see json_out.h). */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <string.h>
#include "sim/json_out.h"

/* Per open container: how many members or elements it has so far. */
#define MAX_DEPTH 64

struct XpJsonOut {
  FILE *file;
  GString *buf;
  gboolean failed;
  int saved_errno;
  guint depth;
  guint64 count[MAX_DEPTH];
  gboolean is_object[MAX_DEPTH];
};

XpJsonOut *
xp_json_out_new (FILE *file)
{
  XpJsonOut *o = g_new0 (XpJsonOut, 1);
  o->file = file;
  o->buf = g_string_sized_new (file ? XP_JSON_OUT_FLUSH + 4096 : 4096);
  return o;
}

static void
flush (XpJsonOut *o)
{
  if (!o->file || !o->buf->len)
    return;
  errno = 0;
  if (!o->failed && fwrite (o->buf->str, 1, o->buf->len, o->file) != o->buf->len)
    {
      o->failed = TRUE;
      o->saved_errno = errno ? errno : EIO;
    }
  g_string_truncate (o->buf, 0);
}

/* The escaping of json-glib's generator: backslash and quote, the
 * control characters and DEL; everything else (UTF-8 included) as it is.
 * json-glib 1.6 leaves 0x1f as it is, which makes invalid JSON; this
 * escapes it. Suite results holds the rest to the installed json-glib
 * byte for byte. */
static void
append_escaped (GString *b, const char *s)
{
  for (const char *p = s; *p; p++)
    {
      char c = *p;
      if (c == '\\' || c == '"')
        {
          g_string_append_c (b, '\\');
          g_string_append_c (b, c);
        }
      else if ((c > 0 && c < 0x20) || c == 0x7f)
        switch (c)
          {
          case '\b': g_string_append (b, "\\b"); break;
          case '\f': g_string_append (b, "\\f"); break;
          case '\n': g_string_append (b, "\\n"); break;
          case '\r': g_string_append (b, "\\r"); break;
          case '\t': g_string_append (b, "\\t"); break;
          default: g_string_append_printf (b, "\\u00%02x", (guint) c); break;
          }
      else
        g_string_append_c (b, c);
    }
}

/* Start a member or element at the current depth: the separator from the
 * one before it (or the newline after the opening bracket), the indent,
 * the name. */
static void
start_item (XpJsonOut *o, const char *name)
{
  if (o->buf->len >= XP_JSON_OUT_FLUSH)
    flush (o);
  if (o->depth)
    {
      g_return_if_fail (o->is_object[o->depth - 1] == (name != NULL));
      g_string_append (o->buf, o->count[o->depth - 1]++ ? ",\n" : "\n");
    }
  for (guint i = 0; i < o->depth; i++)
    g_string_append_c (o->buf, ' ');
  if (name)
    {
      g_string_append_c (o->buf, '"');
      append_escaped (o->buf, name);
      g_string_append (o->buf, "\" : ");
    }
}

static void
begin (XpJsonOut *o, const char *name, gboolean object)
{
  g_return_if_fail (o->depth < MAX_DEPTH);
  start_item (o, name);
  g_string_append_c (o->buf, object ? '{' : '[');
  o->is_object[o->depth] = object;
  o->count[o->depth] = 0;
  o->depth++;
}

/* json-glib 1.6 (Debian 12) indents the closing brace of an empty
 * object as if it had members: "{ }" one level down, "{  }" two. */
static void
end (XpJsonOut *o, gboolean object)
{
  g_return_if_fail (o->depth > 0 && o->is_object[o->depth - 1] == object);
  o->depth--;
  if (o->count[o->depth] || object)
    {
      if (o->count[o->depth])
        g_string_append_c (o->buf, '\n');
      for (guint i = 0; i < o->depth; i++)
        g_string_append_c (o->buf, ' ');
    }
  g_string_append_c (o->buf, object ? '}' : ']');
}

void xp_json_out_begin_object (XpJsonOut *o, const char *name) { begin (o, name, TRUE); }
void xp_json_out_end_object (XpJsonOut *o) { end (o, TRUE); }
void xp_json_out_begin_array (XpJsonOut *o, const char *name) { begin (o, name, FALSE); }
void xp_json_out_end_array (XpJsonOut *o) { end (o, FALSE); }

void
xp_json_out_int (XpJsonOut *o, const char *name, gint64 v)
{
  start_item (o, name);
  g_string_append_printf (o->buf, "%" G_GINT64_FORMAT, v);
}

void
xp_json_out_string (XpJsonOut *o, const char *name, const char *v)
{
  start_item (o, name);
  if (!v)
    {
      g_string_append (o->buf, "null");
      return;
    }
  g_string_append_c (o->buf, '"');
  append_escaped (o->buf, v);
  g_string_append_c (o->buf, '"');
}

/* As json-glib: the shortest text that reads back as @v, with ".0" added
 * when that looks like an integer. json-glib 1.6 adds it after an
 * exponent too ("1e+21.0", which no JSON parser reads); later versions do
 * not, nor does this. JSON has no NaN or infinity: where json-glib writes
 * "nan.0" or "inf.0", this writes null. */
void
xp_json_out_double (XpJsonOut *o, const char *name, double v)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  start_item (o, name);
  if (!isfinite (v))
    {
      g_string_append (o->buf, "null");
      return;
    }
  g_ascii_dtostr (text, sizeof text, v);
  g_string_append (o->buf, text);
  if (!strchr (text, '.') && !strchr (text, 'e') && !strchr (text, 'E'))
    g_string_append (o->buf, ".0");
}

void
xp_json_out_bool (XpJsonOut *o, const char *name, gboolean v)
{
  start_item (o, name);
  g_string_append (o->buf, v ? "true" : "false");
}

char *
xp_json_out_finish (XpJsonOut *o)
{
  g_warn_if_fail (o->depth == 0);
  g_string_append_c (o->buf, '\n');
  char *text;
  if (o->file)
    {
      flush (o);
      text = o->failed ? NULL : g_strdup ("");
      if (o->failed)
        errno = o->saved_errno;
      g_string_free (o->buf, TRUE);
    }
  else
    text = g_string_free (o->buf, FALSE);
  g_free (o);
  return text;
}
