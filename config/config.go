// Package config reads .tollgate.yml: it validates the file against the JSON
// Schema shipped in this folder (schema.json, usable by editors too) and
// reports every problem with its file, line and a suggested fix.
package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"

	"github.com/tollgate-dev/tollgate/internal/spelling"
	"github.com/tollgate-dev/tollgate/template"
)

// Values of parameter-values.
const (
	ParameterValuesAccepted = "accepted"
	ParameterValuesDefaults = "defaults"
)

// DefaultsOnly reports whether unpinned parameters are checked with their
// defaults only (parameter-values: defaults).
func (c *Config) DefaultsOnly() bool { return c.ParameterValues == ParameterValuesDefaults }

// DefaultFile is the configuration file looked for when none is named.
const DefaultFile = ".tollgate.yml"

//go:embed schema.json
var schemaJSON []byte

// Schema returns the JSON Schema of the configuration file.
func Schema() []byte { return schemaJSON }

// Config is the content of .tollgate.yml.
type Config struct {
	Version    int               `yaml:"version"`
	Paths      []string          `yaml:"paths"`
	Include    []string          `yaml:"include"`
	Exclude    []string          `yaml:"exclude"`
	Account    string            `yaml:"account"`
	Region     string            `yaml:"region"`
	Parameters map[string]string `yaml:"parameters"`
	// ParametersFile is a parameters file (template.ParseParameterFile)
	// whose values pin parameters, under those of Parameters.
	ParametersFile string `yaml:"parameters-file"`
	// ParameterValues says which values of unpinned parameters are
	// checked: "accepted" (every value the template accepts, the default)
	// or "defaults" (each parameter's Default only).
	ParameterValues string   `yaml:"parameter-values"`
	BlockOn         []string `yaml:"block-on"`
	Block           Codes    `yaml:"block"`
	Allow           Codes    `yaml:"allow"`
	TrustedAccounts []string `yaml:"trusted-accounts"`
	TrustedOrgs     []string `yaml:"trusted-orgs"`
	// TrustedPrincipals are principal ARNs, identity providers and "*"
	// that are not external whatever their account.
	TrustedPrincipals []string `yaml:"trusted-principals"`
	AccessAnalyzer    bool     `yaml:"access-analyzer"`
	SensitiveActions  []string `yaml:"sensitive-actions"`
	// BroadSensitiveAccess tunes BROAD_SENSITIVE_ACCESS.
	BroadSensitiveAccess *SensitiveAccess `yaml:"broad-sensitive-access"`
	Regions              []string         `yaml:"regions"`
	GitOps               GitOps           `yaml:"gitops"`
	// AllowDynamicRefWithoutVersion accepts {{resolve:ssm:NAME}} without a
	// version in policies.
	AllowDynamicRefWithoutVersion bool `yaml:"allow-dynamic-ref-without-version"`
	// Baseline is the baseline file that check reads (see --baseline).
	Baseline string `yaml:"baseline"`
	// DataDir is the IAM data cache of tollgate data refresh.
	DataDir string `yaml:"data-dir"`

	// File is where the configuration was read from; "" for defaults.
	File string `yaml:"-"`
}

// Position returns the line and column of the value at a JSON pointer
// ("/block/codes/2") in the file the configuration was read from, or zeros
// when unknown, so that checks made after parsing can still point at the
// line. It reads the file again: it serves error messages only.
func (c *Config) Position(pointer string) (line, col int) {
	if c.File == "" {
		return 0, 0
	}
	data, err := os.ReadFile(c.File)
	if err != nil {
		return 0, 0
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0, 0
	}
	positions := map[string]*yaml.Node{}
	if _, err := toJSONValue(doc.Content[0], "", positions, 0); err != nil {
		return 0, 0
	}
	if n := positions[pointer]; n != nil {
		return n.Line, n.Column
	}
	return 0, 0
}

