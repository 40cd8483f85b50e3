package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/upgrade"
	charter "github.com/charter-gov/charter/gateway-client"
)

// networkScript runs network/<name> with args and extra environment and
// returns its exit code and combined output.
func networkScript(t *testing.T, env []string, name string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(net.root, "network", name)}, args...)...)
	cmd.Dir = net.root
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String()
	}
	t.Fatalf("run %s: %v", name, err)
	return -1, ""
}

// buildRelease builds the chaincode reproducibly with a release stamp into
// dir and returns its digest and path.
func buildRelease(t *testing.T, release, dir string) (string, string) {
	t.Helper()
	out := filepath.Join(dir, release, "charter-chaincode")
	code, text := networkScript(t, nil, "build-chaincode.sh", "-o", out, "--release", release)
	require.Zero(t, code, text)
	f := strings.Fields(text)
	require.GreaterOrEqual(t, len(f), 2, text)
	return f[len(f)-2], out
}

// committedSequence is the sequence the next upgrade would take.
func nextSequence(t *testing.T) int64 {
	t.Helper()
	code, text := networkScript(t, nil, "upgrade.sh", "--next-sequence")
	require.Zero(t, code, text)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	n, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	require.NoError(t, err, text)
	return n
}

// newRetryingVoters registers n members spread over the organisations and
// connects each with the client's default MVCC retries (a vote endorsed
// under the old definition fails validation when the upgrade commits, and
// is sent again).
func newRetryingVoters(t *testing.T, n int, prefix string) []*voter {
	t.Helper()
	dir := t.TempDir()
	voters := make([]*voter, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		org := orgProfiles[i%len(orgProfiles)]
		cn := fmt.Sprintf("%s%03d@%s", prefix, i, org)
		certPath, keyPath := issueClientCert(t, org, cn, dir)
		cfg, err := net.profiles.Config(org + "-user1")
		require.NoError(t, err)
		cfg.CertPath, cfg.KeyPath = certPath, keyPath
		pemBytes, err := os.ReadFile(certPath)
		require.NoError(t, err)
		id, err := identity.FromPEM(cfg.MSPID, pemBytes)
		require.NoError(t, err)
		voters[i] = &voter{org: org, id: id}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if _, err := net.client(t, org+"-admin").RegisterMember(ctx, membership.RegisterRequest{Member: id, Name: cn}); err != nil {
				errs[i] = fmt.Errorf("register %s: %w", cn, err)
				return
			}
			c, err := charter.Connect(ctx, cfg)
			if err != nil {
				errs[i] = fmt.Errorf("connect %s: %w", cn, err)
				return
			}
			voters[i].client = c
		}()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, v := range voters {
			if v.client != nil {
				_ = v.client.Close()
			}
		}
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	return voters
}

