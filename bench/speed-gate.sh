#!/bin/sh
# bench/speed-gate.sh — the CI speed gate: instruction counts, not wall time.
#
#   bench/speed-gate.sh [--margin F] [--baseline FILE] [--only NAME[,NAME...]]
#                       [--build DIR] [--dir DIR] [--require-valgrind]
#   bench/speed-gate.sh --update          # regenerate the baseline, on purpose
#   make speed-gate / make speed-baseline # the same, after building what they run
#
# Runs a small fixed set of speed cases under `valgrind --tool=callgrind`
# and compares each one's instruction count (Ir, the whole process) with
# bench/speed-baseline.tsv by ratio. A case whose count grew beyond
# baseline x margin (default 1.25; --margin or $XP_SPEED_MARGIN) fails the
# gate, and the table shows every case. Instruction counts repeat exactly
# from run to run on one build and hardly move between machines, unlike
# wall time on shared CI runners, so a small margin catches real slowdowns.
# They do depend on the compiler and its flags: the baseline records the
# ones it was made with and the gate warns when they differ (the baseline
# was made with the default `./configure`: gcc, -g -O2; a sanitizer build
# is meaningless here).
#
# Exit status: 0 no case slower than the margin (faster is fine: regenerate
# to lock the gain in); 1 some case slower, or missing from the baseline,
# or failed; 2 bad usage or no build. Without valgrind the gate prints
# "skipped" and exits 0 (77 with --require-valgrind).
#
# Cases (all deterministic: fixed traces, seeds and host states):
#   replay-credit   a Poisson trace of $SPEED_GATE_VMS VMs (2000) on a 2-node
#                   host of 2 x 16 GiB, 16 pCPUs, xenopsd, credit model on
#   replay-memory   the same with --no-cpu-model (allocator, toolstack, events)
#   replay-xl       the same under xl with the libxl policy, --no-cpu-model
#   plan-16n        bench_plan on the 16-node host, xenopsd and libxl, 16
#                   decisions per fill level and VM size (512 decisions)
#   alloc-mixed     bench_alloc, 1M extent operations of the mixed workload
#   alloc-storm     bench_alloc, a start storm of 300k extent operations
#   sched-credit    bench_sched, 20 simulated seconds of 64 vCPUs on 32 pCPUs
#   results-merge   `xenplace bench merge` of tests/data/bench/hand with one
#                   run's file replaced by a replay of replay-credit's trace
#                   and host under that run's policy, best-fit (merge refuses
#                   a file made under another policy) (1.6 MB):
#                   merge and resume read a run's head, not its per-VM rows
#                   (json-glib's tree of the whole file: 13 x the count)
# The trace is generated at run time by `xenplace trace gen poisson` (byte-
# stable: the trace_gen suite checks the generator): rate 2/s, exponential
# lifetimes of mean 5 s, sizes 1x1GiB:50,2x2GiB:30,4x4GiB:20 (mean 1.9 GiB),
# so about 10 VMs and 60 % of the host's memory are in use at once.
# 2000 VMs keep the whole gate near a minute since the allocator works in
# runs; changing SPEED_GATE_VMS needs a regenerated baseline.
set -eu

SPEED_GATE_VMS=2000
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)     # the build tree (--build for out-of-tree builds)
cases="replay-credit replay-memory replay-xl plan-16n alloc-mixed alloc-storm sched-credit results-merge"
baseline="$here/speed-baseline.tsv"
margin=${XP_SPEED_MARGIN:-1.25}
update=0
only=""
dir=""
require=0

usage () {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --margin) margin=$2; shift ;;
    --baseline) baseline=$2; shift ;;
    --update) update=1 ;;
    --only) only=$(echo "$2" | tr ',' ' '); shift ;;
    --dir) dir=$2; shift ;;
    --build) top=$(cd "$2" && pwd); shift ;;
    --require-valgrind) require=1 ;;
    -h|--help) usage 0 ;;
    *) echo "speed-gate: unknown option '$1'" >&2; usage 2 ;;
  esac
  shift
