#!/usr/bin/env bash
# Charter's demo: a governance scenario played through the charter CLI
# against the running local network (make demo brings it up first).
#
# Every step prints what it does; a step that should succeed and fails, or
# one that should be refused and is not, stops the demo with a non-zero exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$ROOT/.charter/bin:$PATH"
# The network's profiles (CHARTER_STATE_DIR moves the network's state).
export CHARTER_PROFILES="${CHARTER_STATE_DIR:-$ROOT/.charter/network}/profiles.json"
# Steps without --as read as the Foundation's admin: the CLI has no built-in
# acting profile, so the demo names one.
export CHARTER_PROFILE=foundation-admin
cd "$ROOT"

if [ -t 1 ]; then B=$'\033[1m'; D=$'\033[2m'; R=$'\033[0m'; else B= D= R=; fi
n=0
step() { n=$((n + 1)); printf '\n%s== %d. %s%s\n' "$B" "$n" "$*" "$R"; }
run() { printf '%s$ %s%s\n' "$D" "$*" "$R"; "$@"; }
# json_id CMD...: run a command with --output json and print the "id" of
# the record it returns (ballots and decisions lead with their ID).
json_id() {
  printf '%s$ %s%s\n' "$D" "$*" "$R" >&2
  "$@" -o json | grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4
}
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

# The constitution's clock skew for the demo, in seconds (docs/time.md):
# ballots open one skew after creation and deadlines wait one skew. The
# demo's processes share one clock, so a few seconds keep it short.
DEMO_SKEW="${CHARTER_DEMO_SKEW:-5}"
# The treasury's execution delay for the demo, in seconds (2 days by default).
DEMO_TREASURY_DELAY=10

step "Who am I? The Foundation's admin, straight from its certificate"
run charter --as foundation-admin whoami

step "The founding act: the Foundation drafts the genesis — founders, constitution, first role holders, first tokens"
GENESIS="$(mktemp -d)/genesis.json"
trap 'rm -rf "$(dirname "$GENESIS")"' EXIT
# The default constitution, with seat confirmations voted in 20 seconds so
# that the demo can seat a member by decision below, and a clock skew of
# $DEMO_SKEW seconds.
printf '%s$ charter --as foundation-admin constitution genesis draft … > %s%s\n' "$D" "$GENESIS" "$R"
charter --as foundation-admin constitution genesis draft --founders FoundationMSP,LabAMSP,LabBMSP \
  --periods 20s --periods-for seat_confirmation,budget --clock-skew "${DEMO_SKEW}s" --treasury-delay "${DEMO_TREASURY_DELAY}s" \
  --member "foundation-user1:Grace Hopper:house_a,guardian" \
  --member "foundation-user2:Frances Allen:grants_admin,treasurer" \
  --member "labA-user1:Ada Lovelace:attester,house_a:merged_code,red_teaming,safety_review" \
  --member "labB-user1:Katherine Johnson:attester,house_a,treasurer:documentation,dataset_curation,red_teaming" \
  --allocate foundation-user1=1000 --allocate labA-user1=600 >"$GENESIS"
cat "$GENESIS" | grep -v '^      ' | head -n 40
echo "(the whole document, constitution included, is in $GENESIS)"

step "The Foundation proposes it; nothing else runs until every founder has approved the same hash"
run charter --as foundation-admin constitution genesis propose --file "$GENESIS"
refused FAILED_PRECONDITION charter --as labA-admin member add --member labA-user2 --name "Alan Turing"

step "Each founding organisation's admin approves the document it has read (its SHA-256); the last approval adopts it"
run charter --as foundation-admin constitution genesis approve --file "$GENESIS"
run charter --as labA-admin constitution genesis approve --file "$GENESIS"
run charter --as labB-admin constitution genesis approve --file "$GENESIS"
run charter --as labB-user1 constitution genesis show

step "The founding act happens once: a second proposal is refused, by any organisation"
refused CONFLICT charter --as labB-admin constitution genesis propose --file "$GENESIS"

step "Each organisation's admin registers its own plain members (roles come only from the genesis or decisions)"
run charter --as labA-admin member add --member labA-user2 --name "Alan Turing"
run charter --as labB-admin member add --member labB-user2 --name "Edsger Dijkstra"

