#!/bin/sh
# bench/scaling.sh — how `xenplace replay` time grows with VMs and with nodes.
#
#   bench/scaling.sh [--quick] [--no-cpu-model | --both] [--vms LIST] [--nodes LIST]
#                    [--fixed-vms N] [--rate-per-node R] [--fill F] [--demand F]
#                    [--policy P] [--xenplace PATH] [--dir DIR] [-- REPLAY-ARGS...]
#
# Two axes, one table:
#   vms   : VMs = 10000, 100000, 1000000 on an 8-node host of 2 TiB (8 x 256 GiB)
#   nodes : nodes = 2, 4, 8, 16, 32, 64 (256 GiB each) at a fixed VM count (10000)
# --quick: VMs 500, 1000, 2000 and nodes 2, 4, 8 at 1000 VMs (a minute or two
# with today's replay). Each row: VMs, nodes, model, simulated seconds, events
# (from the replay's own summary line), wall and CPU seconds of the whole
# process (trace reading included), µs of wall per event, the same over the
# second half of the run's events only (us/ev_late, from `replay --progress`;
# where it equals the whole run's figure, time is linear in events at that
# size), peak RSS in MB, and VMs started. The credit scheduler model is on unless --no-cpu-model;
# --both runs every size with and without it.
#
# The host: 'pack:N numa:1 core:8 pu:2; mem=256GiB; dist=10,21' — N sockets of
# one node each, 16 pCPUs (8 cores x 2 threads) and 256 GiB per node, 21
# between nodes. 16 pCPUs per node keeps 64 nodes at 1024 pCPUs, the model's
# limit (XP_MAX_CPUS), so both axes use the same node shape.
#
# The trace: `xenplace trace gen poisson` with the default azure2017 size mix
# (mean 6.44 GiB and 2.34 vCPUs per VM, from the mix's weights in
# sim/trace_gen.c), seed 1, exponential lifetimes. The parameters follow from
# two choices:
#   - arrival rate = R per node per second (R = 1.25: 10 VMs/s on 8 nodes), so
#     that every host sees the same VMs per node per second, and the
#     simulated time of V VMs is V / (R x nodes): 10k VMs = 1000 s, 100k =
#     2.8 h, 1M = 28 h on 8 nodes. The credit model's cost grows with
#     simulated time x busy pCPUs, so short simulated time is what keeps the
#     big sizes affordable;
#   - memory kept about F full (F = 0.7): by Little's law the VMs running at
#     once are rate x mean lifetime, so mean lifetime = F x host memory /
#     (rate x 6.44 GiB) = F x 256 / (R x 6.44) s = 22.3 s whatever the node
#     count (about 222 VMs, 520 vCPUs at once on 8 nodes). Short lives,
#     hence many starts per simulated second.
# A start takes the toolstack about 1.2 s (create, build, populate at
# 8 GiB/s, device model), so the default 4 xenopsd builders (3.4 starts/s)
# could not keep up with 10 VMs/s; the replay gets --ts builders=4xN (32 on
# 8 nodes), so start latency stays near the build time and the queue does
# not grow with the trace. CPU demand (--demand F, 0 < F <= 1, at most 6
# decimals; default 1): the busy fraction of every vCPU, written into the
# cpu_demand column of the trace's start rows (the trace's demand is what a
# VM runs with from its unpause; the credit model's --credit demand_ppm
# default is only for domains nobody gave one, so it cannot change these
# VMs). With the default every vCPU is always runnable: the host is
# oversubscribed (520 vCPUs on 128 pCPUs), the scheduler's costliest steady
# state; a lower demand has shorter busy periods and more events per
# simulated second. Anything else goes to the replay after --.
#
# Traces are kept in DIR (--dir) and reused by name; the name holds every
# input that shapes the trace: poisson-VMS-NODES-rRATE-lLIFETIME-dDEMAND.csv.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
xenplace="$here/../xenplace"
quick=0
models=credit
vms_list=""
nodes_list=""
fixed_vms=""
rate_per_node=1.25
fill=0.7
demand=1
policy=xenopsd
dir=""
mean_vm_gib=6.44         # azure2017 mix: sum(weight x memory) / sum(weight)
vm_axis_nodes=8