done
awk -v m="$margin" 'BEGIN { exit !(m + 0 >= 1) }' ||
  { echo "speed-gate: --margin must be a number >= 1, got '$margin'" >&2; exit 2; }
[ $update = 1 ] && [ -n "$only" ] && { echo "speed-gate: --update runs every case (no --only)" >&2; exit 2; }
if [ -n "$only" ]; then
  for c in $only; do
    case " $cases " in *" $c "*) ;; *) echo "speed-gate: unknown case '$c' (known: $cases)" >&2; exit 2 ;; esac
  done
  cases=$only
fi

if ! command -v valgrind >/dev/null 2>&1; then
  echo "speed-gate: valgrind not installed: skipped (Debian package 'valgrind')"
  [ $require = 1 ] && exit 77
  exit 0
fi
for p in xenplace bench/bench_plan bench/bench_alloc bench/bench_sched; do
  [ -x "$top/$p" ] || { echo "speed-gate: $p not built (run 'make bench' first)" >&2; exit 2; }
done
if [ $update = 0 ] && [ ! -r "$baseline" ]; then
  echo "speed-gate: no baseline '$baseline' (make one with: bench/speed-gate.sh --update)" >&2
  exit 2
fi

if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
else
  mkdir -p "$dir"
fi

# What the counts depend on, recorded in the baseline and compared.
cc=$(sed -n 's/^CC = //p' "$top/Makefile" 2>/dev/null | head -n 1)
cflags=$(sed -n 's/^CFLAGS = //p' "$top/Makefile" 2>/dev/null | head -n 1)
ccver=$(${cc:-cc} --version 2>/dev/null | head -n 1)
build="$ccver; CFLAGS $cflags; $(valgrind --version)"

host="synthetic:pack:2 numa:1 core:4 pu:2; mem=16GiB; dist=10,21"
trace="$dir/gate-poisson.csv"
"$top/xenplace" trace gen poisson --rate 2 --vms "$SPEED_GATE_VMS" --lifetime exp:5 \
  --mix 1x1GiB:50,2x2GiB:30,4x4GiB:20 --seed 1 -o "$trace"

# results-merge's bench directory: the hand-written one, a run's file
# replaced by a real results file (made here, not counted)
case " $cases " in
  *" results-merge "*)
    rm -rf "$dir/merge"
    cp -R "$here/../tests/data/bench/hand" "$dir/merge"
    chmod -R u+w "$dir/merge"
    "$top/xenplace" replay -t "$host" -f "$trace" -p best-fit -q \
      -o "$dir/merge/runs/best-fit__generic-2n__storm-200__xenopsd__xen4.17__nc-off__s1.json"
    ;;
esac

# case_run NAME OUT: run case NAME under callgrind, its profile to OUT
case_run () {
  name=$1 out=$2
  case "$name" in
    replay-credit) set -- "$top/xenplace" replay -t "$host" -f "$trace" -p xenopsd -q ;;
    replay-memory) set -- "$top/xenplace" replay -t "$host" -f "$trace" -p xenopsd --no-cpu-model -q ;;
    replay-xl) set -- "$top/xenplace" replay -t "$host" -f "$trace" -p libxl --toolstack xl --no-cpu-model -q ;;
    plan-16n) set -- "$top/bench/bench_plan" --decisions 16 -t "synthetic:pack:4 numa:4 core:8 pu:2; mem=64GiB; dist=10,12,32" ;;
    alloc-mixed) set -- "$top/bench/bench_alloc" 1000000 1 mixed ;;
    alloc-storm) set -- "$top/bench/bench_alloc" 300000 1 storm ;;
    sched-credit) set -- "$top/bench/bench_sched" --nodes 4 --cpus-per-node 8 --vcpus 64 --seconds 20 --warmup 1 --mix mixed ;;
    results-merge) set -- "$top/xenplace" bench merge "$dir/merge" ;;
  esac
  valgrind -q --tool=callgrind --callgrind-out-file="$out" "$@"
}
results="$dir/results.tsv"
: >"$results"
start=$(date +%s)
for c in $cases; do
  out="$dir/$c.callgrind"
  if case_run "$c" "$out" >"$dir/$c.log" 2>&1 && ir=$(sed -n 's/^summary: *//p' "$out") && [ -n "$ir" ]; then
    printf '%s\t%s\n' "$c" "$ir" >>"$results"
  else
    echo "speed-gate: case $c failed:" >&2
    cat "$dir/$c.log" >&2
    printf '%s\tFAILED\n' "$c" >>"$results"
  fi
