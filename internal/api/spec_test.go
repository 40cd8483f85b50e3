package api

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestSpecHasNoDuplicateKeys: a path written twice in api/openapi.yaml
// silently replaces the first (a YAML mapping keeps one value per key),
// and the operations of the first disappear from the router, the
// generated client and the server: POST /v1/treasury/spends/{id}/approvals
// (approveSpend) was lost this way behind its GET.
func TestSpecHasNoDuplicateKeys(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "api", "openapi.yaml"))
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	var walk func(n *yaml.Node, at string)
	walk = func(n *yaml.Node, at string) {
		if n.Kind == yaml.MappingNode {
			seen := map[string]int{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if prev, ok := seen[k.Value]; ok {
					t.Errorf("%s: key %q on line %d repeats line %d", at, k.Value, k.Line, prev)
				}
				seen[k.Value] = k.Line
				walk(n.Content[i+1], at+"/"+k.Value)
			}
			return
		}
		for _, c := range n.Content {
			walk(c, at)
		}
	}
	walk(&doc, "")

	spec, err := GetSwagger()
	require.NoError(t, err)
	item := spec.Paths.Find("/v1/treasury/spends/{id}/approvals")
	require.NotNil(t, item)
	if assert.NotNil(t, item.Post, "approveSpend is in the compiled spec") {
		assert.True(t, strings.EqualFold("approveSpend", item.Post.OperationID), item.Post.OperationID)
	}
	if assert.NotNil(t, item.Get, "listSpendApprovals is in the compiled spec") {
		assert.True(t, strings.EqualFold("listSpendApprovals", item.Get.OperationID), item.Get.OperationID)
	}
}
