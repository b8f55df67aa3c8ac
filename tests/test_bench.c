/* Tests of the benchmark harness (suite "bench"). */
#include "config.h"
#include <string.h>
#include "tests/testutil.h"
#include "bench/compare.h"

Suite *
xp_test_bench_suite (void)
{
  Suite *s = suite_create ("bench");
  return s;
}