done
secs=$(($(date +%s) - start))

if [ $update = 1 ]; then
  if grep -q FAILED "$results"; then
    echo "speed-gate: a case failed: baseline not written" >&2
    exit 1
  fi
  tmp="$baseline.tmp.$$"
  {
    echo "# xenplace speed-gate baseline: instructions (callgrind Ir, whole process) per case."
    echo "# Regenerate on purpose with: bench/speed-gate.sh --update   (then commit this file)"
    echo "# build: $build"
    echo "# SPEED_GATE_VMS=$SPEED_GATE_VMS"
    printf 'case\tinstructions\n'
    cat "$results"
  } >"$tmp"
  mv "$tmp" "$baseline"
  echo "speed-gate: baseline written to $baseline ($secs s)"
  column -t -s "$(printf '\t')" "$results" 2>/dev/null || cat "$results"
  exit 0
fi

base_build=$(sed -n 's/^# build: //p' "$baseline")
if [ -n "$base_build" ] && [ "$base_build" != "$build" ]; then
  echo "speed-gate: warning: baseline made with '$base_build', this build is '$build': counts may differ for that reason alone"
fi
base_vms=$(sed -n 's/^# SPEED_GATE_VMS=//p' "$baseline")
if [ -n "$base_vms" ] && [ "$base_vms" != "$SPEED_GATE_VMS" ]; then
  echo "speed-gate: baseline made with SPEED_GATE_VMS=$base_vms, this script uses $SPEED_GATE_VMS: regenerate it" >&2
  exit 1
fi

partial=0
[ -n "$only" ] && partial=1
awk -F '\t' -v margin="$margin" -v secs="$secs" -v partial="$partial" '
  NR == FNR {
    if ($0 ~ /^#/ || $1 == "case" || $0 == "") next
    base[$1] = $2; next
  }
  {
    name = $1; cur = $2; verdict = "ok"; ratio = "NA"; seen[name] = 1
    if (cur == "FAILED") { verdict = "FAILED"; bad++ }
    else if (!(name in base)) { verdict = "NO BASELINE"; bad++ }
    else if (!(base[name] + 0 > 0)) { verdict = "BAD BASELINE VALUE"; bad++ }
    else {
      r = cur / base[name]; ratio = sprintf ("%.3f", r)
      if (r > margin) { verdict = "SLOWER"; bad++ }
      else if (r < 1 / margin) verdict = "faster (regenerate to lock in)"
    }
    printf "%-14s %15s %15s %7s  %s\n", name, (name in base) ? base[name] : "-", cur, ratio, verdict
  }
  BEGIN { printf "%-14s %15s %15s %7s  %s\n", "case", "baseline", "current", "ratio", "verdict" }
  END {
    if (!partial)
      for (name in base)
        if (!(name in seen)) {
          printf "%-14s %15s %15s %7s  %s\n", name, base[name], "-", "NA", "NOT RUN (a case no longer in the script?)"
          bad++
        }
    printf "margin %.2f; %d case(s) over it or failed; %d s\n", margin, bad, secs
    if (bad) {
      print "speed-gate: FAIL. If the slowdown is intended, regenerate: bench/speed-gate.sh --update"
      exit 1
    }
    print "speed-gate: ok"
  }' "$baseline" "$results"
