package engine

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// Which files are templates (docs/discovery.md states the same rule for
// users). Discovery reads every .yaml, .yml, .json and .template file; its
// content decides:
//
//   - A file that parses and has a template's shape (AWSTemplateFormatVersion,
//     or Resources whose entries have a Type or are Fn::ForEach loops, or Rain
//     modules) is a template and is checked; its problems are findings.
//   - A file that parses without that shape is not a template: parameters
//     files, CodePipeline template configurations, tool configurations,
//     lists, strings. It is skipped and counted, never reported, even when
//     named on the command line (then a notice says what it is).
//   - A file that cannot be parsed (YAML or JSON syntax, duplicate or
//     non-scalar keys, empty, binary, not UTF-8) is reported when there is
//     evidence it was meant to be a template: it was named on the command
//     line, its name says so (template.yaml, *.template.json, app-cfn.yml,
//     *.template), its text names template markers (AWSTemplateFormatVersion;
//     a Resources section with AWS:: types), or the part before the error
//     has a template's top-level keys (AWSTemplateFormatVersion, Resources,
//     Transform). Otherwise it is skipped and counted.

// verdict is what discovery makes of a candidate's content.
type verdict struct {
	// check: read it as a template and report its problems.
	check bool
	// reason says what the file is when it is not checked; it completes
	// "it is …": "a CloudFormation parameters file", "a list", "empty".
	reason string
	// unreadable: it is checked only for its syntax problems, as a file
	// that could not be read (what parsed has no template shape, so its
	// structure says nothing: "no Resources section" for a broken file).
	unreadable bool
}

// judge decides whether a parsed candidate is a template to check. data is
// its text (nil for a file too large to read, whose head is in head).
func judge(t *template.Template, data []byte, explicit bool) verdict {
	if t.IsTemplate() {
		return verdict{check: true}
	}
	syntax := syntaxProblem(t)
	if syntax == nil && t.Doc != nil {
		return verdict{reason: describeDocument(t.Doc)}
	}
	if explicit || meantAsTemplate(t, data) {
		return verdict{check: true, unreadable: true}
	}
	return verdict{reason: unreadableReason(t, syntax)}
}

// asUnreadable keeps of t only what a file that could not be read has: its
// syntax problems, and no document to check.
func asUnreadable(t *template.Template) {
	var keep []template.Problem
	for _, p := range t.Problems {
		if !p.Structure {
			keep = append(keep, p)
		}
	}
	t.Problems, t.Root, t.Resources = keep, nil, nil
}

// judgeUnread decides for a file too large to parse, from its first bytes.
func judgeUnread(file string, head []byte, explicit bool) verdict {
	if explicit || namedLikeTemplate(file) || (bytes.IndexByte(head, 0) < 0 && template.Sniff(head)) {
		return verdict{check: true}
	}
	return verdict{reason: "too large to read, and its first bytes name no template markers"}
}

// syntaxProblem is the first problem with the text itself (as opposed to
// the template's structure), or nil.
func syntaxProblem(t *template.Template) *template.Problem {
	for i := range t.Problems {
		if !t.Problems[i].Structure {
			return &t.Problems[i]
		}
	}
	return nil
}

// meantAsTemplate looks for evidence that a file that does not parse was
// meant to be a template.
func meantAsTemplate(t *template.Template, data []byte) bool {
	if namedLikeTemplate(t.File) {
		return true
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return false // binary: its bytes say nothing
	}
	if template.Sniff(data) {
		return true
	}
	if t.Doc != nil {
		return hasTemplateKeys(t.Doc)
	}
	end := len(data)
	if p := syntaxProblem(t); p != nil {
		end = lineStart(data, p.Pos.Line+1)
	}
	for _, k := range topLevelKeys(data[:end]) {
		if templateKeys[k] {
			return true
		}
	}
	return false
}

// templateKeys are the top-level keys only templates have. Parameters,
// Outputs or Description alone prove nothing: parameters files and
// CodePipeline configurations have them too.
var templateKeys = map[string]bool{"AWSTemplateFormatVersion": true, "Resources": true, "Transform": true}

func hasTemplateKeys(doc *template.Node) bool {
	if doc.Kind != template.Map {
		return false
	}
	for _, f := range doc.Fields {
		if templateKeys[f.Key] {
			return true
		}
	}
	return false
}

