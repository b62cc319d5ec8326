package cfnpv

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Object is a JSON object whose keys keep their order, as Python's dicts
// do: cfn-policy-validator's output lists keys in insertion order.
type Object []Member

// Member is one key of an Object.
type Member struct {
	Key   string
	Value any
}

// O builds an Object from alternating keys and values.
func O(pairs ...any) Object {
	o := make(Object, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		o = append(o, Member{Key: pairs[i].(string), Value: pairs[i+1]})
	}
	return o
}

// Set appends a key.
func (o *Object) Set(key string, v any) { *o = append(*o, Member{key, v}) }

// Get returns a key's value, or nil.
func (o Object) Get(key string) any {
	for _, m := range o {
		if m.Key == key {
			return m.Value
		}
	}
	return nil
}

// Encode writes v as Python's json.dumps(v, indent=4) does: four-space
// indentation, ", " never trailing, ": " after keys, and every non-ASCII
// character escaped (ensure_ascii). Values are Object, []any, string,
// bool, int, float64 and nil.
func Encode(v any) string {
	var b strings.Builder
	e := encoder{b: &b, indent: 4}
	e.value(v, 0)
	b.WriteByte('\n')
	return b.String()
}

// compact writes v on one line as json.dumps(v) does (", " and ": "),
// recording where each value lies: span(path) is called with its start and
// end offsets. Paths are "Statement[0].Action[1]", as Finding.PolicyPath.
func compact(v any, span func(path string, start, end int)) string {
	var b strings.Builder
	e := encoder{b: &b, indent: -1, span: span}
	e.value(v, 0)
	return b.String()
}

type encoder struct {
	b      *strings.Builder
	indent int
	span   func(path string, start, end int)
	path   []string
}

func (e *encoder) newline(depth int) {
	if e.indent < 0 {
		return
	}
	e.b.WriteByte('\n')
	e.b.WriteString(strings.Repeat(" ", depth*e.indent))
}

func (e *encoder) sep() {
	if e.indent < 0 {
		e.b.WriteString(", ")
		return
	}
	e.b.WriteByte(',')
}

func (e *encoder) value(v any, depth int) {
	start := e.b.Len()
	switch x := v.(type) {
	case nil:
		e.b.WriteString("null")
	case bool:
		e.b.WriteString(strconv.FormatBool(x))
	case int:
		e.b.WriteString(strconv.Itoa(x))
	case float64:
		e.b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case string:
		writeString(e.b, x)
	case raw:
		e.b.WriteString(string(x))
	case Object:
		if len(x) == 0 {
			e.b.WriteString("{}")
			break
		}
		e.b.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				e.sep()
			}
			e.newline(depth + 1)
			writeString(e.b, m.Key)
			e.b.WriteString(": ")
			e.path = append(e.path, "."+m.Key)
			e.value(m.Value, depth+1)
			e.path = e.path[:len(e.path)-1]
		}
		e.newline(depth)
		e.b.WriteByte('}')
	case []any:
		if len(x) == 0 {
			e.b.WriteString("[]")
			break
		}
		e.b.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				e.sep()
			}
			e.newline(depth + 1)
			e.path = append(e.path, "["+strconv.Itoa(i)+"]")
			e.value(it, depth+1)
			e.path = e.path[:len(e.path)-1]
		}
		e.newline(depth)
		e.b.WriteByte(']')
	default:
		panic(fmt.Sprintf("cfnpv: cannot encode %T", v))
	}
	if e.span != nil {
		e.span(strings.TrimPrefix(strings.Join(e.path, ""), "."), start, e.b.Len())
	}
}

// writeString quotes s as Python's json module does with ensure_ascii.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r <= 0xffff) || r == utf8.RuneError:
			fmt.Fprintf(b, `\u%04x`, r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10)&0x3ff, 0xdc00+r&0x3ff)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
