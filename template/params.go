package template

import (
	"math"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A parameter that nobody pinned (with --parameter, a parameter file, the
// configuration or a gitops environment) can take any value its definition
// accepts: its Default is only the likely one. domain is that set of
// values, as far as the definition constrains it.
type domain struct {
	name   string
	typ    string
	list   bool
	number bool
	// opaque parameters have values read at deploy time (SSM parameter
	// types): nothing in the template says what they hold.
	opaque bool
	// allowed lists AllowedValues; nil when any value is allowed.
	allowed []string
	// pattern is AllowedPattern anchored at both ends; nil when absent or
	// not a pattern Go can read (then it rules nothing out).
	pattern        *regexp.Regexp
	patternText    string
	minLen, maxLen int // -1 when not set
	minVal, maxVal float64
	hasMin, hasMax bool
	// prefix is what values of an AWS-specific type start with ("vpc-"),
	// and awsType marks those types: their values name existing things, so
	// they are never empty.
	prefix  string
	awsType bool
	def     string
	hasDef  bool
}

// awsPrefixes are the ID prefixes of the AWS-specific parameter types
// whose values CloudFormation checks exist in the account.
var awsPrefixes = map[string]string{
	"AWS::EC2::VPC::Id":            "vpc-",
	"AWS::EC2::Subnet::Id":         "subnet-",
	"AWS::EC2::SecurityGroup::Id":  "sg-",
	"AWS::EC2::Image::Id":          "ami-",
	"AWS::EC2::Instance::Id":       "i-",
	"AWS::EC2::Volume::Id":         "vol-",
	"AWS::Route53::HostedZone::Id": "",
}

// domainOf reads the constraints of a parameter definition.
func domainOf(p *Parameter) *domain {
	d := &domain{name: p.Name, typ: p.Type, minLen: -1, maxLen: -1}
	switch {
	case strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value"):
		d.opaque = true
	case p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "List<"):
		d.list = true
	case p.Type == "Number":
		d.number = true
	case strings.HasPrefix(p.Type, "AWS::"):
		d.awsType = true
		d.prefix = awsPrefixes[p.Type]
	}
	if p.Default != nil {
		if s, ok := p.Default.Str(); ok && p.Default.Kind != Map {
			d.def, d.hasDef = s, true
		} else if p.Default.Kind == Seq && d.list {
			var parts []string
			for _, it := range p.Default.Items {
				s, _ := it.Str()
				parts = append(parts, s)
			}
			d.def, d.hasDef = strings.Join(parts, ","), true
		}
	}
	n := p.Node
	if av := n.Get("AllowedValues"); av != nil && av.Kind == Seq {
		d.allowed = []string{}
		for _, it := range av.Items {
			if s, ok := it.Str(); ok {
				d.allowed = append(d.allowed, s)
			}
		}
	}
	if s, ok := n.Get("AllowedPattern").Str(); ok {
		d.patternText = s
		// CloudFormation matches the whole value (Java's String.matches).
		if re, err := regexp.Compile(`^(?:` + s + `)$`); err == nil {
			d.pattern = re
		}
	}
	num := func(key string) (float64, bool) {
		s, ok := n.Get(key).Str()
		if !ok {
			return 0, false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return f, err == nil
	}
	if f, ok := num("MinLength"); ok {
		d.minLen = int(f)
	}
	if f, ok := num("MaxLength"); ok {
		d.maxLen = int(f)
	}
	d.minVal, d.hasMin = num("MinValue")
	d.maxVal, d.hasMax = num("MaxValue")
	return d
}

// accepts reports whether CloudFormation would accept v for the parameter.
// Where a constraint cannot be judged here it accepts: ruling a value out
// wrongly would hide a branch.
func (d *domain) accepts(v string) bool {
	if d.list {
		// Constraints apply to each item of a list parameter.
		if d.allowed != nil {
			for _, item := range strings.Split(v, ",") {
				if !contains(d.allowed, strings.TrimSpace(item)) {
					return false
				}
			}
		}
		return true
	}
	if d.allowed != nil && !contains(d.allowed, v) {
		return false
	}
	if d.pattern != nil && !d.pattern.MatchString(v) {
		return false
	}
	n := utf8.RuneCountInString(v)
	if d.minLen >= 0 && n < d.minLen || d.maxLen >= 0 && n > d.maxLen {
		return false
	}
	if d.number {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) {
			return false
		}
		if d.hasMin && f < d.minVal || d.hasMax && f > d.maxVal {
			return false
		}
	}
	if d.awsType && (v == "" || !strings.HasPrefix(v, d.prefix)) {
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// class is a set of values of one parameter that every condition of the
// template treats alike; value is one of them, the one messages name.
type class struct {
	value string
	// other marks the class of accepted values equal to none of the
	// values the template compares the parameter with, when no concrete
	// member could be constructed: value is then a sentinel that equals no
	// literal, and label describes the class.
	other bool
	label string
	// isDefault marks the class of the parameter's Default.
	isDefault bool
}

// otherSentinel stands for "a value none of the template's literals equal".
const otherSentinel = "\x00tollgate-other"

// classes splits the accepted values of the parameter by the literals the
// template compares it with: one class per accepted literal, one for the
// default, and one for every other accepted value when there is one.
func (d *domain) classes(lits []string) []class {
	var out []class
	seen := map[string]bool{}
	add := func(v string) {
		if seen[v] {
			return
		}
		seen[v] = true
		out = append(out, class{value: v, label: v, isDefault: d.hasDef && v == d.def})
	}
	if d.hasDef {
		// The default comes first: it is the likely value, and the
		// enumeration prefers it.
		add(d.def)
	}
	for _, l := range lits {
		if d.accepts(l) {
			add(l)
		}
	}
	if v, ok := d.witness(seen); ok {
		add(v)
	} else if d.allowed == nil {
		// Accepted values besides the literals exist unless AllowedValues
		// says otherwise; that no example was found proves nothing.
		out = append(out, class{value: otherSentinel, other: true, label: "<a value other than " + quoteList(seen) + ">"})
	}
	return out
}

func quoteList(set map[string]bool) string {
	var parts []string
	for v := range set {
		parts = append(parts, strconv.Quote(v))
	}
	sort.Strings(parts)
	if len(parts) > 4 {
		parts = append(parts[:4], "…")
	}
	return strings.Join(parts, ", ")
}

// witness finds an accepted value outside taken, to stand for the class of
// values the template compares with nothing.
func (d *domain) witness(taken map[string]bool) (string, bool) {
	ok := func(v string) bool { return !taken[v] && d.accepts(v) }
	if d.allowed != nil {
		for _, v := range d.allowed {
			if ok(v) {
				return v, true
			}
		}
		return "", false
	}
	var cands []string
	switch {
	case d.number:
		lo, hi := 0.0, 100.0
		if d.hasMin {
			lo = d.minVal
		}
		if d.hasMax {
			hi = d.maxVal
		}
		for _, f := range []float64{lo, hi, math.Ceil(lo), math.Floor(hi), (lo + hi) / 2, lo + 1, hi - 1, 0, 1, 2, 3, 42} {
			cands = append(cands, strconv.FormatFloat(f, 'f', -1, 64))
		}
	case d.pattern != nil:
		if re, err := syntax.Parse(d.patternText, syntax.Perl); err == nil {
			re = re.Simplify()
			for i := 0; i < 24; i++ {
				cands = append(cands, sample(re, i, 0))
			}
		}
	case d.awsType:
		cands = []string{d.prefix + "0123456789abcdef0", d.prefix + "example"}
	default:
		for _, v := range []string{"other", "x", "example", "sandbox", "0"} {
			cands = append(cands, v)
			if d.minLen > len(v) {
				cands = append(cands, v+strings.Repeat("x", d.minLen-len(v)))
			}
		}
		if d.minLen > 0 {
			cands = append(cands, strings.Repeat("a", d.minLen))
		}
	}
	for _, c := range cands {
		if ok(c) {
			return c, true
		}
	}
	return "", false
}

// sample builds a string that re matches; variant picks among the
// choices (alternatives, class members, repetition counts), so that
// several variants give several different strings.
func sample(re *syntax.Regexp, variant, depth int) string {
	if depth > 50 {
		return ""
	}
	pick := func(n int) int {
		if n <= 0 {
			return 0
		}
		return (variant / (depth + 1)) % n
	}
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCharClass:
		if len(re.Rune) < 2 {
			return ""
		}
		// Prefer printable members: each range's low end, then the next.
		var members []rune
		for i := 0; i+1 < len(re.Rune) && len(members) < 8; i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for r := lo; r <= hi && r < lo+3; r++ {
				if r >= 0x20 && r != 0x7f {
					members = append(members, r)
				}
			}
		}
		if len(members) == 0 {
			return string(re.Rune[0])
		}
		return string(members[(variant+depth)%len(members)])
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return string(rune('a' + (variant+depth)%26))
	case syntax.OpCapture:
		return sample(re.Sub[0], variant, depth+1)
	case syntax.OpStar, syntax.OpQuest:
		if pick(2) == 0 {
			return ""
		}
		return sample(re.Sub[0], variant, depth+1)
	case syntax.OpPlus:
		s := sample(re.Sub[0], variant, depth+1)
		if pick(2) == 1 {
			s += sample(re.Sub[0], variant+1, depth+1)
		}
		return s
	case syntax.OpRepeat:
		n := re.Min
		if re.Max < 0 || re.Max > n {
			n += pick(2)
		}
		var b strings.Builder
		for i := 0; i < n && i < 256; i++ {
			b.WriteString(sample(re.Sub[0], variant+i, depth+1))
		}
		return b.String()
	case syntax.OpConcat:
		var b strings.Builder
		for _, s := range re.Sub {
			b.WriteString(sample(s, variant, depth+1))
		}
		return b.String()
	case syntax.OpAlternate:
		return sample(re.Sub[pick(len(re.Sub))], variant, depth+1)
	}
	return ""
}
