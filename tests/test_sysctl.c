/* Tests of the modelled hypervisor: sysctl (being written). */
#include "config.h"
#include "tests/testutil.h"
