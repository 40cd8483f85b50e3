module charter.local/network/fabric

go 1.26

require github.com/hyperledger/fabric v1.4.0-rc1.0.20230405174026-695dd57e01c2
