package diff

import (
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// vkind is the kind of a canonical value.
type vkind uint8

const (
	vNull vkind = iota
	vScalar
	vList
	vMap
	// vRef is a value known at deploy time only, named by what it comes
	// from: a resource (Ref, GetAtt), a parameter without a value, a pseudo
	// parameter.
	vRef
	// vConcat is a string made of known and vRef parts (Fn::Sub, Fn::Join).
	vConcat
	// vExpr is an intrinsic function the resolver cannot evaluate (an
	// undecidable Fn::If, Fn::ImportValue, Fn::GetAZs), kept as written
	// with canonical arguments.
	vExpr
	// vAbsent stands for AWS::NoValue inside an Fn::If branch.
	vAbsent
)

// val is a template value in canonical form: two values that CloudFormation
// (and IAM) treat alike are equal, whatever their spelling. Values are
// immutable once built.
type val struct {
	kind vkind
	// text is a scalar's text, a vRef's function ("Ref", "GetAtt", "Param",
	// "Pseudo"), a vExpr's function name.
	text string
	// target and attr name what a vRef refers to.
	target, attr string
	// key, when set, replaces text for comparison (IAM action names compare
	// without case).
	key string
	// items are list items, vConcat parts, vExpr arguments.
	items []*val
	// fields of a map, sorted by key.
	fields []vfield
	pos    template.Pos
	hash   uint64
	// refs is set when the value refers to a resource somewhere inside.
	refs bool
	// policy marks an IAM policy document in canonical form; the property
	// diff reports it whole and the IAM diff explains it.
	policy bool
}

type vfield struct {
	key string
	val *val
}

// fnv is a 64-bit FNV-1a hash. It is deterministic across runs, so values
// sorted by hash (policy statements) render in the same order every time.
type fnv uint64

const fnvOffset fnv = 14695981039346656037

func (h fnv) str(s string) fnv {
	for i := 0; i < len(s); i++ {
		h ^= fnv(s[i])
		h *= 1099511628211
	}
	h ^= 0xff // a separator no UTF-8 text contains
	h *= 1099511628211
	return h
}

func (h fnv) u64(x uint64) fnv {
	for i := 0; i < 8; i++ {
		h ^= fnv(byte(x >> (8 * i)))
		h *= 1099511628211
	}
	return h
}

// seal computes the structural hash of v from its parts.
func (v *val) seal() *val {
	k := v.text
	if v.key != "" {
		k = v.key
	}
	h := fnvOffset.u64(uint64(v.kind)).str(k).str(v.target).str(v.attr)
	for _, it := range v.items {
		h = h.u64(it.hash)
		v.refs = v.refs || it.refs
	}
	for _, f := range v.fields {
		h = h.str(f.key).u64(f.val.hash)
		v.refs = v.refs || f.val.refs
	}
	if v.kind == vRef && (v.text == "Ref" || v.text == "GetAtt") {
		v.refs = true
	}
	v.hash = uint64(h)
	return v
}

func scalar(s string, pos template.Pos) *val {
	return (&val{kind: vScalar, text: s, pos: pos}).seal()
}

// get returns the value of a map field, or nil.
func (v *val) get(key string) *val {
	if v == nil || v.kind != vMap {
		return nil
	}
	i := sort.Search(len(v.fields), func(i int) bool { return v.fields[i].key >= key })
	if i < len(v.fields) && v.fields[i].key == key {
		return v.fields[i].val
	}
	return nil
}

// str returns a scalar's text.
func (v *val) str() (string, bool) {
	if v == nil || v.kind != vScalar {
		return "", false
	}
	return v.text, true
}

// renames maps the logical IDs of renamed resources at base to their IDs at
// head, so values that refer to them compare equal.
type renames map[string]string

// equal compares two canonical values, with references to renamed resources
// at base (a) matched to their new names at head (b).
func equal(a, b *val, ren renames) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	if a.hash == b.hash {
		return true
	}
	if len(ren) == 0 || !a.refs || !b.refs || a.kind != b.kind {
		return false
	}
	switch a.kind {
	case vRef:
		return a.text == b.text && a.attr == b.attr && ren[a.target] == b.target
	case vList, vConcat, vExpr:
		if a.text != b.text || len(a.items) != len(b.items) {
			return false
		}
		for i := range a.items {
			if !equal(a.items[i], b.items[i], ren) {
				return false
			}
		}
		return true
	case vMap:
		if len(a.fields) != len(b.fields) {
			return false
		}
		for i := range a.fields {
			if a.fields[i].key != b.fields[i].key || !equal(a.fields[i].val, b.fields[i].val, ren) {
				return false
			}
		}
		return true
	}
	return false
}

// maxRender bounds how much of a value Before and After show.
const maxRender = 160

// render writes a value compactly for people: scalars as themselves, deploy
// time values in short intrinsic form, collections abbreviated.
func render(v *val) string {
	if v == nil {
		return ""
	}
	var b strings.Builder
	renderTo(&b, v, 0)
	s := b.String()
	if len(s) > maxRender {
		cut := maxRender
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(c byte) bool { return c&0xC0 != 0x80 }

func renderTo(b *strings.Builder, v *val, depth int) {
	if b.Len() > maxRender {
		return
	}
	if depth > 6 {
		b.WriteString("…")
		return
	}
	switch v.kind {
	case vNull:
		b.WriteString("null")
	case vAbsent:
		b.WriteString("!Ref AWS::NoValue")
	case vScalar:
		b.WriteString(v.text)
	case vRef:
		b.WriteString(refText(v))
	case vConcat:
		for _, p := range v.items {
			if p.kind == vScalar {
				b.WriteString(p.text)
				continue
			}
			b.WriteString("${")
			if p.kind == vRef {
				b.WriteString(strings.TrimPrefix(strings.TrimPrefix(refText(p), "!Ref "), "!GetAtt "))
			} else {
				renderTo(b, p, depth+1)
			}
			b.WriteString("}")
		}
	case vExpr:
		b.WriteString("!" + strings.TrimPrefix(v.text, "Fn::") + " ")
		if v.text == "Fn::If" {
			b.WriteString("[" + v.target + ", ")
		} else {
			b.WriteString("[")
		}
		renderItems(b, v.items, depth)
	case vList:
		b.WriteString("[")
		renderItems(b, v.items, depth)
	case vMap:
		b.WriteString("{")
		for i, f := range v.fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.key + ": ")
			renderTo(b, f.val, depth+1)
		}
		b.WriteString("}")
	}
}

// renderItems writes items comma-separated and closes the bracket the
// caller opened.
func renderItems(b *strings.Builder, items []*val, depth int) {
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		renderTo(b, it, depth+1)
	}
	b.WriteString("]")
}

func refText(v *val) string {
	switch v.text {
	case "GetAtt":
		return "!GetAtt " + v.target + "." + v.attr
	case "Ref", "Param", "Pseudo":
		return "!Ref " + v.target
	}
	return v.text + " " + v.target
}

// canonNumber writes numbers that are equal as numbers alike: 1, 1.0 and
// 1e0 are the same port.
func canonNumber(s string) string {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f == float64(int64(f)) && f < 1e15 && f > -1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return s
}