// GitOps maps branches to environments and stacks (see docs/gitops.md).
type GitOps struct {
	// Preset names a branching model: gitflow, github-flow or trunk.
	Preset string `yaml:"preset"`
	// Paths are where the stacks' templates are, when environments do not
	// list stacks (default: the top-level paths, else the repository).
	Paths        []string      `yaml:"paths"`
	Environments []Environment `yaml:"environments"`
}

// Environment is one deployment target; in a preset's environment of the
// same name, only the fields given here change.
type Environment struct {
	Name         string   `yaml:"name"`
	Branches     []string `yaml:"branches"`
	PullRequests *bool    `yaml:"pull-requests"`
	After        string   `yaml:"after"`
	Accounts     []string `yaml:"accounts"`
	Regions      []string `yaml:"regions"`
	Role         string   `yaml:"role"`
	PerBranch    []string `yaml:"per-branch"`
	// Parameters is the parameters file of the environment's stacks that
	// name none of their own.
	Parameters string  `yaml:"parameters"`
	Stacks     []Stack `yaml:"stacks"`
	Gate       *Gate   `yaml:"gate"`
}

// Stack maps a template to a stack of an environment.
type Stack struct {
	Template   string            `yaml:"template"`
	Name       string            `yaml:"name"`
	Parameters string            `yaml:"parameters"`
	Tags       map[string]string `yaml:"tags"`
}

// Gate is what must hold before a deploy runs.
type Gate struct {
	Approval *string `yaml:"approval"`
	Require  *string `yaml:"require"`
}

// Codes is a list of issue codes.
type Codes struct {
	Codes []string `yaml:"codes"`
}

// SensitiveAccess is broad-sensitive-access: which grants on every resource
// BROAD_SENSITIVE_ACCESS reports. An absent key keeps its default.
type SensitiveAccess struct {
	Wildcards []string `yaml:"wildcards"`
	Actions   []string `yaml:"actions"`
	Secrets   []string `yaml:"secrets"`
	Allow     []string `yaml:"allow"`
}

// Issue is one problem in a configuration file, at its line and column
// (its Span's File is left to the Error that lists it).
type Issue struct {
	template.Span
	Message string
}

// IssueAt is the problem msg at line and column (0 when not known).
func IssueAt(line, column int, msg string) Issue {
	return Issue{Span: template.Span{Line: line, Column: column}, Message: msg}
}

// Error lists every problem found in a configuration file.
type Error struct {
	File   string
	Issues []Issue
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, is := range e.Issues {
		if i > 0 {
			b.WriteByte('\n')
		}
		at := is.Span
		at.File = e.File
		b.WriteString(at.Prefix() + is.Message)
	}
	return b.String()
}

// Default returns the configuration used when there is no file.
func Default() *Config {
	return &Config{Version: 1}
}

// ReadFile reads and validates a configuration file.
func ReadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := "cannot read the configuration file: " + err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = "cannot read the configuration file: " + pe.Err.Error()
		}
		if errors.Is(err, fs.ErrNotExist) {
			msg = "configuration file not found"
		}
		return nil, &Error{File: path, Issues: []Issue{{Message: msg}}}
	}
	return Parse(path, data)
}

// Find reads DefaultFile from dir when it exists, and returns the defaults
// otherwise.
func Find(dir string) (*Config, error) {
	for _, name := range []string{DefaultFile, ".tollgate.yaml"} {
		path := name
		if dir != "" && dir != "." {
			path = dir + "/" + name
		}
		if _, err := os.Stat(path); err == nil {
			return ReadFile(path)
		}
	}
	return Default(), nil
}

// Parse validates and decodes a configuration from its text. file is used
// in messages only.
func Parse(file string, data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: file, Issues: []Issue{yamlIssue(err)}}
	}
	cfg := Default()
	cfg.File = file
	if doc.Kind == 0 || len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
		return cfg, nil // an empty file means the defaults
	}
	root := doc.Content[0]
	positions := map[string]*yaml.Node{}
	inst, bad := toJSONValue(root, "", positions, 0)
	if bad != nil {
		return nil, &Error{File: file, Issues: []Issue{*bad}}
	}
	if issues := validate(inst, positions); len(issues) > 0 {
		return nil, &Error{File: file, Issues: issues}
	}
	if err := root.Decode(cfg); err != nil {
		return nil, &Error{File: file, Issues: []Issue{yamlIssue(err)}}
	}
	cfg.File = file
	return cfg, nil
}

