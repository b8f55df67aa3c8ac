#!/bin/bash
# xenplace `make check-live`: boot Debian 12's Xen 4.17 with a Debian dom0
# under QEMU (TCG, emulated NUMA), run xp-live-check in dom0 and read the
# verdict from the serial log.
#
#   tests/live/run-check-live.sh BINARY [RUN...]
#
# BINARY is the built tests/live/xp-live-check; each RUN is 2node or 4node,
# optionally suffixed -pv (PV containers on a CPU without SVM) or -hvm (HVM
# containers); plain is PVH containers. Default: 2node 4node 2node-pv 2node-hvm.
# XP_LIVE_CPU overrides QEMU's -cpu (default qemu64,+svm,+npt,+nrip-save; -pv: qemu64).
# Work files go to $XP_LIVE_WORK (default
# tests/live/work under the current directory); the serial logs stay there
# as serial-RUN.log. As root, installs the Debian packages it needs.
# With XP_LIVE_XENPLACE=path/to/xenplace, dom0 also runs `xenplace live
# probe` and `xenplace live cleanup` (dry run) before the check.
# Exit status 0 when every boot reported LIVE-RESULT with fail=0.
set -euo pipefail

BIN=$(readlink -f "${1:?usage: $0 BINARY [2node|4node...]}"); shift
TOPOS=("$@"); [ ${#TOPOS[@]} -gt 0 ] || TOPOS=(2node 4node 2node-pv 2node-hvm)
W=${XP_LIVE_WORK:-$PWD/tests/live/work}
TIMEOUT=${XP_LIVE_TIMEOUT:-900}
mkdir -p "$W"; W=$(readlink -f "$W")

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
# libxen-dev builds xp-live-check (configure --with-xen); its libraries are
# the ones copied into dom0, so they match the hypervisor's 4.17 ABI.
dpkg-query -W -f='${Status}' libxen-dev 2>/dev/null | grep -q 'install ok installed' || need+=(libxen-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  else
    echo "check-live: missing ${need[*]} (run as root to install them)" >&2; exit 77
  fi
fi

# --- Xen hypervisor and dom0 kernel from Debian, unpacked (not installed) ---
if [ ! -f "$W/xen.elf" ] || [ ! -f "$W/vmlinuz" ]; then
  rm -rf "$W/debs" "$W/root"; mkdir -p "$W/debs" "$W/root"
  KVER=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{sub("linux-image-","",$2); print $2; exit}')
  [ -n "$KVER" ] || { apt-get update -q >/dev/null; KVER=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{sub("linux-image-","",$2); print $2; exit}'); }
  # Stale package lists on a long-lived machine: refresh once and retry.
  (cd "$W/debs" && apt-get download -q xen-hypervisor-4.17-amd64 "linux-image-$KVER" >/dev/null 2>&1) ||
    { apt-get update -q >/dev/null; (cd "$W/debs" && apt-get download -q xen-hypervisor-4.17-amd64 "linux-image-$KVER" >/dev/null); }
  for d in "$W"/debs/*.deb; do dpkg -x "$d" "$W/root"; done
  zcat "$W"/root/boot/xen-4.17-amd64.gz > "$W/xen.elf"
  cp "$W/root/boot/vmlinuz-$KVER" "$W/vmlinuz"
fi

# --- dom0 initrd: busybox, the Xen kernel modules, the test binary + libs ---
R=$W/initrd; rm -rf "$R"
mkdir -p "$R"/{bin,dev,proc,sys,tmp,lib64,lib/modules,lib/x86_64-linux-gnu,opt/bin}
cp /bin/busybox "$R/bin/"
for a in sh mount insmod cat echo sleep poweroff mkdir; do ln -s busybox "$R/bin/$a"; done
for m in xen-evtchn xen-privcmd xenfs; do
  f=$(find "$W/root/lib/modules" -name "$m.ko*" | head -1)
  [ -n "$f" ] || { echo "check-live: kernel module $m not found" >&2; exit 1; }
  case $f in *.xz) xz -dc "$f" > "$R/lib/modules/$m.ko";; *) cp "$f" "$R/lib/modules/$m.ko";; esac
done
cp "$BIN" "$R/opt/bin/xp-live-check"
XP=${XP_LIVE_XENPLACE:-}
[ -z "$XP" ] || cp "$XP" "$R/opt/bin/xenplace"
ldd "$BIN" ${XP:+"$XP"} | awk '/=>/{print $3}' | sort -u | while read -r l; do cp -L "$l" "$R/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
cat > "$R/init" <<'EOF'
#!/bin/sh
export PATH=/opt/bin:/bin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
for m in xen-evtchn xen-privcmd xenfs; do insmod /lib/modules/$m.ko; done
mount -t xenfs xenfs /proc/xen
echo "LIVE-TEST: START"
if [ -x /opt/bin/xenplace ]; then
  xenplace live probe | sed 's/^/LIVE-PROBE /'; xenplace live cleanup | sed 's/^/LIVE-PROBE /'
fi
T=$(sed -n 's/.*xp_type=\([a-z]*\).*/\1/p' /proc/cmdline)
xp-live-check ${T:+--type $T} all; echo "LIVE-TEST: EXIT $?"
echo "LIVE-TEST: DONE"
poweroff -f
EOF
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$W/dom0.img"

# --- boot ---------------------------------------------------------------------
rc=0
for topo in "${TOPOS[@]}"; do
  # RUN is TOPOLOGY[-pv|-hvm]. TCG emulates AMD SVM with nested paging, so
  # Xen gets HVM with HAP and the containers are PVH (or HVM with -hvm);
  # -pv boots the plain qemu64 CPU, where Xen can only make PV containers.
  cpu=${XP_LIVE_CPU:-qemu64,+svm,+npt,+nrip-save}; xtype=
  case $topo in
    *-pv) cpu=${XP_LIVE_CPU:-qemu64}; xtype=pv ;;
    *-hvm) xtype=hvm ;;
  esac
  case ${topo%%-*} in
    2node) # 2 x 1 GiB, 2 CPUs each, SLIT 10/20; q35 keeps all RAM below the PCI hole
      mach=(-smp 4,sockets=2,cores=2,threads=1 -m 2G
            -object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G
            -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1
            -numa dist,src=0,dst=1,val=20) ;;
    4node) # 4 x 1 GiB, 2 CPUs each, two sockets of two nodes (16 within, 22 across)
      mach=(-smp 8,sockets=2,cores=4,threads=1 -m 4G
            -object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G
            -object memory-backend-ram,id=m2,size=1G -object memory-backend-ram,id=m3,size=1G
            -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1
            -numa node,nodeid=2,cpus=4-5,memdev=m2 -numa node,nodeid=3,cpus=6-7,memdev=m3
            -numa dist,src=0,dst=1,val=16 -numa dist,src=0,dst=2,val=22 -numa dist,src=0,dst=3,val=22
            -numa dist,src=1,dst=2,val=22 -numa dist,src=1,dst=3,val=22 -numa dist,src=2,dst=3,val=16) ;;
    *) echo "check-live: unknown topology $topo" >&2; exit 2 ;;
  esac
  log=$W/serial-$topo.log
  start=$(date +%s)
  # qemu64-based CPU: TCG's SMAP/SMEP emulation (-cpu max) crashes a 64-bit
  # PV dom0. conring_size keeps the 'u' dumps in the console ring.
  timeout "$TIMEOUT" qemu-system-x86_64 -machine q35 -accel tcg,thread=multi -cpu "$cpu" "${mach[@]}" \
    -kernel "$W/xen.elf" \
    -append "console=com1 com1=115200,8n1 dom0_mem=512M,max:512M dom0_max_vcpus=2 conring_size=1M noreboot" \
    -initrd "$W/vmlinuz console=hvc0 rdinit=/init panic=-1 quiet ${xtype:+xp_type=$xtype},$W/dom0.img" \
    -nographic -no-reboot -net none > "$log" 2>&1 || echo "check-live: qemu exit $? ($topo)"
  echo "check-live: $topo: boot + test $(( $(date +%s) - start )) s, log $log"
  grep -aE 'LIVE-(INFO|PROBE|LOG|CONF|SCEN|RESULT|TEST)' "$log" | tr -d '\r' || true
  if ! grep -aq 'LIVE-RESULT pass=[0-9]* fail=0 ' "$log"; then
    echo "check-live: $topo: FAILED"; rc=1
  fi
done
exit $rc
