package charter

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/vouch"
)

func TestBallotTokenDelegationArguments(t *testing.T) {
	mustJSON := func(v any) string {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		return string(raw)
	}
	create := ballot.CreateRequest{DecisionType: constitution.Budget, Title: "GPUs"}
	cast := ballot.CastRequest{Ballot: "b1", Choice: "for"}
	cancel := ballot.CancelRequest{Ballot: "b1", Reason: "dup"}
	pause := ballot.PauseRequest{Ballot: "b1", Reason: "vote buying"}
	transfer := token.TransferRequest{To: ada, Amount: 2}
	set := delegation.SetRequest{Topic: "*", Legs: []delegation.Leg{{To: ada, Percent: 40}}}
	revoke := delegation.RevokeRequest{Topic: "budget"}
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.FixedZone("X", 3600))
	tests := []proposalCase{
		{"CreateBallot", "{}", func(ctx context.Context, c *Client) (any, error) { return c.CreateBallot(ctx, create) },
			call{Kind: "endorse", Name: "ballot:Create", Args: []string{mustJSON(create)}}},
		{"Vote", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Vote(ctx, cast) },
			call{Kind: "endorse", Name: "ballot:Vote", Args: []string{mustJSON(cast)}}},
		{"CloseBallot", "{}", func(ctx context.Context, c *Client) (any, error) { return c.CloseBallot(ctx, "b1") },
			call{Kind: "endorse", Name: "ballot:Close", Args: []string{"b1"}}},
		{"TallyPage", `{"done":true}`, func(ctx context.Context, c *Client) (any, error) { return c.TallyPage(ctx, "b1", 500) },
			call{Kind: "endorse", Name: "ballot:Tally", Args: []string{"b1", "500"}}},
		{"QueueBallot", "{}", func(ctx context.Context, c *Client) (any, error) { return c.QueueBallot(ctx, "b1") },
			call{Kind: "endorse", Name: "ballot:Queue", Args: []string{"b1"}}},
		{"ExecuteBallot", "{}", func(ctx context.Context, c *Client) (any, error) { return c.ExecuteBallot(ctx, "b1") },
			call{Kind: "endorse", Name: "ballot:Execute", Args: []string{"b1"}}},
		{"CancelBallot", "{}", func(ctx context.Context, c *Client) (any, error) { return c.CancelBallot(ctx, cancel) },
			call{Kind: "endorse", Name: "ballot:Cancel", Args: []string{mustJSON(cancel)}}},
		{"PauseBallot", `{"inForce":true}`, func(ctx context.Context, c *Client) (any, error) { return c.PauseBallot(ctx, pause) },
			call{Kind: "endorse", Name: "ballot:Pause", Args: []string{mustJSON(pause)}}},
		{"PauseSupports", "[]", func(ctx context.Context, c *Client) (any, error) { return c.PauseSupports(ctx, "b1") },
			call{Kind: "evaluate", Name: "ballot:PauseSupports", Args: []string{"b1"}}},
		{"Vouch", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Vouch(ctx, ada) },
			call{Kind: "endorse", Name: "member:Vouch", Args: []string{mustJSON(vouch.GiveRequest{Member: ada})}}},
		{"Unvouch", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Unvouch(ctx, ada) },
			call{Kind: "endorse", Name: "member:Unvouch", Args: []string{mustJSON(vouch.WithdrawRequest{Member: ada})}}},
		{"Vouches", "[]", func(ctx context.Context, c *Client) (any, error) { return c.Vouches(ctx, ada) },
			call{Kind: "evaluate", Name: "member:Vouches", Args: []string{ada.MSPID, ada.ID}}},
		{"Ballot", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Ballot(ctx, "b1") },
			call{Kind: "evaluate", Name: "ballot:Get", Args: []string{"b1"}}},
		{"Ballots", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Ballots(ctx, ballot.StatusActive) },
			call{Kind: "evaluate", Name: "ballot:List", Args: []string{"active", "1000", ""}}},
		{"BallotsPage", "{}", func(ctx context.Context, c *Client) (any, error) {
			return c.BallotsPage(ctx, ballot.StatusActive, 3, "bm")
		}, call{Kind: "evaluate", Name: "ballot:List", Args: []string{"active", "3", "bm"}}},
		{"VoteOf", "{}", func(ctx context.Context, c *Client) (any, error) { return c.VoteOf(ctx, "b1", ada) },
			call{Kind: "evaluate", Name: "ballot:VoteOf", Args: []string{"b1", ada.MSPID, ada.ID}}},
		{"Standing", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Standing(ctx, "b1", ada) },
			call{Kind: "evaluate", Name: "ballot:Standing", Args: []string{"b1", ada.MSPID, ada.ID}}},
		{"BallotResults", "{}", func(ctx context.Context, c *Client) (any, error) { return c.BallotResults(ctx, "b1") },
			call{Kind: "evaluate", Name: "ballot:Results", Args: []string{"b1"}}},
		{"BallotVotes", "{}", func(ctx context.Context, c *Client) (any, error) { return c.BallotVotes(ctx, "b1", 3, 50) },
			call{Kind: "evaluate", Name: "ballot:Votes", Args: []string{"b1", "3", "50"}}},
		{"Transfer", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Transfer(ctx, transfer) },
			call{Kind: "endorse", Name: "token:Transfer", Args: []string{mustJSON(transfer)}}},
		{"Balance", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Balance(ctx, ada) },
			call{Kind: "evaluate", Name: "token:Balance", Args: []string{ada.MSPID, ada.ID}}},
		{"BalanceAt", "{}", func(ctx context.Context, c *Client) (any, error) { return c.BalanceAt(ctx, ada, at) },
			call{Kind: "evaluate", Name: "token:BalanceAt", Args: []string{ada.MSPID, ada.ID, "2026-05-01T09:00:00Z"}}},
		{"Supply", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Supply(ctx) },
			call{Kind: "evaluate", Name: "token:Supply", Args: []string{}}},
		{"TokenHistory", "[]", func(ctx context.Context, c *Client) (any, error) { return c.TokenHistory(ctx, ada, 10) },
			call{Kind: "evaluate", Name: "token:History", Args: []string{ada.MSPID, ada.ID, "10"}}},
		{"TokenAccounts", "{}", func(ctx context.Context, c *Client) (any, error) { return c.TokenAccounts(ctx, "") },
			call{Kind: "evaluate", Name: "token:Accounts", Args: []string{"", "1000", ""}}},
		{"Delegate", "{}", func(ctx context.Context, c *Client) (any, error) { return c.Delegate(ctx, set) },
			call{Kind: "endorse", Name: "delegation:Set", Args: []string{mustJSON(set)}}},
		{"RevokeDelegation", "{}", func(ctx context.Context, c *Client) (any, error) { return c.RevokeDelegation(ctx, revoke) },
			call{Kind: "endorse", Name: "delegation:Revoke", Args: []string{mustJSON(revoke)}}},
		{"Delegations", "[]", func(ctx context.Context, c *Client) (any, error) { return c.Delegations(ctx, ada) },
			call{Kind: "evaluate", Name: "delegation:List", Args: []string{ada.MSPID, ada.ID}}},
		{"EffectiveDelegation", "null", func(ctx context.Context, c *Client) (any, error) {
			return c.EffectiveDelegation(ctx, ada, "budget", at)
		}, call{Kind: "evaluate", Name: "delegation:Effective", Args: []string{ada.MSPID, ada.ID, "budget", "2026-05-01T09:00:00Z"}}},
		{"IncomingDelegations", "[]", func(ctx context.Context, c *Client) (any, error) {
			return c.IncomingDelegations(ctx, ada, "*", at)
		}, call{Kind: "evaluate", Name: "delegation:Incoming", Args: []string{ada.MSPID, ada.ID, "*", "2026-05-01T09:00:00Z"}}},
	}
	runProposalCases(t, tests)
}

