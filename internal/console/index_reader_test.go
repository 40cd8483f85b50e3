package console

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/funding"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
	"github.com/charter-gov/charter/chaincode/round"
	"github.com/charter-gov/charter/chaincode/treasury"
	"github.com/charter-gov/charter/gateway-client/audit/audittest"
	"github.com/charter-gov/charter/internal/api"
)

// chainGateway is an api.Gateway whose channel is an audittest chain: its
// height and its blocks, delivered to the API's listener as they are
// added. Other methods panic (the nil embedded interface): the pages
// below must not read the peer.
type chainGateway struct {
	api.Gateway
	mu    sync.Mutex
	chain *audittest.Chain
	added chan struct{}
}

func (g *chainGateway) ChainHeight(context.Context) (uint64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return uint64(len(g.chain.Blocks)), nil
}

func (g *chainGateway) BlockEvents(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	out := make(chan *common.Block)
	go func() {
		defer close(out)
		next := start
		for {
			g.mu.Lock()
			blocks, added := g.chain.Blocks, g.added
			g.mu.Unlock()
			for ; next < uint64(len(blocks)); next++ {
				select {
				case out <- blocks[next]:
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-added:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// write commits one block of writes.
func (g *chainGateway) write(t *testing.T, kvs map[string]any) {
	t.Helper()
	var ws []*kvrwset.KVWrite
	for k, v := range kvs {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		ws = append(ws, &kvrwset.KVWrite{Key: k, Value: raw})
	}
	g.mu.Lock()
	g.chain.AddBlock(audittest.Tx{Creator: g.chain.Orgs[0].NewSigner("user1", "client"), Writes: ws})
	close(g.added)
	g.added = make(chan struct{})
	g.mu.Unlock()
}

// TestPagesFromTheAPIIndex serves the rounds, registry, delegate and
// treasury pages through the API server's IndexedReader: a round, an
// artifact and a treasury spend committed on the
// (fake) peer appear on the very next page load, read from the index the
// blocks fed, with nothing read from the peer but its height.
func TestPagesFromTheAPIIndex(t *testing.T) {
	g := &chainGateway{chain: audittest.NewChain("charter", "FoundationMSP"), added: make(chan struct{})}
	srv, err := api.NewServer(api.Options{Gateway: g, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), WaitTimeout: 10 * time.Second})
	require.NoError(t, err)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done; require.NoError(t, srv.Close()) })
	h, err := New(Options{Reader: srv.IndexedReader(newFake()), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	get := func(path string) (int, string) {
		res, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}

	status, _ := get("/rounds/r1")
	require.Equal(t, http.StatusNotFound, status, "no round yet")

	opens := time.Now().UTC().Add(-time.Minute)
	g.write(t, map[string]any{
		core.MustKey("round", "r1"):               round.Round{ID: "r1", Title: "Indexed docs round", Rule: funding.Rule{Kind: funding.KindQuadratic}, Pool: 1000, OpensAt: opens, ClosesAt: opens.Add(time.Hour)},
		core.MustKey("round-proj", "r1", "p0001"): round.Project{Round: "r1", ID: "p0001", Title: "Indexed project", Status: "accepted"},
		core.MustKey("round-acc", "r1", "p0001"):  round.AcceptedRef{Project: "p0001"},
		core.MustKey("artifact", "corpus", "1"):   artifact.Artifact{Kind: "dataset", Name: "corpus", Version: "1", SHA256: strings.Repeat("ab", 32), Size: 10, Licence: "MIT"},
	})
	status, body := get("/rounds/r1")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "Indexed docs round")
	require.Contains(t, body, "Indexed project")
	status, body = get("/artifacts")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "corpus")

	// A delegate's statement, from the index: none yet, then the one a
	// block committed, on the very next load of the delegate's page and
	// the directory.
	dana := identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=dana::CN=ca"}
	g.write(t, map[string]any{core.MustKey("member", dana.MSPID, dana.ID): membership.Member{Identity: dana, Name: "Dana Indexed", Status: membership.StatusActive}})
	page := "/delegates/" + dana.MSPID + "/" + url.PathEscape(dana.ID)
	status, body = get(page)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "Dana Indexed")
	require.NotContains(t, body, "Evaluations first")
	g.write(t, map[string]any{core.MustKey("delegate-statement", dana.MSPID, dana.ID): delegation.Statement{Member: dana, Text: "Evaluations first, always.", UpdatedAt: opens}})
	status, body = get(page)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "Evaluations first, always.")
	status, body = get("/delegates")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "Evaluations first, always.")

	// The treasury: accounts, a spend and its approval, from the index.
	queued := opens
	g.write(t, map[string]any{
		core.MustKey("constitution", "current"): constitution.Version{Version: 1, Decision: "genesis", Document: constitution.Default()},
		core.MustKey("treasury", "spend", "s9"): treasury.Spend{ID: "s9", Account: constitution.TreasuryTokenAccount, Budget: "d9", Total: 70,
			Payees: []treasury.Payee{{To: dana, Amount: 70}}, Reason: "indexed payout", Source: "round:r1", Proposer: dana, ProposedAt: opens,
			Status: treasury.StatusQueued, QueuedAt: &queued, SignersRequired: 2},
		core.MustKey("treasury", "sig", "s9", bob.MSPID, bob.ID): treasury.Approval{Spend: "s9", Treasurer: bob, At: opens},
	})
	status, body = get("/treasury")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `<th scope="row">`+constitution.TreasuryTokenAccount+`</th>`)
	require.Contains(t, body, `href="/treasury/spends/s9"`)
	status, body = get("/treasury/spends/s9")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "indexed payout")
	require.Contains(t, body, "1 of the 2 required")
	require.Contains(t, body, `<a href="/rounds/r1">round:r1</a>`)
}