// TestChaincodeUpgradeUnderTwoPersonIntegrity: a chaincode_upgrade
// decision names a reproducible build's digest and the next sequence; it
// is voted, executed and signed off by House A maintainers of two
// organisations; network/upgrade.sh refuses before the authorisation,
// before the second sign-off, for an unauthorised build and when one
// organisation's service runs another binary — each time with nothing
// approved or committed — then rolls the authorised build out while 64
// voters keep voting: every peer reports the new digest and every voter's
// last committed vote is counted once.
func TestChaincodeUpgradeUnderTwoPersonIntegrity(t *testing.T) {
	// The whole scenario (a decision voted and executed, four refusals, a
	// 150-second poll around the rollout) takes minutes: one context for it.
	ctx, cancelAll := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancelAll()
	reader := net.client(t, "foundation-user1")
	cur, err := reader.Constitution(ctx)
	require.NoError(t, err)
	rule, err := cur.Document.Rule(constitution.ChaincodeUpgrade)
	require.NoError(t, err)
	if rule.VotingDelaySec+rule.VotingPeriodSec > 120 || rule.QuorumBps > 100 {
		t.Skipf("the constitution in force (version %d) has periods of days; this test needs the short-period test constitution TestMain adopts on a fresh network", cur.Version)
	}
	run := time.Now().UnixNano()
	dir := t.TempDir()
	release := fmt.Sprintf("it-%d", run)
	digest, _ := buildRelease(t, release, dir)
	rogueDigest, rogueBin := buildRelease(t, release+"-rogue", dir)
	require.NotEqual(t, digest, rogueDigest)
	next := nextSequence(t)
	t.Logf("upgrading to sequence %d, build %s", next, digest)

	// Before anything: every peer reports the build it runs now.
	before := map[string]string{}
	for _, org := range orgProfiles {
		b, err := net.client(t, org+"-user1").Build(ctx)
		require.NoError(t, err, org)
		require.Len(t, b.Digest, 64)
		before[org] = b.Digest
	}
	assert.Equal(t, before["foundation"], before["labA"], "every organisation runs the same build")
	assert.Equal(t, before["foundation"], before["labB"], "every organisation runs the same build")

	// refusedUnchanged runs upgrade.sh and checks it is refused naming the
	// rule, with the chain and the committed sequence unchanged.
	refusedUnchanged := func(t *testing.T, env []string, rel, want string) {
		t.Helper()
		height := settledHeight(t)
		code, text := networkScript(t, env, "upgrade.sh", "--release", rel)
		assert.Equal(t, 3, code, "refused with exit status 3: %s", text)
		assert.Contains(t, text, want)
		assert.Contains(t, text, "channel and the ledger are unchanged")
		assert.Equal(t, height, settledHeight(t), "nothing was ordered")
		assert.Equal(t, next, nextSequence(t), "the committed sequence is unchanged")
	}

	t.Run("refused without an authorisation", func(t *testing.T) {
		refusedUnchanged(t, nil, release, "no executed chaincode_upgrade decision authorises a build for sequence")
	})

	seat1 := foundingMember(t, "foundation", "dec-seat1")
	seat2 := foundingMember(t, "labA", "dec-seat2")
	community := newMember(t, "labB", fmt.Sprintf("upg-comm-%d", run))

	// Malformed payloads are refused at proposal.
	height := settledHeight(t)
	_, err = community.client.ProposeChaincodeUpgrade(ctx, "Bad digest", "", upgrade.Payload{Digest: "sha256:" + digest, Sequence: next, Version: release})
	requireRefusedUnchanged(t, reader, height, err, errcode.InvalidArgument, "not a SHA-256 digest")
	_, err = community.client.ProposeChaincodeUpgrade(ctx, "Sequence one", "", upgrade.Payload{Digest: digest, Sequence: 1, Version: release})
	requireRefusedUnchanged(t, reader, height, err, errcode.InvalidArgument, "first deployment")

	d, err := community.client.ProposeChaincodeUpgrade(ctx, "Upgrade to "+release, "the reproducible build of the current source, stamped "+release,
		upgrade.Payload{Digest: digest, Sequence: next, Version: release})
	require.NoError(t, err)
	waitUntil(t, d.ProposedAt.Add(testSkew))
	for _, b := range d.Ballots {
		v := community
		if b.House == constitution.HouseA {
			v = seat1
		}
		_, err := v.client.VoteOnDecision(ctx, decision.VoteRequest{Decision: d.ID, House: b.House, Choice: "for"})
		require.NoError(t, err, "vote in %s", b.House)
	}
	waitUntil(t, votingEnds(t, reader, d).Add(testSkew))
	for _, b := range d.Ballots {
		_, err := reader.CloseBallot(ctx, b.Ballot)
		require.NoError(t, err)
		p, err := reader.Tally(ctx, b.Ballot, 0)
		require.NoError(t, err)
		require.True(t, p.Done)
	}
	settledHeight(t) // the tallies are on every peer before the conclusion is endorsed
	c, err := reader.ConcludeDecision(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, decision.StatusPassed, c.Status, "%+v", c.Outcome)
	waitUntil(t, c.ExecutableAt.Add(testSkew))
	ex, err := reader.ExecuteDecision(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, decision.StatusExecuted, ex.Status)
	executedAt := time.Now()
	settledHeight(t)

	for _, org := range orgProfiles {
		st, err := net.client(t, org+"-user1").UpgradeStatus(ctx, next)
		require.NoError(t, err, org)
		assert.Equal(t, digest, st.Authorisation.Digest, "%s: the effect recorded the authorised digest", org)
		assert.Equal(t, d.ID, st.Authorisation.Decision, org)
		assert.False(t, st.Cleared, org)
	}

	t.Run("refused before two organisations signed off", func(t *testing.T) {
		refusedUnchanged(t, nil, release, "signed off by maintainers of 0 organisation(s)")
		_, err := seat1.client.SignOffUpgrade(ctx, next, digest)
		require.NoError(t, err)
		refusedUnchanged(t, nil, release, "signed off by maintainers of 1 organisation(s) [FoundationMSP]")
	})

	// Bad sign-offs on the real network: refused, nothing written.
	height = settledHeight(t)
	_, err = seat2.client.SignOffUpgrade(ctx, next, rogueDigest)
	requireRefusedUnchanged(t, reader, height, err, errcode.FailedPrecondition, "is not the one decision")
	_, err = community.client.SignOffUpgrade(ctx, next, digest)
	requireRefusedUnchanged(t, reader, height, err, errcode.Forbidden, "house_a")
	_, err = seat1.client.SignOffUpgrade(ctx, next, digest)
	requireRefusedUnchanged(t, reader, height, err, errcode.Conflict, "already signed off")

	_, err = seat2.client.SignOffUpgrade(ctx, next, digest)
	require.NoError(t, err)
	settledHeight(t)
	st, err := reader.CheckUpgrade(ctx, digest, next)
	require.NoError(t, err)
	assert.Equal(t, []string{"FoundationMSP", "LabAMSP"}, st.Organisations)

	t.Run("refused for an unauthorised build", func(t *testing.T) {
		refusedUnchanged(t, nil, release+"-rogue", "is not authorised for sequence")
	})
	t.Run("refused when one organisation's service runs another binary", func(t *testing.T) {
		refusedUnchanged(t, []string{"CHARTER_UPGRADE_BIN_LABB=" + rogueBin}, release, "the LabB chaincode service")
		for _, org := range orgProfiles {
			b, err := net.client(t, org+"-user1").Build(ctx)
			require.NoError(t, err)
			assert.Equal(t, before[org], b.Digest, "%s still runs the old build", org)
		}
	})

	// The rolling upgrade under 64 voters.
	const n = 64
	voters := newRetryingVoters(t, n, fmt.Sprintf("upg%d-", run%100000))
	const period = 150 * time.Second
	poll, err := community.client.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: "Was the upgrade legitimate?", VotingPeriodSec: int64(period / time.Second)})
	require.NoError(t, err)
	waitUntil(t, poll.OpensAt)

	var stop atomic.Bool
	last := make([]int, n)
	votes := make([]int, n)
	var failures atomic.Int64
	var wg sync.WaitGroup
	vctx, cancel := context.WithTimeout(context.Background(), period)
	defer cancel()
	for i, v := range voters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; ; round++ {
				choice := (i+round)%7 + 1
				_, err := v.client.Vote(vctx, ballot.CastRequest{Ballot: poll.ID, Choice: strconv.Itoa(choice)})
				if err != nil {
					failures.Add(1)
					t.Errorf("voter %d round %d: %s", i, round, wireText(err))
					return
				}
				last[i], votes[i] = choice, votes[i]+1
				if stop.Load() {
					return
				}
				time.Sleep(300 * time.Millisecond)
			}
		}()
	}
	time.Sleep(2 * time.Second) // votes flowing before the upgrade starts
	began := time.Now()
	code, text := networkScript(t, nil, "upgrade.sh", "--release", release)
	upgradeTook := time.Since(began)
	time.Sleep(2 * time.Second) // and after it
	stop.Store(true)
	wg.Wait()
	require.Zero(t, code, "upgrade.sh: %s", text)
	require.Zero(t, failures.Load(), "no vote lost during the upgrade")
	total := 0
	for _, k := range votes {
		total += k
	}
	t.Logf("upgrade.sh took %s under %d voters (%d votes committed meanwhile); decision executed → upgraded: %s\n%s",
		upgradeTook.Round(time.Millisecond), n, total, time.Since(executedAt).Round(time.Millisecond), text)

	assert.Equal(t, next+1, nextSequence(t), "sequence %d committed", next)
	for _, org := range orgProfiles {
		require.Eventually(t, func() bool {
			b, err := net.client(t, org+"-user1").Build(ctx)
			return err == nil && b.Digest == digest && b.Release == release
		}, 30*time.Second, 200*time.Millisecond, "%s's peer reports the authorised build", org)
	}

	// Every voter's last committed vote is counted, once.
	waitUntil(t, poll.CloseableFrom(testSkew))
	_, err = reader.CloseBallot(ctx, poll.ID)
	require.NoError(t, err)
	var p *ballot.Progress
	for p == nil || !p.Done {
		p, err = reader.TallyPage(ctx, poll.ID, 0)
		require.NoError(t, err)
	}
	require.NotNil(t, p.Result.Likert)
	assert.Equal(t, int64(n), p.Result.VotesCounted, "every voter counted once")
	want := make([]int64, 7)
	for _, c := range last {
		want[c-1]++
	}
	assert.Equal(t, want, p.Result.Likert.Distribution, "each voter's last committed choice")

	// A restart brings the network back on the upgraded build.
	code, text = networkScript(t, nil, "down.sh")
	require.Zero(t, code, text)
	code, text = networkScript(t, nil, "up.sh")
	require.Zero(t, code, text)
	for _, org := range orgProfiles {
		require.Eventually(t, func() bool {
			b, err := net.client(t, org+"-user1").Build(ctx)
			return err == nil && b.Digest == digest
		}, 60*time.Second, 250*time.Millisecond, "after a restart %s's peer still runs the authorised build", org)
	}
	assert.Equal(t, next+1, nextSequence(t), "still at sequence %d after the restart", next)
}
