//go:build tools

// Package fabricca pins the Hyperledger Fabric CA build that each
// organisation of Charter's local network runs (fabric-ca-server) and that
// network/member.sh registers, enrolls and revokes members with
// (fabric-ca-client). Its own module, like network/fabric, so that its old
// dependency tree never enters Charter's go.mod.
package fabricca

import (
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-client"
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-server"
)
