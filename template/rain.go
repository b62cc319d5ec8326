package template

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/spelling"
)

// Rain directives (github.com/aws-cloudformation/rain) are written in
// templates that `rain pkg` turns into CloudFormation before deploying. We
// package the local ones ourselves, the way rain does, so that what is
// checked is what deploys, with positions in the template being checked.
// rain's own library was not used: its packager runs build commands
// (Rain::S3 Run:), uploads to S3, downloads modules, reads the environment
// and any file on disk, and keeps global state; none of that is acceptable
// on a pull request's untrusted files (see docs/rules.md, "Rain").

// ParseOptions say how a template may read the files next to it.
type ParseOptions struct {
	// Files holds the files Rain directives may read (modules, embedded and
	// included files), by slash-separated paths; nil means none can be read.
	// Paths that leave it are never read.
	Files fs.FS
	// Dir is the template's folder inside Files ("." for its root).
	Dir string
}

// Limits on Rain packaging, so that a module that includes itself, or a
// chain of them, stops with a notice instead of growing without end.
const (
	maxRainDepth   = 8
	maxRainModules = 200
	maxRainRead    = 4 * MaxSize
)

// rainDirectives are the directives rain pkg knows. Rain::Module is only
// valid as a resource Type.
var rainDirectives = map[string]bool{
	"Rain::Embed": true, "Rain::Include": true, "Rain::Env": true, "Rain::S3Http": true,
	"Rain::S3": true, "Rain::Module": true, "Rain::Constant": true,
}

// hasRain reports cheaply whether a template may use Rain directives or
// sections, so that other templates pay nothing.
func hasRain(data []byte, root *Node) bool {
	if bytes.Contains(data, []byte("Rain::")) {
		return true
	}
	for _, k := range []string{"Rain", "Constants", "Modules"} {
		if root.Get(k) != nil {
			return true
		}
	}
	return false
}

// rainPackager expands the Rain directives of one template.
type rainPackager struct {
	t         *Template
	files     fs.FS
	modules   int
	bytesRead int
	// self is the template's own path in files; stack holds the module
	// files being expanded, to stop loops.
	self  string
	stack []string
	// offline collects, by kind, what could not be packaged here.
	offline map[string][]string
}

// rainScope is what directives see in one file: its folder and constants.
type rainScope struct {
	dir       string
	constants map[string]*Node
}

func (t *Template) packageRain(root *Node, o ParseOptions) *Node {
	p := &rainPackager{t: t, files: o.Files, offline: map[string][]string{}}
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	p.self = path.Join(dir, path.Base(strings.ReplaceAll(t.File, "\\", "/")))
	out := p.document(root, dir, 0)
	p.notice()
	return out
}

// document packages one file's root map: its Rain/Constants sections, its
// directives, its modules (the Modules section and Rain::Module resources)
// and the references to module outputs.
func (p *rainPackager) document(root *Node, dir string, depth int) *Node {
	sc := &rainScope{dir: dir, constants: map[string]*Node{}}
	for _, sec := range []*Node{root.Get("Rain").Get("Constants"), root.Get("Constants")} {
		for _, f := range fieldsOf(sec) {
			sc.constants[f.Key] = f.Value
		}
	}
	out := &Node{Kind: Map, Pos: root.Pos, EndLine: root.EndLine, Tag: root.Tag}
	var moduleConds []Field
	outputs := map[string]map[string]*Node{}
	var resources *Field
	for _, f := range root.Fields {
		switch f.Key {
		case "Rain", "Constants", "Packages":
			continue // rain's own sections; they do not deploy
		case "Modules":
			continue // expanded into Resources below
		case "Resources":
			if f.Value.Kind == Map {
				rs, conds := p.resources(f.Value, root.Get("Modules"), sc, outputs, depth)
				moduleConds = conds
				out.Fields = append(out.Fields, Field{Key: f.Key, KeyPos: f.KeyPos, Value: rs})
				resources = &out.Fields[len(out.Fields)-1]
				continue
			}
		}
		out.Fields = append(out.Fields, Field{Key: f.Key, KeyPos: f.KeyPos, Value: p.walk(f.Value, sc, 0)})
	}
	if resources == nil && root.Get("Modules") != nil {
		rs, conds := p.resources(&Node{Kind: Map, Pos: root.Pos}, root.Get("Modules"), sc, outputs, depth)
		moduleConds = conds
		out.Fields = append(out.Fields, Field{Key: "Resources", KeyPos: root.Pos, Value: rs})
	}
	if len(moduleConds) > 0 {
		i := indexOf(out, "Conditions")
		if i < 0 {
			out.Fields = append(out.Fields, Field{Key: "Conditions", KeyPos: root.Pos, Value: &Node{Kind: Map, Pos: root.Pos}})
			i = len(out.Fields) - 1
		}
		c := *out.Fields[i].Value
		c.Fields = append(append([]Field(nil), c.Fields...), moduleConds...)
		out.Fields[i].Value = &c
	}
	if len(outputs) > 0 {
		for i := range out.Fields {
			out.Fields[i].Value = replaceOutputs(out.Fields[i].Value, outputs, 0)
		}
	}
	return out
}

