#include "config.h"
#include "tests/testutil.h"
Suite *
xp_test_trace_suite (void)
{
  Suite *s = suite_create ("trace");
  return s;
}