func yamlIssue(err error) Issue {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = strings.TrimPrefix(te.Errors[0], "yaml: ")
	}
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if v, err := strconv.Atoi(n); err == nil {
				line, msg = v, after
			}
		}
	}
	return IssueAt(line, 1, "YAML syntax error: "+msg)
}

// toJSONValue converts a YAML node into the values a JSON Schema validator
// expects, recording the node of every JSON pointer for messages.
func toJSONValue(n *yaml.Node, ptr string, pos map[string]*yaml.Node, depth int) (any, *Issue) {
	if depth > 64 {
		return nil, new(IssueAt(n.Line, n.Column, "the configuration is nested too deeply"))
	}
	pos[ptr] = n
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, new(IssueAt(n.Line, n.Column, "alias to an unknown anchor"))
		}
		return toJSONValue(n.Alias, ptr, pos, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if _, dup := m[k.Value]; dup {
				first := pos[ptr+"/"+escapePointer(k.Value)+"#key"]
				return nil, new(IssueAt(k.Line, k.Column,
					fmt.Sprintf("duplicate key %q (first defined at line %d)", k.Value, first.Line)))
			}
			key := ptr + "/" + escapePointer(k.Value)
			v, err := toJSONValue(n.Content[i+1], key, pos, depth+1)
			if err != nil {
				return nil, err
			}
			pos[key+"#key"] = k
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, it := range n.Content {
			v, err := toJSONValue(it, ptr+"/"+strconv.Itoa(i), pos, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err == nil {
				return b, nil
			}
		case "!!int", "!!float":
			return json.Number(n.Value), nil
		}
		return n.Value, nil
	}
	return nil, nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

type compiledSchema struct {
	schema *jsonschema.Schema
	raw    map[string]any
}

var compiled = sync.OnceValues(func() (compiledSchema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return compiledSchema{}, err
	}
	raw, _ := doc.(map[string]any)
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		return compiledSchema{}, err
	}
	sch, err := c.Compile("schema.json")
	return compiledSchema{schema: sch, raw: raw}, err
})

func validate(inst any, pos map[string]*yaml.Node) []Issue {
	cs, err := compiled()
	sch, raw := cs.schema, cs.raw
	if err != nil {
		return []Issue{{Message: "internal error: the configuration schema does not compile: " + err.Error()}}
	}
	err = sch.Validate(inst)
	var ve *jsonschema.ValidationError
	if err == nil || !errors.As(err, &ve) {
		return nil
	}
	var issues []Issue
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		issues = append(issues, describe(e, pos, raw)...)
	}
	walk(ve)
	sort.SliceStable(issues, func(i, j int) bool { return issues[i].Less(issues[j].Span) })
	return issues
}

func pointer(loc []string) string {
	var b strings.Builder
	for _, p := range loc {
		b.WriteByte('/')
		b.WriteString(escapePointer(p))
	}
	return b.String()
}

// englishPrinter renders the validator's own messages.
var englishPrinter = message.NewPrinter(language.English)

