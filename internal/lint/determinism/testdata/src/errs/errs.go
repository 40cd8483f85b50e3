package errs

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
)

type Stub interface {
	PutState(key string, value []byte) error
	GetState(key string) ([]byte, error)
	DelState(key string) error
}

func ignored(stub Stub) {
	stub.PutState("k", nil)    // want `determinism: error returned by stub\.PutState is ignored.*handle or return it.*\[errcheck\]`
	_ = stub.DelState("k")     // want `error returned by stub\.DelState is assigned to _`
	v, _ := stub.GetState("k") // want `error returned by stub\.GetState is assigned to _`
	_ = v
	var v2, _ = stub.GetState("k") // want `error returned by stub\.GetState is assigned to _`
	_ = v2
	_, _ = stub.GetState("k") // want `error returned by stub\.GetState is assigned to _`
	fail()                    // want `error returned by fail is ignored`
	var b strings.Builder
	fmt.Fprintf(errWriter{}, "x") // want `error returned by fmt\.Fprintf is ignored`
	_ = b
}

type errWriter struct{}

func (errWriter) Write(p []byte) (int, error) { return 0, errors.New("no") }

func fail() error { return errors.New("fail") }

// Writers that never fail are exempt, as is printing to stdout.
func exempt() string {
	var b strings.Builder
	b.WriteString("a")
	b.WriteByte('b')
	fmt.Fprintf(&b, "%d", 1)
	var buf bytes.Buffer
	buf.Write([]byte("x"))
	buf.WriteString("y")
	fmt.Fprint(&buf, "z")
	h := sha256.New()
	h.Write(buf.Bytes())
	fmt.Fprintln(h, "w")
	fmt.Println("log line")
	return b.String() + string(h.Sum(nil))
}

// Handled errors and non-error results are fine.
func handled(stub Stub) error {
	if err := stub.PutState("k", nil); err != nil {
		return err
	}
	v, err := stub.GetState("k")
	if err != nil {
		return err
	}
	_ = len(v)
	_ = string(v)
	return stub.DelState("k")
}
