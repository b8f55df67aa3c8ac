/* Tests of the modelled hypervisor: scrub (being written). */
#include "config.h"
#include "tests/testutil.h"