usage () {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-cpu-model) models=memory ;;
    --both) models="credit memory" ;;
    --vms) vms_list=$(echo "$2" | tr ',' ' '); shift ;;
    --nodes) nodes_list=$(echo "$2" | tr ',' ' '); shift ;;
    --fixed-vms) fixed_vms=$2; shift ;;
    --rate-per-node) rate_per_node=$2; shift ;;
    --fill) fill=$2; shift ;;
    --demand) demand=$2; shift ;;
    --policy) policy=$2; shift ;;
    --xenplace) xenplace=$2; shift ;;
    --dir) dir=$2; shift ;;
    -h|--help) usage 0 ;;
    --) shift; break ;;
    *) echo "scaling.sh: unknown option '$1'" >&2; usage 2 ;;
  esac
  shift
done

if [ $quick = 1 ]; then
  : "${vms_list:=500 1000 2000}" "${nodes_list:=2 4 8}" "${fixed_vms:=1000}"
else
  : "${vms_list:=10000 100000 1000000}" "${nodes_list:=2 4 8 16 32 64}" "${fixed_vms:=10000}"
fi
for n in $vms_list $nodes_list $fixed_vms; do
  case "$n" in
    ''|*[!0-9]*|0) echo "scaling.sh: '$n' is not a positive whole number" >&2; exit 2 ;;
  esac
done
for n in $nodes_list; do
  [ "$n" -le 64 ] || { echo "scaling.sh: at most 64 nodes, got $n" >&2; exit 2; }
done
awk -v r="$rate_per_node" -v f="$fill" 'BEGIN { exit !(r > 0 && f > 0 && f < 1) }' ||
  { echo "scaling.sh: --rate-per-node must be > 0 and --fill in (0, 1)" >&2; exit 2; }
# a plain decimal (the trace's cpu_demand column takes at most 6 decimals)
if ! echo "$demand" | grep -Eq '^[0-9]*(\.[0-9]{1,6})?$' ||
   ! awk -v d="$demand" 'BEGIN { exit !(d + 0 > 0 && d + 0 <= 1) }'; then
  echo "scaling.sh: --demand must be a busy fraction in (0, 1] with at most 6 decimals, got '$demand'" >&2
  exit 2
fi
[ -x "$xenplace" ] || { echo "scaling.sh: $xenplace not found (build first, or --xenplace PATH)" >&2; exit 2; }

if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
else
  mkdir -p "$dir"
fi
timer=""
[ -x /usr/bin/time ] && timer=/usr/bin/time

lifetime=$(awk -v f="$fill" -v r="$rate_per_node" -v g="$mean_vm_gib" 'BEGIN { printf "%.3f", f * 256 / (r * g) }')
echo "scaling.sh: policy $policy, $rate_per_node VMs/s per node, mean lifetime $lifetime s (fill $fill of memory)," \
  "CPU demand $demand, azure2017 mix, seed 1; host pack:N numa:1 core:8 pu:2, 256 GiB per node"
[ -n "$timer" ] || echo "scaling.sh: /usr/bin/time not found (Debian package 'time'): no CPU time or RSS"
printf '%-6s %8s %5s %-6s %9s %11s %8s %8s %9s %10s %8s %8s\n' axis vms nodes model sim_s events wall_s cpu_s us/event us/ev_late rss_MB started

