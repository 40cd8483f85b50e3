package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/upgrade"
	charter "github.com/charter-gov/charter/gateway-client"
)

// Faults under load: the sizes of TestVotesUnderFaults.
const (
	faultWorkers          = 32                // concurrent voting clients
	faultMembersPerWorker = 15                // distinct voters per worker
	faultPolls            = 12                // every voter votes once on each poll
	faultVotePace         = 2 * time.Second   // a worker casts at most one vote per pace
	faultPollPeriod       = 330 * time.Second // the polls' voting period: outlasts the faults
	faultProgressVotes    = 15                // commits that prove the network carries on
	faultPhaseTimeout     = 60 * time.Second  // bound of every wait on a condition
	faultCommitTimeout    = 10 * time.Second  // the voters' commit-status timeout
)

// voteOutcome is what a voting client was told about one vote.
type voteOutcome struct {
	poll, member int
	choice       string
	txID         string
	code         charter.Code // "" when committed
	started      time.Time
	ended        time.Time
	phase        string // the fault in force when the vote was cast
	msg          string // the error's text, clipped
}

func (o voteOutcome) committed() bool { return o.code == "" }

// unknownFate: the client could not learn whether the vote committed.
func (o voteOutcome) unknownFate() bool {
	return o.code == charter.CodeUnknownOutcome || o.code == charter.CodeOrderingUnavailable
}

// faultLoad is the voting load of TestVotesUnderFaults.
type faultLoad struct {
	mu       sync.Mutex
	outcomes []voteOutcome
	commits  atomic.Int64
	stop     atomic.Bool
	active   atomic.Int64 // workers still voting
	phase    atomic.Value // string: the fault in force
}

func (l *faultLoad) record(o voteOutcome) {
	l.mu.Lock()
	l.outcomes = append(l.outcomes, o)
	l.mu.Unlock()
	if o.committed() {
		l.commits.Add(1)
	}
}

func (l *faultLoad) snapshot() []voteOutcome {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.outcomes)
}

