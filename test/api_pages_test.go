package test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/ballot"
	"github.com/charter-gov/charter/chaincode/coi"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/incident"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/token"
	"github.com/charter-gov/charter/chaincode/treasury"
	charter "github.com/charter-gov/charter/gateway-client"
)

// pageItemKey is what identifies an item of a listing: its ID (with its
// organisation for members), a movement's account and sequence, an artifact's name and version, a token
// account's holder, a disclosure's member and subject.
func pageItemKey(t *testing.T, item map[string]any) string {
	t.Helper()
	str := func(k string) string { s, _ := item[k].(string); return s }
	switch {
	case item["seq"] != nil: // a treasury account's movement
		return fmt.Sprint(item["account"], "#", item["seq"])
	case str("mspId") != "" && str("id") != "":
		return str("mspId") + "/" + str("id")
	case str("id") != "":
		return str("id")
	case str("name") != "" && str("version") != "":
		return str("name") + "/" + str("version")
	}
	for _, k := range []string{"account", "member"} {
		if v, ok := item[k].(map[string]any); ok {
			key := fmt.Sprint(v["mspId"], "/", v["id"])
			if s, ok := item["subject"].(map[string]any); ok {
				key += fmt.Sprint(" ", s["kind"], ":", s["id"])
			}
			return key
		}
	}
	raw, _ := json.Marshal(item)
	t.Fatalf("no key for a listed item: %s", raw)
	return ""
}

// pageAll reads a listing page by page with limit, calling between(page)
// after every page but the last, and returns how many times each item
// was listed.
func pageAll(t *testing.T, base, path string, limit int, between func(page int)) (map[string]int, int) {
	t.Helper()
	seen := map[string]int{}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for page := 0; ; page++ {
		require.Less(t, page, 5000, "the listing %s ends", path)
		u := fmt.Sprintf("%s%s%slimit=%d", base, path, sep, limit)
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		status, _, body := httpJSON(t, http.MethodGet, u, nil)
		require.Equal(t, 200, status, "%s: %v", u, body)
		items, _ := body["items"].([]any)
		require.LessOrEqual(t, len(items), limit, "a page holds at most limit items")
		for _, it := range items {
			seen[pageItemKey(t, it.(map[string]any))]++
		}
		next, _ := body["nextCursor"].(string)
		if next == "" {
			return seen, page + 1
		}
		cursor = next
		if between != nil {
			between(page)
		}
	}
}

