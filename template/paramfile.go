package template

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/spelling"
)

// ParameterFile is a file of parameter values, in one of the shapes users
// already have:
//
//   - CloudFormation's (aws cloudformation create-stack --parameters file://…):
//     [{"ParameterKey": "Stage", "ParameterValue": "prod"}, …];
//   - a CodePipeline template configuration:
//     {"Parameters": {"Stage": "prod"}, "Tags": {…}, "StackPolicy": {…}},
//     whose Tags and StackPolicy are accepted and ignored;
//   - the short form of `aws cloudformation deploy --parameter-overrides`:
//     ["Stage=prod", …];
//   - a plain mapping {"Stage": "prod"}.
//
// JSON is the usual syntax; YAML is read too.
type ParameterFile struct {
	File string
	// Shape names the shape the file was read as.
	Shape string
	// Values are the values the file pins. A list value is written
	// comma-separated, as CloudFormation passes list parameters.
	Values map[string]string
	// Previous lists parameters marked UsePreviousValue: their value is
	// the deployed stack's, unknown offline, so they stay unpinned.
	Previous []string
	pos      map[string]Pos
}

// ParameterFileError is a problem with a parameters file, at a position.
type ParameterFileError struct {
	Span
	Msg string
}

// Usage marks the error as the user's to fix: the run exits with status 2.
func (e *ParameterFileError) Usage() {}

func (e *ParameterFileError) Error() string {
	return e.Span.String() + ": " + e.Msg
}

// Shapes of parameter files.
const (
	ShapeCloudFormation = "cloudformation"
	ShapeCodePipeline   = "codepipeline"
	ShapeKeyValue       = "key=value"
	ShapeMapping        = "mapping"
)

// maxParameterFile bounds the files read: far above any real one
// (CloudFormation allows 200 parameters of at most 4 KB each).
const maxParameterFile = 4 << 20

