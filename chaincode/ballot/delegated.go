package ballot

import (
	"math/big"

	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/identity"
)

// Delegated weight by dynamic programming.
//
// The weight that reaches voter v is bal(v) + in(v, 1), where in(n, d), the
// weight delegated to n by chains whose last hop into n is hop d, is
//
//	in(n, d) = 0                                          when d > D
//	in(n, d) = Σ over delegations f →p% n in force at opensAt, f did not vote,
//	           ⌊(bal(f) + in(f, d+1)) × p / 100⌋
//
// with D the ballot's MaxDelegationDepth. Each (member, hop) pair is
// computed once per tally page and shared by every voter of the page; each
// member's incoming delegations, balance and vote are read once per page.
// A page therefore costs O(members within D hops of its voters) reads and
// O(those members' delegations × D) big-integer steps, where the earlier
// recursion re-read every path (8 members per layer delegating to 8 below
// cost 474, 2,010, 14,298 and 112,602 range scans for 2 to 5 layers).
//
// Cycles. Set refuses a delegation that closes a cycle, but cycles can
// still appear (a topic delegation expires and uncovers an all-topics one
// that points back). For each voter the tally takes the members within D
// hops upstream (its window) and finds the strongly connected components
// of the delegations among them; a delegation between two members of one
// component lies on a cycle and carries nothing for that voter. In a window
// without cycles — the normal case — no delegation is dropped and the
// result equals the sum over every simple chain of at most D hops, floored
// at each hop, which is what the tally computed before. The rule depends on
// the voter's window only, never on which page or in which order votes are
// read, so paged and in-memory tallies agree.

type hopKey struct {
	m identity.Identity
	d int64
}

// delegatedWeight returns bal(voter) + in(voter, 1).
func (w *Weigher) delegatedWeight(voter identity.Identity) (*big.Int, error) {
	bal, err := w.balance(voter)
	if err != nil {
		return nil, err
	}
	win, err := w.window(voter)
	if err != nil {
		return nil, err
	}
	memo := w.memo
	if win.cyclic {
		memo = map[hopKey]*big.Int{} // this voter's drops make the values voter-specific
	}
	in, err := w.in(voter, 1, win, memo)
	if err != nil {
		return nil, err
	}
	return in.Add(in, big.NewInt(bal)), nil
}

// incoming returns the delegations into n that can carry weight: in force at
// opensAt, from a member who did not vote. Cached per page.
func (w *Weigher) incoming(n identity.Identity) ([]delegation.Inflow, error) {
	if ins, ok := w.ins[n]; ok {
		return ins, nil
	}
	all, err := delegation.Incoming(w.s, n, string(w.b.DecisionType), w.b.OpensAt)
	if err != nil {
		return nil, err
	}
	ins := make([]delegation.Inflow, 0, len(all))
	for _, e := range all {
		voted, err := w.hasVoted(e.From)
		if err != nil {
			return nil, err
		}
		if !voted { // a direct vote overrides the delegation for the delegator's own weight
			ins = append(ins, e)
		}
	}
	w.ins[n] = ins
	return ins, nil
}

// window is one voter's upstream neighbourhood: members within D hops and,
// when the delegations among them contain a cycle, which edges lie on one.
type window struct {
	root    identity.Identity
	cyclic  bool
	dropped map[[2]identity.Identity]bool // (from, to) delegations on a cycle
}

func (win *window) carries(from, to identity.Identity) bool {
	if from == win.root {
		return false // the voter's own weight is counted once, as bal(voter)
	}
	return !win.dropped[[2]identity.Identity{from, to}]
}

// window explores breadth first from root over incoming delegations, up to
// D hops, then runs Tarjan's algorithm on the edges found.
func (w *Weigher) window(root identity.Identity) (*window, error) {
	win := &window{root: root}
	idx := map[identity.Identity]int{root: 0}
	nodes := []identity.Identity{root}
	var adj [][]int // adj[i]: the members that node i delegates to (edges f → n as f's successors)
	adj = append(adj, nil)
	frontier := []identity.Identity{root}
	for hop := int64(1); hop <= w.b.MaxDelegationDepth && len(frontier) > 0; hop++ {
		var next []identity.Identity
		for _, n := range frontier {
			ins, err := w.incoming(n)
			if err != nil {
				return nil, err
			}
			for _, e := range ins {
				fi, ok := idx[e.From]
				if !ok {
					fi = len(nodes)
					idx[e.From] = fi
					nodes = append(nodes, e.From)
					adj = append(adj, nil)
					next = append(next, e.From)
				}
				adj[fi] = append(adj[fi], idx[n])
			}
		}
		frontier = next
	}
	comp := sccs(adj)
	for f, succ := range adj {
		for _, n := range succ {
			if comp[f] == comp[n] {
				if win.dropped == nil {
					win.dropped = map[[2]identity.Identity]bool{}
				}
				win.dropped[[2]identity.Identity{nodes[f], nodes[n]}] = true
				win.cyclic = true
			}
		}
	}
	return win, nil
}

// in computes in(n, d) with memo.
func (w *Weigher) in(n identity.Identity, d int64, win *window, memo map[hopKey]*big.Int) (*big.Int, error) {
	if d > w.b.MaxDelegationDepth {
		return new(big.Int), nil
	}
	k := hopKey{n, d}
	if v, ok := memo[k]; ok {
		return new(big.Int).Set(v), nil
	}
	ins, err := w.incoming(n)
	if err != nil {
		return nil, err
	}
	total := new(big.Int)
	for _, e := range ins {
		if !win.carries(e.From, n) {
			continue
		}
		bal, err := w.balance(e.From)
		if err != nil {
			return nil, err
		}
		sub, err := w.in(e.From, d+1, win, memo)
		if err != nil {
			return nil, err
		}
		sub.Add(sub, big.NewInt(bal))
		sub.Mul(sub, big.NewInt(e.Percent))
		sub.Quo(sub, big.NewInt(100))
		total.Add(total, sub)
	}
	memo[k] = new(big.Int).Set(total)
	return total, nil
}

// sccs labels the strongly connected components of a graph given as
// successor lists (Tarjan's algorithm, iterative so that a long chain
// cannot exhaust the stack). Nodes in one component get the same label.
func sccs(adj [][]int) []int {
	n := len(adj)
	index, low, comp := make([]int, n), make([]int, n), make([]int, n)
	for i := range index {
		index[i], comp[i] = -1, -1
	}
	onStack := make([]bool, n)
	var stack []int
	next, label := 0, 0
	type frame struct{ v, i int }
	for s := range n {
		if index[s] >= 0 {
			continue
		}
		call := []frame{{s, 0}}
		index[s], low[s] = next, next
		next++
		stack = append(stack, s)
		onStack[s] = true
		for len(call) > 0 {
			top := &call[len(call)-1]
			v := top.v
			if top.i < len(adj[v]) {
				u := adj[v][top.i]
				top.i++
				switch {
				case index[u] < 0:
					index[u], low[u] = next, next
					next++
					stack = append(stack, u)
					onStack[u] = true
					call = append(call, frame{u, 0})
				case onStack[u]:
					low[v] = min(low[v], index[u])
				}
				continue
			}
			if low[v] == index[v] {
				for {
					x := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[x] = false
					comp[x] = label
					if x == v {
						break
					}
				}
				label++
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
		}
	}
	return comp
}
