#include "config.h"
#include "tests/testutil.h"
Suite *
xp_test_trace_import_suite (void)
{
  Suite *s = suite_create ("trace_import");
  return s;
}
