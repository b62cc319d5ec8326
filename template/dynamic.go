package template

import (
	"strconv"
	"strings"
)

// DynamicRef is a dynamic reference, `{{resolve:service:reference}}`, that
// CloudFormation replaces with a value from SSM Parameter Store or Secrets
// Manager when it deploys the stack. Its value is never in the template.
type DynamicRef struct {
	// Service is "ssm", "ssm-secure" or "secretsmanager".
	Service string
	// Reference is everything after the service, as written:
	// "/org/role-arn:3", or "MySecret:SecretString:password::".
	Reference string
	// Name is the parameter name or the secret ID.
	Name string
	// Version is the SSM parameter version, or the Secrets Manager version
	// stage or ID; empty when the reference takes the latest value.
	Version string
}

// Text is the reference as written in the template.
func (d *DynamicRef) Text() string { return "{{resolve:" + d.Service + ":" + d.Reference + "}}" }

// SSM reports whether the value comes from SSM Parameter Store.
func (d *DynamicRef) SSM() bool { return d.Service == "ssm" || d.Service == "ssm-secure" }

// dynamicOpen starts every dynamic reference.
const dynamicOpen = "{{resolve:"

// parseDynamic reads the inside of {{resolve:…}} (without the braces and
// "resolve:"). ok is false for a service CloudFormation does not know, which
// it leaves as literal text.
func parseDynamic(inner string) (*DynamicRef, bool) {
	service, ref, ok := strings.Cut(inner, ":")
	if !ok {
		return nil, false
	}
	d := &DynamicRef{Service: service, Reference: ref, Name: ref}
	switch service {
	case "ssm", "ssm-secure":
		// parameter-name[:version]; the name may be an ARN, with colons.
		if i := strings.LastIndexByte(ref, ':'); i >= 0 && isDigits(ref[i+1:]) {
			d.Name, d.Version = ref[:i], ref[i+1:]
		}
	case "secretsmanager":
		// secret-id[:SecretString[:json-key[:version-stage[:version-id]]]];
		// the secret ID may be an ARN (arn:partition:secretsmanager:region:account:secret:name).
		parts := strings.Split(ref, ":")
		n := 1
		if strings.HasPrefix(ref, "arn:") {
			n = min(7, len(parts))
		}
		d.Name = strings.Join(parts[:n], ":")
		rest := parts[n:]
		// After the ID: SecretString, json-key, version-stage, version-id.
		if len(rest) >= 4 && rest[3] != "" {
			d.Version = rest[3]
		} else if len(rest) >= 3 && rest[2] != "" {
			d.Version = rest[2]
		}
	default:
		return nil, false
	}
	return d, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// dynamicString resolves a literal string: one that holds dynamic
// references becomes an Unknown, made of its known text and one Unknown per
// reference. Other strings are returned as they are.
func (r *Resolver) dynamicString(n *Node) *Node {
	if !strings.Contains(n.Value, dynamicOpen) {
		return n
	}
	parts := splitDynamic([]*Node{n}, n.Pos)
	if len(parts) == 1 && parts[0].Kind == String {
		return n
	}
	if len(parts) == 1 {
		u := *parts[0]
		u.Pos, u.EndLine = n.Pos, n.lastLine()
		return &u
	}
	// Keep Block and the text's position, so a JSON policy written as a
	// YAML block scalar still maps its lines.
	u := *n
	u.Kind = Unknown
	u.Items = parts
	u.Value = describeParts(parts)
	u.Origin = firstOrigin(parts)
	return &u
}

// describeParts renders a concatenation for messages: known text as is,
// each unknown part as its own description.
func describeParts(parts []*Node) string {
	var b strings.Builder
	for _, p := range parts {
		if s, ok := p.Str(); ok {
			b.WriteString(s)
			continue
		}
		b.WriteString(p.Value)
	}
	return b.String()
}

// splitDynamic finds the dynamic references in a concatenation of known and
// unknown parts (a literal, or what Fn::Sub and Fn::Join produce) and makes
// each one an Unknown part. A reference may span parts, as in
// !Sub "{{resolve:ssm:/app/${Stage}/role}}": CloudFormation substitutes
// first and resolves the reference after, so its name is then partly
// unknown. Parts with no reference are returned unchanged.
func splitDynamic(parts []*Node, pos Pos) []*Node {
	found := false
	for _, p := range parts {
		if p.Kind == String && strings.Contains(p.Value, dynamicOpen) {
			found = true
			break
		}
	}
	if !found {
		return parts
	}
	// Render the parts as one text, each unknown part as a NUL-delimited
	// index (NUL cannot occur in a template), then cut at the references.
	var b strings.Builder
	for i, p := range parts {
		if s, ok := p.Str(); ok && p.Kind == String {
			b.WriteString(s)
			continue
		}
		b.WriteString("\x00" + strconv.Itoa(i) + "\x00")
	}
	text := b.String()
	var out []*Node
	emit := func(seg string) {
		for seg != "" {
			i := strings.IndexByte(seg, 0)
			if i < 0 {
				out = append(out, &Node{Kind: String, Value: seg, Pos: pos, EndLine: pos.Line})
				return
			}
			if i > 0 {
				out = append(out, &Node{Kind: String, Value: seg[:i], Pos: pos, EndLine: pos.Line})
			}
			rest := seg[i+1:]
			j := strings.IndexByte(rest, 0)
			idx, _ := strconv.Atoi(rest[:j])
			out = append(out, parts[idx])
			seg = rest[j+1:]
		}
	}
	for {
		i := strings.Index(text, dynamicOpen)
		if i < 0 {
			emit(text)
			break
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			emit(text)
			break
		}
		inner := text[i+len(dynamicOpen) : i+j]
		d, ok := parseDynamic(readable(inner, parts))
		if !ok {
			emit(text[:i+j+2])
			text = text[i+j+2:]
			continue
		}
		emit(text[:i])
		out = append(out, &Node{Kind: Unknown, Value: "<resolve:" + d.Service + ":" + d.Reference + ">",
			Pos: pos, EndLine: pos.Line, Origin: &Origin{Func: "resolve", Dynamic: d}})
		text = text[i+j+2:]
	}
	return mergeStrings(out)
}

// readable replaces the NUL-delimited part indexes in s by ${…} names of
// the unknown parts, for the reference's name.
func readable(s string, parts []*Node) string {
	if !strings.Contains(s, "\x00") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		rest := s[i+1:]
		j := strings.IndexByte(rest, 0)
		idx, _ := strconv.Atoi(rest[:j])
		desc := strings.TrimPrefix(parts[idx].Value, "!Ref ")
		if !strings.HasPrefix(desc, "${") {
			desc = "${" + desc + "}"
		}
		b.WriteString(desc)
		s = rest[j+1:]
	}
}

// mergeStrings joins adjacent known strings.
func mergeStrings(parts []*Node) []*Node {
	out := parts[:0:0]
	for _, p := range parts {
		if p.Kind == String && p.Value == "" {
			continue
		}
		if p.Kind == String && len(out) > 0 && out[len(out)-1].Kind == String {
			last := *out[len(out)-1]
			last.Value += p.Value
			out[len(out)-1] = &last
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		out = append(out, &Node{Kind: String})
	}
	return out
}

// DynamicRefs lists the dynamic references a resolved value depends on.
func DynamicRefs(n *Node) []*DynamicRef {
	var out []*DynamicRef
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		if n == nil || depth > MaxDepth {
			return
		}
		if n.Kind == Unknown && len(n.Items) > 0 {
			// A concatenation: its origin is one of its parts'.
		} else if n.Origin != nil && n.Origin.Dynamic != nil {
			out = append(out, n.Origin.Dynamic)
		}
		for _, it := range n.Items {
			walk(it, depth+1)
		}
		for _, f := range n.Fields {
			walk(f.Value, depth+1)
		}
	}
	walk(n, 0)
	return out
}
