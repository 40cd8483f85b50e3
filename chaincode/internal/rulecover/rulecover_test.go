// Package rulecover holds one test: every refusal rule a chaincode
// package declares is exercised by that package's own tests.
package rulecover

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryRuleIsTested reads each package under chaincode/ and, for
// every string constant named Rule… declared outside its tests, requires
// that the package's tests name the constant or its value: a refusal
// rule nobody asserts is a rule whose field and rule marker could change
// unnoticed.
func TestEveryRuleIsTested(t *testing.T) {
	root := filepath.Join("..", "..")
	dirs, err := os.ReadDir(root)
	require.NoError(t, err)
	checked := 0
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == "internal" {
			continue
		}
		dir := filepath.Join(root, d.Name())
		rules, tests := readPackage(t, dir)
		for name, value := range rules {
			checked++
			assert.True(t, strings.Contains(tests, name) || strings.Contains(tests, strconv.Quote(value)),
				"chaincode/%s declares %s (%q) but no test of the package names it or its value", d.Name(), name, value)
		}
	}
	require.Greater(t, checked, 100, "the walk found the chaincode's rules")
}

// readPackage returns the Rule… string constants of dir's non-test files
// and the text of its test files.
func readPackage(t *testing.T, dir string) (map[string]string, string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	rules := map[string]string{}
	var tests strings.Builder
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			tests.Write(b)
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		for _, decl := range file.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Rule") || len(n.Name) == len("Rule") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					rules[n.Name] = v
				}
			}
		}
	}
	return rules, tests.String()
}
