/* xenplace — the single Check runner. Every module's test file defines one
 * suite constructor below; a constructor that is not linked in (its module
 * not built in this configuration) is skipped. */
#include "config.h"
#include <stdlib.h>
#include "tests/testutil.h"

#define XP_SUITES(X) \
  X (types) X (event) X (topology) X (trace) X (trace_gen) X (trace_import) \
  X (page_alloc) X (bulk) X (scrub) X (claims) X (populate) X (domain) X (node_affinity) \
  X (sysctl) X (conformance) X (xenguest) X (toolstack) X (policy_fit) \
  X (policy_xenopsd) X (policy_libxl) X (policy_plugin) X (policy_view) X (sched_credit) \
  X (workload) X (metrics) X (results) X (replay) X (cli) X (bench) X (live) \
  X (shadow)

#define DECLARE(name) Suite *xp_test_##name##_suite (void) __attribute__ ((weak));
XP_SUITES (DECLARE)

int
main (int argc, char **argv)
{
  SRunner *sr = NULL;
#define ADD(name)                                          \
  if (xp_test_##name##_suite)                              \
    {                                                      \
      Suite *s = xp_test_##name##_suite ();                \
      if (!sr)                                             \
        sr = srunner_create (s);                           \
      else                                                 \
        srunner_add_suite (sr, s);                         \
    }
  XP_SUITES (ADD)
  if (!sr)
    return 77;
  /* argv[1], if given, runs one suite (CK_RUN_SUITE works as well). */
  srunner_run (sr, argc > 1 ? argv[1] : NULL, NULL, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
