#include "config.h"
#include "tests/testutil.h"
Suite *
xp_test_trace_gen_suite (void)
{
  Suite *s = suite_create ("trace_gen");
  return s;
}
