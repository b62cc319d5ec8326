package template

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Format is the syntax a template was written in.
type Format uint8

// Template formats.
const (
	YAML Format = iota
	JSON
)

func (f Format) String() string {
	if f == JSON {
		return "json"
	}
	return "yaml"
}

// Problem is something wrong with a template's text or structure, at a position.
type Problem struct {
	Pos     Pos
	Message string
	// Fix says how to repair it, when that is known.
	Fix string
	// Structure marks problems with the template's shape (a resource without
	// a Type) as opposed to its syntax (a YAML error).
	Structure bool
}

// At is where the problem is in file.
func (p Problem) At(file string) Span { return At(file, p.Pos, 0) }

// Template is one parsed CloudFormation template.
type Template struct {
	// File is the path the template was read from, as given.
	File   string
	Format Format
	// Size is the length of the text in bytes.
	Size int
	// TooLarge is set when the file was over MaxSize and was not read.
	TooLarge bool
	// Root is the whole document; nil when it could not be parsed or is
	// not a mapping.
	Root *Node
	// Doc is the document as parsed, whatever its kind (a list, a string):
	// discovery tells a parameters file from a broken template by it. It is
	// nil when the text could not be parsed at all.
	Doc *Node
	// Problems found while parsing, in file order.
	Problems []Problem

	Parameters map[string]*Parameter
	Conditions map[string]*Node
	Mappings   *Node
	Outputs    *Node
	// Resources in source order.
	Resources []*Resource
	// Transforms lists the template's Transform values (e.g. AWS::Serverless-2016-10-31).
	Transforms []string
	// Notes are things the reader should know about how the template was
	// read (a loop that could not be expanded), not problems with it.
	Notes []Notice

	// rainModules is set when Rain modules were named, so a template whose
	// only resources are modules that could not be read is still one.
	rainModules bool

	byID map[string]*Resource
	src  []byte
	// lines holds the offset of each line start, computed on first use.
	lines []int
}

// Parameter is one entry of the Parameters section.
type Parameter struct {
	Name    string
	Pos     Pos
	Type    string
	Default *Node
	NoEcho  bool
	Node    *Node
}

// Resource is one entry of the Resources section.
type Resource struct {
	LogicalID string
	// Pos is the position of the logical ID key.
	Pos  Pos
	Type string
	// Node is the whole resource entry; Properties may be nil.
	Node       *Node
	Properties *Node
	Metadata   *Node
	// Condition names the condition the resource is created under, if any.
	Condition           string
	DeletionPolicy      string
	UpdateReplacePolicy string
}

// Resource returns the resource with the given logical ID, or nil.
func (t *Template) Resource(id string) *Resource {
	return t.byID[id]
}

// MaxSize is the largest file Parse reads, four times CloudFormation's own
// limit of 1 MB: a larger file cannot deploy, and parsing it would cost
// memory for nothing.
const MaxSize = 4 << 20

// DeployLimit is the largest template CloudFormation accepts (from S3).
const DeployLimit = 1 << 20

// Unread returns the Template of a file too large to parse: it has a size
// and no content.
func Unread(file string, size int64) *Template {
	return &Template{File: file, Size: int(min(size, 1<<62)), TooLarge: true}
}

// Parse reads a template from its text. It never fails: problems are
// recorded in the result, with Root nil when the text cannot be read at all.
// Rain directives that need files are not packaged (see ParseWith).
func Parse(file string, data []byte) *Template {
	return ParseWith(file, data, ParseOptions{})
}

// ParseWith is Parse with access to the files beside the template, so that
// the local Rain directives it uses are packaged as rain pkg would.
func ParseWith(file string, data []byte, o ParseOptions) *Template {
	if len(data) > MaxSize {
		return Unread(file, int64(len(data)))
	}
	t := &Template{File: file, Size: len(data)}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	t.src = data
	if p, bad := checkText(data); bad {
		t.Problems = []Problem{p}
		return t
	}
	var root *Node
	if first := firstByte(data); first == '{' || first == '[' {
		t.Format = JSON
		root, t.Problems = parseJSON(data)
	} else {
		root, t.Problems = parseYAML(data)
	}
	if root == nil {
		return t
	}
	t.Doc = root
	if root.Kind != Map {
		t.Problems = append(t.Problems, Problem{Pos: root.Pos, Structure: true,
			Message: fmt.Sprintf("the template is a %s; it must be a mapping with a Resources section", root.Kind),
			Fix:     "start the file with AWSTemplateFormatVersion and Resources keys"})
		return t
	}
	if hasRain(data, root) {
		root = t.packageRain(root, o)
	}
	t.Root = root
	t.index()
	return t
}

