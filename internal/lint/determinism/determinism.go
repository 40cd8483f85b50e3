package determinism

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Analyzer reports non-deterministic constructs in chaincode packages.
var Analyzer = &analysis.Analyzer{ //charter:allow-global analyzer definitions are package-level by convention
	Name: "determinism",
	Doc: "report constructs that make Hyperledger Fabric chaincode non-deterministic " +
		"(clock reads, randomness, goroutines, floating point, package-level state, " +
		"I/O and environment access, map iteration order, ignored errors)\n\n" +
		"Suppress a finding with //charter:allow <category> <reason> on the same line " +
		"or the line above; categories: " + strings.Join(Categories, ", ") + ".",
	URL: "https://github.com/charter-gov/charter/tree/main/internal/lint/determinism",
	Run: run,
}

// Finding categories, usable in //charter:allow directives.
const (
	CatClock     = "clock"
	CatRand      = "rand"
	CatGoroutine = "goroutine"
	CatFloat     = "float"
	CatGlobal    = "global"
	CatIO        = "io"
	CatMap       = "map"
	CatErrcheck  = "errcheck"
)

// Categories lists every category a //charter:allow directive may name.
var Categories = []string{ //charter:allow-global read-only list of category names
	CatClock, CatRand, CatGoroutine, CatFloat, CatGlobal, CatIO, CatMap, CatErrcheck,
}

func validCategory(c string) bool {
	for _, x := range Categories {
		if x == c {
			return true
		}
	}
	return false
}

// clockFuncs maps the time package functions that observe the wall clock or
// schedule on it to the reason they are reported.
func clockReason(name string) (string, bool) {
	switch name {
	case "Now", "Since", "Until":
		return fmt.Sprintf("time.%s reads the peer's clock, which differs between endorsing peers; "+
			"use the transaction timestamp (stub.GetTxTimestamp)", name), true
	case "After", "Tick", "NewTimer", "NewTicker", "Sleep", "AfterFunc":
		return fmt.Sprintf("time.%s depends on wall-clock timing, which differs between endorsing peers; "+
			"chaincode must not wait or schedule work on timers", name), true
	}
	return "", false
}

// importReason returns the category and explanation for a forbidden import path.
func importReason(path string) (cat, why string, bad bool) {
	switch {
	case path == "math/rand" || path == "math/rand/v2" || path == "crypto/rand":
		return CatRand, "random values differ on every peer; derive anything " +
			"unpredictable from the transaction (e.g. its ID) instead", true
	case path == "os" || strings.HasPrefix(path, "os/"):
		return CatIO, "the file system, environment and processes differ between peers; " +
			"chaincode must only read state through the stub", true
	case path == "net" || strings.HasPrefix(path, "net/"):
		return CatIO, "network responses differ between peers and over time; " +
			"chaincode must only read state through the stub", true
	case path == "io/ioutil":
		return CatIO, "file system access differs between peers; " +
			"chaincode must only read state through the stub", true
	case path == "syscall":
		return CatIO, "system calls expose peer-local operating system state", true
	case path == "unsafe":
		return CatIO, "unsafe depends on memory layout and addresses, which differ between peers and builds", true
	case path == "plugin":
		return CatIO, "plugins load peer-local code", true
	case path == "runtime" || strings.HasPrefix(path, "runtime/"):
		return CatIO, "the runtime exposes scheduler, memory and platform details that differ between peers", true
	}
	return "", "", false
}

// directive is a parsed //charter:allow comment.
type directive struct {
	category string // "" if missing
	reason   string
	global   bool // written as //charter:allow-global
}

// parseDirective parses a //charter:allow or //charter:allow-global comment.
// ok is false if the comment is not such a directive.
func parseDirective(text string) (d directive, ok bool) {
	const prefix = "//charter:allow"
	rest, found := strings.CutPrefix(text, prefix)
	if !found {
		return d, false
	}
	if g, isGlobal := strings.CutPrefix(rest, "-global"); isGlobal {
		rest = g
		d.global = true
		d.category = CatGlobal
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return d, false // e.g. //charter:allowed
	}
	// A nested "//" ends the directive (e.g. a trailing comment).
	if i := strings.Index(rest, "//"); i >= 0 {
		rest = rest[:i]
	}
	if d.global {
		d.reason = strings.TrimSpace(rest)
		return d, true
	}
	fields := strings.Fields(rest)
	if len(fields) > 0 {
		d.category = fields[0]
		d.reason = strings.Join(fields[1:], " ")
	}
	return d, true
}

