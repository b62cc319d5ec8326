// Package sampolicy holds the AWS SAM policy templates (S3CrudPolicy,
// DynamoDBReadPolicy, …) and expands them as the SAM transform does, so
// that a function's `Policies: [{S3CrudPolicy: {BucketName: !Ref B}}]` is
// checked as the inline policy SAM will create.
//
// The definitions are embedded, generated from the Python package
// aws-sam-translator (the SAM transform itself) by gen/generate.sh. They
// are decoded on first use.
//
// The expansion follows SAM's PolicyTemplatesProcessor: a template entry
// is a one-key mapping whose key is a template name (compared exactly) and
// whose value is a mapping of parameter values; every parameter must have
// a value (any value, null included), values for other names are ignored,
// and in the definition each one-key mapping {"Ref": P}, where P is one of
// the template's parameters, is replaced by P's value. Nothing else is
// substituted: a Ref inside a value stays the template's own, and
// Fn::Sub and the pseudo parameters are left for CloudFormation. The
// result is a policy document with a Statement and no Version, exactly
// what SAM writes into the function role's Policies.
package sampolicy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	_ "embed"

	"github.com/tollgate-dev/tollgate/internal/spelling"
)

//go:generate ./gen/generate.sh

//go:embed templates.json.gz
var embedded []byte

// Kind says what a Value holds.
type Kind uint8

// The kinds of value, as in JSON.
const (
	Null Kind = iota
	Bool
	Number
	String
	Seq
	Map
)

// Value is one JSON value of a template definition. Mappings keep their
// keys in the definition's order.
type Value struct {
	Kind Kind
	// Text is a scalar as written: the string, "true", "12".
	Text   string
	Items  []*Value
	Fields []Field
}

// Field is one key and value of a Map.
type Field struct {
	Key   string
	Value *Value
}

// Template is one SAM policy template.
type Template struct {
	Name        string
	Description string
	// Parameters in the definition's order.
	Parameters []Parameter
	// Definition is the policy document, {"Statement": [...]}, with
	// {"Ref": PARAMETER} where a value goes.
	Definition *Value
}

// Parameter is one parameter of a template.
type Parameter struct {
	Name        string
	Description string
}

// Set is the loaded collection of templates. It is safe for concurrent use.
type Set struct {
	// Source and Version name the package the templates come from
	// ("aws-sam-translator", "1.110.0"); TemplatesVersion is the version
	// of its policy_templates.json.
	Source           string
	Version          string
	TemplatesVersion string

	byName map[string]*entry
	names  []string
}

// entry is one template, parsed on first use.
type entry struct {
	raw  []byte
	once sync.Once
	t    *Template
	err  error
}

// Len returns the number of templates.
func (s *Set) Len() int { return len(s.names) }

// Names returns every template name, sorted.
func (s *Set) Names() []string { return append([]string(nil), s.names...) }

// UnknownError is a policy template name that SAM does not know.
type UnknownError struct {
	Name string
	// Suggestion is the closest template name, or "".
	Suggestion string
}

func (e *UnknownError) Error() string {
	msg := strconv.Quote(e.Name) + " is not a SAM policy template"
	if e.Suggestion != "" {
		msg += "; did you mean " + strconv.Quote(e.Suggestion) + "?"
	}
	return msg
}

// Template returns the template with this exact name (SAM compares names
// exactly), or an *UnknownError with the closest name.
func (s *Set) Template(name string) (*Template, error) {
	if e, ok := s.byName[name]; ok {
		e.once.Do(func() {
			e.t, e.err = parseTemplate(name, e.raw)
			if e.err != nil {
				e.err = fmt.Errorf("SAM policy template %s: %w", name, e.err)
			}
		})
		return e.t, e.err
	}
	e := &UnknownError{Name: name}
	if c, ok := spelling.Closest(name, s.names); ok {
		e.Suggestion = c
	}
	return nil, e
}

// Has reports whether name is a template name: what SAM asks of a one-key
// mapping in Policies to tell a template from an unsupported entry.
func (s *Set) Has(name string) bool {
	_, ok := s.byName[name]
	return ok
}

// MissingError is a template used without a value for every parameter,
// which SAM rejects.
type MissingError struct {
	Template string
	Missing  []string
}

func (e *MissingError) Error() string {
	noun := "parameter"
	if len(e.Missing) > 1 {
		noun = "parameters"
	}
	return fmt.Sprintf("SAM policy template %s needs a value for its %s %s: write %s: {%s}",
		e.Template, noun, strings.Join(e.Missing, ", "), e.Template, strings.Join(withValues(e.Missing), ", "))
}

func withValues(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + ": …"
	}
	return out
}

// ValuesError is a template whose value is not a mapping of parameter
// values (`S3CrudPolicy: my-bucket`, or `AMIDescribePolicy:` with nothing),
// which SAM rejects. Callers that find such an entry report this error.
type ValuesError struct {
	Template string
}

func (e *ValuesError) Error() string {
	return fmt.Sprintf("the value of SAM policy template %s must be a mapping of its parameters' values (%s: {} when it has none)",
		e.Template, e.Template)
}

