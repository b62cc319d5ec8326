package checks

import "strings"

// Resource ARNs in policies and ARN formats in the service reference are
// both patterns: a policy ARN has * and ? wildcards and policy variables, a
// format has ${Var} placeholders. Whether a policy ARN can name a resource of
// a type is whether the two patterns can match a common string, which is
// decided here on the product of their automata.

// Placeholders for parts of a value that are unknown before deployment. The
// template parser rejects NUL and SOH bytes, so they cannot occur in text.
const (
	// unknownAny stands for any text, "" included.
	unknownAny = "\x00"
	// unknownName stands for a non-empty name without "/" or ":" (a
	// bucket name, a Region, an account).
	unknownName = "\x01"
)

// tokKind is a step of a pattern automaton.
type tokKind uint8

const (
	tokLit      tokKind = iota // one given byte
	tokAnyOne                  // any one byte
	tokAnyStar                 // any run of bytes, possibly empty
	tokNameOne                 // any one byte but "/"
	tokNameStar                // any run of bytes without "/"
)

type tok struct {
	kind tokKind
	c    byte
}

func (t tok) star() bool { return t.kind == tokAnyStar || t.kind == tokNameStar }

func (t tok) name() bool { return t.kind == tokNameOne || t.kind == tokNameStar }

// compileValue compiles a policy value: * and ? wildcards, ${...} policy
// variables (any text) and the unknown placeholders.
func compileValue(s string) []tok {
	out := make([]tok, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '*':
			out = append(out, tok{kind: tokAnyStar})
		case c == '?':
			out = append(out, tok{kind: tokAnyOne})
		case c == unknownAny[0]:
			out = append(out, tok{kind: tokAnyStar})
		case c == unknownName[0]:
			out = append(out, tok{kind: tokNameOne}, tok{kind: tokNameStar})
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			if j := strings.IndexByte(s[i:], '}'); j > 0 {
				out = append(out, tok{kind: tokAnyStar})
				i += j
				continue
			}
			out = append(out, tok{kind: tokLit, c: c})
		default:
			out = append(out, tok{kind: tokLit, c: c})
		}
	}
	return out
}

// nameVars are format placeholders whose values never contain "/" or ":";
// the rest (object keys, log group names, paths) may.
var nameVars = map[string]bool{
	"Partition": true, "Region": true, "Account": true, "AccountId": true,
	"BucketName": true, "TableName": true, "QueueName": true, "TopicName": true,
	"FunctionName": true, "StreamName": true, "KeyId": true,
}

// compileFormat compiles an ARN format from the service reference.
func compileFormat(s string) []tok {
	out := make([]tok, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '$' && i+1 < len(s) && s[i+1] == '{' {
			if j := strings.IndexByte(s[i:], '}'); j > 0 {
				if nameVars[s[i+2:i+j]] {
					out = append(out, tok{kind: tokNameOne}, tok{kind: tokNameStar})
				} else {
					out = append(out, tok{kind: tokAnyOne}, tok{kind: tokAnyStar})
				}
				i += j
				continue
			}
		}
		if c == '*' {
			out = append(out, tok{kind: tokAnyStar})
			continue
		}
		out = append(out, tok{kind: tokLit, c: c})
	}
	return out
}

// overlap reports whether two single-byte steps accept a common byte.
func overlap(a, b tok) bool {
	switch {
	case a.kind == tokLit && b.kind == tokLit:
		return a.c == b.c
	case a.kind == tokLit:
		return !b.name() || (a.c != '/' && a.c != ':')
	case b.kind == tokLit:
		return !a.name() || (b.c != '/' && b.c != ':')
	}
	return true // two classes, each with more than "/" and ":" in it
}

// intersects reports whether some string matches both patterns.
func intersects(a, b []tok) bool {
	var m matcher
	return m.intersects(a, b)
}

// matcher decides intersections, keeping its buffers between calls: the
// rules ask thousands of times per template.
type matcher struct {
	seen  []bool
	stack []int
}

// literalPrefixDiffers reports whether the literal prefixes of two patterns
// disagree, which settles most pairs (different ARN services, resource
// types) without running the automaton.
func literalPrefixDiffers(a, b []tok) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i].kind != tokLit || b[i].kind != tokLit {
			return false
		}
		if a[i].c != b[i].c {
			return true
		}
	}
	return false
}

func (m *matcher) intersects(a, b []tok) bool {
	if literalPrefixDiffers(a, b) {
		return false
	}
	w := len(b) + 1
	size := (len(a) + 1) * w
	if cap(m.seen) < size {
		m.seen = make([]bool, size)
	} else {
		m.seen = m.seen[:size]
		clear(m.seen)
	}
	seen := m.seen
	stack := m.stack[:0]
	push := func(i, j int) {
		if !seen[i*w+j] {
			seen[i*w+j] = true
			stack = append(stack, i*w+j)
		}
	}
	push(0, 0)
	defer func() { m.stack = stack[:0] }()
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, j := s/w, s%w
		if i == len(a) && j == len(b) {
			return true
		}
		// A star may match nothing.
		if i < len(a) && a[i].star() {
			push(i+1, j)
		}
		if j < len(b) && b[j].star() {
			push(i, j+1)
		}
		if i == len(a) || j == len(b) || !overlap(a[i], b[j]) {
			continue
		}
		ni, nj := i+1, j+1
		if a[i].star() {
			ni = i
		}
		if b[j].star() {
			nj = j
		}
		push(ni, nj)
	}
	return false
}
