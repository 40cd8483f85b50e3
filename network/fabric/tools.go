//go:build tools

// Package fabric pins the Hyperledger Fabric build that Charter's local
// network runs. It is its own module so that Fabric's old dependency tree
// never enters Charter's go.mod.
package fabric

import (
	_ "github.com/hyperledger/fabric/cmd/configtxgen"
	_ "github.com/hyperledger/fabric/cmd/cryptogen"
	_ "github.com/hyperledger/fabric/cmd/orderer"
	_ "github.com/hyperledger/fabric/cmd/osnadmin"
	_ "github.com/hyperledger/fabric/cmd/peer"
)
