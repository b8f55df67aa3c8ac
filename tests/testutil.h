/* xenplace tests — shared helpers. */
#ifndef XP_TESTUTIL_H
#define XP_TESTUTIL_H

#include <check.h>
#include <glib.h>

/* Absolute path of a file in the source tree (tests/data/..., topologies/...). */
char *xp_test_srcpath (const char *relative);
/* A fresh temporary directory, removed with xp_test_rmtree(). */
char *xp_test_tmpdir (void);
void xp_test_rmtree (const char *dir);
/* Path of the policy plugin NAME.so built by `make check` (libtool puts it
 * in policies/plugins/.libs/ of the build tree). */
char *xp_test_plugin_path (const char *name);
/* Write @contents to DIR/NAME; returns the path. */
char *xp_test_write (const char *dir, const char *name, const char *contents);

/* Assert that @err is set, in XP_ERROR, and its message contains @needle. */
#define xp_assert_error_contains(err, needle)                                  \
  do {                                                                         \
    ck_assert_msg ((err) != NULL, "expected an error containing '%s'", needle);\
    ck_assert_msg (strstr ((err)->message, needle) != NULL,                     \
                   "error '%s' does not contain '%s'", (err)->message, needle); \
  } while (0)

#endif
