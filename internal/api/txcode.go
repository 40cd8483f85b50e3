package api

import "github.com/hyperledger/fabric-protos-go-apiv2/peer"

func txCodeName(c byte) string { return peer.TxValidationCode(c).String() }
