package test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/charter-gov/charter/chaincode/contract"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// hostileRSSGrowthBound is how much a peer's or chaincode server's
// resident memory may grow over the whole hostile run (generous: Go
// returns freed memory to the system lazily).
const hostileRSSGrowthBound = 384 << 20

// TestHostileInputAtTheGateway sends every transaction the chaincode's
// metadata lists (the signature table of chaincode/contract/signatures.go,
// which the chaincode refuses to start without) hostile arguments through
// the real gateway — submit transactions as submits, queries as
// evaluations: one argument too many and one too few, malformed JSON,
// 1 MB and 10 MB values, deeply nested JSON and invalid UTF-8 in every
// argument. Each is refused with INVALID_ARGUMENT and a message naming the
// transaction, the argument or the problem (a 10 MB proposal is refused
// by the peer's gRPC message size limit before the chaincode sees it); afterwards no process has restarted (same
// PIDs), the peers' and chaincode servers' memory stayed bounded, every
// peer's chain has the height it had (nothing was ordered) and the state
// reads the same on every peer.
func TestHostileInputAtTheGateway(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	began := time.Now()
	c := net.client(t, "labA-user1")
	gw := c.Contract()
	require.NotNil(t, gw)

	txs := metadataTransactions(t, ctx, gw)
	require.Greater(t, len(txs), 50, "the metadata lists every transaction")

	pids := networkPIDs(t)
	rssBefore := map[string]int64{}
	for name, pid := range pids {
		rssBefore[name] = rssOf(t, pid)
	}
	observer := peerObserver(t, ctx)
	heightsBefore := heights(t, ctx, observer, "FoundationMSP", "LabAMSP", "LabBMSP")
	require.Len(t, heightsBefore, 3)
	stateBefore := requireSameStateEverywhere(t)

	nested := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	values := []struct{ name, value string }{
		{"1 MB", `"` + strings.Repeat("a", 1_000_000) + `"`},
		{"10 MB", strings.Repeat("a", 10_000_000)},
		{"deeply nested JSON", nested},
		{"invalid UTF-8", "\xff\xfe\xfd"},
	}
	type refusal struct {
		tx, what string
		msg      string
	}
	var calls, tooLarge int
	var odd []refusal
	send := func(tx metadataTx, what string, args []string) {
		t.Helper()
		calls++
		callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var err error
		if tx.submit {
			_, err = gw.SubmitWithContext(callCtx, tx.name, client.WithArguments(args...))
		} else {
			_, err = gw.EvaluateWithContext(callCtx, tx.name, client.WithArguments(args...))
		}
		if !assert.Error(t, err, "%s with %s was accepted", tx.name, what) {
			return
		}
		text := wireText(err)
		if status.Code(err) == codes.ResourceExhausted && strings.Contains(text, "larger than max") {
			// refused by the peer's gRPC size limit before it allocated it
			// (network/up.sh: 9 MiB); the client reports INVALID_ARGUMENT
			tooLarge++
			return
		}
		code := codeOf(err)
		e, _ := errcode.Decode(text)
		if code != errcode.InvalidArgument || (!strings.Contains(e.Message, tx.name) && !strings.Contains(e.Message, "argument") && !strings.Contains(e.Message, "request") && !strings.Contains(e.Message, "malformed JSON")) {
			odd = append(odd, refusal{tx.name, what, errcode.Clip(text, 300)})
		}
		assert.LessOrEqual(t, len(e.Message), errcode.MaxMessageBytes, "%s with %s: a bounded message", tx.name, what)
	}
	for _, tx := range txs {
		n := tx.params
		send(tx, fmt.Sprintf("%d arguments", n+1), make([]string, n+1))
		if n > 0 {
			send(tx, fmt.Sprintf("%d arguments", n-1), make([]string, n-1))
		}
		for _, v := range values {
			if v.name == "malformed JSON" {
				continue // aimed at JSON arguments only, below
			}
			args := make([]string, max(n, 1)) // a transaction of no arguments gets one: wrong arity
			for i := range args {
				args[i] = v.value
			}
			send(tx, v.name, args)
		}
		// Malformed JSON in each JSON argument, the others well-formed.
		for i, p := range tx.placeholders {
			if p != "{}" {
				continue
			}
			args := slices.Clone(tx.placeholders)
			args[i] = `{"request":`
			send(tx, "malformed JSON in argument "+strconv.Itoa(i+1), args)
		}
	}
	for _, r := range odd {
		t.Errorf("%s with %s: want INVALID_ARGUMENT naming the transaction or argument, got %s", r.tx, r.what, r.msg)
	}

	// Nothing restarted, memory bounded.
	after := networkPIDs(t)
	assert.Equal(t, pids, after, "no process restarted")
	var names []string
	for name := range pids {
		names = append(names, name)
	}
	sort.Strings(names)
	var mem []string
	for _, name := range names {
		if after[name] != pids[name] {
			continue
		}
		rss := rssOf(t, pids[name])
		mem = append(mem, fmt.Sprintf("%s %d→%d MiB", name, rssBefore[name]>>20, rss>>20))
		assert.Less(t, rss-rssBefore[name], int64(hostileRSSGrowthBound), "%s's memory grew from %d to %d MiB", name, rssBefore[name]>>20, rss>>20)
	}
	// Nothing ordered, nothing changed.
	assert.Equal(t, heightsBefore, heights(t, ctx, observer, "FoundationMSP", "LabAMSP", "LabBMSP"), "every peer's chain height unchanged")
	assert.Equal(t, stateBefore, requireSameStateEverywhere(t), "the state unchanged")
	t.Logf("%d hostile calls on %d transactions in %s (%d refused by the peer's message size limit, the rest by the chaincode); resident memory: %s",
		calls, len(txs), time.Since(began).Round(time.Millisecond), tooLarge, strings.Join(mem, ", "))
}

