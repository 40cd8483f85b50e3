// Package storedformat holds the golden files of every record type the
// chaincode stores (its test writes each through core.PutJSON, the path
// every domain package uses, and compares the bytes with testdata/). A
// silent change to stored bytes breaks endorsement across a rolling
// upgrade: peers on the old and the new chaincode would write different
// values for the same transaction. See internal/golden for how to update a
// golden file deliberately.
package storedformat