// namedLikeTemplate reports whether a file's name says it is a template:
// *.template, template.yaml, cloudformation.json, and names ending in
// .template, -template, _template, .cfn, -cfn or _cfn before the extension
// (CDK's Stack.template.json, VPCFlowLogsS3.cfn.yaml).
func namedLikeTemplate(file string) bool {
	base := strings.ToLower(path.Base(file))
	ext := path.Ext(base)
	if ext == ".template" {
		return true
	}
	stem := strings.TrimSuffix(base, ext)
	if stem == "template" || stem == "cloudformation" {
		return true
	}
	for _, suffix := range []string{"template", "cfn", "cloudformation"} {
		for _, sep := range []string{".", "-", "_"} {
			if strings.HasSuffix(stem, sep+suffix) {
				return true
			}
		}
	}
	return false
}

// lineStart is the offset where line (1-based) starts, or len(data).
func lineStart(data []byte, line int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return len(data)
		}
		off += i + 1
	}
	return off
}

// topLevelKeys lists the keys of the outermost mapping that appear in text,
// which need not parse: a JSON object's keys at depth one, or YAML keys at
// the start of a line.
func topLevelKeys(data []byte) []string {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return jsonTopLevelKeys(trimmed)
	}
	var keys []string
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '-' {
			continue
		}
		key, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		keys = append(keys, strings.Trim(string(bytes.TrimSpace(key)), `"'`))
	}
	return keys
}

// jsonTopLevelKeys scans a JSON object's text, broken or not, for the keys
// at depth one.
func jsonTopLevelKeys(data []byte) []string {
	var keys []string
	depth := 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			j := i + 1
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(data) {
				return keys
			}
			if depth == 1 {
				rest := bytes.TrimLeft(data[j+1:], " \t\r\n")
				if len(rest) > 0 && rest[0] == ':' {
					keys = append(keys, string(data[i+1:j]))
				}
			}
			i = j
		}
	}
	return keys
}

// describeDocument says what a document that parsed but is not a template
// is, for the count of skipped files and the notice of an explicit one.
func describeDocument(doc *template.Node) string {
	switch doc.Kind {
	case template.Seq:
		switch {
		case len(doc.Items) == 0:
			return "an empty list"
		case allItems(doc, func(it *template.Node) bool { return it.Kind == template.Map && it.Get("ParameterKey") != nil }):
			return `a CloudFormation parameters file ([{"ParameterKey": …, "ParameterValue": …}])`
		case allItems(doc, func(it *template.Node) bool { s, ok := it.Str(); return ok && strings.Contains(s, "=") }):
			return `a parameters file of "Key=Value" strings`
		}
		return "a list"
	case template.Map:
		if ps := doc.Get("Parameters"); ps != nil && ps.Kind == template.Map && onlyKeys(doc, "Parameters", "Tags", "StackPolicy") {
			return `a CodePipeline template configuration ({"Parameters": …, "Tags": …})`
		}
		if res := doc.Get("Resources"); res != nil {
			if res.Kind == template.Map && len(res.Fields) == 0 {
				return "a mapping with an empty Resources section"
			}
			return "a mapping whose Resources have no Type"
		}
		return "a mapping without AWSTemplateFormatVersion or Resources"
	case template.String:
		return "a string"
	case template.Number:
		return "a number"
	case template.Bool:
		return "a boolean"
	}
	return "an empty document"
}

func allItems(seq *template.Node, ok func(*template.Node) bool) bool {
	for _, it := range seq.Items {
		if !ok(it) {
			return false
		}
	}
	return true
}

func onlyKeys(m *template.Node, keys ...string) bool {
	for _, f := range m.Fields {
		found := false
		for _, k := range keys {
			found = found || f.Key == k
		}
		if !found {
			return false
		}
	}
	return true
}

// unreadableReason says why a file that does not parse was not taken for a
// broken template; like every reason it completes "it is …".
func unreadableReason(t *template.Template, p *template.Problem) string {
	if p == nil {
		return "unreadable"
	}
	msg := p.Message
	switch {
	case msg == "the file is empty":
		return "empty"
	case strings.HasPrefix(msg, "the file is binary"):
		return "binary"
	case strings.HasPrefix(msg, "invalid UTF-8"):
		return "not UTF-8 text"
	}
	for _, prefix := range []string{"YAML syntax error: ", "JSON syntax error: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	return fmt.Sprintf("not valid %s (line %d: %s), and nothing in it marks a template", formatName(t), p.Pos.Line, msg)
}

func formatName(t *template.Template) string {
	if t.Format == template.JSON {
		return "JSON"
	}
	return "YAML"
}