// problem records a problem at a directive; inside a module, it says which.
func (p *rainPackager) problem(at Pos, msg, fix string) {
	if len(p.stack) > 0 {
		msg = "in Rain module " + p.stack[len(p.stack)-1] + ": " + msg
	}
	p.t.structure(at, msg, fix)
}

// fieldsOf returns the fields of a map, none for nil or another kind.
func fieldsOf(n *Node) []Field {
	if n == nil || n.Kind != Map {
		return nil
	}
	return n.Fields
}

func indexOf(m *Node, key string) int {
	for i, f := range m.Fields {
		if f.Key == key {
			return i
		}
	}
	return -1
}

// resources packages a Resources section and the Modules section: module
// resources are replaced by the resources their modules make.
func (p *rainPackager) resources(res, modules *Node, sc *rainScope, outputs map[string]map[string]*Node, depth int) (*Node, []Field) {
	out := &Node{Kind: Map, Pos: res.Pos, EndLine: res.EndLine}
	var conds []Field
	for _, f := range fieldsOf(modules) {
		src := f.Value.Get("Source")
		if s, ok := src.Str(); ok {
			made, c, outs := p.module(f.Key, f.KeyPos, f.Value, s, src.Pos, sc, depth)
			out.Fields = append(out.Fields, made...)
			conds = append(conds, c...)
			outputs[f.Key] = outs
			continue
		}
		p.problem(f.Value.Pos, fmt.Sprintf("module %s has no Source", f.Key), "give the module a Source: the path of its file")
	}
	for _, f := range res.Fields {
		typ := f.Value.Get("Type")
		if fn, arg, ok := directive(typ); ok && fn == "Rain::Module" {
			s, isStr := arg.Str()
			if !isStr {
				p.problem(arg.Pos, fmt.Sprintf("resource %s: Rain::Module needs the module's path or URL", f.Key), "")
				continue
			}
			made, c, outs := p.module(f.Key, f.KeyPos, f.Value, s, typ.Pos, sc, depth)
			out.Fields = append(out.Fields, made...)
			conds = append(conds, c...)
			outputs[f.Key] = outs
			continue
		}
		out.Fields = append(out.Fields, Field{Key: f.Key, KeyPos: f.KeyPos, Value: p.walk(f.Value, sc, 0)})
	}
	return out, conds
}

// directive returns the name and argument of a Rain directive: a one-key
// map whose key is Rain::Something.
func directive(n *Node) (string, *Node, bool) {
	if n == nil || n.Kind != Map || len(n.Fields) != 1 || !strings.HasPrefix(n.Fields[0].Key, "Rain::") {
		return "", nil, false
	}
	return n.Fields[0].Key, n.Fields[0].Value, true
}