// metadataTx is one transaction of the chaincode's metadata.
type metadataTx struct {
	name   string // contract:Transaction
	params int
	submit bool
	// placeholders are well-formed values of each argument's kind, read
	// from its JSON Schema: "{}" for a JSON argument.
	placeholders []string
}

// placeholder is a well-formed value for an argument of this JSON Schema
// (chaincode/contract/metadata.go writes them).
func placeholder(schema map[string]any) string {
	switch {
	case schema["type"] != "string":
		return "{}"
	case schema["enum"] != nil:
		return "true"
	case schema["pattern"] == `^-?[0-9]+$`:
		return "1"
	case schema["format"] == "date-time":
		return "2026-03-01T09:00:00Z"
	}
	return "x"
}

// metadataTransactions lists the transactions the chaincode's metadata
// describes (org.hyperledger.fabric:GetMetadata), in name order.
func metadataTransactions(t *testing.T, ctx context.Context, gw *client.Contract) []metadataTx {
	t.Helper()
	raw, err := gw.EvaluateWithContext(ctx, contract.MetadataFunction)
	require.NoError(t, err)
	var doc struct {
		Contracts map[string]struct {
			Transactions []struct {
				Name       string   `json:"name"`
				Tag        []string `json:"tag"`
				Parameters []struct {
					Schema map[string]any `json:"schema"`
				} `json:"parameters"`
			} `json:"transactions"`
		} `json:"contracts"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	var out []metadataTx
	for cname, ct := range doc.Contracts {
		if strings.HasPrefix(cname, "org.hyperledger.fabric") {
			continue // contractapi's own system contract (GetMetadata)
		}
		for _, tx := range ct.Transactions {
			submit := false
			for _, tag := range tx.Tag {
				submit = submit || strings.EqualFold(tag, "submit")
			}
			mt := metadataTx{name: cname + ":" + tx.Name, params: len(tx.Parameters), submit: submit}
			for _, p := range tx.Parameters {
				mt.placeholders = append(mt.placeholders, placeholder(p.Schema))
			}
			out = append(out, mt)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// networkPIDs reads every network process's recorded PID.
func networkPIDs(t *testing.T) map[string]int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(net.stateDir, "pids", "*.pid"))
	require.NoError(t, err)
	out := map[string]int{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		require.NoError(t, err)
		out[strings.TrimSuffix(filepath.Base(f), ".pid")] = pid
	}
	require.NotEmpty(t, out)
	return out
}

// rssOf is a process's resident set size in bytes (0 when it is gone).
func rssOf(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	return 0
}
