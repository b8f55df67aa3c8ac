#!/bin/sh
# Build a libFuzzer target with clang (Debian: clang, libclang-rt-14-dev) and
# run it for a while on its seed corpus.
#   tests/fuzz/run.sh trace|topology [SECONDS]   (default 60; a long run: 3600)
# Crashes are written to tests/fuzz/crash-*; add each as a regression test.
set -eu
cd "$(dirname "$0")/../.."
target=${1:-trace}
seconds=${2:-60}
out=${XP_FUZZ_DIR:-build-fuzz}
mkdir -p "$out"
flags="-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -I. -I$out $(pkg-config --cflags glib-2.0 json-glib-1.0 hwloc)"
libs="$(pkg-config --libs glib-2.0 json-glib-1.0 hwloc) -lm"
printf '#define PACKAGE_STRING "xenplace fuzz"\n#define PACKAGE_VERSION "fuzz"\n' > "$out/config.h"
case "$target" in
  trace) srcs="sim/trace.c sim/types.c sim/util.c sim/error.c" ;;
  topology) srcs="sim/topology.c sim/topology_hwloc.c sim/topology_spec.c sim/types.c sim/util.c sim/error.c"
            flags="$flags -DXP_SRCDIR=\"$(pwd)\" -DXP_DATADIR=\"/nonexistent\"" ;;
  *) echo "unknown fuzz target '$target' (trace, topology)" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086
clang $flags -o "$out/fuzz_$target" "tests/fuzz/fuzz_$target.c" $srcs $libs
corpus="$out/corpus-$target"
mkdir -p "$corpus"
cp tests/fuzz/corpus/$target/* "$corpus"/ 2>/dev/null || true
"$out/fuzz_$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -artifact_prefix=tests/fuzz/crash- "$corpus"