func firstByte(data []byte) byte {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// checkText rejects text no parser should see: empty, binary, or not UTF-8.
func checkText(data []byte) (Problem, bool) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Problem{Pos: Pos{1, 1}, Message: "the file is empty", Fix: "add a Resources section or remove the file"}, true
	}
	if enc := utf16Encoding(data); enc != "" {
		return Problem{Pos: Pos{1, 1}, Message: "the file is " + enc + "; CloudFormation reads templates only as UTF-8",
			Fix: "re-save the file as UTF-8 (for example: iconv -f UTF-16 -t UTF-8 FILE); most editors offer the encoding in Save As"}, true
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line, col := lineCol(data, i)
		return Problem{Pos: Pos{line, col}, Message: "the file is binary (it contains a NUL byte), not a template",
			Fix: "remove it from the paths tollgate checks, or exclude it in .tollgate.yml"}, true
	}
	if !utf8.Valid(data) {
		i := firstInvalidUTF8(data)
		line, col := lineCol(data, i)
		return Problem{Pos: Pos{line, col}, Message: fmt.Sprintf("invalid UTF-8 (byte 0x%02x); CloudFormation templates must be UTF-8", data[i]),
			Fix: "re-save the file as UTF-8"}, true
	}
	return Problem{}, false
}

// utf16Encoding names the UTF-16 encoding data is in ("UTF-16LE with a
// byte-order mark"), or "" when it is not UTF-16. Without a byte-order mark
// it is recognised by text whose every other byte is NUL, as ASCII written
// as UTF-16 is; Windows tools (PowerShell's Out-File, Notepad's "Unicode")
// write such files.
func utf16Encoding(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		return "UTF-16LE (it starts with a UTF-16 byte-order mark)"
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		return "UTF-16BE (it starts with a UTF-16 byte-order mark)"
	}
	if len(data) < 8 {
		return ""
	}
	n := min(len(data)&^1, 64)
	le, be := true, true
	for i := 0; i < n; i += 2 {
		le = le && data[i] != 0 && data[i+1] == 0
		be = be && data[i] == 0 && data[i+1] != 0
	}
	switch {
	case le:
		return "UTF-16LE"
	case be:
		return "UTF-16BE"
	}
	return ""
}

