// Package golden compares bytes a test produces with a file under the
// test's testdata/ folder, and rewrites the file when the tests run with
// -update. Charter pins every stored record's JSON this way: peers running
// two versions of the chaincode during a rolling upgrade must write the
// same bytes for the same transaction, or endorsements stop matching.
//
// Updating deliberately: change the record, run
//
//	go test ./chaincode/<package>/ -run <Test> -update
//
// review the diff of testdata/, and say in the commit why the stored format
// changes and how a network upgrades across it (every organisation's peer
// must run the new chaincode before a transaction writes the new form).
package golden

import (
	"bytes"
	"flag"
	"hash/fnv"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ instead of comparing with them")

// Assert compares got with testdata/name, or writes it there with -update.
func Assert(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file %s is missing (%v): create it deliberately with go test -run %s -update", path, err, t.Name())
	}
	if !bytes.Equal(want, got) {
		t.Errorf("the bytes of %s changed; a silent change to stored bytes breaks endorsement across a rolling upgrade.\n--- %s\n%s\n--- now\n%s\nIf the change is deliberate, rewrite it with go test -run %s -update and say why in the commit.",
			name, path, want, got, t.Name())
	}
}

// Fill sets every field reachable from ptr (a pointer to a struct) to a
// deterministic non-zero value derived from the field's name alone (so that
// adding a field changes only that field's bytes): strings to the field
// name, numbers to a small hash of it, booleans to true,
// times to a fixed instant, slices and maps to one element, pointers to a
// filled value. Fields that are interfaces or functions stay zero. A
// record filled this way pins every field's JSON name, type and encoding.
func Fill(ptr any) {
	fill(reflect.ValueOf(ptr).Elem(), "v", 1, 0)
}

func fill(v reflect.Value, name string, n int, depth int) {
	if depth > 6 || !v.CanSet() {
		return
	}
	if v.Type() == reflect.TypeOf(time.Time{}) {
		v.Set(reflect.ValueOf(time.Date(2026, 3, 1, 9, 0, n%60, n*1000, time.UTC)))
		return
	}
	if v.Type() == reflect.TypeOf([]byte(nil)) || v.Type().Name() == "RawMessage" {
		v.SetBytes([]byte(`{"` + name + `":1}`))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(name)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(n))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), name, n, depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), name, n, depth+1)
		v.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(v.Index(i), name, n+i, depth+1)
		}
	case reflect.Map:
		m := reflect.MakeMapWithSize(v.Type(), 1)
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, name+"Key", n, depth+1)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, name, n, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			fill(v.Field(i), f.Name, nameNumber(f.Name), depth+1)
		}
	}
}

// nameNumber is a small positive number derived from a field name (FNV-1a
// modulo 100), which fits every integer type Charter stores.
func nameNumber(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32()%100) + 1
}