step "Refusals change nothing: a lab admin cannot register another lab's people, a member cannot register anyone"
refused FORBIDDEN charter --as labB-admin member add --member labA-user3 --name "Mallory"
refused FORBIDDEN charter --as labA-user2 member add --member labA-user3 --name "Mallory"

step "A member leaves; the record stays for the audit trail"
run charter --as labB-admin member remove --member labB-user2 --reason "moved to another project"

step "Vouching: a plain member votes once a member of another organisation vouches for it (founders count as vouched)"
refused FORBIDDEN charter --as labA-user1 member vouch --member labA-user2
run charter --as labB-user1 member vouch --member labA-user2
run charter member vouches --member labA-user2

step "Attesters record contributions: non-transferable, evidence-backed reputation"
run charter --as labA-user1 reputation attest --member foundation-user1 --category red_teaming --weight 400 \
  --evidence https://git.example/charter/evals/pull/17
run charter --as labA-user1 reputation attest --member foundation-user1 --category merged_code --weight 300 \
  --evidence https://git.example/charter/core/commit/9f2c4e1
run charter --as labB-user1 reputation attest --member labA-user2 --category documentation --weight 250 \
  --evidence https://git.example/charter/docs/pull/3
run charter --as labB-user1 reputation attest --member labA-user2 --category red_teaming --weight 300 \
  --evidence https://git.example/charter/evals/issues/41

step "Reputation cannot be farmed: self-attestation, non-attesters and oversized weights are refused"
refused FORBIDDEN charter --as labA-user1 reputation attest --member labA-user1 --category merged_code --weight 100 --evidence self
refused FORBIDDEN charter --as labA-user2 reputation attest --member foundation-user1 --category merged_code --weight 100 --evidence x
refused INVALID_ARGUMENT charter --as labA-user1 reputation attest --member foundation-user1 --category merged_code --weight 5000 --evidence x

step "Scores decay with a 90-day half-life and are computed at any point in time"
run charter reputation score --member foundation-user1
run charter reputation score --member labA-user2

step "Who is eligible for a House A seat, and why"
run charter reputation eligible

step "Governance tokens: the genesis allocation, transfers and balance checkpoints"
run charter token balance --member labA-user1
run charter --as foundation-user1 token transfer --member labA-user2 --amount 100 --memo "thanks for the docs"
refused INVALID_ARGUMENT charter --as labA-user2 token transfer --member labB-user1 --amount 5000
run charter token balance --member foundation-user1

step "No one mints alone: new tokens need a token_issuance decision of both houses, and go to the treasury"
issuance=$(json_id charter --as labA-user2 token issue --amount 1600 \
  --title "Contributor allocation" --memo "second allocation")
echo "decision $issuance"
run charter decision show "$issuance"

step "Liquid delegation: per topic, revocable; cycles are refused"
run charter --as labA-user2 delegate set --topic budget --to foundation-user1=100
refused INVALID_ARGUMENT charter --as foundation-user1 delegate set --topic budget --to labA-user2=100

step "A legitimacy poll (1-7 Likert): open for 15 seconds, votes changeable until close"
poll=$(json_id charter --as labA-user1 ballot create --poll --title "Is Charter's governance legitimate?" --period 15s)
echo "poll $poll"
sleep $((DEMO_SKEW + 1)) # voting opens one clock skew after creation
run charter --as foundation-user1 ballot vote "$poll" --choice 6
run charter --as labA-user1 ballot vote "$poll" --choice 7
run charter --as labA-user2 ballot vote "$poll" --choice 4
run charter --as labB-user1 ballot vote "$poll" --choice 5
run charter --as labA-user2 ballot vote "$poll" --choice 5
echo "(waiting for the poll to end, and one clock skew more before it can be closed)"
sleep $((15 + DEMO_SKEW + 1))
refused FAILED_PRECONDITION charter --as labB-user1 ballot vote "$poll" --choice 1
run charter ballot close "$poll"
run charter ballot results "$poll"

step "A decision is routed by the constitution: a budget goes to House B, reputation-weighted"
decision=$(json_id charter --as labA-user2 decision propose --type budget --title "Evaluation compute for Q1" --subject grantee:evals-wg)
echo "decision $decision"
refused FAILED_PRECONDITION charter --as labA-user2 decision vote "$decision" --house B --choice for
run charter decision show "$decision"

