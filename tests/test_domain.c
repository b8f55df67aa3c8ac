/* Tests of the modelled hypervisor: domain (being written). */
#include "config.h"
#include "tests/testutil.h"
