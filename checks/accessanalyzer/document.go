package accessanalyzer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tollgate-dev/tollgate/template"
)

// document is a resolved policy rendered as the JSON text sent to IAM Access
// Analyzer, with a map from every value's span back to its template node.
type document struct {
	text  string
	spans []span
	// byPath maps a JSON path ("Statement[0].Action[1]") to its span.
	byPath map[string]*span
}

type span struct {
	start, end int
	path       string
	node       *template.Node
	// placeholder marks text we made up for a value known only at deploy
	// time; findings located there are artefacts and are dropped.
	placeholder bool
}

// placeholders fill in values the template computes at deploy time. Access
// Analyzer needs concrete JSON; these are well-formed but obviously made up.
// A placeholder is derived from the expression it stands for, not from a
// counter: the same expression gets the same text in every document (so
// CheckNoNewAccess sees no change where the base revision wrote the same
// GetAtt), and the value is immutable, so the parallel jobs of one run can
// share it without a data race.
type placeholders struct {
	partition, region, account string
}

// name is the made-up name of the unknown value n.
func (p *placeholders) name(n *template.Node) string {
	h := sha256.New()
	h.Write([]byte(n.Value))
	if o := n.Origin; o != nil {
		for _, s := range []string{o.Func, o.Resource, o.Attribute, o.Parameter, o.Pseudo} {
			h.Write([]byte{0})
			h.Write([]byte(s))
		}
	}
	return "tollgate-unresolved-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// value makes a plausible stand-in for an unknown value: an ARN when the
// value is a GetAtt of an ARN, the known parts with a made-up middle for a
// partly known string, a name otherwise.
func (p *placeholders) value(n *template.Node) string {
	if len(n.Items) > 0 {
		var b strings.Builder
		for _, part := range n.Items {
			if s, ok := part.Str(); ok {
				b.WriteString(s)
				continue
			}
			b.WriteString(p.part(part))
		}
		return b.String()
	}
	return p.part(n)
}

func (p *placeholders) part(n *template.Node) string {
	o := n.Origin
	if o != nil && o.Pseudo != "" {
		switch o.Pseudo {
		case "AWS::AccountId":
			return p.account
		case "AWS::Region":
			return p.region
		}
	}
	if o != nil && o.Func == "Fn::GetAtt" && strings.HasSuffix(o.Attribute, "Arn") && o.ResourceType != "" {
		svc := "unknown"
		if parts := strings.Split(o.ResourceType, "::"); len(parts) == 3 {
			svc = strings.ToLower(parts[1])
		}
		if svc == "s3" {
			return "arn:" + p.partition + ":s3:::" + p.name(n)
		}
		if svc == "iam" {
			return "arn:" + p.partition + ":iam::" + p.account + ":role/" + p.name(n)
		}
		return "arn:" + p.partition + ":" + svc + ":" + p.region + ":" + p.account + ":" + p.name(n)
	}
	return p.name(n)
}

// render serializes a resolved policy document. Non-ASCII characters are
// escaped so that byte offsets equal character offsets.
func render(doc *template.Node, ph *placeholders) *document {
	d := &document{byPath: map[string]*span{}}
	var b strings.Builder
	d.write(&b, doc, "", ph, 0)
	d.text = b.String()
	sort.SliceStable(d.spans, func(i, j int) bool { return d.spans[i].start < d.spans[j].start })
	for i := range d.spans {
		d.byPath[d.spans[i].path] = &d.spans[i]
	}
	return d
}

func (d *document) write(b *strings.Builder, n *template.Node, path string, ph *placeholders, depth int) {
	start := b.Len()
	placeholder := false
	switch {
	case n == nil || depth > template.MaxDepth:
		b.WriteString("null")
	case n.Kind == template.Map:
		b.WriteByte('{')
		for i, f := range n.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, f.Key)
			b.WriteByte(':')
			child := f.Key
			if path != "" {
				child = path + "." + f.Key
			}
			d.write(b, f.Value, child, ph, depth+1)
		}
		b.WriteByte('}')
	case n.Kind == template.Seq:
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			d.write(b, it, fmt.Sprintf("%s[%d]", path, i), ph, depth+1)
		}
		b.WriteByte(']')
	case n.Kind == template.String:
		writeString(b, n.Value)
	case n.Kind == template.Number || n.Kind == template.Bool:
		// IAM policies compare strings; numbers and booleans are sent as
		// written, which is what CloudFormation does.
		writeString(b, n.Value)
	case n.Kind == template.Null:
		b.WriteString("null")
	case n.Kind == template.Unknown:
		writeString(b, ph.value(n))
		placeholder = true
	}
	d.spans = append(d.spans, span{start: start, end: b.Len(), path: path, node: n, placeholder: placeholder})
}

func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r >= utf8.RuneSelf:
			if r > 0xffff {
				r1, r2 := surrogates(r)
				fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
				continue
			}
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// at returns the innermost span containing offset.
func (d *document) at(offset int) *span {
	var best *span
	for i := range d.spans {
		s := &d.spans[i]
		if s.start <= offset && offset < s.end && (best == nil || s.end-s.start < best.end-best.start) {
			best = s
		}
	}
	return best
}