step "Nobody cancels a decision's ballot; guardians only pause, and one guardian alone pauses nothing"
refused FORBIDDEN charter --as labA-user2 ballot cancel "$decision-B" --reason "withdrawn"
run charter --as foundation-user1 ballot pause "$decision-B" --reason "demo: one guardian's support"
run charter ballot pause-supports "$decision-B"

step "Conflicts of interest are public records; a disclosed conflict recuses the member from decisions on that subject"
run charter --as foundation-user1 coi disclose --subject grantee:evals-wg --statement "I chair the evaluation working group"
run charter coi list --subject grantee:evals-wg

step "The first House A seat granted by decision: a seat confirmation, voted by both houses"
# The seat confirmation's payload names the member; the genesis set its
# voting period to 20 seconds, with no delay or timelock.
SEAT="$(dirname "$GENESIS")/seat.json"
printf '{"member":{%s}}\n' "$(charter -o json member show --member labA-user2 | grep -o '"mspId":"[^"]*","id":"[^"]*"' | head -n 1)" >"$SEAT"
seat=$(json_id charter --as labA-user1 decision propose --type seat_confirmation --title "Seat Alan Turing in House A" --payload "$SEAT")
echo "decision $seat"
sleep $((DEMO_SKEW + 1)) # voting opens one clock skew after the proposal
run charter --as foundation-user1 decision vote "$seat" --house A --choice for
run charter --as labA-user1 decision vote "$seat" --house A --choice for
run charter --as labB-user1 decision vote "$seat" --house A --choice for
run charter --as foundation-user1 decision vote "$seat" --house B --choice for
run charter --as labA-user2 decision vote "$seat" --house B --choice for
refused FORBIDDEN charter --as labA-user2 decision vote "$seat" --house A --choice for
echo "(waiting for the vote to end, and one clock skew more)"
sleep $((20 + DEMO_SKEW + 1))
run charter ballot close "$seat-A"
run charter ballot close "$seat-B"
run charter decision conclude "$seat"
sleep $((DEMO_SKEW + 1)) # the deadlines (no timelock, no appeal window) wait one clock skew
run charter decision execute "$seat"
run charter member show --member labA-user2

step "The artifact registry: versions anchored by their SHA-256, provenance, independent reproductions, verify"
WEIGHTS="$(dirname "$GENESIS")/weights.bin"
head -c 1048576 /dev/urandom >"$WEIGHTS"
run charter --as labB-user1 artifact register --kind dataset --name demo-corpus --version 1 \
  --sha256 "$(printf 'demo corpus' | sha256sum | cut -d' ' -f1)" --size 11 --licence CC-BY-4.0
run charter --as labA-user2 artifact register --kind model_weights --name demo-model --version 1.0 \
  --file "$WEIGHTS" --licence Apache-2.0 --parent demo-corpus@1 --location https://models.example/demo-model
refused CONFLICT charter --as labA-user2 artifact register --kind model_weights --name demo-model --version 1.0 --file "$WEIGHTS" --licence MIT
refused FORBIDDEN charter --as labA-user2 artifact attest demo-model@1.0 --type reproducibility --file "$WEIGHTS" --builder https://ci.laba.example
run charter --as labB-user1 artifact attest demo-model@1.0 --type reproducibility --file "$WEIGHTS" --builder https://ci.labb.example
run charter artifact lineage demo-corpus@1
run charter artifact verify "$WEIGHTS" --name demo-model --version 1.0 --use research
refused "does not release it for commercial use" charter artifact verify "$WEIGHTS" --name demo-model --version 1.0 --use commercial
# flip one bit of one byte
byte=$(dd if="$WEIGHTS" bs=1 skip=1000 count=1 status=none | od -An -tu1 | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 1)))" | dd of="$WEIGHTS" bs=1 seek=1000 conv=notrunc status=none
refused "digest mismatch" charter artifact verify "$WEIGHTS" --name demo-model --version 1.0
run charter --as foundation-user1 guardian pause --artifact demo-model@1.0 --reason "demo: one guardian's support pauses nothing"
run charter guardian status --artifact demo-model@1.0