// fileChecker holds the per-file state used while analysing one file.
type fileChecker struct {
	pass    *analysis.Pass
	file    *ast.File
	tf      *token.File
	allowed map[int][]string // line -> categories validly allowed on that line
	// fileAllowed holds categories allowed file-wide (import findings only).
	fileAllowed map[string]bool
	floatLines  map[int]bool
}

func run(pass *analysis.Pass) (any, error) {
	if strings.HasSuffix(pass.Pkg.Path(), ".test") {
		return nil, nil // synthesized "go test" main package
	}
	for _, f := range pass.Files {
		tf := pass.Fset.File(f.Pos())
		if tf == nil || !strings.HasSuffix(tf.Name(), ".go") || strings.HasSuffix(tf.Name(), "_test.go") {
			continue // test files and generated test mains
		}
		c := &fileChecker{
			pass:        pass,
			file:        f,
			tf:          tf,
			allowed:     make(map[int][]string),
			fileAllowed: make(map[string]bool),
			floatLines:  make(map[int]bool),
		}
		c.collectDirectives()
		c.checkImports()
		c.checkGlobals()
		c.checkClock()
		c.checkGoroutines()
		c.checkFloats()
		c.checkMapRanges()
		c.checkErrors()
	}
	return nil, nil
}

func (c *fileChecker) line(pos token.Pos) int { return c.tf.Line(pos) }

func (c *fileChecker) collectDirectives() {
	for _, cg := range c.file.Comments {
		for _, cm := range cg.List {
			d, ok := parseDirective(cm.Text)
			if !ok {
				continue
			}
			switch {
			case d.category == "":
				c.pass.Report(analysis.Diagnostic{
					Pos: cm.Pos(), End: cm.End(), Category: "directive",
					Message: "determinism: malformed suppression: write //charter:allow <category> <reason> " +
						"with a category (" + strings.Join(Categories, ", ") + ") and a non-empty reason",
				})
				continue
			case !validCategory(d.category):
				c.pass.Report(analysis.Diagnostic{
					Pos: cm.Pos(), End: cm.End(), Category: "directive",
					Message: fmt.Sprintf("determinism: unknown suppression category %q: use one of %s",
						d.category, strings.Join(Categories, ", ")),
				})
				continue
			case d.reason == "":
				c.pass.Report(analysis.Diagnostic{
					Pos: cm.Pos(), End: cm.End(), Category: "directive",
					Message: fmt.Sprintf("determinism: suppression of %q has no reason: "+
						"explain why the code is deterministic after the category", d.category),
				})
				continue
			}
			if cm.Pos() < c.file.Package {
				c.fileAllowed[d.category] = true
			}
			l := c.line(cm.Pos())
			c.allowed[l] = append(c.allowed[l], d.category)
		}
	}
}

func (c *fileChecker) isAllowed(pos token.Pos, category string, fileWide bool) bool {
	if fileWide && c.fileAllowed[category] {
		return true
	}
	l := c.line(pos)
	for _, ln := range []int{l, l - 1} {
		for _, cat := range c.allowed[ln] {
			if cat == category {
				return true
			}
		}
	}
	return false
}

func (c *fileChecker) report(n ast.Node, category, msg string) {
	c.reportFull(n, category, msg, false)
}

func (c *fileChecker) reportFull(n ast.Node, category, msg string, fileWide bool) {
	if c.isAllowed(n.Pos(), category, fileWide) {
		return
	}
	c.pass.Report(analysis.Diagnostic{
		Pos:      n.Pos(),
		End:      n.End(),
		Category: category,
		Message:  "determinism: " + msg + " [" + category + "]",
	})
}

// --- rules 2 and 6: imports -------------------------------------------------

