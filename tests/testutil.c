/* xenplace tests — shared helpers. */
#include "config.h"
#include <string.h>
#include <glib/gstdio.h>
#include "tests/testutil.h"

char *
xp_test_srcpath (const char *relative)
{
  const char *top = g_getenv ("XP_SRCDIR");
  return g_build_filename (top ? top : XP_SRCDIR, relative, NULL);
}

char *
xp_test_plugin_path (const char *name)
{
  const char *top = g_getenv ("XP_BUILDDIR");
  if (!top)
    top = g_getenv ("XP_SRCDIR");
  if (!top)
    top = XP_SRCDIR;
  g_autofree char *file = g_strdup_printf ("%s.so", name);
  return g_build_filename (top, "policies", "plugins", ".libs", file, NULL);
}

char *
xp_test_tmpdir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("xenplace-test-XXXXXX", &error);
  ck_assert_msg (dir != NULL, "mkdtemp: %s", error ? error->message : "?");
  return dir;
}

void
xp_test_rmtree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  if (!d)
    return;
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        xp_test_rmtree (p);
      else
        g_unlink (p);
      g_free (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

char *
xp_test_write (const char *dir, const char *name, const char *contents)
{
  char *p = g_build_filename (dir, name, NULL);
  ck_assert (g_file_set_contents (p, contents, -1, NULL));
  return p;
}
