#!/usr/bin/env bash
# Charter's demo: a governance scenario played through the charter CLI
# against the running local network (make demo brings it up first).
#
# Every step prints what it does; a step that should succeed and fails, or
# one that should be refused and is not, stops the demo with a non-zero exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$ROOT/.charter/bin:$PATH"
cd "$ROOT"

if [ -t 1 ]; then B=$'\033[1m'; D=$'\033[2m'; R=$'\033[0m'; else B= D= R=; fi
n=0
step() { n=$((n + 1)); printf '\n%s== %d. %s%s\n' "$B" "$n" "$*" "$R"; }
run() { printf '%s$ %s%s\n' "$D" "$*" "$R"; "$@"; }
# refused CODE CMD...: the command must fail with the given Charter code.
refused() {
  local want=$1; shift
  printf '%s$ %s%s\n' "$D" "$*" "$R"
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  printf '%s\n' "$out"
  if [ "$rc" -eq 0 ] || ! grep -q "$want" <<<"$out"; then
    echo "demo: expected the call to be refused with $want (exit $rc)" >&2
    exit 1
  fi
  printf '%s(refused as expected: exit %d, nothing written)%s\n' "$D" "$rc" "$R"
}

command -v charter >/dev/null || { echo "demo: charter CLI not built; run make build" >&2; exit 1; }

step "Who am I? The Foundation's admin, straight from its certificate"
run charter --as foundation-admin whoami

step "The Foundation adopts the first constitution (the default document)"
run charter --as foundation-admin constitution init

step "A second initialisation is refused, by any organisation"
refused CONFLICT charter --as labB-admin constitution init

step "Each organisation's admin registers its own members"
run charter --as foundation-admin member add --profile foundation-user1 --name "Grace Hopper" --roles house_a,guardian
run charter --as foundation-admin member add --profile foundation-user2 --name "Frances Allen" --roles grants_admin,treasurer
run charter --as labA-admin member add --profile labA-user1 --name "Ada Lovelace" --roles attester,house_a \
  --attester-categories merged_code,red_teaming,safety_review
run charter --as labA-admin member add --profile labA-user2 --name "Alan Turing"
run charter --as labB-admin member add --profile labB-user1 --name "Katherine Johnson" --roles attester \
  --attester-categories documentation,dataset_curation
run charter --as labB-admin member add --profile labB-user2 --name "Edsger Dijkstra"

step "Refusals change nothing: a lab admin cannot register another lab's people, a member cannot register anyone"
refused FORBIDDEN charter --as labB-admin member add --profile labA-user3 --name "Mallory"
refused FORBIDDEN charter --as labA-user2 member add --profile labA-user3 --name "Mallory"
refused "unknown role" charter --as labA-admin member add --profile labA-user3 --name "Mallory" --roles emperor

step "A member leaves; the record stays for the audit trail"
run charter --as labB-admin member remove --profile labB-user2 --reason "moved to another project"

step "Attesters record contributions: non-transferable, evidence-backed reputation"
run charter --as labA-user1 reputation attest --profile foundation-user1 --category red_teaming --weight 400 \
  --evidence https://git.example/charter/evals/pull/17
run charter --as labA-user1 reputation attest --profile foundation-user1 --category merged_code --weight 300 \
  --evidence https://git.example/charter/core/commit/9f2c4e1
run charter --as labB-user1 reputation attest --profile labA-user2 --category documentation --weight 250 \
  --evidence https://git.example/charter/docs/pull/3

step "Reputation cannot be farmed: self-attestation, non-attesters and oversized weights are refused"
refused FORBIDDEN charter --as labA-user1 reputation attest --profile labA-user1 --category merged_code --weight 100 --evidence self
refused FORBIDDEN charter --as labA-user2 reputation attest --profile foundation-user1 --category merged_code --weight 100 --evidence x
refused INVALID_ARGUMENT charter --as labA-user1 reputation attest --profile foundation-user1 --category merged_code --weight 5000 --evidence x

step "Scores decay with a 90-day half-life and are computed at any point in time"
run charter reputation score --profile foundation-user1
run charter reputation score --profile labA-user2

step "Who is eligible for a House A seat, and why"
run charter reputation eligible

step "The register as every organisation's peer sees it"
for org in foundation labA labB; do
  run charter --as "$org-user1" member list --all
done

step "The constitution in force (any identity can read it)"
run charter --as labB-user1 constitution history

step "Every state change above emitted a chaincode event"
# one constitution.initialised, six member.registered, one member.removed, three reputation.attested
run charter events watch --from-block 0 --count 11

printf '\n%sDemo complete.%s The network is still running: try `charter --help`, `make status`; `make down` stops it.\n' "$B" "$R"