// Missing returns the parameters without a value among given, in the
// template's order.
func (t *Template) Missing(given func(name string) bool) []string {
	var out []string
	for _, p := range t.Parameters {
		if !given(p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// Unused returns the names among given that are not parameters of the
// template, sorted. SAM ignores their values without a word; a checker may
// want to say so.
func (t *Template) Unused(given []string) []string {
	var out []string
	for _, g := range given {
		if !t.hasParameter(g) {
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out
}

func (t *Template) hasParameter(name string) bool {
	for _, p := range t.Parameters {
		if p.Name == name {
			return true
		}
	}
	return false
}

// Builder makes the caller's tree from a definition: a template node with
// positions, JSON, or anything else. Scalar, Seq and Map are called
// bottom-up for the definition's own values; the parameter values are
// the caller's and are used as they are.
type Builder[N any] interface {
	Scalar(v *Value) N
	Seq(v *Value, items []N) N
	Map(v *Value, keys []string, values []N) N
}

// Expand returns the policy document SAM makes of template t with these
// parameter values, or a *MissingError when a parameter has none.
func Expand[N any](t *Template, values map[string]N, b Builder[N]) (N, error) {
	if missing := t.Missing(func(n string) bool { _, ok := values[n]; return ok }); len(missing) > 0 {
		var zero N
		return zero, &MissingError{Template: t.Name, Missing: missing}
	}
	return expand(t, t.Definition, values, b), nil
}

func expand[N any](t *Template, v *Value, values map[string]N, b Builder[N]) N {
	switch v.Kind {
	case Seq:
		items := make([]N, len(v.Items))
		for i, it := range v.Items {
			items[i] = expand(t, it, values, b)
		}
		return b.Seq(v, items)
	case Map:
		if len(v.Fields) == 1 && v.Fields[0].Key == "Ref" && v.Fields[0].Value.Kind == String {
			if name := v.Fields[0].Value.Text; t.hasParameter(name) {
				return values[name]
			}
		}
		keys := make([]string, len(v.Fields))
		vals := make([]N, len(v.Fields))
		for i, f := range v.Fields {
			keys[i], vals[i] = f.Key, expand(t, f.Value, values, b)
		}
		return b.Map(v, keys, vals)
	}
	return b.Scalar(v)
}

// ExpandJSON is Expand for parameter values given as JSON, returning the
// document as compact JSON in the definition's key order.
func (t *Template) ExpandJSON(values map[string]json.RawMessage) ([]byte, error) {
	for name, raw := range values {
		if !json.Valid(raw) {
			return nil, fmt.Errorf("SAM policy template %s: the value of %s is not JSON", t.Name, name)
		}
	}
	out, err := Expand[json.RawMessage](t, values, jsonBuilder{})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type jsonBuilder struct{}

func (jsonBuilder) Scalar(v *Value) json.RawMessage {
	switch v.Kind {
	case Null:
		return json.RawMessage("null")
	case Bool, Number:
		return json.RawMessage(v.Text)
	}
	b, _ := json.Marshal(v.Text)
	return b
}

func (jsonBuilder) Seq(_ *Value, items []json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it)
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

func (jsonBuilder) Map(_ *Value, keys []string, vals []json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vals[i])
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

var (
	embeddedOnce sync.Once
	embeddedSet  *Set
	embeddedErr  error
)

// Embedded returns the templates built into the binary.
func Embedded() (*Set, error) {
	embeddedOnce.Do(func() {
		embeddedSet, embeddedErr = Load(embedded)
		if embeddedErr != nil {
			embeddedErr = fmt.Errorf("the built-in SAM policy templates are corrupt (a build defect): %w", embeddedErr)
		}
	})
	return embeddedSet, embeddedErr
}

// The packed form, gzipped: a line "tollgate-sam-policies\tSOURCE\tVERSION\t
// TEMPLATES-VERSION", then one line per template, "NAME\tJSON", with the
// template's JSON from policy_templates.json compacted. Loading then only
// splits lines; each template's JSON is read on first use.
const magic = "tollgate-sam-policies"

// maxInflated bounds what Load inflates; the templates are about 50 KB.
const maxInflated = 16 << 20

// Load reads a gzipped packed file (as Pack writes it). Each template is
// parsed when it is first asked for.
func Load(data []byte) (*Set, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("SAM policy templates: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil {
		return nil, fmt.Errorf("SAM policy templates: %w", err)
	}
	if len(raw) > maxInflated {
		return nil, errors.New("SAM policy templates: the file inflates past 16 MB")
	}
	head, rest, _ := bytes.Cut(raw, []byte("\n"))
	f := strings.Split(string(head), "\t")
	if len(f) != 4 || f[0] != magic {
		return nil, errors.New("SAM policy templates: not a tollgate SAM policy templates file")
	}
	s := &Set{Source: f[1], Version: f[2], TemplatesVersion: f[3], byName: map[string]*entry{}}
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		name, body, ok := bytes.Cut(line, []byte("\t"))
		if !ok || len(name) == 0 || s.byName[string(name)] != nil {
			return nil, fmt.Errorf("SAM policy templates: line %d is not a new template", len(s.names)+2)
		}
		s.byName[string(name)] = &entry{raw: body}
		s.names = append(s.names, string(name))
	}
	if len(s.names) == 0 {
		return nil, errors.New("SAM policy templates: there are none")
	}
	sort.Strings(s.names)
	return s, nil
}

// Pack writes the packed form of a policy_templates.json from package
// source at version: gzipped, deterministic (no timestamp or name in the
// gzip header), after checking that it parses.
func Pack(w io.Writer, source, version string, templatesJSON []byte) error {
	s, err := Parse(templatesJSON)
	if err != nil {
		return err
	}
	var body bytes.Buffer
	fmt.Fprintf(&body, "%s\t%s\t%s\t%s\n", magic, clean(source), clean(version), clean(s.TemplatesVersion))
	for _, name := range s.names {
		body.WriteString(name)
		body.WriteByte('\t')
		if err := json.Compact(&body, s.byName[name].raw); err != nil {
			return err
		}
		body.WriteByte('\n')
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(body.Bytes()); err != nil {
		return err
	}
	return zw.Close()
}

// clean keeps a header field on its line.
func clean(s string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(s) }
