#!/usr/bin/env bash
# Cuts one network process off from every other process, and heals the
# cut: a real network partition on 127.0.0.1, for fault tests.
#
#   network/partition.sh isolate NAME  restart NAME (e.g. peer-laba) inside
#                                      its own cgroup (v2), so that every
#                                      socket it opens belongs to that cgroup
#   network/partition.sh cut NAME      drop every packet NAME's sockets send,
#                                      except to its own organisation's
#                                      chaincode server: its gossip, its
#                                      deliveries from the orderers, the
#                                      gateways' endorsement requests to it
#                                      and its own clients all stall, as on a
#                                      host whose link went down
#   network/partition.sh heal NAME     remove the cut (the process keeps
#                                      running; TCP retransmits resume)
#   network/partition.sh clean         remove every cut of this network and
#                                      its cgroups (network/down.sh runs it)
#
# Needs root and nft (Debian package nftables; .ci/run installs it). The
# rules live in one nftables table per network, charter_part_<offset>, and
# match only sockets of this network's cgroups, so they never touch
# another network on the same machine. A socket belongs to the cgroup of
# the process that created it, which is why isolate restarts the process
# instead of moving it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CGROOT="${CHARTER_CGROUP2_ROOT:-}"
if [ -z "$CGROOT" ]; then
  # the cgroup v2 hierarchy: /sys/fs/cgroup itself (unified) or its
  # "unified" mount (hybrid)
  if [ -f /sys/fs/cgroup/cgroup.procs ] && [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    CGROOT=/sys/fs/cgroup
  else
    CGROOT=/sys/fs/cgroup/unified
  fi
fi
TABLE="charter_part_${OFF}"

die() { echo "partition: $*" >&2; exit 1; }
need_tools() {
  [ "$(id -u)" = 0 ] || die "needs root (nftables rules and cgroups)"
  command -v nft >/dev/null || die "nft not found: apt-get install -y nftables (.ci/run installs it)"
  [ -f "$CGROOT/cgroup.procs" ] || die "no cgroup v2 hierarchy at $CGROOT (set CHARTER_CGROUP2_ROOT)"
}
cg_name() { REPLY="charter-${OFF}-$1"; }          # cgroup directory name under CGROOT
nft_path() { # the cgroup's path as nft resolves it (relative to /sys/fs/cgroup)
  cg_name "$1"
  REPLY="${CGROOT#/sys/fs/cgroup}/$REPLY"; REPLY="${REPLY#/}"
}
check_name() {
  local n
  for n in "${PROCS[@]}"; do [ "$n" = "$1" ] && return 0; done
  die "unknown process '$1' (one of: ${PROCS[*]})"
}
in_cgroup() { # in_cgroup NAME: its running process is in its cgroup
  local pid want line
  proc_running "$1" || return 1
  proc_pid "$1"; pid="$REPLY"
  cg_name "$1"; want="$REPLY"
  while read -r line; do
    [ "$line" = "0::/$want" ] && return 0
  done <"/proc/$pid/cgroup"
  return 1
}
stop_one() { # stop_one NAME: SIGTERM, then SIGKILL after 3 s
  local pid i
  proc_running "$1" || return 0
  proc_pid "$1"; pid="$REPLY"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do pid_alive "$pid" || return 0; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do pid_alive "$pid" || return 0; sleep 0.05; done
  die "$1 (pid $pid) does not stop"
}

cmd="${1:-}"; name="${2:-}"
case "$cmd" in
  isolate)
    need_tools; check_name "$name"
    cg_name "$name"; cgdir="$CGROOT/$REPLY"
    mkdir -p "$cgdir"
    stop_one "$name"
    # up.sh starts only what is stopped; run inside the cgroup, the process
    # it starts is born there (its readiness checks run there too, before
    # any cut).
    if ! bash -c 'echo $$ >"$1/cgroup.procs" && exec bash "$2"' _ "$cgdir" "$ROOT/network/up.sh"; then
      # On an overloaded machine the restarted process can miss up.sh's
      # 30 s health check and still come up (a failed partial restart
      # leaves it running): once it runs in its cgroup, ask up.sh again.
      in_cgroup "$name" || die "$name did not start in cgroup $cgdir"
      echo "partition: $name runs in its cgroup but was not healthy in time; checking again" >&2
      ok=0
      for _ in 1 2 3 4 5 6; do
        if bash "$ROOT/network/up.sh"; then ok=1; break; fi
        sleep 5
      done
      [ "$ok" = 1 ] || die "$name is not healthy after its restart"
    fi
    in_cgroup "$name" || die "$name is running but not in cgroup $cgdir"
    echo "partition: $name runs in cgroup $cgdir"
    ;;
  cut)
    need_tools; check_name "$name"
    in_cgroup "$name" || die "$name does not run in its cgroup: run 'network/partition.sh isolate $name' first"
    nft_path "$name"; path="$REPLY"
    allow=""
    if [[ "$name" == peer-* ]]; then # a peer keeps its own chaincode servers (same host)
      o="${PROC_ORG[$name]}"
      allow="tcp dport { ${CCS_PORT[$o]}, ${BCC_PORT[$o]}, ${BPC_PORT[$o]} } accept;"
    fi
    nft -f - <<EOF
table inet $TABLE {}
delete table inet $TABLE
table inet $TABLE {
  chain out {
    type filter hook output priority 0; policy accept;
    socket cgroupv2 level 1 "$path" jump cut_${name//-/_}
  }
  chain cut_${name//-/_} {
    $allow
    drop
  }
}
EOF
    echo "partition: $name cut off (nft table inet $TABLE)"
    ;;
  heal)
    need_tools; check_name "$name"
    nft delete table inet "$TABLE" 2>/dev/null || true
    echo "partition: $name healed"
    ;;
  clean)
    if command -v nft >/dev/null && [ "$(id -u)" = 0 ]; then
      nft delete table inet "$TABLE" 2>/dev/null || true
    fi
    for d in "$CGROOT"/charter-"${OFF}"-*; do
      [ -d "$d" ] || continue
      # processes still inside (the network is up) go back to the root cgroup
      while read -r pid; do echo "$pid" >"$CGROOT/cgroup.procs" 2>/dev/null || true; done <"$d/cgroup.procs"
      rmdir "$d" 2>/dev/null || true
    done
    ;;
  *)
    echo "usage: network/partition.sh isolate|cut|heal NAME, or network/partition.sh clean" >&2
    exit 2
    ;;
esac