// ParseParameterFile reads a parameters file from its text. file names it
// in messages. It does not know the template; see Check.
func ParseParameterFile(file string, data []byte) (*ParameterFile, error) {
	pf := &ParameterFile{File: file, Values: map[string]string{}, pos: map[string]Pos{}}
	fail := func(pos Pos, format string, args ...any) (*ParameterFile, error) {
		return nil, &ParameterFileError{Span: At(file, pos, 0), Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > maxParameterFile {
		return fail(Pos{}, "the file is %d bytes; a parameters file is at most %d", len(data), maxParameterFile)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if p, bad := checkText(data); bad {
		return fail(p.Pos, "%s", p.Message)
	}
	var root *Node
	var problems []Problem
	if first := firstByte(data); first == '{' || first == '[' {
		root, problems = parseJSON(data)
	} else {
		root, problems = parseYAML(data)
	}
	if len(problems) > 0 {
		return fail(problems[0].Pos, "%s", problems[0].Message)
	}
	if root == nil {
		return fail(Pos{1, 1}, "the file holds no parameters")
	}
	switch root.Kind {
	case Seq:
		return pf.readList(root)
	case Map:
		if ps := root.Get("Parameters"); ps != nil && ps.Kind == Map {
			return pf.readPipeline(root)
		}
		pf.Shape = ShapeMapping
		return pf, pf.readMapping(root)
	}
	return fail(root.Pos, "a parameters file is a list of {\"ParameterKey\", \"ParameterValue\"} entries, a list of \"Key=Value\" strings, "+
		"or a mapping (CodePipeline's {\"Parameters\": {…}}); this one is a %s", root.Kind)
}

func (pf *ParameterFile) errorf(pos Pos, format string, args ...any) error {
	return &ParameterFileError{Span: At(pf.File, pos, 0), Msg: fmt.Sprintf(format, args...)}
}

// set records one value, refusing a parameter given twice.
func (pf *ParameterFile) set(name string, pos Pos, value string) error {
	if name == "" {
		return pf.errorf(pos, "a parameter has no name")
	}
	if first, dup := pf.pos[name]; dup {
		return pf.errorf(pos, "parameter %s is given twice (first at line %d)", name, first.Line)
	}
	pf.pos[name] = pos
	pf.Values[name] = value
	return nil
}

// text reads a parameter value: a scalar, or a list of scalars written
// comma-separated.
func (pf *ParameterFile) text(name string, v *Node) (string, error) {
	if s, ok := v.Str(); ok {
		return s, nil
	}
	if v != nil && v.Kind == Seq {
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			s, ok := it.Str()
			if !ok {
				return "", pf.errorf(it.Pos, "parameter %s: a list value holds only strings and numbers", name)
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	if v == nil || v.Kind == Null {
		return "", nil
	}
	return "", pf.errorf(v.Pos, "parameter %s: the value is a %s; give a string (a list parameter takes \"a,b,c\")", name, v.Kind)
}

var entryKeys = []string{"ParameterKey", "ParameterValue", "UsePreviousValue", "ResolvedValue"}

// readList reads CloudFormation's entries or "Key=Value" strings.
func (pf *ParameterFile) readList(root *Node) (*ParameterFile, error) {
	for i, it := range root.Items {
		switch {
		case it.Kind == Map:
			if pf.Shape == ShapeKeyValue {
				return nil, pf.errorf(it.Pos, "entry %d is a mapping, but the entries before it are \"Key=Value\" strings", i+1)
			}
			pf.Shape = ShapeCloudFormation
			if err := pf.readEntry(it); err != nil {
				return nil, err
			}
		case it.Kind == String:
			if pf.Shape == ShapeCloudFormation {
				return nil, pf.errorf(it.Pos, "entry %d is a string, but the entries before it are {\"ParameterKey\", \"ParameterValue\"} mappings", i+1)
			}
			pf.Shape = ShapeKeyValue
			name, value, ok := strings.Cut(it.Value, "=")
			if !ok {
				return nil, pf.errorf(it.Pos, "entry %q has no \"=\"; write Key=Value", truncateText(it.Value, 60))
			}
			if err := pf.set(strings.TrimSpace(name), it.Pos, value); err != nil {
				return nil, err
			}
		default:
			return nil, pf.errorf(it.Pos, "entry %d is a %s; write {\"ParameterKey\": \"Name\", \"ParameterValue\": \"value\"} or \"Name=value\"", i+1, it.Kind)
		}
	}
	if pf.Shape == "" {
		pf.Shape = ShapeCloudFormation
	}
	return pf, nil
}

func (pf *ParameterFile) readEntry(it *Node) error {
	for _, f := range it.Fields {
		if !contains(entryKeys, f.Key) {
			msg := fmt.Sprintf("unknown key %q in a parameter entry", f.Key)
			if s, ok := spelling.Closest(f.Key, entryKeys); ok {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return pf.errorf(f.KeyPos, "%s; an entry has ParameterKey and ParameterValue (or UsePreviousValue)", msg)
		}
	}
	key := it.Get("ParameterKey")
	name, ok := key.Str()
	if !ok {
		return pf.errorf(it.Pos, "a parameter entry has no ParameterKey")
	}
	if prev, _ := it.Get("UsePreviousValue").Str(); strings.EqualFold(prev, "true") {
		if it.Get("ParameterValue") != nil {
			return pf.errorf(it.Pos, "parameter %s has both ParameterValue and UsePreviousValue: true; give one", name)
		}
		if _, dup := pf.pos[name]; dup {
			return pf.errorf(key.Pos, "parameter %s is given twice (first at line %d)", name, pf.pos[name].Line)
		}
		pf.pos[name] = key.Pos
		pf.Previous = append(pf.Previous, name)
		return nil
	}
	v := it.Get("ParameterValue")
	if v == nil {
		return pf.errorf(it.Pos, "parameter %s has no ParameterValue", name)
	}
	value, err := pf.text(name, v)
	if err != nil {
		return err
	}
	return pf.set(name, key.Pos, value)
}

// readPipeline reads a CodePipeline template configuration file.
func (pf *ParameterFile) readPipeline(root *Node) (*ParameterFile, error) {
	pf.Shape = ShapeCodePipeline
	known := []string{"Parameters", "Tags", "StackPolicy"}
	for _, f := range root.Fields {
		if !contains(known, f.Key) {
			msg := fmt.Sprintf("unknown key %q in a CodePipeline template configuration", f.Key)
			if s, ok := spelling.Closest(f.Key, known); ok {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return nil, pf.errorf(f.KeyPos, "%s; it has Parameters, Tags and StackPolicy", msg)
		}
	}
	return pf, pf.readMapping(root.Get("Parameters"))
}

func (pf *ParameterFile) readMapping(m *Node) error {
	for _, f := range m.Fields {
		value, err := pf.text(f.Key, f.Value)
		if err != nil {
			return err
		}
		if err := pf.set(f.Key, f.KeyPos, value); err != nil {
			return err
		}
	}
	return nil
}

// Check reports the parameters the file names that t does not declare,
// each at its line with the closest declared name.
func (pf *ParameterFile) Check(t *Template) error {
	if t == nil || t.Parameters == nil {
		return nil
	}
	declared := make([]string, 0, len(t.Parameters))
	for name := range t.Parameters {
		declared = append(declared, name)
	}
	sort.Strings(declared)
	var names []string
	for name := range pf.pos {
		if _, ok := t.Parameters[name]; !ok {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Slice(names, func(i, j int) bool { return pf.pos[names[i]].Line < pf.pos[names[j]].Line })
	name := names[0]
	msg := fmt.Sprintf("parameter %s is not declared by %s", name, t.File)
	if s, ok := spelling.Closest(name, declared); ok {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	} else if len(declared) > 0 {
		msg += fmt.Sprintf("; it declares %s", strings.Join(firstN(declared, 8), ", "))
	} else {
		msg += "; it declares no parameters"
	}
	if len(names) > 1 {
		msg += fmt.Sprintf(" (and %d more unknown: %s)", len(names)-1, strings.Join(firstN(names[1:], 5), ", "))
	}
	return pf.errorf(pf.pos[name], "%s", msg)
}

// Line returns the line a parameter is given at, 0 when the file does not
// name it.
func (pf *ParameterFile) Line(name string) int { return pf.pos[name].Line }

func truncateText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