func (c *fileChecker) checkImports() {
	for _, spec := range c.file.Imports {
		path := strings.Trim(spec.Path.Value, "`\"")
		cat, why, bad := importReason(path)
		if !bad {
			continue
		}
		c.reportFull(spec, cat, fmt.Sprintf("import of %s: %s", path, why), true)
	}
}

// --- rule 5: package-level variables ----------------------------------------

func (c *fileChecker) checkGlobals() {
	info := c.pass.TypesInfo
	for _, decl := range c.file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if name.Name == "_" {
					continue
				}
				obj := info.Defs[name]
				if obj != nil && isError(obj.Type()) && len(vs.Values) == len(vs.Names) &&
					isSentinelInit(info, vs.Values[i]) {
					continue // sentinel error
				}
				c.report(name, CatGlobal, fmt.Sprintf("package-level variable %s is mutable state that "+
					"persists between transactions and differs between peers; pass values explicitly or use a "+
					"constant (sentinel errors are allowed; otherwise add //charter:allow-global <reason>)", name.Name))
			}
		}
	}
}

// isError reports whether t is error or implements it.
func isError(t types.Type) bool {
	errType := types.Universe.Lookup("error").Type()
	return t != nil && (types.Identical(t, errType) ||
		types.Implements(t, errType.Underlying().(*types.Interface)))
}

// isSentinelInit reports whether e initialises a sentinel error: a call whose
// (single) result is an error, such as errors.New or fmt.Errorf, or a
// composite literal (or its address) of a type implementing error.
func isSentinelInit(info *types.Info, e ast.Expr) bool {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		if _, ok := ast.Unparen(u.X).(*ast.CompositeLit); ok {
			return isError(info.TypeOf(u))
		}
		return false
	}
	switch e.(type) {
	case *ast.CallExpr:
		if tv, ok := info.Types[e.(*ast.CallExpr).Fun]; ok && tv.IsType() {
			return false // conversion, not a call
		}
		return isError(info.TypeOf(e))
	case *ast.CompositeLit:
		return isError(info.TypeOf(e))
	}
	return false
}

// --- rule 1: clock ----------------------------------------------------------

func (c *fileChecker) checkClock() {
	info := c.pass.TypesInfo
	ast.Inspect(c.file, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		fn, ok := info.Uses[id].(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "time" {
			return true
		}
		if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
			return true
		}
		if why, bad := clockReason(fn.Name()); bad {
			c.report(id, CatClock, why)
		}
		return true
	})
}

// --- rule 3: goroutines -----------------------------------------------------

func (c *fileChecker) checkGoroutines() {
	ast.Inspect(c.file, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok {
			c.report(g, CatGoroutine, "go statement: goroutine scheduling differs between peers, so "+
				"concurrent code can read and write state in a different order; run sequentially")
		}
		return true
	})
}

// --- rule 4: floating point -------------------------------------------------

func isFloatType(t types.Type) (string, bool) {
	if t == nil {
		return "", false
	}
	b, ok := t.Underlying().(*types.Basic)
	if !ok || b.Info()&(types.IsFloat|types.IsComplex) == 0 {
		return "", false
	}
	name := b.Name()
	switch b.Kind() {
	case types.UntypedFloat:
		name = "float constant"
	case types.UntypedComplex:
		name = "complex constant"
	}
	if _, named := t.(*types.Named); named {
		name = fmt.Sprintf("%s (%s)", types.TypeString(t, nil), name)
	}
	return name, true
}

func (c *fileChecker) checkFloats() {
	info := c.pass.TypesInfo
	ast.Inspect(c.file, func(n ast.Node) bool {
		e, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		var what string
		if lit, ok := e.(*ast.BasicLit); ok && (lit.Kind == token.FLOAT || lit.Kind == token.IMAG) {
			what = "float literal " + lit.Value
		} else if name, ok := isFloatType(info.TypeOf(e)); ok {
			what = name
		} else {
			return true
		}
		l := c.line(e.Pos())
		if c.floatLines[l] {
			return false
		}
		c.floatLines[l] = true
		c.report(e, CatFloat, what+" in chaincode: peers on different CPUs and compilers may round "+
			"differently; use integers, fixed point or math/big")
		return false // report the outermost float expression only
	})
}