step "The register as every organisation's peer sees it"
for org in foundation labA labB; do
  run charter --as "$org-user1" member list --all
done

step "The constitution in force (any identity can read it)"
run charter --as labB-user1 constitution history

step "Every state change above emitted a chaincode event"
# everything from the constitution's adoption on, in block order
run charter events watch --from-block 0 --count 31

step "The treasury: a budget by House B, a spend approved by treasurers of two organisations, paid after the delay"
deposit=$(json_id charter --as foundation-user2 treasury deposit --account compute_credits --amount 20000 \
  --reference provider-grant-7 --reason "GPU hours donated by a compute provider")
echo "deposit $deposit (pending: the balance moves when a treasurer of another organisation confirms it)"
refused FORBIDDEN charter --as foundation-user2 treasury confirm-deposit "$deposit"
run charter --as labB-user1 treasury confirm-deposit "$deposit"
refused INVALID_ARGUMENT charter --as foundation-user2 treasury deposit --account token --amount 1000000 --reference x --reason "minting by another name"
budget=$(json_id charter --as labA-user2 treasury budget --account compute_credits --amount 5000 \
  --purpose "evaluation grants" --title "Evaluation compute grants")
echo "decision $budget"
# A second budget, voted alongside: the pool of the round that
# 'make bench-network' opens for its contribution workload.
bench_budget=$(json_id charter --as labA-user2 treasury budget --account compute_credits --amount 1000 \
  --purpose "benchmark round pool" --title "Benchmark round pool")
echo "decision $bench_budget"
sleep $((DEMO_SKEW + 1)) # voting opens one clock skew after the proposal
for d in "$budget" "$bench_budget"; do
  run charter --as foundation-user1 decision vote "$d" --house B --choice for
  run charter --as labA-user2 decision vote "$d" --house B --choice for
done
echo "(waiting for the vote to end, and one clock skew more)"
sleep $((20 + DEMO_SKEW + 1))
for d in "$budget" "$bench_budget"; do
  run charter ballot close "$d-B"
  run charter decision conclude "$d"
done
sleep $((DEMO_SKEW + 1))
run charter decision execute "$budget"
run charter decision execute "$bench_budget"
spend=$(json_id charter --as foundation-user2 treasury propose --account compute_credits --budget "$budget" \
  --to labA-user1=1200 --to labA-user2=800 --reason "evaluation grants, first round" --source round:demo)
echo "spend $spend"
run charter --as foundation-user2 treasury approve "$spend"
refused CONFLICT charter --as foundation-user2 treasury approve "$spend"
refused FORBIDDEN charter --as labA-user2 treasury approve "$spend"
refused FAILED_PRECONDITION charter --as foundation-user2 treasury execute "$spend"
run charter --as labB-user1 treasury approve "$spend"
echo "(waiting out the delay, with one clock skew at each end)"
sleep $((DEMO_TREASURY_DELAY + 2 * DEMO_SKEW + 1))
run charter --as labB-user1 treasury execute "$spend"
run charter treasury movements compute_credits
run charter treasury usage compute_credits
echo "(large or unusual treasury events, as an operator's alert watch prints them)"
run charter events watch --from-block 0 --alert 1000 --count 4

step "Governance incidents and the paper's metrics (Table 1), computed from the ledger"
# A proposal a peer refused to endorse never reaches the ledger: the admin
# of the organisation whose peer logged it files it; the treasurer (no filer role) files none.
run charter --as labA-admin incident file --kind refused_forged_timestamp --severity medium \
  --summary "peer0.labA refused a proposal stamped two hours ahead" --tx demo-refused-proposal \
  --occurred-at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
refused FORBIDDEN charter --as foundation-user2 incident file --kind key_compromise --severity high --summary "rumour" \
  --occurred-at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
run charter incident list
run charter metrics --svg "$(dirname "$GENESIS")/metrics.svg"
echo "(chart written to $(dirname "$GENESIS")/metrics.svg)"

step "An auditor's export: every block, verified offline against the peers' hashes"
AUDIT="$(mktemp -d)"
run charter --as labB-user1 audit export --out "$AUDIT/labB" --quiet
run charter audit verify "$AUDIT/labB"
run charter --as foundation-user1 audit export --out "$AUDIT/foundation" --quiet
run charter audit crosscheck "$AUDIT/labB" "$AUDIT/foundation"
run charter audit replay "$AUDIT/labB"

