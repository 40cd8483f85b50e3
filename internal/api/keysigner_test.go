package api

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/ballot"
	charter "github.com/charter-gov/charter/gateway-client"
)

func writeKeyFiles(t *testing.T, m member) (string, string) {
	t.Helper()
	dir := t.TempDir()
	der, err := x509.MarshalPKCS8PrivateKey(m.key)
	require.NoError(t, err)
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(cert, []byte(m.certPEM), 0o600))
	require.NoError(t, os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	return cert, key
}

func TestKeySignerThroughGeneratedClient(t *testing.T) {
	f := &fakeGateway{}
	s, ts := newTestServer(t, f)
	m := newMember(t, "voter")
	certPath, keyPath := writeKeyFiles(t, m)
	k, err := LoadKeySigner("LabAMSP", certPath, keyPath)
	require.NoError(t, err)
	c, err := NewClientWithResponses(ts.URL)
	require.NoError(t, err)
	ctx := t.Context()

	choice := "for"
	prep, err := c.CastVoteWithResponse(ctx, "b1", CastVoteJSONRequestBody{Choice: &choice, Signer: k.Signer()})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, prep.StatusCode(), "body %s", prep.Body)
	job, err := k.Complete(ctx, c, prep.JSON201, "vote-b1")
	require.NoError(t, err)
	require.Equal(t, JobStatus("submitted"), job.Status)
	require.Equal(t, 1, f.endorsed)

	s.blocks.record(testBlock(t, 0, job.TxId, peer.TxValidationCode_VALID))
	done, err := AwaitJob(ctx, c, job.Id)
	require.NoError(t, err)
	require.Equal(t, JobStatus("committed"), done.Status)

	// A refused endorsement comes back as a problem with the chaincode's code.
	f.mu.Lock()
	f.endorseErr = &charter.Error{Code: charter.CodeForbidden, Message: "not eligible"}
	f.mu.Unlock()
	prep, err = c.CastVoteWithResponse(ctx, "b1", CastVoteJSONRequestBody{Choice: &choice, Signer: k.Signer()})
	require.NoError(t, err)
	_, err = k.Complete(ctx, c, prep.JSON201, "vote-b1-again")
	var pe *ProblemError
	require.True(t, errors.As(err, &pe), "err %v", err)
	require.Equal(t, 403, pe.Status)
	require.Equal(t, "FORBIDDEN", *pe.Problem.Code)
}

type resultsGateway struct {
	*fakeGateway
	tallies chan int64
	mu      sync.Mutex
	cur     int64
}

func (g *resultsGateway) BallotResults(_ context.Context, id string) (*charter.BallotResults, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case v := <-g.tallies:
		g.cur = v
	default:
	}
	return &charter.BallotResults{Ballot: ballot.View{Ballot: ballot.Ballot{ID: id, Title: strings.Repeat("x", int(g.cur))}}}, nil
}

func TestLiveResultsStream(t *testing.T) {
	g := &resultsGateway{fakeGateway: &fakeGateway{}, tallies: make(chan int64, 1), cur: 1}
	s, ts := newTestServerWith(t, g.fakeGateway, g)
	s.blocks.record(testBlock(t, 4, strings.Repeat("01", 32), peer.TxValidationCode_VALID))

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/ballots/b1/results/stream", nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	rd := bufio.NewReader(res.Body)
	readEvent := func() (id, data string) {
		for {
			line, err := rd.ReadString('\n')
			require.NoError(t, err)
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "id: "):
				id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && data != "":
				return id, data
			}
		}
	}
	id, data := readEvent()
	require.Equal(t, "5", id)
	require.Contains(t, data, `"title":"x"`)

	// A new block with changed results is pushed without asking again.
	g.tallies <- 2
	s.blocks.record(testBlock(t, 5, strings.Repeat("02", 32), peer.TxValidationCode_VALID))
	id, data = readEvent()
	require.Equal(t, "6", id)
	require.Contains(t, data, `"title":"xx"`)

	// Resuming at the height already seen sends nothing until a change.
	req2, err := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/ballots/b1/results/stream", nil)
	require.NoError(t, err)
	req2.Header.Set("Last-Event-ID", "6")
	res2, err := http.DefaultClient.Do(req2)
	require.NoError(t, err)
	defer res2.Body.Close()
	rd = bufio.NewReader(res2.Body)
	g.tallies <- 3
	s.blocks.record(testBlock(t, 6, strings.Repeat("03", 32), peer.TxValidationCode_VALID))
	id, data = readEvent()
	require.Equal(t, "7", id, "the first event after resuming is the new state")
	require.Contains(t, data, `"title":"xxx"`)
}