// --- rule 7: map iteration --------------------------------------------------

func (c *fileChecker) checkMapRanges() {
	ast.Inspect(c.file, func(n ast.Node) bool {
		var list []ast.Stmt
		switch n := n.(type) {
		case *ast.BlockStmt:
			list = n.List
		case *ast.CaseClause:
			list = n.Body
		case *ast.CommClause:
			list = n.Body
		default:
			return true
		}
		for i, st := range list {
			for {
				l, ok := st.(*ast.LabeledStmt)
				if !ok {
					break
				}
				st = l.Stmt
			}
			rs, ok := st.(*ast.RangeStmt)
			if !ok {
				continue
			}
			t := c.pass.TypesInfo.TypeOf(rs.X)
			if t == nil {
				continue
			}
			if _, isMap := t.Underlying().(*types.Map); !isMap {
				continue
			}
			if c.sortedKeysIdiom(rs, list[i+1:]) {
				continue
			}
			c.report(rs, CatMap, "map iteration order is random and differs between peers: "+
				"collect and sort the keys first (keys = append(keys, k) then sort.Strings/slices.Sort)")
		}
		return true
	})
}

// sortedKeysIdiom reports whether rs is `for k := range m { s = append(s, k) }`
// on a local slice s which one of the statements in rest then sorts.
func (c *fileChecker) sortedKeysIdiom(rs *ast.RangeStmt, rest []ast.Stmt) bool {
	info := c.pass.TypesInfo
	key, ok := rs.Key.(*ast.Ident)
	if !ok || key.Name == "_" {
		return false
	}
	if rs.Value != nil {
		if v, ok := rs.Value.(*ast.Ident); !ok || v.Name != "_" {
			return false
		}
	}
	keyObj := info.ObjectOf(key)
	if keyObj == nil || len(rs.Body.List) != 1 {
		return false
	}
	as, ok := rs.Body.List[0].(*ast.AssignStmt)
	if !ok || as.Tok != token.ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return false
	}
	lhs, ok := as.Lhs[0].(*ast.Ident)
	if !ok {
		return false
	}
	slice, ok := info.ObjectOf(lhs).(*types.Var)
	if !ok || slice.Parent() == nil || slice.Parent() == c.pass.Pkg.Scope() {
		return false // not a local variable
	}
	call, ok := as.Rhs[0].(*ast.CallExpr)
	if !ok || len(call.Args) != 2 || call.Ellipsis.IsValid() {
		return false
	}
	if fn, ok := ast.Unparen(call.Fun).(*ast.Ident); !ok || info.Uses[fn] != types.Universe.Lookup("append") {
		return false
	}
	if a0, ok := call.Args[0].(*ast.Ident); !ok || info.Uses[a0] != slice {
		return false
	}
	if a1, ok := call.Args[1].(*ast.Ident); !ok || info.Uses[a1] != keyObj {
		return false
	}
	for _, st := range rest {
		es, ok := st.(*ast.ExprStmt)
		if !ok {
			continue
		}
		sc, ok := es.X.(*ast.CallExpr)
		if !ok || len(sc.Args) == 0 {
			continue
		}
		if !isSortFunc(info, sc.Fun) {
			continue
		}
		if a0, ok := ast.Unparen(sc.Args[0]).(*ast.Ident); ok && info.Uses[a0] == slice {
			return true
		}
	}
	return false
}

func isSortFunc(info *types.Info, fun ast.Expr) bool {
	fun = ast.Unparen(fun)
	if ix, ok := fun.(*ast.IndexExpr); ok { // explicit instantiation: slices.Sort[[]string]
		fun = ix.X
	} else if ix, ok := fun.(*ast.IndexListExpr); ok {
		fun = ix.X
	}
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	fn, ok := info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "sort":
		switch fn.Name() {
		case "Strings", "Ints", "Float64s", "Slice", "SliceStable":
			return true
		}
	case "slices":
		switch fn.Name() {
		case "Sort", "SortFunc", "SortStableFunc":
			return true
		}
	}
	return false
}

// --- rule 8: ignored errors -------------------------------------------------