// TestVotesUnderFaults casts votes from 32 clients (each vote by a distinct
// voter on one of 16 polls, every client its own organisation's gateway
// with the others as fallbacks) while, in sequence on one network:
//
//	(a) one organisation's peer is killed and restarted: it catches up;
//	(b) one of three orderers is killed (ordering carries on), then a
//	    second (ordering halts: clients are told ORDERING_UNAVAILABLE
//	    promptly, nothing commits), and both are restarted;
//	(c) one organisation's chaincode service is killed and restarted;
//	(d) one organisation's peer is cut off from every other process by
//	    nftables rules (network/partition.sh), then healed: it catches up;
//	(e) one orderer (a Raft follower) is cut off the same way: ordering
//	    carries on with the other two; healed, it catches up to their
//	    block height;
//	(f) one organisation's peer is killed while network/upgrade.sh rolls
//	    the chaincode out to the next sequence (authorised by an executed
//	    chaincode_upgrade decision and signed off by House A maintainers
//	    of two organisations before the load starts): the upgrade completes
//	    once the peer is back, or refuses clearly with nothing changed.
//
// Then the invariants: every peer has the same height, block hash and
// tallies, and every orderer that height; every vote the client reported committed is on the ledger
// exactly once, as that transaction, and counted once by the closed
// poll's tally; no vote reported failed is; votes with an unknown fate are
// looked up by transaction ID and counted per their real status.
func TestVotesUnderFaults(t *testing.T) {
	if net.reused {
		t.Skip("kills and restarts network processes: runs only on a network the tests started")
	}
	if _, err := exec.LookPath("nft"); err != nil {
		t.Fatalf("the partition needs nft: apt-get install -y nftables (.ci/run installs it)")
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), 12*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		// Whatever happened, leave the network whole for the next tests.
		assert.NoError(t, partition("heal", "peer-labb"))
		assert.NoError(t, upStopped())
	})

	// (f)'s upgrade is authorised before the load: a reproducible build of
	// a new release (built while the voters are set up), an executed
	// chaincode_upgrade decision naming its digest and the next sequence,
	// and sign-offs by House A maintainers of two organisations. (The
	// decision's steps wait for every peer to agree on the chain, which
	// never happens under load.)
	release := fmt.Sprintf("fault-%d", time.Now().UnixNano()%1_000_000_000)
	buildOut := filepath.Join(t.TempDir(), "charter-chaincode")
	type built struct {
		digest string
		err    error
	}
	buildDone := make(chan built, 1)
	withUpgrade := faultSelected("f")
	go func() {
		if !withUpgrade {
			buildDone <- built{}
			return
		}
		cmd := exec.Command("bash", filepath.Join(net.root, "network", "build-chaincode.sh"), "-o", buildOut, "--release", release)
		cmd.Dir = net.root
		raw, err := cmd.CombinedOutput()
		f := strings.Fields(string(raw))
		if err != nil || len(f) < 2 {
			buildDone <- built{err: fmt.Errorf("build-chaincode.sh --release %s: %v: %s", release, err, raw)}
			return
		}
		buildDone <- built{digest: f[len(f)-2]}
	}()
	// The decision is proposed as soon as the build is there; its voting
	// period runs while the voters are set up.
	var digest string
	var next int64
	var upg *pendingUpgrade
	if withUpgrade {
		b := <-buildDone
		require.NoError(t, b.err)
		digest, next = b.digest, nextSequence(t)
		upg = proposeUpgrade(t, ctx, digest, next, release)
	}

	// Voters: faultWorkers × faultMembersPerWorker members of the three
	// organisations, registered in one batch per organisation.
	type voter struct {
		id identity.Identity
		c  *charter.Client
	}
	n := faultWorkers * faultMembersPerWorker
	voters := make([]voter, n)
	dir := t.TempDir()
	prefix := fmt.Sprintf("fault%d-", time.Now().UnixNano()%100000)
	batches := map[string]*membership.RegisterBatchRequest{}
	cfgs := make([]charter.Config, n)
	for i := range n {
		org := orgProfiles[i%len(orgProfiles)]
		certPath, keyPath := issueClientCert(t, org, fmt.Sprintf("%s%04d@%s", prefix, i, org), dir)
		cfg, err := net.profiles.Config(org + "-user1")
		require.NoError(t, err)
		cfg.CertPath, cfg.KeyPath = certPath, keyPath
		cfg.CommitTimeout, cfg.EndorseTimeout, cfg.EvaluateTimeout = faultCommitTimeout, faultCommitTimeout, faultCommitTimeout
		pemBytes, err := os.ReadFile(certPath)
		require.NoError(t, err)
		id, err := identity.FromPEM(cfg.MSPID, pemBytes)
		require.NoError(t, err)
		voters[i].id, cfgs[i] = id, cfg
		if batches[org] == nil {
			batches[org] = &membership.RegisterBatchRequest{}
		}
		batches[org].Members = append(batches[org].Members, membership.RegisterRequest{Member: id, Name: fmt.Sprintf("fault voter %d", i)})
	}
	for _, org := range orgProfiles {
		_, err := net.client(t, org+"-admin").RegisterMembers(ctx, *batches[org])
		require.NoError(t, err, "register %s's voters", org)
	}
	for i := range voters {
		c, err := charter.Connect(ctx, cfgs[i])
		require.NoError(t, err, "connect voter %d", i)
		t.Cleanup(func() { _ = c.Close() })
		voters[i].c = c
	}

	var buildsBefore map[string]string
	if withUpgrade {
		buildsBefore = upg.complete(t, ctx)
		t.Logf("setup: sequence %d (build %s, release %s) authorised and signed off in %s", next, digest[:12], release, time.Since(began).Round(time.Millisecond))
	}

	// The polls, seen by every peer before voting opens.
	proposer := net.client(t, "foundation-user2")
	polls := make([]*ballot.Ballot, faultPolls)
	for p := range polls {
		b, err := proposer.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: fmt.Sprintf("faults under load %d", p), VotingPeriodSec: int64(faultPollPeriod / time.Second)})
		require.NoError(t, err)
		polls[p] = b
	}
	for _, org := range orgProfiles {
		require.Eventually(t, func() bool {
			_, err := net.client(t, org+"-user1").Ballot(ctx, polls[faultPolls-1].ID)
			return err == nil
		}, faultPhaseTimeout, 50*time.Millisecond, "%s's peer has the polls", org)
	}
	sleepUntil(ctx, polls[faultPolls-1].OpensAt.Add(500*time.Millisecond))
	t.Logf("setup: %d voters, %d polls in %s", n, faultPolls, time.Since(began).Round(time.Millisecond))

	// The load: worker w votes with its members on poll 0, then poll 1, …
	load := &faultLoad{}
	load.phase.Store("before the faults")
	var wg sync.WaitGroup
	for w := range faultWorkers {
		wg.Add(1)
		load.active.Add(1)
		go func() {
			defer wg.Done()
			defer load.active.Add(-1)
			for p := range faultPolls {
				for k := range faultMembersPerWorker {
					if load.stop.Load() || time.Now().After(polls[p].EndsAt.Add(-2*time.Second)) {
						return
					}
					m := w*faultMembersPerWorker + k
					o := voteOutcome{poll: p, member: m, choice: strconv.Itoa(1 + (m+p)%7), started: time.Now(), phase: load.phase.Load().(string)}
					// The vote's own context is never canceled by the test: a
					// vote settles by itself (bounded by the client's timeouts).
					v, err := voters[m].c.Vote(context.WithoutCancel(ctx), ballot.CastRequest{Ballot: polls[p].ID, Choice: o.choice})
					o.ended = time.Now()
					if err == nil {
						o.txID = v.TxID
					} else {
						o.code, o.msg = charter.CodeOf(err), errcode.Clip(err.Error(), 240)
						var ce *charter.Error
						if errors.As(err, &ce) {
							o.txID = ce.TxID
						}
					}
					load.record(o)
					time.Sleep(time.Until(o.started.Add(faultVotePace)))
				}
			}
		}()
	}
	stopLoad := sync.OnceFunc(func() { load.stop.Store(true); wg.Wait() })
	defer stopLoad()

	// progress waits until want more votes commit than had at the call.
	progress := func(what string) {
		t.Helper()
		from := load.commits.Load()
		waitFor(t, ctx, what, func() bool {
			if load.active.Load() == 0 {
				t.Fatalf("%s: the load has ended (every voter has voted, or the polls' %s voting period is over)", what, faultPollPeriod)
			}
			return load.commits.Load() >= from+faultProgressVotes
		})
	}
	observer := peerObserver(t, ctx)
	type phaseTime struct {
		name   string
		took   time.Duration
		detail string
	}
	var phases []phaseTime
	phase := func(name string, fn func() string) {
		t.Helper()
		if !faultSelected(name[:1]) {
			t.Logf("fault %s: not selected (CHARTER_FAULTS=%s)", name, os.Getenv("CHARTER_FAULTS"))
			return
		}
		t0 := time.Now()
		load.phase.Store(name)
		d := fn()
		load.phase.Store("after " + name[:1])
		phases = append(phases, phaseTime{name, time.Since(t0), d})
		t.Logf("fault %s: %s (%s)", name, time.Since(t0).Round(time.Millisecond), d)
	}
	progress("votes commit before any fault")
	labbIsolated := false

	// (a) a peer dies and comes back: it catches up. It comes back inside
	// its own cgroup, which (d) partitions.
	phase("a: LabB's peer killed and restarted", func() string {
		killProcess(t, "peer-labb")
		t0 := time.Now()
		progress("votes commit while LabB's peer is down")
		require.NoError(t, partition("isolate", "peer-labb"), "restart LabB's peer in its cgroup")
		labbIsolated = true
		down := time.Since(t0)
		catchUp := caughtUp(t, ctx, observer, "peer-labb", "LabBMSP")
		progress("votes commit after LabB's peer returned")
		return fmt.Sprintf("down %s, caught up %s after restart", down.Round(time.Millisecond), catchUp.Round(time.Millisecond))
	})

	// (b) one orderer, then a second.
	phase("b: two of three orderers killed, restarted", func() string {
		env := networkEnv(t)
		leader := raftLeader(t, env)
		var follower string
		for _, o := range []string{"orderer1", "orderer2", "orderer3"} {
			if o != leader && follower == "" {
				follower = o
			}
		}
		killProcess(t, follower)
		progress("ordering carries on with two of three orderers")
		killProcess(t, leader)
		halted := time.Now()
		var refused voteOutcome
		waitFor(t, ctx, "a client is told ORDERING_UNAVAILABLE", func() bool {
			for _, o := range load.snapshot() {
				if o.code == charter.CodeOrderingUnavailable && o.started.After(halted) {
					refused = o
					return true
				}
			}
			return false
		})
		// Hold the halt a little so that every worker meets it.
		sleepUntil(ctx, time.Now().Add(3*time.Second))
		restart := time.Now()
		require.NoError(t, upStopped(), "restart both orderers")
		progress("ordering resumes once the orderers are back")
		// While halted (from a second after the kill: the old leader's
		// accepted transactions aside), no vote was reported committed, and
		// every vote ended within its client's bounds (no hang).
		var during, unavailable int
		for _, o := range load.snapshot() {
			if o.started.After(halted.Add(time.Second)) && o.ended.Before(restart) {
				during++
				assert.False(t, o.committed(), "vote %d/%d committed while ordering was halted", o.poll, o.member)
				if o.code == charter.CodeOrderingUnavailable {
					unavailable++
				}
			}
			assert.Less(t, o.ended.Sub(o.started), 6*faultCommitTimeout,
				"vote %d/%d took %s: no call hangs", o.poll, o.member, o.ended.Sub(o.started))
		}
		return fmt.Sprintf("killed %s then %s (the leader); ORDERING_UNAVAILABLE %.1fs after the halt, for %d of the %d votes cast while halted; restarted in %s",
			follower, leader, refused.ended.Sub(halted).Seconds(), unavailable, during, time.Since(restart).Round(time.Millisecond))
	})

	// (c) a chaincode service.
	phase("c: LabA's chaincode service killed and restarted", func() string {
		killProcess(t, "cc-laba")
		progress("votes commit while LabA's chaincode service is down")
		t0 := time.Now()
		require.NoError(t, upStopped(), "restart LabA's chaincode service")
		progress("votes commit after LabA's chaincode service returned")
		return fmt.Sprintf("restarted in %s", time.Since(t0).Round(time.Millisecond))
	})

	// (d) a partition.
	phase("d: LabB's peer partitioned and healed", func() string {
		if !labbIsolated { // (a) did not run: restart it in its cgroup here
			require.NoError(t, partition("isolate", "peer-labb"), "restart LabB's peer in its cgroup")
			progress("votes commit after LabB's peer restarted in its cgroup")
		}
		require.NoError(t, partition("cut", "peer-labb"))
		t0 := time.Now()
		progress("votes commit while LabB's peer is cut off")
		// The cut holds: LabB's peer commits nothing while the others go on.
		frozen := loggedHeight(t, "peer-labb")
		waitFor(t, ctx, "the other peers move ahead of LabB's cut-off peer", func() bool {
			return othersHeight(t, ctx, observer, "LabBMSP") > frozen+5
		})
		assert.LessOrEqual(t, loggedHeight(t, "peer-labb"), frozen+1, "LabB's peer received no block while cut off")
		behind := othersHeight(t, ctx, observer, "LabBMSP") - loggedHeight(t, "peer-labb")
		require.NoError(t, partition("heal", "peer-labb"))
		cut := time.Since(t0)
		catchUp := caughtUp(t, ctx, observer, "peer-labb", "LabBMSP")
		progress("votes commit after the partition healed")
		return fmt.Sprintf("cut for %s, %d blocks behind at the heal, caught up %s after healing", cut.Round(time.Millisecond), behind, catchUp.Round(time.Millisecond))
	})

	// (e) an orderer partitioned from the other two.
	phase("e: an orderer partitioned from the other two and healed", func() string {
		leader := raftLeader(t, networkEnv(t))
		cut := "orderer1"
		if cut == leader {
			cut = "orderer2"
		}
		// Restarted inside its own cgroup (a follower's restart is a
		// latency blip), so that its sockets can be cut.
		require.NoError(t, partition("isolate", cut), "restart %s in its cgroup", cut)
		progress("votes commit after " + cut + " restarted in its cgroup")
		others := slices.DeleteFunc([]string{"orderer1", "orderer2", "orderer3"}, func(o string) bool { return o == cut })
		require.NoError(t, partition("cut", cut))
		t0 := time.Now()
		progress("ordering carries on with the two other orderers")
		frozen := ordererLoggedHeight(t, cut)
		waitFor(t, ctx, "the other orderers move ahead of "+cut, func() bool {
			return min(ordererLoggedHeight(t, others[0]), ordererLoggedHeight(t, others[1])) > frozen+5
		})
		assert.LessOrEqual(t, ordererLoggedHeight(t, cut), frozen+1, "%s wrote no block while cut off", cut)
		target := max(ordererLoggedHeight(t, others[0]), ordererLoggedHeight(t, others[1]))
		behind := target - ordererLoggedHeight(t, cut)
		require.NoError(t, partition("heal", cut))
		healed := time.Now()
		waitFor(t, ctx, cut+" catches up to height "+strconv.FormatUint(target, 10), func() bool { return ordererLoggedHeight(t, cut) >= target })
		catchUp := time.Since(healed)
		progress("votes commit after the orderer's partition healed")
		return fmt.Sprintf("%s cut for %s (leader %s), %d blocks behind at the heal, caught up %s after healing",
			cut, healed.Sub(t0).Round(time.Millisecond), leader, behind, catchUp.Round(time.Millisecond))
	})

	// (f) a peer dies during a chaincode upgrade.
	phase("f: LabB's peer killed during a chaincode upgrade", func() string {
		var out syncBuffer
		cmd := exec.Command("bash", filepath.Join(net.root, "network", "upgrade.sh"), "--release", release)
		cmd.Dir = net.root
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		var exited atomic.Bool
		go func() {
			err := cmd.Wait()
			exited.Store(true)
			done <- err
		}()
		t0 := time.Now()
		// The kill lands once the new chaincode services run and the
		// packages are being installed (upgrade.sh's phase line).
		deadline := time.Now().Add(3 * time.Minute)
		for !strings.Contains(out.String(), "upgrade: running builds") {
			if time.Now().After(deadline) || exited.Load() || strings.Contains(out.String(), "REFUSED") || strings.Contains(out.String(), "ERROR") {
				break
			}
			sleepUntil(ctx, time.Now().Add(100*time.Millisecond))
		}
		require.Contains(t, out.String(), "upgrade: running builds", "upgrade.sh reached the install:\n%s", out.String())
		killProcess(t, "peer-labb")
		killed := time.Since(t0)
		progress("votes commit while LabB's peer is down during the upgrade")
		require.NoError(t, upStopped(), "restart LabB's peer")
		var err error
		select {
		case err = <-done:
		case <-time.After(4 * time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("upgrade.sh did not finish within 4 minutes of the kill:\n%s", out.String())
		}
		took := time.Since(t0)
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else {
			require.NoError(t, err)
		}
		text := out.String()
		t.Logf("upgrade.sh with LabB's peer killed %s in (exit %d):\n%s", killed.Round(time.Millisecond), code, text)
		var outcome string
		switch code {
		case 0:
			assert.Equal(t, next+1, nextSequence(t), "sequence %d committed", next)
			for _, org := range orgProfiles {
				waitFor(t, ctx, org+"'s peer reports the authorised build", func() bool {
					b, err := net.client(t, org+"-user1").Build(ctx)
					return err == nil && b.Digest == digest
				})
			}
			outcome = fmt.Sprintf("completed after the peer returned: sequence %d on every peer", next)
		case 3:
			assert.Contains(t, text, "REFUSED")
			assert.Contains(t, text, "channel and the ledger are unchanged")
			assert.Equal(t, next, nextSequence(t), "nothing committed")
			for _, org := range orgProfiles {
				b, err := net.client(t, org+"-user1").Build(ctx)
				require.NoError(t, err)
				assert.Equal(t, buildsBefore[org], b.Digest, "%s still runs its build", org)
			}
			outcome = "refused: " + firstLine(text, "REFUSED")
		default:
			t.Fatalf("upgrade.sh neither completed nor refused clearly (exit %d):\n%s", code, text)
		}
		progress("votes commit after the upgrade")
		return fmt.Sprintf("LabB's peer killed %s into the rollout; upgrade.sh %s in %s", killed.Round(time.Millisecond), outcome, took.Round(time.Millisecond))
	})

	stopLoad()
	outcomes := load.snapshot()
	t.Logf("load: %d votes in %s", len(outcomes), time.Since(began).Round(time.Second))

	// Unknown fates, settled by transaction ID: found (VALID or not), or
	// absent well after every orderer returned (never ordered).
	fate := map[string]*charter.TxStatus{}
	lookupUntil := time.Now().Add(15 * time.Second)
	for {
		pending := 0
		for _, o := range outcomes {
			if !o.unknownFate() || (fate[o.txID] != nil && fate[o.txID].Found) {
				continue
			}
			require.NotEmpty(t, o.txID, "an unknown fate names its transaction (vote %d/%d)", o.poll, o.member)
			st, err := observer.TransactionStatus(ctx, o.txID)
			require.NoError(t, err)
			fate[o.txID] = st
			if !st.Found {
				pending++
			}
		}
		if pending == 0 || time.Now().After(lookupUntil) {
			break
		}
		sleepUntil(ctx, time.Now().Add(500*time.Millisecond))
	}

	// What the ledger must hold: per poll, voter → the committing
	// transaction and choice.
	type expectVote struct{ txID, choice string }
	expected := make([]map[string]expectVote, faultPolls)
	absent := make([]map[string]bool, faultPolls)
	for p := range faultPolls {
		expected[p], absent[p] = map[string]expectVote{}, map[string]bool{}
	}
	counts := map[string]int{}
	byPhase := map[string]map[string]int{}
	for _, o := range outcomes {
		key := voters[o.member].id.String()
		var kind string
		switch {
		case o.committed():
			kind = "committed"
			expected[o.poll][key] = expectVote{o.txID, o.choice}
		case o.unknownFate() && fate[o.txID].Valid:
			kind = string(o.code) + ", found VALID"
			expected[o.poll][key] = expectVote{o.txID, o.choice}
		case o.unknownFate() && fate[o.txID].Found:
			kind = string(o.code) + ", found " + fate[o.txID].ValidationCode
			absent[o.poll][key] = true
		case o.unknownFate():
			kind = string(o.code) + ", never ordered"
			absent[o.poll][key] = true
		default:
			kind = "failed " + string(o.code)
			absent[o.poll][key] = true
		}
		if counts[kind] == 0 && o.msg != "" {
			t.Logf("first %s: %s", kind, o.msg)
		}
		counts[kind]++
		if byPhase[o.phase] == nil {
			byPhase[o.phase] = map[string]int{}
		}
		byPhase[o.phase][kind]++
	}
	t.Logf("outcomes: %v", counts)
	for ph, c := range byPhase {
		t.Logf("outcomes during %q: %v", ph, c)
	}
	require.Positive(t, counts["committed"])

	// Every peer reports the same chain (the load has stopped).
	waitFor(t, ctx, "every peer has the same height and block hash", func() bool {
		var first *charter.PeerLedger
		for _, msp := range []string{"FoundationMSP", "LabAMSP", "LabBMSP"} {
			pl, err := observer.PeerLedgerOf(ctx, msp, peerAddress(t, observer, msp), nil)
			if err != nil {
				return false
			}
			if first == nil {
				first = pl
			} else if pl.Height != first.Height || !bytes.Equal(pl.CurrentBlockHash, first.CurrentBlockHash) {
				return false
			}
		}
		return true
	})

	// Every orderer has that height too (the cut and restarted ones
	// caught up).
	pl, err := observer.PeerLedgerOf(ctx, "FoundationMSP", peerAddress(t, observer, "FoundationMSP"), nil)
	require.NoError(t, err)
	for _, o := range []string{"orderer1", "orderer2", "orderer3"} {
		waitFor(t, ctx, o+" has the peers' height", func() bool { return ordererLoggedHeight(t, o) == pl.Height })
	}

	// The ledger's votes: exactly the expected ones, each once, as the
	// transaction the client was told of.
	for p, b := range polls {
		seen := map[string]int{}
		for from := 0; from < ballot.Shards; {
			page, err := observer.BallotVotes(ctx, b.ID, from, ballot.MaxPageSize)
			require.NoError(t, err)
			for _, v := range page.Votes {
				key := v.Voter.String()
				seen[key]++
				want, ok := expected[p][key]
				if !assert.True(t, ok, "poll %d: a vote of %s that no client was told committed (absent expected: %v)", p, key, absent[p][key]) {
					continue
				}
				assert.Equal(t, want.txID, v.TxID, "poll %d: %s's vote is the transaction its client was told of", p, key)
				assert.Equal(t, want.choice, v.Choice)
			}
			from = page.NextShard
		}
		for key := range expected[p] {
			assert.Equal(t, 1, seen[key], "poll %d: %s's committed vote is on the ledger exactly once", p, key)
		}
		for key := range absent[p] {
			assert.Zero(t, seen[key], "poll %d: %s's failed vote is not on the ledger", p, key)
		}
	}

	// The tallies: close every poll once its voting period (and the clock
	// skew margin) is over, tally it, and compare with what the clients
	// were told — on every peer.
	sleepUntil(ctx, polls[faultPolls-1].EndsAt.Add(time.Duration(testSkewSec)*time.Second+time.Second))
	tallier := net.client(t, "labA-user1")
	for p, b := range polls {
		_, err := tallier.CloseBallot(ctx, b.ID)
		require.NoError(t, err, "close poll %d", p)
		res, err := tallier.Tally(ctx, b.ID, ballot.DefaultPageSize)
		require.NoError(t, err, "tally poll %d", p)
		want := make([]int64, 7)
		for _, v := range expected[p] {
			c, _ := strconv.Atoi(v.choice)
			want[c-1]++
		}
		require.NotNil(t, res.Result)
		assert.Equal(t, int64(len(expected[p])), res.Result.VotesCounted, "poll %d: every committed vote counted once", p)
		require.NotNil(t, res.Result.Likert)
		assert.Equal(t, want, res.Result.Likert.Distribution, "poll %d: the tally's distribution is the committed votes'", p)
		for _, org := range orgProfiles {
			c := net.client(t, org+"-user1")
			require.Eventually(t, func() bool {
				r, err := c.BallotResults(ctx, b.ID)
				return err == nil && r.Ballot.Result != nil && r.Ballot.Result.VotesCounted == res.Result.VotesCounted &&
					slices.Equal(r.Ballot.Result.Likert.Distribution, want)
			}, faultPhaseTimeout, 100*time.Millisecond, "poll %d: %s's peer reports the same tally", p, org)
		}
	}
	for _, ph := range phases {
		t.Logf("phase %s: %s — %s", ph.name, ph.took.Round(time.Millisecond), ph.detail)
	}
	t.Logf("total %s", time.Since(began).Round(time.Second))
}