func TestTallyRunsPagesUntilDone(t *testing.T) {
	pages := 0
	f := &fakeGateway{endorse: func(c call) ([]byte, error) {
		pages++
		if pages < 3 {
			return []byte(`{"ballot":"b1","phase":"votes","pages":1}`), nil
		}
		return []byte(`{"ballot":"b1","phase":"done","done":true,"status":"succeeded"}`), nil
	}}
	c := newTestClient(t, f)
	p, err := c.Tally(t.Context(), "b1", 0)
	require.NoError(t, err)
	assert.True(t, p.Done)
	assert.Equal(t, ballot.StatusSucceeded, p.Status)
	assert.Equal(t, 3, pages)
}

func TestVoteRefusalIsTyped(t *testing.T) {
	f := &fakeGateway{endorse: func(call) ([]byte, error) {
		return nil, peerError(13, "failed to endorse", "chaincode response 500, FAILED_PRECONDITION: vote on ballot b1: the ballot is closed; votes are accepted only while it is active")
	}}
	c := newTestClient(t, f)
	_, err := c.Vote(t.Context(), ballot.CastRequest{Ballot: "b1", Choice: "for"})
	require.ErrorIs(t, err, ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "the ballot is closed")
}

// BenchPut goes to the calibration chaincode the configuration names, and
// is refused without one (it is never part of Charter's chaincode).
func TestBenchPutGoesToTheCalibrationChaincode(t *testing.T) {
	f := &fakeGateway{}
	c := newTestClient(t, f)
	_, err := c.BenchPut(t.Context(), "k", "v")
	require.ErrorIs(t, err, ErrFailedPrecondition)
	assert.Contains(t, err.Error(), "no calibration chaincode")
	assert.Empty(t, f.Calls(), "nothing sent")

	f = &fakeGateway{}
	c = newTestClient(t, f, func(cfg *Config) { cfg.BenchChaincode = "bench" })
	txID, err := c.BenchPut(t.Context(), "k", "v")
	require.NoError(t, err)
	calls := f.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, txID, calls[0].TxID)
	calls[0].TxID = ""
	assert.Equal(t, call{Kind: "endorse", Name: "bench:Put", Args: []string{"k", "v"}, Chaincode: "bench"}, calls[0])

	// every other transaction still goes to Charter's chaincode
	_, err = c.Vote(t.Context(), ballot.CastRequest{Ballot: "b1", Choice: "for"})
	require.NoError(t, err)
	assert.Equal(t, "charter", f.Calls()[1].Chaincode)
}
