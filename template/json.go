package template

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonParser is a small JSON reader that records the line and column of
// every value. encoding/json keeps no positions, and a template's findings
// must point at lines.
type jsonParser struct {
	data      []byte
	off       int
	line      int
	lineStart int
	problems  []Problem
	err       *Problem
	// colOff and col cache the column of an offset on the current line:
	// positions are asked for in increasing order, so counting runes from
	// the last one keeps a minified one-line template linear.
	colOff, col int
	// nodes is a slab the parser allocates nodes from, and fields a stack
	// that objects collect their entries on before copying them out at
	// their exact size: far fewer allocations than one per node.
	nodes  []Node
	fields []Field
}

// node returns a new node from the slab.
func (p *jsonParser) node() *Node {
	if len(p.nodes) == cap(p.nodes) {
		p.nodes = make([]Node, 0, 256)
	}
	p.nodes = p.nodes[:len(p.nodes)+1]
	return &p.nodes[len(p.nodes)-1]
}

// parseJSON parses data as one JSON value. A nil root means it could not be read.
func parseJSON(data []byte) (*Node, []Problem) {
	p := &jsonParser{data: data, line: 1, col: 1}
	p.skipSpace()
	root := p.value(0)
	if p.err == nil {
		p.skipSpace()
		if p.off < len(p.data) {
			p.fail("unexpected %s after the end of the document", p.describeAt())
		}
	}
	if p.err != nil {
		return nil, append(p.problems, *p.err)
	}
	return root, p.problems
}

func (p *jsonParser) pos() Pos {
	return p.posAt(p.off)
}

func (p *jsonParser) posAt(off int) Pos {
	if p.colOff < p.lineStart || p.colOff > off {
		p.colOff, p.col = p.lineStart, 1
	}
	if p.colOff > off {
		return Pos{Line: p.line, Col: 1}
	}
	p.col += utf8.RuneCount(p.data[p.colOff:off])
	p.colOff = off
	return Pos{Line: p.line, Col: p.col}
}

func (p *jsonParser) fail(format string, args ...any) {
	if p.err != nil {
		return
	}
	p.err = &Problem{Pos: p.pos(), Message: "JSON syntax error: " + fmt.Sprintf(format, args...),
		Fix: "fix the JSON syntax at this position; a missing comma or an extra trailing comma are the usual causes"}
}

func (p *jsonParser) describeAt() string {
	if p.off >= len(p.data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.data[p.off:])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte 0x%02x", p.data[p.off])
	}
	return strconv.QuoteRune(r)
}