// partition runs network/partition.sh (isolate restarts through up.sh,
// as upStopped does).
func partition(args ...string) error {
	return runFaultScript("partition.sh", args...)
}

// upStopped starts whatever network process is stopped (network/up.sh
// starts only those) with the binaries already built: no rebuild while
// the load runs.
func upStopped() error { return runFaultScript("up.sh") }

func runFaultScript(name string, args ...string) error {
	bin := filepath.Join(net.root, ".charter", "bin")
	cmd := exec.Command("bash", append([]string{filepath.Join(net.root, "network", name)}, args...)...)
	cmd.Dir = net.root
	cmd.Env = append(os.Environ(), "CHARTER_BENCH=1",
		"CHARTER_CHAINCODE_BIN="+filepath.Join(bin, "charter-chaincode"),
		"CHARTER_BENCH_CHAINCODE_BIN="+filepath.Join(bin, "charter-bench-chaincode"),
		"CHARTER_BAREPUT_CHAINCODE_BIN="+filepath.Join(bin, "charter-bareput-chaincode"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	slog.Info("network script", "script", name, "args", args, "seconds", time.Since(t0).Seconds(), "err", err)
	return err
}

// waitFor waits until cond holds, at most faultPhaseTimeout.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(faultPhaseTimeout)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("not within %s: %s", faultPhaseTimeout, what)
		}
		sleepUntil(ctx, time.Now().Add(100*time.Millisecond))
	}
}