step "Quadratic funding: a round's matching pool must be funded by an executed budget decision"
# The budget decision above is still voting: a round on it is refused.
refused FAILED_PRECONDITION charter --as foundation-user2 round open --title "Evaluation grants" \
  --category evaluation_grants --rule org_grouped --cap-bps 2500 --pool 5000 \
  --budget-decision "$decision" --opens-in 1m --window 2h
# The executed compute budget above funds one: 2,500 of the 3,000 it has left.
run charter --as foundation-user2 round open --title "Evaluation grants" \
  --category evaluation_grants --rule org_grouped --cap-bps 2500 --pool 2500 \
  --budget-decision "$budget" --opens-in 1m --window 2h

step "Every organisation's peer reports the chaincode build its own service runs: the digest a chaincode_upgrade decision names"
for org in foundation labA labB; do
  run charter --as "$org-user1" upgrade build
done
# nothing is authorised for sequence 2 until a chaincode_upgrade decision executes
refused NOT_FOUND charter upgrade show 2

step "Each organisation enrols its members through its own CA; a revocation reaches every peer's MSP through a config update signed by a majority of the admins"
NETDIR="${CHARTER_STATE_DIR:-$ROOT/.charter/network}"
run network/member.sh enroll LabA "demo-ada-$$" --name "Ada (enrolled by LabA's CA)"
run network/member.sh revoke LabA "demo-ada-$$" --reason "left LabA"
run charter member show --cert "$NETDIR/members/laba/demo-ada-$$/cert.pem" --msp LabAMSP

step "Sizing the network: charter bench drives governance workloads through the gateway (Caliper's columns; docs/performance.md)"
# A tiny run; make bench-network runs the full one, with the calibration put.
# Attestations are issued by the genesis's attesters (labA-user1, labB-user1);
# contributions need an executed budget decision that funds no round yet:
# the demo leaves the benchmark budget above for 'make bench-network'.
run charter bench --workload vote,attest,artifact,query --clients 6 --count 30 --warmup 0s

step "The HTTP API (docs/api.md): charter serve in the background, reading as LabA's user"
API_PORT="${CHARTER_API_PORT:-$((8480 + ${CHARTER_PORT_OFFSET:-0}))}"
API="http://127.0.0.1:$API_PORT"
mkdir -p "$NETDIR/pids" "$NETDIR/logs"
# network/down.sh stops it through its PID file, like every network process.
echo "$ROOT/.charter/bin/charter" >"$NETDIR/pids/api.exe"
printf '%s$ %s%s\n' "$D" "charter --as labA-user1 serve --listen 127.0.0.1:$API_PORT --pid-file $NETDIR/pids/api.pid &" "$R"
nohup charter --as labA-user1 --timeout 60s serve --listen "127.0.0.1:$API_PORT" --pid-file "$NETDIR/pids/api.pid" \
  >"$NETDIR/logs/api.log" 2>&1 </dev/null &
for _ in $(seq 1 300); do
  curl -fsS "$API/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
run curl -fsS "$API/readyz"; echo
run curl -fsS "$API/v1/constitution/versions"; echo
printf 'The API (%s/v1/…) and the web console (%s/) are serving (log: %s)\n' "$API" "$API" "$NETDIR/logs/api.log"

step "The web console (docs/console.md): the same server, at /"
# The ballots page, read from the ledger; one line of it shows it works.
run bash -c "curl -fsS '$API/ballots' | grep -o '<caption>[^<]*'"
printf 'Open the console at %s/ (import your key on %s/identity to vote)\n' "$API" "$API"

step "The API's read index (docs/api.md): ballots answered from the event-fed index, stamped with the block height they reflect"
run bash -c "curl -fsS -D - -o /dev/null '$API/v1/ballots?limit=1' | grep -i '^charter-block-height'"
# Rounds, the registry, the treasury, tokens, reputation and the constitution too.
run bash -c "curl -fsS -D - -o /dev/null '$API/v1/treasury/accounts' | grep -i '^charter-block-height'"

printf '\n%sDemo complete.%s The network is still running: try `charter --help`, `make status`; `make down` stops it.\n' "$B" "$R"
