/* Tests of the modelled hypervisor: populate (being written). */
#include "config.h"
#include "tests/testutil.h"
