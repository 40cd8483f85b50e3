package charter

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// Block access for the audit export: whole blocks as the channel's peers
// committed them, and what each organisation's peer reports of its chain.

// BlockEvents streams the channel's committed blocks, whole (header, every
// transaction envelope, metadata with the validation codes), in order from
// block start, through the gateway in use. The channel is closed when ctx
// ends or the peer ends the stream; to resume, ask again from the next
// block number wanted.
//
// Errors: FAILED_PRECONDITION on a Client made by New; the common ones
// when the stream cannot be opened.
func (c *Client) BlockEvents(ctx context.Context, start uint64) (<-chan *common.Block, error) {
	if c.pool == nil {
		return nil, &Error{Code: CodeFailedPrecondition, Message: "block events: this client has no gateway network (made by New, not Connect)"}
	}
	var out <-chan *common.Block
	err := c.pool.each(func(ep *gatewayEndpoint) (bool, error) {
		ch, err := ep.network.BlockEvents(ctx, client.WithStartBlock(start))
		out = ch
		return err != nil && unreachable(err) && ctx.Err() == nil, err
	})
	if err != nil {
		return nil, mapError(fmt.Errorf("block events from block %d: %w", start, err))
	}
	return out, nil
}

// PeerLedger is what one organisation's peer reports of the channel's
// chain: its height, the hash of its current (last) block header, and
// optionally one block as that peer stores it.
type PeerLedger struct {
	MSPID            string
	Address          string
	Height           uint64
	CurrentBlockHash []byte
	// Block is the block asked for, when one was.
	Block *common.Block
}

// PeerLedgerOf asks the peer at address (one of the client's gateway
// endpoints: its own or a fallback) for the channel's chain information
// (qscc GetChainInfo) and, when block is not nil, for that block (qscc
// GetBlockByNumber). The query is evaluated by that gateway on a peer of
// organisation mspID.
//
// Errors: FAILED_PRECONDITION on a Client made by New; NOT_FOUND when
// address is not one of the client's endpoints; the common ones when the
// peer cannot answer.
func (c *Client) PeerLedgerOf(ctx context.Context, mspID, address string, block *uint64) (*PeerLedger, error) {
	if c.pool == nil {
		return nil, &Error{Code: CodeFailedPrecondition, Message: "peer ledger: this client has no gateway network (made by New, not Connect)"}
	}
	var ep *gatewayEndpoint
	for _, e := range c.pool.endpoints {
		if e.address == address {
			ep = e
		}
	}
	if ep == nil {
		return nil, &Error{Code: CodeNotFound, Message: fmt.Sprintf("peer ledger: %s is not one of this client's gateway peers", address)}
	}
	qscc := ep.network.GetContract("qscc")
	ctx, cancel := context.WithTimeout(ctx, c.cfg.EvaluateTimeout)
	defer cancel()
	raw, err := qscc.EvaluateWithContext(ctx, "GetChainInfo", client.WithArguments(c.cfg.Channel), client.WithEndorsingOrganizations(mspID))
	if err != nil {
		return nil, mapError(fmt.Errorf("chain information of %s's peer %s: %w", mspID, address, err))
	}
	var info common.BlockchainInfo
	if err := proto.Unmarshal(raw, &info); err != nil {
		return nil, fmt.Errorf("decode chain information of %s's peer %s: %w", mspID, address, err)
	}
	pl := &PeerLedger{MSPID: mspID, Address: address, Height: info.GetHeight(), CurrentBlockHash: info.GetCurrentBlockHash()}
	if block != nil {
		raw, err := qscc.EvaluateWithContext(ctx, "GetBlockByNumber", client.WithArguments(c.cfg.Channel, strconv.FormatUint(*block, 10)), client.WithEndorsingOrganizations(mspID))
		if err != nil {
			return nil, mapError(fmt.Errorf("block %d from %s's peer %s: %w", *block, mspID, address, err))
		}
		var b common.Block
		if err := proto.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("decode block %d from %s's peer %s: %w", *block, mspID, address, err)
		}
		pl.Block = &b
	}
	return pl, nil
}
