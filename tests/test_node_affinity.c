/* Tests of the modelled hypervisor: node_affinity (being written). */
#include "config.h"
#include "tests/testutil.h"