// TestAPIPaginationUnderWrites pages through every cursor listing of the
// API while another goroutine commits writes that add items to that very
// listing: no item is listed twice, and every item that existed when the
// paging started is on a page. Listings no cheap write adds to are paged
// while other writes commit.
func TestAPIPaginationUnderWrites(t *testing.T) {
	c, base, _ := apiServer(t)
	ctx := ctxFor(t)
	indexCaughtUp(t, c)
	stamp := time.Now().UnixNano()

	author := net.client(t, "labA-user2") // a member and attester (the genesis)
	authorID := profileIdentity(t, "labA-user2")
	admin := net.client(t, "labA-admin")
	holder := net.client(t, "foundation-user2") // holds the genesis allocation
	treasurer := foundingMember(t, "labA", "cap-treasurer").client
	confirmer := foundingMember(t, "labB", "tres-b").client

	// An asset account for deposits.
	accounts, err := author.TreasuryAccounts(ctx)
	require.NoError(t, err)
	account := ""
	for _, a := range accounts {
		if a.ID != constitution.TreasuryTokenAccount {
			account = a.ID
			break
		}
	}
	require.NotEmpty(t, account)

	// writes, per listing: the write that adds one item to it (n counts
	// from 0 for each listing).
	var nextMember atomic.Int64
	keyDir := t.TempDir()
	writes := map[string]func(n int) error{
		"ballots": func(n int) error {
			_, err := author.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: fmt.Sprintf("Written while paging %d", n), VotingPeriodSec: 3600})
			return err
		},
		"decisions": func(n int) error {
			_, err := author.ProposeDecision(ctx, decision.ProposeRequest{Type: constitution.Policy, Title: fmt.Sprintf("Written while paging %d-%d", stamp, n)})
			return err
		},
		"members": func(n int) error {
			id, err := issuedIdentity("labA", fmt.Sprintf("apipages-w-%d-%d@labA", stamp, nextMember.Add(1)), keyDir)
			if err != nil {
				return err
			}
			_, err = admin.RegisterMember(ctx, membership.RegisterRequest{Member: id, Name: "registered while paging"})
			return err
		},
		"artifacts": func(n int) error {
			sum := sha256.Sum256([]byte(fmt.Sprintf("paged %d %d", stamp, n)))
			_, err := author.RegisterArtifact(ctx, artifact.RegisterRequest{Kind: artifact.KindDataset, Name: fmt.Sprintf("apipages-%d-%d", stamp, n), Version: "1.0", SHA256: hex.EncodeToString(sum[:]), Size: 1, Licence: "CC-BY-4.0"})
			return err
		},
		"incidents": func(n int) error {
			_, err := admin.FileIncident(ctx, incident.FileRequest{Kind: incident.RefusedForgedTimestamp, Severity: incident.Low, Summary: fmt.Sprintf("filed while paging %d", n), OccurredAt: time.Now().UTC().Add(-time.Minute)})
			return err
		},
		"deposits": func(n int) error {
			_, err := treasurer.Deposit(ctx, treasury.DepositRequest{Account: account, Amount: 1, Reference: fmt.Sprintf("paged-%d-%d", stamp, n), Reason: "deposited while paging"})
			return err
		},
		"movements": func(n int) error {
			d, err := treasurer.Deposit(ctx, treasury.DepositRequest{Account: account, Amount: 1, Reference: fmt.Sprintf("paged-m-%d-%d", stamp, n), Reason: "deposited while paging"})
			if err != nil {
				return err
			}
			// The confirmer's gateway may ask peers that have not committed
			// the deposit yet: wait until every organisation's peer has it.
			if err := onEveryPeer(ctx, func(c *charter.Client) error { _, err := c.TreasuryDeposit(ctx, d.ID); return err }); err != nil {
				return err
			}
			return agreedOn(ctx, func() error { _, err := confirmer.ConfirmDeposit(ctx, d.ID); return err })
		},
		"tokens": func(n int) error {
			// A token account appears on a member's first credit.
			id, err := issuedIdentity("labA", fmt.Sprintf("apipages-t-%d-%d@labA", stamp, nextMember.Add(1)), keyDir)
			if err != nil {
				return err
			}
			if _, err := admin.RegisterMember(ctx, membership.RegisterRequest{Member: id, Name: "credited while paging"}); err != nil {
				return err
			}
			if err := onEveryPeer(ctx, func(c *charter.Client) error { _, err := c.Member(ctx, id); return err }); err != nil {
				return err
			}
			return agreedOn(ctx, func() error {
				_, err := holder.Transfer(ctx, token.TransferRequest{To: id, Amount: 1, Memo: "paged"})
				return err
			})
		},
		"conflicts": func(n int) error {
			b, err := author.CreateBallot(ctx, ballot.CreateRequest{Kind: ballot.KindPoll, Title: fmt.Sprintf("Disclosed on while paging %d", n), VotingPeriodSec: 3600})
			if err != nil {
				return err
			}
			if err := onEveryPeer(ctx, func(c *charter.Client) error { _, err := c.Ballot(ctx, b.ID); return err }); err != nil {
				return err
			}
			_, err = author.DiscloseConflict(ctx, coi.DiscloseRequest{Subject: coi.Subject{Kind: coi.KindProposal, ID: b.ID}, Statement: "disclosed while paging"})
			return err
		},
	}
	// Every cursor listing of the spec, with the write that adds to it.
	listings := []struct {
		op, path, write string
	}{
		{"listBallots", "/v1/ballots", "ballots"},
		{"listDecisions", "/v1/decisions", "decisions"},
		{"listMembers", "/v1/members?mspId=LabAMSP", "members"},
		{"listArtifacts", "/v1/artifacts", "artifacts"},
		{"listIncidents", "/v1/incidents", "incidents"},
		{"listDeposits", "/v1/treasury/deposits", "deposits"},
		{"listTreasuryMovements", "/v1/treasury/accounts/" + account + "/movements", "movements"},
		{"listTokenAccounts", "/v1/tokens/accounts", "tokens"},
		{"listConflicts", "/v1/conflicts?mspId=" + authorID.MSPID + "&memberId=" + url.QueryEscape(authorID.ID), "conflicts"},
		// No cheap write adds to this one: paged while members are registered.
		{"listEligibleMembers", "/v1/eligibility?mspId=LabAMSP", "members"},
	}
	// Movements appear when a deposit is confirmed: a few to page through.
	for n := range 6 {
		require.NoError(t, writes["movements"](1000+n))
	}
	for _, l := range listings {
		t.Run(l.op, func(t *testing.T) {
			// The items at the start: the whole listing, read with no write
			// in flight once the index has every block.
			indexCaughtUp(t, c)
			before, _ := pageAll(t, base, l.path, 1000, nil)
			// At least seven items, so that there are pages to turn (a
			// fresh network has few).
			for n := 0; len(before) < 7 && n < 7; n++ {
				require.NoError(t, writes[l.write](2000+n), "%s: filling the listing", l.op)
				indexCaughtUp(t, c)
				before, _ = pageAll(t, base, l.path, 1000, nil)
			}
			limit := max(1, len(before)/6)
			// The writer commits one write after another while the paging
			// runs, at most two more than the pages the listing had at the
			// start: a listing that grows at its end must let the pager
			// reach it.
			maxWrites := int64(len(before)/limit + 2)
			var committed atomic.Int64
			var werrMu sync.Mutex
			var werr error
			failed := func() error { werrMu.Lock(); defer werrMu.Unlock(); return werr }
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; int64(n) < maxWrites; n++ {
					select {
					case <-stop:
						return
					default:
					}
					if err := writes[l.write](n); err != nil {
						werrMu.Lock()
						werr = fmt.Errorf("write %d: %w", n, err)
						werrMu.Unlock()
						return
					}
					committed.Add(1)
				}
			}()
			// Between pages, wait until another write has committed (bounded).
			between := func(int) {
				at := committed.Load()
				deadline := time.Now().Add(30 * time.Second)
				for committed.Load() == at && at < maxWrites && failed() == nil && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
			}
			seen, pages := pageAll(t, base, l.path, limit, between)
			close(stop)
			wg.Wait()
			require.NoError(t, failed())
			t.Logf("%s: %d items at the start, %d pages of %d, %d writes committed while paging, %d items listed", l.op, len(before), pages, limit, committed.Load(), len(seen))
			require.Greater(t, len(before), limit, "%s has more than one page at the start", l.op)
			assert.GreaterOrEqual(t, committed.Load(), min(int64(pages-1), maxWrites), "a write committed between every two pages")
			for k, n := range seen {
				assert.Equal(t, 1, n, "%s lists %s once", l.op, k)
			}
			for k := range before {
				assert.Contains(t, seen, k, "%s: an item present at the start is on a page", l.op)
			}
		})
	}
}