func (c *fileChecker) checkErrors() {
	info := c.pass.TypesInfo
	errType := types.Universe.Lookup("error").Type()
	isErr := func(t types.Type) bool { return t != nil && types.Identical(t, errType) }

	// results returns the result types of expression e (a call may have several).
	results := func(e ast.Expr) []types.Type {
		t := info.TypeOf(e)
		if t == nil {
			return nil
		}
		if tup, ok := t.(*types.Tuple); ok {
			out := make([]types.Type, tup.Len())
			for i := range out {
				out[i] = tup.At(i).Type()
			}
			return out
		}
		return []types.Type{t}
	}
	msg := func(call *ast.CallExpr, how string) string {
		return fmt.Sprintf("error returned by %s is %s: a failed operation that goes unnoticed "+
			"lets peers' results diverge; handle or return it", types.ExprString(call.Fun), how)
	}
	// checkBlank reports error results of rhs assigned to the blank identifier.
	checkBlank := func(lhs []ast.Expr, rhs []ast.Expr) {
		isBlank := func(e ast.Expr) bool {
			id, ok := e.(*ast.Ident)
			return ok && id.Name == "_"
		}
		if len(rhs) == 1 && len(lhs) > 1 {
			call, ok := ast.Unparen(rhs[0]).(*ast.CallExpr)
			if !ok {
				return
			}
			rs := results(call)
			if len(rs) != len(lhs) {
				return
			}
			for i, l := range lhs {
				if isBlank(l) && isErr(rs[i]) && !c.exemptCall(call) {
					c.report(l, CatErrcheck, msg(call, "assigned to _"))
				}
			}
			return
		}
		if len(rhs) != len(lhs) {
			return
		}
		for i, l := range lhs {
			call, ok := ast.Unparen(rhs[i]).(*ast.CallExpr)
			if !ok || !isBlank(l) {
				continue
			}
			if rs := results(call); len(rs) == 1 && isErr(rs[0]) && !c.exemptCall(call) {
				c.report(l, CatErrcheck, msg(call, "assigned to _"))
			}
		}
	}

	ast.Inspect(c.file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ExprStmt:
			call, ok := ast.Unparen(n.X).(*ast.CallExpr)
			if !ok {
				return true
			}
			if tv, ok := info.Types[call.Fun]; ok && tv.IsType() {
				return true // conversion
			}
			rs := results(call)
			if len(rs) > 0 && isErr(rs[len(rs)-1]) && !c.exemptCall(call) {
				c.report(call, CatErrcheck, msg(call, "ignored"))
			}
		case *ast.AssignStmt:
			if n.Tok == token.ASSIGN || n.Tok == token.DEFINE {
				checkBlank(n.Lhs, n.Rhs)
			}
		case *ast.ValueSpec:
			if len(n.Values) > 0 {
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				checkBlank(lhs, n.Values)
			}
		}
		return true
	})
}

// exemptCall reports whether call cannot fail in practice (or its failure
// cannot affect the ledger): methods of strings.Builder, bytes.Buffer and
// hash.Hash, fmt.Fprint* to one of them, and fmt.Print* to stdout.
func (c *fileChecker) exemptCall(call *ast.CallExpr) bool {
	info := c.pass.TypesInfo
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	if s, ok := info.Selections[sel]; ok && s.Kind() == types.MethodVal {
		return neverFailingWriter(s.Recv())
	}
	fn, ok := info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "fmt" {
		return false
	}
	switch fn.Name() {
	case "Print", "Printf", "Println":
		return true // writes to the peer's stdout, never to the ledger
	case "Fprint", "Fprintf", "Fprintln":
		if len(call.Args) == 0 {
			return false
		}
		return neverFailingWriter(info.TypeOf(call.Args[0]))
	}
	return false
}

// neverFailingWriter reports whether t is (a pointer to) strings.Builder or
// bytes.Buffer, or one of the hash.Hash interfaces.
func neverFailingWriter(t types.Type) bool {
	if t == nil {
		return false
	}
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	switch n.Obj().Pkg().Path() + "." + n.Obj().Name() {
	case "strings.Builder", "bytes.Buffer", "hash.Hash", "hash.Hash32", "hash.Hash64":
		return true
	}
	return false
}
