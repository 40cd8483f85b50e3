package charter

import (
	"context"

	"github.com/hyperledger/fabric-gateway/pkg/client"
)

// System transaction names, "contract:function".
const txSystemVersion = "system:Version"

// ChaincodeBuild is the chaincode build one organisation's peer runs, as
// system:Version reports it.
type ChaincodeBuild struct {
	// MSPID is the organisation whose peer answered.
	MSPID string `json:"mspId"`
	// Version is `git describe` of the chaincode's source, or "unstamped".
	Version string `json:"version"`
	// Digest is the SHA-256 of the chaincode's source files; two peers
	// reporting the same digest run the same rules.
	Digest string `json:"digest"`
	// ContractVersion is the contract metadata's version.
	ContractVersion string `json:"contractVersion"`
}

// ChaincodeVersion evaluates system:Version on a peer of organisation
// mspID (through the gateway in use, which forwards the query there).
//
// Errors: only the common ones; CodeUnknown when the gateway knows no
// peer of mspID; ErrInvalidArgument ("no contract system") from a
// chaincode built before system:Version existed.
func (c *Client) ChaincodeVersion(ctx context.Context, mspID string) (*ChaincodeBuild, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.EvaluateTimeout)
	defer cancel()
	raw, err := c.contract.EvaluateWithContext(ctx, txSystemVersion, client.WithEndorsingOrganizations(mspID))
	if err != nil {
		return nil, mapError(err)
	}
	b := ChaincodeBuild{MSPID: mspID}
	if err := decodeResult(txSystemVersion, raw, &b, ""); err != nil {
		return nil, err
	}
	b.MSPID = mspID
	return &b, nil
}