// utf16Text decodes UTF-16 text (for sniffing only); ok is false when data
// is not UTF-16.
func utf16Text(data []byte) ([]byte, bool) {
	enc := utf16Encoding(data)
	if enc == "" {
		return nil, false
	}
	big := strings.HasPrefix(enc, "UTF-16BE")
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		data = data[2:]
	}
	units := make([]uint16, len(data)/2)
	for i := range units {
		if big {
			units[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		} else {
			units[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
		}
	}
	return []byte(string(utf16.Decode(units))), true
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// lineCol converts a byte offset to a 1-based line and rune column.
func lineCol(data []byte, off int) (int, int) {
	off = min(off, len(data))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, utf8.RuneCount(data[start:off]) + 1
}

var (
	sniffVersion  = []byte("AWSTemplateFormatVersion")
	sniffResource = regexp.MustCompile(`(?m)^\s*["']?Resources["']?\s*:`)
	sniffType     = regexp.MustCompile(`["']?Type["']?\s*:\s*["']?(AWS|Custom|Alexa)::`)
)

// Sniff reports whether text that may not parse looks like a CloudFormation
// template, so a broken template is reported while a broken Kubernetes
// manifest next to it is skipped.
func Sniff(data []byte) bool {
	if text, ok := utf16Text(data); ok {
		// Reported as not UTF-8 rather than skipped as not a template.
		data = text
	}
	if bytes.Contains(data, sniffVersion) {
		return true
	}
	return sniffResource.Match(data) && sniffType.Match(data)
}

// IsTemplate reports whether a parsed document is a CloudFormation template:
// it has AWSTemplateFormatVersion, or a Resources map whose entries have a
// Type or are Fn::ForEach loops (the version is optional).
func (t *Template) IsTemplate() bool {
	if t.Root == nil {
		return false
	}
	if t.Root.Get("AWSTemplateFormatVersion") != nil {
		return true
	}
	res := t.Root.Get("Resources")
	if t.rainModules && res != nil {
		return true
	}
	if res == nil || res.Kind != Map || len(res.Fields) == 0 {
		return false
	}
	for _, f := range res.Fields {
		if typ, ok := f.Value.Get("Type").Str(); ok && strings.Contains(typ, "::") {
			return true
		}
		// A loop of the language extensions: [Identifier, Collection, {Key: Resource}].
		if strings.HasPrefix(f.Key, forEachPrefix) && f.Value.Kind == Seq && len(f.Value.Items) == 3 {
			return true
		}
	}
	return false
}

// index fills the section fields from Root, recording structural problems.
func (t *Template) index() {
	r := t.Root
	t.Parameters = map[string]*Parameter{}
	t.Conditions = map[string]*Node{}
	t.byID = map[string]*Resource{}
	if v := r.Get("AWSTemplateFormatVersion"); v != nil {
		if s, _ := v.Str(); s != "2010-09-09" {
			t.structure(v.Pos, fmt.Sprintf("AWSTemplateFormatVersion is %s; the only valid value is \"2010-09-09\"", Describe(v)),
				`set AWSTemplateFormatVersion: "2010-09-09"`)
		}
	}
	t.Transforms = transformsOf(r.Get("Transform"))
	t.indexParameters(r.Get("Parameters"))
	for _, f := range r.Fields {
		switch f.Key {
		case "Rules":
			t.checkRules(f.Value)
		case "Metadata":
		default:
			t.checkRulesOnlyOutside(f.Value, 1)
		}
	}
	if cs := r.Get("Conditions"); cs != nil {
		if cs.Kind != Map {
			t.structure(cs.Pos, "Conditions must be a mapping of condition names to expressions", "")
		}
		for _, f := range cs.Fields {
			t.Conditions[f.Key] = f.Value
		}
	}
	t.Mappings = r.Get("Mappings")
	t.Outputs = r.Get("Outputs")
	res := r.Get("Resources")
	if res == nil {
		t.structure(r.Pos, "the template has no Resources section", "add at least one resource under Resources")
		return
	}
	if res.Kind != Map {
		t.structure(res.Pos, "Resources must be a mapping of logical IDs to resources", "")
		return
	}
	fields := res.Fields
	if t.hasTransform("AWS::LanguageExtensions") {
		fields = t.expandForEach(res, 0)
	}
	t.indexResources(fields)
	t.checkParameterDefaults()
	t.checkCycles()
}

// indexParameters records the parameters the template declares.
func (t *Template) indexParameters(ps *Node) {
	if ps == nil {
		return
	}
	if ps.Kind != Map {
		t.structure(ps.Pos, "Parameters must be a mapping of parameter names to definitions", "")
	}
	for _, f := range ps.Fields {
		p := &Parameter{Name: f.Key, Pos: f.KeyPos, Node: f.Value}
		if f.Value.Kind != Map {
			t.structure(f.Value.Pos, fmt.Sprintf("parameter %s must be a mapping with a Type", f.Key), "")
		}
		p.Type, _ = f.Value.Get("Type").Str()
		p.Default = f.Value.Get("Default")
		if s, _ := f.Value.Get("NoEcho").Str(); strings.EqualFold(s, "true") {
			p.NoEcho = true
		}
		t.Parameters[f.Key] = p
	}
}

// indexResources records the resources (after loops expand), reporting
// what CloudFormation rejects in their shape.
func (t *Template) indexResources(fields []Field) {
	t.Resources = make([]*Resource, 0, len(fields))
	for _, f := range fields {
		if _, dup := t.byID[f.Key]; dup {
			t.structure(f.KeyPos, fmt.Sprintf("Fn::ForEach makes resource %s, which is already defined", f.Key), "")
			continue
		}
		rs := &Resource{LogicalID: f.Key, Pos: f.KeyPos, Node: f.Value}
		if f.Value.Kind != Map {
			t.structure(f.Value.Pos, fmt.Sprintf("resource %s must be a mapping with a Type", f.Key), "")
			continue
		}
		typ := f.Value.Get("Type")
		if typ == nil {
			t.structure(f.KeyPos, fmt.Sprintf("resource %s has no Type", f.Key), "add Type: AWS::Service::Resource")
		} else if s, ok := typ.Str(); !ok || s == "" {
			t.structure(typ.Pos, fmt.Sprintf("resource %s: Type must be a string such as AWS::S3::Bucket", f.Key), "")
		} else {
			rs.Type = s
		}
		rs.Properties = f.Value.Get("Properties")
		rs.Metadata = f.Value.Get("Metadata")
		rs.Condition, _ = f.Value.Get("Condition").Str()
		rs.DeletionPolicy, _ = f.Value.Get("DeletionPolicy").Str()
		rs.UpdateReplacePolicy, _ = f.Value.Get("UpdateReplacePolicy").Str()
		t.Resources = append(t.Resources, rs)
		t.byID[f.Key] = rs
	}
}

// transformsOf reads the Transform section: one name or a list of names.
func transformsOf(tr *Node) []string {
	if tr == nil {
		return nil
	}
	if s, ok := tr.Str(); ok {
		return []string{s}
	}
	var out []string
	if tr.Kind == Seq {
		for _, it := range tr.Items {
			if s, ok := it.Str(); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func (t *Template) hasTransform(name string) bool {
	for _, tr := range t.Transforms {
		if tr == name {
			return true
		}
	}
	return false
}

func (t *Template) structure(p Pos, msg, fix string) {
	t.Problems = append(t.Problems, Problem{Pos: p, Message: msg, Fix: fix, Structure: true})
}
