package artifact

import (
	"fmt"

	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/errcode"
)

// Directions of a lineage query.
const (
	Upstream   = "up"   // what the artifact was made from, transitively
	Downstream = "down" // what was made from it, transitively
	Both       = "both"
)

// MaxLineageNodes bounds a lineage query (and a takedown's marking): every
// read is bounded, and a graph wider than this is answered in part, with
// Truncated set.
const MaxLineageNodes = 10000

// LineageRequest asks for an artifact's provenance graph.
type LineageRequest struct {
	Artifact  Ref    `json:"artifact"`
	Direction string `json:"direction,omitempty"` // up, down or both (default)
	// MaxDepth bounds the hops (0: no bound besides Limit).
	MaxDepth int `json:"maxDepth,omitempty"`
	// Limit bounds the nodes returned (0: MaxLineageNodes).
	Limit int `json:"limit,omitempty"`
}

// Node is one version in a lineage, with its distance from the root
// (negative upstream, positive downstream).
type Node struct {
	Ref   Ref  `json:"ref"`
	Kind  Kind `json:"kind"`
	Depth int  `json:"depth"`
}

// Edge is a provenance link: Child was made from Parent.
type Edge struct {
	Parent Ref `json:"parent"`
	Child  Ref `json:"child"`
}

// Lineage is the answer: nodes in breadth-first order (upstream first),
// the edges between them, and whether a bound cut it short.
type Lineage struct {
	Root      Ref    `json:"root"`
	Nodes     []Node `json:"nodes"`
	Edges     []Edge `json:"edges"`
	Truncated bool   `json:"truncated"`
}

// GetLineage walks the provenance graph breadth-first from an artifact:
// upstream through the parents stored on each record, downstream through
// the child index. Each version is read once; the walk reads at most
// Limit versions.
func GetLineage(s core.Store, req LineageRequest) (*Lineage, error) {
	dir := req.Direction
	if dir == "" {
		dir = Both
	}
	if dir != Upstream && dir != Downstream && dir != Both {
		return nil, errcode.InvalidFieldf("direction", RuleEnum, "lineage of %s: direction %s is not up, down or both", req.Artifact, errcode.Quote(dir))
	}
	limit := req.Limit
	if limit == 0 {
		limit = MaxLineageNodes
	}
	if limit < 1 || limit > MaxLineageNodes {
		return nil, errcode.InvalidFieldf("limit", RuleRange, "lineage of %s: limit %d is outside 1..%d", req.Artifact, limit, MaxLineageNodes)
	}
	if req.MaxDepth < 0 {
		return nil, errcode.InvalidFieldf("maxDepth", RuleRange, "lineage of %s: maxDepth %d is negative", req.Artifact, req.MaxDepth)
	}
	root, err := Get(s, req.Artifact)
	if err != nil {
		return nil, under(err, "artifact")
	}
	out := &Lineage{Root: root.Ref(), Nodes: []Node{{Ref: root.Ref(), Kind: root.Kind}}, Edges: []Edge{}}
	seen := map[Ref]bool{root.Ref(): true}
	if dir == Upstream || dir == Both {
		if err := walkUp(s, root, req.MaxDepth, limit, seen, out); err != nil {
			return nil, err
		}
	}
	if dir == Downstream || dir == Both {
		if err := walkDown(s, root.Ref(), req.MaxDepth, limit, seen, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func walkUp(s core.Store, root *Artifact, maxDepth, limit int, seen map[Ref]bool, out *Lineage) error {
	frontier := []*Artifact{root}
	for depth := 1; len(frontier) > 0 && (maxDepth == 0 || depth <= maxDepth); depth++ {
		var next []*Artifact
		for _, a := range frontier {
			for _, p := range a.Parents {
				out.Edges = append(out.Edges, Edge{Parent: p, Child: a.Ref()})
				if seen[p] {
					continue
				}
				if len(out.Nodes) >= limit {
					out.Truncated = true
					return nil
				}
				pa, err := Get(s, p)
				if err != nil {
					return fmt.Errorf("lineage: parent %s of %s: %w", p, a.Ref(), err)
				}
				seen[p] = true
				out.Nodes = append(out.Nodes, Node{Ref: p, Kind: pa.Kind, Depth: -depth})
				next = append(next, pa)
			}
		}
		frontier = next
	}
	return nil
}

func walkDown(s core.Store, root Ref, maxDepth, limit int, seen map[Ref]bool, out *Lineage) error {
	frontier := []Ref{root}
	for depth := 1; len(frontier) > 0 && (maxDepth == 0 || depth <= maxDepth); depth++ {
		var next []Ref
		for _, r := range frontier {
			// Read at most the room left (+1 to learn there is more).
			kids, more, err := Children(s, r, limit+1)
			if err != nil {
				return err
			}
			for _, c := range kids {
				out.Edges = append(out.Edges, Edge{Parent: r, Child: c.Child})
				if seen[c.Child] {
					continue
				}
				if len(out.Nodes) >= limit {
					out.Truncated = true
					return nil
				}
				seen[c.Child] = true
				out.Nodes = append(out.Nodes, Node{Ref: c.Child, Kind: c.Kind, Depth: depth})
				next = append(next, c.Child)
			}
			if more {
				out.Truncated = true
				return nil
			}
		}
		frontier = next
	}
	return nil
}

// Descendants returns every version derived from r, transitively, at most
// MaxLineageNodes of them; it refuses a wider graph (a takedown must mark
// all of them or none).
func Descendants(s core.Store, r Ref) ([]Node, error) {
	l, err := GetLineage(s, LineageRequest{Artifact: r, Direction: Downstream})
	if err != nil {
		return nil, err
	}
	if l.Truncated {
		return nil, errcode.PreconditionFieldf("", RuleReadLimit, "%s has more than %d derived versions; a takedown marks all of them in one transaction and cannot", r, MaxLineageNodes-1)
	}
	return l.Nodes[1:], nil
}