// walk expands the directives inside a value.
func (p *rainPackager) walk(n *Node, sc *rainScope, depth int) *Node {
	if n == nil || depth > MaxDepth {
		return n
	}
	switch n.Kind {
	case Seq:
		c := *n
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = p.walk(it, sc, depth+1)
		}
		return &c
	case Map:
		if fn, arg, ok := directive(n); ok {
			return p.directive(n, fn, arg, sc, depth)
		}
		if fn, arg, ok := n.Intrinsic(); ok && len(sc.constants) > 0 {
			switch fn {
			case "Fn::Sub":
				return &Node{Kind: Map, Pos: n.Pos, EndLine: n.EndLine, Tag: n.Tag,
					Fields: []Field{{Key: fn, KeyPos: n.Fields[0].KeyPos, Value: p.subConstants(p.walk(arg, sc, depth+1), sc)}}}
			case "Ref":
				if name, ok := arg.Str(); ok && strings.HasPrefix(name, "Rain::") {
					return p.constant(n, strings.TrimPrefix(name, "Rain::"), sc)
				}
			}
		}
		c := *n
		c.Fields = make([]Field, len(n.Fields))
		for i, f := range n.Fields {
			c.Fields[i] = Field{Key: f.Key, KeyPos: f.KeyPos, Value: p.walk(f.Value, sc, depth+1)}
		}
		return &c
	}
	return n
}