# replay_once VMS NODES MODEL [REPLAY-ARGS]: generate the trace (kept in DIR
# and reused) and time the replay into $out / $tfile
replay_once () {
  vms=$1 nodes=$2 model=$3
  shift 3
  trace="$dir/poisson-$vms-$nodes-r$rate-l$lifetime-d$demand.csv"
  if [ ! -s "$trace" ]; then
    # the demand goes into the start rows' cpu_demand column (7th); written
    # whole to a temporary name first, so an interrupted run leaves no
    # half trace to be reused
    "$xenplace" trace gen poisson --rate "$rate" --vms "$vms" --lifetime "exp:$lifetime" \
      --seed 1 -o "$trace.gen" &&
      awk -F, -v OFS=, -v d="$demand" 'NR == 1 && $7 != "cpu_demand" { exit 1 }
        NR > 1 && $2 == "start" { $7 = d } { print }' "$trace.gen" >"$trace.tmp" &&
      rm -f "$trace.gen" && mv "$trace.tmp" "$trace" ||
      { echo "scaling.sh: generating $trace failed" >&2; rm -f "$trace.gen" "$trace.tmp"; return 1; }
  fi
  topo="synthetic:pack:$nodes numa:1 core:8 pu:2; mem=256GiB; dist=10,21"
  cpu_flag=""
  [ "$model" = memory ] && cpu_flag=--no-cpu-model
  start=$(date +%s.%N)
  if [ -n "$timer" ]; then
    $timer -f '%e %U %S %M' -o "$tfile" "$xenplace" replay -t "$topo" -f "$trace" -p "$policy" \
      --ts "builders=$((4 * nodes))" --progress 2 $cpu_flag "$@" >"$out" 2>&1 || { cat "$out" >&2; return 1; }
  else
    "$xenplace" replay -t "$topo" -f "$trace" -p "$policy" --ts "builders=$((4 * nodes))" --progress 2 $cpu_flag \
      "$@" >"$out" 2>&1 || { cat "$out" >&2; return 1; }
    echo "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }') NA NA NA" >"$tfile"
  fi
}

# run AXIS VMS NODES MODEL [REPLAY-ARGS]: one row of the table
done_runs=""
run () {
  axis=$1 vms=$2 nodes=$3 model=$4
  shift 4
  rate=$(awk -v r="$rate_per_node" -v n="$nodes" 'BEGIN { printf "%.4f", r * n }')
  out="$dir/replay-$vms-$nodes-$model.txt"
  tfile="$dir/time-$vms-$nodes-$model.txt"
  # a size on both axes (8 nodes) is replayed once per invocation
  case " $done_runs " in
    *" $vms-$nodes-$model "*) ;;
    *) replay_once "$vms" "$nodes" "$model" "$@" || return 1
       done_runs="$done_runs $vms-$nodes-$model" ;;
  esac
  events=$(sed -n 's/.*; \([0-9]*\) events in .*/\1/p' "$out")
  started=$(sed -n 's/.*started \([0-9]*\),.*/\1/p' "$out")
  # wall µs per event over the second half of the run's events, from the
  # --progress lines (every 2 s of wall time; NA when the run is too short
  # to have a line past the middle): a cost per event that keeps rising
  # there means the replay is not yet linear in events at that size
  late=$(awk '/^replay (progress|done): / {
      for (i = 1; i <= NF; i++) {
        if ($(i + 1) == "events,") e = $i
        if ($(i + 1) == "s" && $(i + 2) == "wall,") w = $i
      }
      n++; ev[n] = e; wl[n] = w
    }
    END {
      if (n < 2) { print "NA"; exit }
      for (i = 1; i < n; i++)
        if (ev[i] >= ev[n] / 2) {
          if (ev[n] > ev[i]) printf "%.3f\n", (wl[n] - wl[i]) * 1e6 / (ev[n] - ev[i])
          else print "NA"
          exit
        }
      print "NA"
    }' "$out")
  sim=$(awk -v v="$vms" -v r="$rate" 'BEGIN { printf "%.0f", v / r }')
  read -r wall user sys rss <"$tfile"
  awk -v axis="$axis" -v vms="$vms" -v nodes="$nodes" -v model="$model" -v sim="$sim" -v ev="${events:-0}" \
      -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$rss" -v st="${started:-NA}" -v late="${late:-NA}" 'BEGIN {
    cpu = user == "NA" ? "NA" : sprintf ("%.2f", user + sys)
    mb = rss == "NA" ? "NA" : sprintf ("%.0f", rss / 1024)
    per = ev > 0 ? sprintf ("%.3f", wall * 1e6 / ev) : "NA"
    printf "%-6s %8d %5d %-6s %9d %11d %8.2f %8s %9s %10s %8s %8s\n", axis, vms, nodes, model, sim, ev, wall, cpu, per, late, mb, st
  }'
}

for model in $models; do
  for v in $vms_list; do
    run vms "$v" "$vm_axis_nodes" "$model" "$@"
  done
  for n in $nodes_list; do
    run nodes "$fixed_vms" "$n" "$model" "$@"
  done
done
