/* xenplace — error domain. */
#include "config.h"
#include "sim/error.h"

G_DEFINE_QUARK (xenplace-error-quark, xp_error)