// subConstants writes the values of ${Rain::Name} constants into Fn::Sub text.
func (p *rainPackager) subConstants(arg *Node, sc *rainScope) *Node {
	text := arg
	if arg.Kind == Seq && len(arg.Items) > 0 {
		text = arg.Items[0]
	}
	if text.Kind != String || !strings.Contains(text.Value, "${Rain::") {
		return arg
	}
	s := text.Value
	var b strings.Builder
	for {
		i := strings.Index(s, "${Rain::")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			break
		}
		name := s[i+len("${Rain::") : i+j]
		b.WriteString(s[:i])
		if v, ok := sc.constants[name].Str(); ok {
			b.WriteString(v)
		} else {
			p.problem(text.Pos, fmt.Sprintf("Rain constant %s is not defined", name), "define it under Rain: Constants:")
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
	c := *text
	c.Value = b.String()
	if arg.Kind == Seq {
		a := *arg
		a.Items = append([]*Node{&c}, arg.Items[1:]...)
		return &a
	}
	return &c
}

func (p *rainPackager) constant(n *Node, name string, sc *rainScope) *Node {
	v, ok := sc.constants[name]
	if !ok {
		msg := fmt.Sprintf("Rain constant %s is not defined", name)
		if s, ok := spelling.Closest(name, keys(sc.constants)); ok {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		p.problem(n.Pos, msg, "define it under Rain: Constants:")
		return &Node{Kind: Unknown, Value: "<Rain::Constant " + name + ">", Pos: n.Pos, EndLine: n.Pos.Line, Origin: &Origin{Func: "Rain::Constant"}}
	}
	return relocateTree(v, n.Pos)
}

func keys(m map[string]*Node) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// directive expands one Rain directive found in a value.
func (p *rainPackager) directive(n *Node, fn string, arg *Node, sc *rainScope, depth int) *Node {
	line := strconv.Itoa(n.Pos.Line)
	unknown := func(desc string) *Node {
		return &Node{Kind: Unknown, Value: desc, Pos: n.Pos, EndLine: n.Pos.Line, Origin: &Origin{Func: fn}}
	}
	name, isStr := arg.Str()
	switch fn {
	case "Rain::Embed", "Rain::Include":
		if !isStr {
			p.problem(arg.Pos, fn+" needs the path of a file", "")
			return unknown("<" + fn + ">")
		}
		data, file, ok := p.read(n.Pos, sc.dir, name, fn)
		if !ok {
			return unknown("<" + fn + " " + name + ">")
		}
		if fn == "Rain::Embed" {
			return &Node{Kind: String, Value: strings.TrimSpace(string(data)), Pos: n.Pos, EndLine: n.Pos.Line}
		}
		root, problems := parseAny(data)
		if root == nil {
			pr := problems[len(problems)-1]
			p.problem(n.Pos, fmt.Sprintf("Rain::Include %s: line %d: %s", name, pr.Pos.Line, pr.Message), "fix the included file")
			return unknown("<Rain::Include " + name + ">")
		}
		if depth > maxRainDepth {
			p.offline["loop"] = append(p.offline["loop"], "Rain::Include "+name+" (line "+line+")")
			return unknown("<Rain::Include " + name + ">")
		}
		inner := &rainScope{dir: path.Dir(file), constants: sc.constants}
		return p.walk(relocateTree(root, n.Pos), inner, depth+1)
	case "Rain::Env":
		// Never read: the environment of a CI job holds its secrets.
		p.offline["env"] = append(p.offline["env"], "Rain::Env "+name+" (line "+line+")")
		return unknown("<Rain::Env " + name + ">")
	case "Rain::S3Http", "Rain::S3":
		what := name
		if !isStr {
			what = Describe(arg.Get("Path"))
			if s, ok := arg.Get("Path").Str(); ok {
				what = s
			}
			if arg.Get("Run") != nil {
				p.offline["run"] = append(p.offline["run"], fn+" "+what+" (line "+line+")")
			}
		}
		p.offline["s3"] = append(p.offline["s3"], fn+" "+what+" (line "+line+")")
		if arg.Kind == Map {
			bp, _ := arg.Get("BucketProperty").Str()
			kp, _ := arg.Get("KeyProperty").Str()
			if bp != "" && kp != "" {
				return &Node{Kind: Map, Pos: n.Pos, EndLine: n.Pos.Line, Fields: []Field{
					{Key: bp, KeyPos: n.Pos, Value: unknown("<" + fn + " bucket of " + what + ">")},
					{Key: kp, KeyPos: n.Pos, Value: unknown("<" + fn + " key of " + what + ">")}}}
			}
		}
		return unknown("<" + fn + " " + what + ">")
	case "Rain::Constant":
		return p.constant(n, name, sc)
	case "Rain::Module":
		p.problem(n.Pos, "Rain::Module can only be the Type of a resource", "write it as Type: !Rain::Module PATH")
		return unknown("<Rain::Module " + name + ">")
	}
	msg := fmt.Sprintf("unknown Rain directive %s", fn)
	if s, ok := spelling.Closest(fn, keysBool(rainDirectives)); ok {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	p.problem(n.Pos, msg, "rain pkg knows Rain::Embed, Rain::Include, Rain::Env, Rain::S3, Rain::S3Http, Rain::Constant and Rain::Module")
	return unknown("<" + fn + ">")
}

func keysBool(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isRemote reports whether a directive names something that is not a local
// file: a URL, or a package alias of rain's Packages section.
func isRemote(name string) bool {
	for _, prefix := range []string{"https://", "http://", "s3://", "$"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return strings.Contains(name, ".zip/")
}

// read returns a local file a directive names, and its path in Files. It
// reports why not when it cannot: remote (a notice), outside the folder
// being checked (a notice) or missing (a problem at the directive).
func (p *rainPackager) read(at Pos, dir, name, fn string) ([]byte, string, bool) {
	where := fn + " " + name + " (line " + strconv.Itoa(at.Line) + ")"
	if isRemote(name) {
		p.offline["remote"] = append(p.offline["remote"], where)
		return nil, "", false
	}
	if p.files == nil {
		p.offline["files"] = append(p.offline["files"], where)
		return nil, "", false
	}
	file := path.Join(dir, strings.ReplaceAll(name, "\\", "/"))
	if path.IsAbs(name) || !fs.ValidPath(file) {
		p.offline["outside"] = append(p.offline["outside"], where)
		return nil, "", false
	}
	if hidden(file) {
		// .git/config holds the checkout's token, .env files hold secrets:
		// what a directive reads can end up quoted in a finding.
		p.offline["hidden"] = append(p.offline["hidden"], where)
		return nil, "", false
	}
	info, err := fs.Stat(p.files, file)
	if err == nil && info.IsDir() {
		err = errors.New("it is a folder")
	}
	if err == nil && (info.Size() > MaxSize || p.bytesRead+int(info.Size()) > maxRainRead) {
		p.offline["large"] = append(p.offline["large"], where)
		return nil, "", false
	}
	var data []byte
	if err == nil {
		data, err = fs.ReadFile(p.files, file)
	}
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || strings.Contains(err.Error(), "outside") {
			p.offline["outside"] = append(p.offline["outside"], where)
			return nil, "", false
		}
		msg := fmt.Sprintf("%s: %s does not exist, so rain pkg fails", fn, name)
		if errors.Is(err, fs.ErrNotExist) {
			s, ok := p.closestFile(file)
			if !ok {
				// Perhaps a build step makes it (rain pkg output embedded
				// in a StackSet): not something to block on.
				p.offline["missing"] = append(p.offline["missing"], where)
				return nil, "", false
			}
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		} else {
			msg = fmt.Sprintf("%s: %s cannot be read (%v)", fn, name, cleanFSError(err))
		}
		p.problem(at, msg, "name a file that exists, relative to this template's folder")
		return nil, "", false
	}
	p.bytesRead += len(data)
	return data, file, true
}

func cleanFSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// hidden reports whether a slash-separated path has a segment that starts
// with a dot.
func hidden(file string) bool {
	for _, seg := range strings.Split(file, "/") {
		if strings.HasPrefix(seg, ".") && seg != "." && seg != ".." {
			return true
		}
	}
	return false
}

// closestFile suggests a file of the same folder with a similar name
// (bucket.yml for bucket.yaml).
func (p *rainPackager) closestFile(file string) (string, bool) {
	entries, err := fs.ReadDir(p.files, path.Dir(file))
	if err != nil {
		return "", false
	}
	base := path.Base(file)
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return spelling.Closest(base, names)
}

// parseAny parses a file a directive names, YAML or JSON.
func parseAny(data []byte) (*Node, []Problem) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if p, bad := checkText(data); bad {
		return nil, []Problem{p}
	}
	if f := firstByte(data); f == '{' || f == '[' {
		return parseJSON(data)
	}
	return parseYAML(data)
}

// relocateTree returns a copy of n with every position set to pos: content
// from another file is reported where the directive that brought it is.
func relocateTree(n *Node, pos Pos) *Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Pos, c.EndLine, c.Block = pos, pos.Line, false
	if len(n.Items) > 0 {
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = relocateTree(it, pos)
		}
	}
	if len(n.Fields) > 0 {
		c.Fields = make([]Field, len(n.Fields))
		for i, f := range n.Fields {
			c.Fields[i] = Field{Key: f.Key, KeyPos: pos, Value: relocateTree(f.Value, pos)}
		}
	}
	return &c
}

// notice records, once per template, what could not be packaged offline.
func (p *rainPackager) notice() {
	kinds := []struct{ key, what string }{
		{"remote", "names remote modules or files, which tollgate does not download"},
		{"s3", "uploads to S3, which tollgate does not do"},
		{"run", "runs a build command first (Run), which tollgate never does"},
		{"env", "reads environment variables, which tollgate never puts in a template"},
		{"files", "reads local files, which were not available"},
		{"outside", "reads files outside the folder being checked, which tollgate does not read"},
		{"hidden", "reads hidden files or folders (.git, .env…), which tollgate does not read"},
		{"large", "reads files larger than a template may be"},
		{"missing", "reads files that do not exist (made by a build step?)"},
		{"loop", "has modules that include themselves, or nest more than " + strconv.Itoa(maxRainDepth) + " deep or " + strconv.Itoa(maxRainModules) + " times, which were cut there"},
	}
	var parts []string
	for _, k := range kinds {
		if list := p.offline[k.key]; len(list) > 0 {
			parts = append(parts, fmt.Sprintf("it %s: %s", k.what, strings.Join(firstN(list, 3), ", ")))
		}
	}
	if len(parts) == 0 {
		return
	}
	p.t.Notes = append(p.t.Notes, NoticeAt(Span{File: p.t.File}, "Rain directives were not all packaged offline; %s. Those values were checked as unknown. "+
		"To check exactly what deploys, run rain pkg on the template and tollgate check on its output.", strings.Join(parts, "; ")))
}

func firstN(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(append([]string(nil), list[:n]...), fmt.Sprintf("and %d more", len(list)-n))
}
