package diff

import "github.com/tollgate-dev/tollgate/template"

// SameStack thresholds: a deleted and an added template are one stack
// moved (or rewritten in another format) when this share of their logical
// IDs is common with the same type, and this share of those common
// resources has the same values.
const (
	sameStackIDs    = 0.8
	sameStackValues = 0.5
)

// Stack identifies a template's resources for SameStack: logical ID to
// type. Build it once per template with StackResources.
type Stack map[string]string

// StackResources lists a template's resources by logical ID.
func StackResources(t *template.Template) Stack {
	if t == nil || t.Root == nil {
		return nil
	}
	out := Stack{}
	for _, r := range t.Resources {
		if _, dup := out[r.LogicalID]; !dup && r.Type != "AWS::CDK::Metadata" {
			out[r.LogicalID] = r.Type
		}
	}
	return out
}

// IDScore is the share of logical IDs, with the same type, that two
// templates have in common (0..1).
func IDScore(a, b Stack) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common := 0
	for id, typ := range a {
		if b[id] == typ {
			common++
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}

// SameStack reports whether two templates describe one stack: the same
// logical IDs and types, mostly with the same values compared as the diff
// compares them (resolved and canonical, so YAML and JSON spellings are
// alike). It is how a file renamed and converted (mail.yaml to mail.json)
// is recognised when its bytes have little in common. The score (0..1)
// ranks candidates.
func SameStack(a, b *template.Template, o Options) (score float64, ok bool) {
	ids := IDScore(StackResources(a), StackResources(b))
	if ids < sameStackIDs {
		return ids, false
	}
	if o.Spec == nil {
		o.Spec = EmbeddedSpec()
	}
	sa, sb := newSide(a, &o), newSide(b, &o)
	common, same := 0, 0
	for _, id := range sa.order {
		x, y := sa.res[id], sb.res[id]
		if y == nil || x.res.Type != y.res.Type {
			continue
		}
		common++
		if template.Equal(x.res.Node, y.res.Node) {
			same++
			continue
		}
		sa.canonize(x)
		sb.canonize(y)
		if equal(x.props, y.props, nil) {
			same++
		}
	}
	if common == 0 {
		return 0, false
	}
	values := float64(same) / float64(common)
	return (ids + values) / 2, values >= sameStackValues
}
