package api

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
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

	l := newTestLedger()
	l.tx(t, job.TxId, peer.TxValidationCode_VALID)
	feed(t, s, l)
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

// ballotWrite is a write of ballot id titled title.
func ballotWrite(t *testing.T, id, title string) *kvrwset.KVWrite {
	t.Helper()
	key, err := ballot.Key(id)
	require.NoError(t, err)
	raw, err := json.Marshal(ballot.Ballot{ID: id, Kind: ballot.KindPoll, Title: title, Status: ballot.StatusClosed})
	require.NoError(t, err)
	return &kvrwset.KVWrite{Key: key, Value: raw}
}

func TestLiveResultsStream(t *testing.T) {
	s, ts := newTestServer(t, &fakeGateway{})
	l := newTestLedger()
	l.fill(4)
	l.writes(ballotWrite(t, "b1", "x"))
	feed(t, s, l)

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
	l.writes(ballotWrite(t, "b1", "xx"))
	feed(t, s, l)
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
	// A block that does not change the results sends nothing.
	l.writes(ballotWrite(t, "b2", "other"))
	feed(t, s, l)
	l.writes(ballotWrite(t, "b1", "xxx"))
	feed(t, s, l)
	id, data = readEvent()
	require.Equal(t, "8", id, "the first event after resuming is the new state, at the height it reflects")
	require.Contains(t, data, `"title":"xxx"`)
}