func sleepUntil(ctx context.Context, when time.Time) {
	t := time.NewTimer(time.Until(when))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// peerObserver connects as foundation-user1 with every organisation's
// gateway (to ask each peer for its own chain).
func peerObserver(t *testing.T, ctx context.Context) *charter.Client {
	t.Helper()
	cfg, err := net.profiles.Config("foundation-user1")
	require.NoError(t, err)
	cfg.EvaluateTimeout = 5 * time.Second
	c, err := charter.Connect(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// peerAddress is the gateway address of an organisation's peer from the
// network's profiles.
func peerAddress(t *testing.T, _ *charter.Client, mspID string) string {
	t.Helper()
	for _, org := range orgProfiles {
		if mspOf[org] == mspID {
			cfg, err := net.profiles.Config(org + "-user1")
			require.NoError(t, err)
			return cfg.PeerEndpoint
		}
	}
	t.Fatalf("no organisation %s", mspID)
	return ""
}

// heights asks each named organisation's peer for its height (0 when it
// cannot answer).
func heights(t *testing.T, ctx context.Context, c *charter.Client, msps ...string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, msp := range msps {
		pl, err := c.PeerLedgerOf(ctx, msp, peerAddress(t, c, msp), nil)
		if err == nil {
			out[msp] = pl.Height
		}
	}
	return out
}

// loggedHeight is the height of a peer's chain as its own log says (the
// last "Committed block [N]" line, N+1): read from the file, so it answers
// while the peer is cut off from the network.
func loggedHeight(t *testing.T, proc string) uint64 {
	t.Helper()
	return lastLogged(t, proc, committedBlock)
}

var committedBlock = regexp.MustCompile(`Committed block \[(\d+)\]`)

// othersHeight is the greatest height of the peers other than proc's.
func othersHeight(t *testing.T, ctx context.Context, c *charter.Client, msp string) uint64 {
	t.Helper()
	var h uint64
	for m, v := range heights(t, ctx, c, "FoundationMSP", "LabAMSP", "LabBMSP") {
		if m != msp {
			h = max(h, v)
		}
	}
	require.Positive(t, h, "the other peers answer")
	return h
}

// caughtUp waits until proc (msp's peer) has committed the height the
// other peers had when it was called, and returns how long that took.
func caughtUp(t *testing.T, ctx context.Context, c *charter.Client, proc, msp string) time.Duration {
	t.Helper()
	t0 := time.Now()
	target := othersHeight(t, ctx, c, msp)
	waitFor(t, ctx, proc+" catches up to height "+strconv.FormatUint(target, 10), func() bool { return loggedHeight(t, proc) >= target })
	return time.Since(t0)
}

// ordererLoggedHeight is the height of an orderer's chain as its log says
// (the last "Writing block [N]" line, N+1): read from the file, so it
// answers while the orderer is cut off.
func ordererLoggedHeight(t *testing.T, proc string) uint64 {
	t.Helper()
	return lastLogged(t, proc, writingBlock)
}

var writingBlock = regexp.MustCompile(`Writing block \[(\d+)\]`)

// lastLogged is N+1 for the last match of re (capturing N) in the tail of
// proc's log, 0 when none.
func lastLogged(t *testing.T, proc string, re *regexp.Regexp) uint64 {
	t.Helper()
	f, err := os.Open(filepath.Join(net.stateDir, "logs", proc+".log"))
	require.NoError(t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	const tail = 256 << 10
	buf := make([]byte, min(st.Size(), tail))
	_, err = f.ReadAt(buf, st.Size()-int64(len(buf)))
	require.NoError(t, err)
	m := re.FindAllSubmatch(buf, -1)
	if len(m) == 0 {
		return 0
	}
	n, err := strconv.ParseUint(string(m[len(m)-1][1]), 10, 64)
	require.NoError(t, err)
	return n + 1
}

// pendingUpgrade is a chaincode_upgrade decision proposed for (f).
type pendingUpgrade struct {
	digest       string
	next         int64
	d            *decision.Decision
	community    member
	seat1, seat2 member
}

// proposeUpgrade proposes the authorisation of digest for sequence next as
// a consortium does: a community member proposes a chaincode_upgrade
// decision (completed by complete).
func proposeUpgrade(t *testing.T, ctx context.Context, digest string, next int64, release string) *pendingUpgrade {
	t.Helper()
	u := &pendingUpgrade{digest: digest, next: next,
		seat1: foundingMember(t, "foundation", "dec-seat1"), seat2: foundingMember(t, "labA", "dec-seat2"),
		community: newMember(t, "labB", "fault-upg-"+release)}
	d, err := u.community.client.ProposeChaincodeUpgrade(ctx, "Upgrade to "+release, "a rollout under faults",
		upgrade.Payload{Digest: digest, Sequence: next, Version: release})
	require.NoError(t, err)
	u.d = d
	return u
}

// complete has House A (a founding seat) and House B vote the decision,
// executes it, and has House A maintainers of two organisations sign the
// build off. It returns the build every organisation's peer runs now.
func (u *pendingUpgrade) complete(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	before := map[string]string{}
	for _, org := range orgProfiles {
		b, err := net.client(t, org+"-user1").Build(ctx)
		require.NoError(t, err, org)
		before[org] = b.Digest
	}
	reader := net.client(t, "foundation-user1")
	passAndExecute(t, reader, u.seat1, u.community, u.d)
	settledHeight(t)
	for _, s := range []member{u.seat1, u.seat2} {
		_, err := s.client.SignOffUpgrade(ctx, u.next, u.digest)
		require.NoError(t, err)
		settledHeight(t)
	}
	st, err := reader.CheckUpgrade(ctx, u.digest, u.next)
	require.NoError(t, err)
	require.Len(t, st.Organisations, 2, "signed off by maintainers of two organisations")
	return before
}

// faultSelected reports whether the phase letter is to run:
// CHARTER_FAULTS lists the phases (e.g. "e,f"); unset, all run.
func faultSelected(letter string) bool {
	sel := os.Getenv("CHARTER_FAULTS")
	return sel == "" || slices.Contains(strings.Split(sel, ","), letter)
}

// firstLine returns the first line of text containing sub.
func firstLine(text, sub string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// syncBuffer is a bytes.Buffer safe for one writer (a process's output)
// and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
