package audit

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"

	charter "github.com/charter-gov/charter/gateway-client"
)

// BlockClient is what ClientSource needs of a *charter.Client.
type BlockClient interface {
	BlockEvents(ctx context.Context, start uint64) (<-chan *common.Block, error)
	PeerLedgerOf(ctx context.Context, mspID, address string, block *uint64) (*charter.PeerLedger, error)
}

var _ BlockClient = (*charter.Client)(nil)

// ClientSource is a Source over the gateway client: blocks streamed from
// one organisation's peer (fabric-gateway block events), and the chain
// information of every organisation's peer named in the profiles (qscc
// through each peer's gateway, evaluated on that organisation's peer).
type ClientSource struct {
	c     BlockClient
	peers []charter.Peer
	self  charter.Peer
	// Throttle is a pause after each block, to spare a busy peer.
	Throttle time.Duration
}

// NewClientSource streams from the profiles' peer named self; c must be
// connected with every other peer as a fallback (Profiles.Config does
// that).
func NewClientSource(c BlockClient, p *charter.Profiles, self string) *ClientSource {
	names := make([]string, 0, len(p.Peers))
	for n := range p.Peers {
		names = append(names, n)
	}
	sort.Strings(names)
	s := &ClientSource{c: c, self: p.Peers[self]}
	for _, n := range names {
		s.peers = append(s.peers, p.Peers[n])
	}
	return s
}

// Height is the chain height the streaming peer reports.
func (s *ClientSource) Height(ctx context.Context) (uint64, error) {
	pl, err := s.c.PeerLedgerOf(ctx, s.self.MSPID, s.self.Endpoint, nil)
	if err != nil {
		return 0, err
	}
	return pl.Height, nil
}

// Blocks streams blocks from start.
func (s *ClientSource) Blocks(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	in, err := s.c.BlockEvents(ctx, start)
	if err != nil || s.Throttle <= 0 {
		return in, err
	}
	out := make(chan *common.Block)
	go func() {
		defer close(out)
		for b := range in {
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			select {
			case <-time.After(s.Throttle):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Peers asks every organisation's peer for its chain information and
// block last.
func (s *ClientSource) Peers(ctx context.Context, last uint64) []PeerView {
	var out []PeerView
	for _, p := range s.peers {
		pl, err := s.c.PeerLedgerOf(ctx, p.MSPID, p.Endpoint, &last)
		if err != nil {
			out = append(out, PeerView{MSPID: p.MSPID, Address: p.Endpoint, Err: fmt.Errorf("ask %s's peer: %w", p.MSPID, err)})
			continue
		}
		out = append(out, PeerView{MSPID: p.MSPID, Address: p.Endpoint, Height: pl.Height, CurrentBlockHash: pl.CurrentBlockHash, Block: pl.Block})
	}
	return out
}