// describe turns one validation error into messages that name the key, the
// wrong value and the fix.
func describe(e *jsonschema.ValidationError, pos map[string]*yaml.Node, raw map[string]any) []Issue {
	ptr := pointer(e.InstanceLocation)
	at := func(p string) Issue {
		if n := pos[p]; n != nil {
			return IssueAt(n.Line, n.Column, "")
		}
		return Issue{}
	}
	name := displayName(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		allowed := schemaProperties(raw, e.SchemaURL)
		var out []Issue
		for _, prop := range k.Properties {
			is := at(ptr + "/" + escapePointer(prop) + "#key")
			is.Message = fmt.Sprintf("unknown key %q", prop)
			if s, ok := spelling.Closest(prop, allowed); ok {
				is.Message += fmt.Sprintf(" (did you mean %q?)", s)
			} else if len(allowed) > 0 {
				is.Message += " (expected one of " + strings.Join(allowed, ", ") + ")"
			}
			out = append(out, is)
		}
		return out
	case *kind.Type:
		is := at(ptr)
		is.Message = fmt.Sprintf("%s must be %s, not %s %s", name, joinOr(k.Want), article(k.Got), k.Got)
		if n := pos[ptr]; n != nil && k.Got == "number" && slicesContain(k.Want, "string") && len(n.Value) >= 10 {
			is.Message += fmt.Sprintf("; write it in quotes (%q) so leading zeros are kept", n.Value)
		}
		return []Issue{is}
	case *kind.Enum:
		is := at(ptr)
		var want []string
		for _, v := range k.Want {
			want = append(want, fmt.Sprint(v))
		}
		is.Message = fmt.Sprintf("%s: %v is not allowed; expected one of %s", name, k.Got, strings.Join(want, ", "))
		if s, ok := spelling.Closest(fmt.Sprint(k.Got), want); ok {
			is.Message += fmt.Sprintf(" (did you mean %s?)", s)
		}
		return []Issue{is}
	case *kind.Pattern:
		is := at(ptr)
		is.Message = fmt.Sprintf("%s: %q is not valid%s", name, fmt.Sprint(k.Got), patternHint(e.InstanceLocation))
		return []Issue{is}
	case *kind.MinLength:
		is := at(ptr)
		is.Message = fmt.Sprintf("%s must not be empty", name)
		return []Issue{is}
	case *kind.Const:
		is := at(ptr)
		is.Message = fmt.Sprintf("%s must be %v", name, k.Want)
		return []Issue{is}
	}
	is := at(ptr)
	// LocalizedString needs a printer: with nil, some kinds (minLength)
	// dereference it and panic.
	is.Message = fmt.Sprintf("%s: %s", name, e.ErrorKind.LocalizedString(englishPrinter))
	return []Issue{is}
}

// displayName renders an instance location as users write it: "block.codes[2]".
func displayName(loc []string) string {
	if len(loc) == 0 {
		return "the configuration"
	}
	var b strings.Builder
	for i, seg := range loc {
		if _, err := strconv.Atoi(seg); err == nil && i > 0 {
			b.WriteString("[" + seg + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func joinOr(list []string) string {
	withArticle := make([]string, len(list))
	for i, t := range list {
		withArticle[i] = article(t) + " " + t
	}
	switch len(list) {
	case 0:
		return "something else"
	case 1:
		return withArticle[0]
	}
	return strings.Join(withArticle[:len(list)-1], ", ") + " or " + withArticle[len(list)-1]
}

// article picks "a" or "an" for a JSON type name.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// patternHint explains the expected form of a value checked by a pattern.
func patternHint(loc []string) string {
	if len(loc) == 0 {
		return ""
	}
	switch loc[0] {
	case "account", "trusted-accounts":
		return `; expected a 12-digit account ID such as "123456789012"`
	case "trusted-orgs":
		return `; expected an organization ID such as "o-a1b2c3d4e5"`
	case "trusted-principals":
		return `; expected a principal ARN such as "arn:aws:iam::123456789012:role/Peer", an identity provider such as "graph.facebook.com", or "*"`
	case "region":
		return "; expected a Region such as eu-west-1"
	case "block", "allow":
		return "; expected an issue code such as EXTERNAL_PRINCIPAL"
	case "sensitive-actions", "broad-sensitive-access":
		return "; expected an action such as iam:CreateUser (* and ? allowed after the colon)"
	case "regions":
		return "; expected a Region such as eu-west-1"
	}
	return ""
}

// schemaProperties returns the property names allowed by the schema object
// holding the failed additionalProperties keyword.
func schemaProperties(raw map[string]any, schemaURL string) []string {
	_, frag, _ := strings.Cut(schemaURL, "#")
	frag = strings.TrimSuffix(frag, "/additionalProperties")
	var cur any = raw
	for _, seg := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if seg == "" {
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")]
	}
	m, _ := cur.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	out := make([]string, 0, len(props))
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
