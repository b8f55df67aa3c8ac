/* Tests of the modelled hypervisor: claims (being written). */
#include "config.h"
#include "tests/testutil.h"