// agreedOn runs op again while the endorsing peers disagree on the state
// it read (a peer that has not committed the previous block endorses
// other bytes, and nothing is ordered), at most five times.
func agreedOn(ctx context.Context, op func() error) error {
	for attempt := 0; ; attempt++ {
		err := op()
		if err == nil || attempt == 5 || !strings.Contains(err.Error(), "ProposalResponsePayloads do not match") {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// onEveryPeer waits until read succeeds on every organisation's peer (each
// through its own user's gateway), polling; for goroutines: no testing.TB.
func onEveryPeer(ctx context.Context, read func(c *charter.Client) error) error {
	for _, org := range orgProfiles {
		c, err := net.connect(org + "-user1")
		if err != nil {
			return err
		}
		for read(c) != nil {
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s's peer: %w", org, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// issuedIdentity issues a certificate of org for cn in dir and returns its
// identity (for goroutines: no testing.TB).
func issuedIdentity(org, cn, dir string) (identity.Identity, error) {
	certPath, _, err := issueCert(net.profiles, org, cn, dir)
	if err != nil {
		return identity.Identity{}, err
	}
	pemBytes, err := os.ReadFile(certPath)
	if err != nil {
		return identity.Identity{}, err
	}
	return identity.FromPEM(mspOf[org], pemBytes)
}