func (p *jsonParser) skipSpace() {
	for p.off < len(p.data) {
		switch p.data[p.off] {
		case ' ', '\t', '\r':
			p.off++
		case '\n':
			p.off++
			p.line++
			p.lineStart = p.off
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) *Node {
	if p.err != nil {
		return nil
	}
	if depth > MaxDepth {
		p.fail("nesting deeper than %d levels", MaxDepth)
		return nil
	}
	if p.off >= len(p.data) {
		p.fail("unexpected end of file, expected a value")
		return nil
	}
	start := p.pos()
	switch c := p.data[p.off]; {
	case c == '{':
		return p.object(depth, start)
	case c == '[':
		return p.array(depth, start)
	case c == '"':
		s, ok := p.str()
		if !ok {
			return nil
		}
		n := p.node()
		*n = Node{Kind: String, Value: s, Pos: start, EndLine: start.Line}
		return n
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(start)
	default:
		for _, lit := range [...]struct {
			text string
			kind Kind
		}{{"true", Bool}, {"false", Bool}, {"null", Null}} {
			if strings.HasPrefix(string(p.data[p.off:min(len(p.data), p.off+len(lit.text))]), lit.text) {
				p.off += len(lit.text)
				return &Node{Kind: lit.kind, Value: lit.text, Pos: start, EndLine: start.Line}
			}
		}
		p.fail("unexpected %s, expected a value", p.describeAt())
		return nil
	}
}

func (p *jsonParser) object(depth int, start Pos) *Node {
	p.off++ // {
	n := p.node()
	*n = Node{Kind: Map, Pos: start}
	p.skipSpace()
	if p.off < len(p.data) && p.data[p.off] == '}' {
		p.off++
		n.EndLine = p.line
		return n
	}
	// This object's entries go on the shared stack from here; nested
	// objects push and pop above them.
	base := len(p.fields)
	defer func() { p.fields = p.fields[:base] }()
	var seen map[string]int // only for objects too large to scan
	for {
		p.skipSpace()
		if p.off >= len(p.data) || p.data[p.off] != '"' {
			p.fail("unexpected %s, expected a quoted key", p.describeAt())
			return nil
		}
		keyPos := p.pos()
		key, ok := p.str()
		if !ok {
			return nil
		}
		p.skipSpace()
		if p.off >= len(p.data) || p.data[p.off] != ':' {
			p.fail("unexpected %s, expected ':' after key %q", p.describeAt(), key)
			return nil
		}
		p.off++
		p.skipSpace()
		v := p.value(depth + 1)
		if v == nil {
			return nil
		}
		mine := p.fields[base:]
		first := 0
		if len(mine) < 16 {
			for _, f := range mine {
				if f.Key == key {
					first = f.KeyPos.Line
					break
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]int, 2*len(mine))
				for _, f := range mine {
					seen[f.Key] = f.KeyPos.Line
				}
			}
			first = seen[key]
		}
		if first > 0 {
			p.problems = append(p.problems, Problem{Pos: keyPos,
				Message: fmt.Sprintf("duplicate key %q (first defined at line %d); CloudFormation rejects the template", key, first),
				Fix:     "remove or rename one of the two keys"})
		} else {
			p.fields = append(p.fields, Field{Key: key, KeyPos: keyPos, Value: v})
			if seen != nil {
				seen[key] = keyPos.Line
			}
		}
		p.skipSpace()
		if p.off >= len(p.data) {
			p.fail("unexpected end of file, expected ',' or '}'")
			return nil
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case '}':
			p.off++
			n.EndLine = p.line
			n.Fields = append(make([]Field, 0, len(p.fields)-base), p.fields[base:]...)
			return n
		default:
			p.fail("unexpected %s, expected ',' or '}'", p.describeAt())
			return nil
		}
	}
}

func (p *jsonParser) array(depth int, start Pos) *Node {
	p.off++ // [
	n := p.node()
	*n = Node{Kind: Seq, Pos: start}
	p.skipSpace()
	if p.off < len(p.data) && p.data[p.off] == ']' {
		p.off++
		n.EndLine = p.line
		return n
	}
	for {
		p.skipSpace()
		v := p.value(depth + 1)
		if v == nil {
			return nil
		}
		n.Items = append(n.Items, v)
		p.skipSpace()
		if p.off >= len(p.data) {
			p.fail("unexpected end of file, expected ',' or ']'")
			return nil
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case ']':
			p.off++
			n.EndLine = p.line
			return n
		default:
			p.fail("unexpected %s, expected ',' or ']'", p.describeAt())
			return nil
		}
	}
}

func (p *jsonParser) number(start Pos) *Node {
	s := p.off
	if p.data[p.off] == '-' {
		p.off++
	}
	digits := func() int {
		n := 0
		for p.off < len(p.data) && p.data[p.off] >= '0' && p.data[p.off] <= '9' {
			p.off++
			n++
		}
		return n
	}
	if digits() == 0 {
		p.fail("invalid number")
		return nil
	}
	if p.off < len(p.data) && p.data[p.off] == '.' {
		p.off++
		if digits() == 0 {
			p.fail("invalid number: digits expected after '.'")
			return nil
		}
	}
	if p.off < len(p.data) && (p.data[p.off] == 'e' || p.data[p.off] == 'E') {
		p.off++
		if p.off < len(p.data) && (p.data[p.off] == '+' || p.data[p.off] == '-') {
			p.off++
		}
		if digits() == 0 {
			p.fail("invalid number: digits expected in the exponent")
			return nil
		}
	}
	n := p.node()
	*n = Node{Kind: Number, Value: string(p.data[s:p.off]), Pos: start, EndLine: start.Line}
	return n
}

// str reads a quoted string at p.off.
func (p *jsonParser) str() (string, bool) {
	p.off++ // opening quote
	start := p.off
	// Fast path: no escapes.
	for p.off < len(p.data) {
		c := p.data[p.off]
		if c == '"' {
			s := string(p.data[start:p.off])
			p.off++
			return s, true
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.off++
	}
	var b strings.Builder
	b.Write(p.data[start:p.off])
	for p.off < len(p.data) {
		c := p.data[p.off]
		switch {
		case c == '"':
			p.off++
			return b.String(), true
		case c < 0x20:
			p.fail("control character 0x%02x inside a string; write it as an escape such as \\n", c)
			return "", false
		case c == '\\':
			if p.off+1 >= len(p.data) {
				p.off++
				p.fail("unterminated string")
				return "", false
			}
			e := p.data[p.off+1]
			p.off += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", false
				}
				if utf16.IsSurrogate(r) {
					if p.off+1 < len(p.data) && p.data[p.off] == '\\' && p.data[p.off+1] == 'u' {
						p.off += 2
						r2, ok := p.hex4()
						if !ok {
							return "", false
						}
						r = utf16.DecodeRune(r, r2)
					} else {
						r = utf8.RuneError
					}
				}
				b.WriteRune(r)
			default:
				p.off -= 2
				p.fail("invalid escape \\%c in a string", e)
				return "", false
			}
		default:
			b.WriteByte(c)
			p.off++
		}
	}
	p.fail("unterminated string")
	return "", false
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.off+4 > len(p.data) {
		p.fail("incomplete \\u escape")
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.data[p.off:p.off+4]), 16, 32)
	if err != nil {
		p.fail("invalid \\u escape %q", p.data[p.off:p.off+4])
		return 0, false
	}
	p.off += 4
	return rune(v), true
}
