#!/bin/sh
# Build libFuzzer targets with clang (Debian: clang, libclang-rt-14-dev) and
# run them on their seed corpora.
#   tests/fuzz/run.sh TARGET [SECONDS]   one target (default 60 s)
#   tests/fuzz/run.sh all [SECONDS]      every target, one after the other,
#                                        SECONDS each; a long run: all 3600
#   tests/fuzz/run.sh build              only build every target
# Targets: trace, topology, import, scenario, results.
# Exit status: 0 no finding; 1 a crash, leak, timeout, memory blow-up or slow
# input (written to tests/fuzz/crash-*, leak-*, timeout-*, oom-* or
# slow-unit-*: fix it and add a regression test to the Check suite);
# 2 bad usage or a build failure.
# XP_FUZZ_DIR: build directory (default build-fuzz); XP_FUZZ_JOBS: parallel
# compilations (default 2).
set -eu
cd "$(dirname "$0")/../.."
targets="trace topology import scenario results"
target=${1:-trace}
seconds=${2:-60}
out=${XP_FUZZ_DIR:-build-fuzz}
jobs=${XP_FUZZ_JOBS:-2}
case "$seconds" in ''|*[!0-9]*) echo "run.sh: SECONDS: expected a whole number, got '$seconds'" >&2; exit 2 ;; esac
case "$target" in
  all|build) run_targets=$targets ;;
  trace|topology|import|scenario|results) run_targets=$target ;;
  *) echo "run.sh: unknown fuzz target '$target' ($targets, all, build)" >&2; exit 2 ;;
esac

mkdir -p "$out"
cflags="-std=gnu11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I. -I$out
-DXP_SRCDIR='\"$(pwd)\"' -DXP_DATADIR='\"/nonexistent\"' -DXP_GNUPLOT='\"\"' -DG_LOG_DOMAIN='\"xenplace\"'
$(pkg-config --cflags glib-2.0 gmodule-2.0 json-glib-1.0 hwloc)"
libs="$(pkg-config --libs glib-2.0 gmodule-2.0 json-glib-1.0 hwloc) -lm"
printf '#define PACKAGE_STRING "xenplace fuzz"\n#define PACKAGE_VERSION "fuzz"\n' > "$out/config.h.new"
if cmp -s "$out/config.h.new" "$out/config.h"; then rm "$out/config.h.new"; else mv "$out/config.h.new" "$out/config.h"; fi

# The library's sources as in Makefile.am's libxenplace_la_SOURCES, without
# the optional live backend. A generated makefile compiles them once into
# $out/obj (again when a source or a header it includes changes) and links
# each target against them.
lib_sources=$(ls sim/*.c sim/xen/*.c policies/*.c bench/*.c | grep -v '^bench/bench_')
printf '%s\n' \
  'OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(SRCS))' \
  '$(OUT)/obj/%.o: %.c $(OUT)/config.h' \
  '	@mkdir -p $(@D)' \
  '	clang $(CFLAGS) -MMD -MP -c -o $@ $<' \
  '$(OUT)/libxenplace-fuzz.a: $(OBJS)' \
  '	rm -f $@ && ar rcs $@ $^' \
  '$(OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(OUT)/libxenplace-fuzz.a' \
  '	clang $(CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(OUT)/libxenplace-fuzz.a $(LIBS)' \
  '-include $(OBJS:.o=.d) $(wildcard $(OUT)/*.d)' > "$out/fuzz.mk"
bins=""
for t in $run_targets; do bins="$bins $out/fuzz_$t"; done
# shellcheck disable=SC2086
if ! make -s -j"$jobs" -f "$out/fuzz.mk" OUT="$out" SRCS="$(echo $lib_sources)" CFLAGS="$(echo $cflags)" \
     LIBS="$libs" $bins; then
  echo "run.sh: building the fuzz targets failed (are clang and libclang-rt-14-dev installed?)" >&2
  exit 2
fi
[ "$target" = build ] && exit 0

# A GLib critical (a g_return_if_fail tripped by bad input) is a finding too.
export G_DEBUG=fatal-criticals
status=0
for t in $run_targets; do
  corpus="$out/corpus-$t"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/$t/* "$corpus"/ 2>/dev/null || true
  log="$out/fuzz_$t.log"
  dict=""
  [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
  echo "== fuzz $t: $seconds s"
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb: a memory
  # blow-up; -report_slow_units: inputs slower than 3 s are written out
  # (and fail the run below); leaks are found at the end of every input.
  if ! "$out/fuzz_$t" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
       -report_slow_units=3 -error_exitcode=1 -timeout_exitcode=1 \
       -artifact_prefix=tests/fuzz/ $dict "$corpus" 2>"$log"; then
    tail -n 60 "$log" >&2
    echo "== fuzz $t: FINDING (the input is in tests/fuzz/; full log: $log)" >&2
    status=1
    continue
  fi
  if grep -q '^Slowest unit' "$log"; then
    grep '^Slowest unit' "$log" | tail -n 1 >&2
    echo "== fuzz $t: FINDING: slow input (> 3 s) written to tests/fuzz/slow-unit-*" >&2
    status=1
    continue
  fi
  # "Done N runs in S second(s)"
  grep '^Done [0-9]* runs' "$log" || tail -n 1 "$log"
done
exit $status
