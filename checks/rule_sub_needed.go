package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

func ruleSubNeeded() *Rule {
	r := &Rule{
		Code:  "SUB_NEEDED",
		Type:  Error,
		Title: "A policy value holds ${...} of the template outside Fn::Sub",
		Why: "CloudFormation replaces ${AWS::AccountId}, ${ParameterName} and ${Resource.Attribute} only inside " +
			"Fn::Sub. Written in a plain string (or in a JSON policy string that is not passed through Fn::Sub), " +
			"the text reaches IAM as it is, where ${...} is a policy variable that does not exist: the ARN or " +
			"condition matches nothing, or IAM rejects the policy.",
		Fix:       "wrap the value in !Sub (for a JSON policy string, the whole string)",
		Example:   "Resource: arn:aws:s3:::reports-${AWS::AccountId}/*",
		LearnMore: docsURL + "sub_needed",
	}
	r.Policy = func(c *PolicyContext) {
		if c.Doc.Node == nil {
			return
		}
		c.strings.segs = c.strings.segs[:0]
		c.strings.walk(c.Doc.Node, 0, func(n *template.Node, path string) {
			ref, ok := templateRef(c.Template, n.Value)
			if !ok {
				return
			}
			where := ""
			if n.Value != "${"+ref+"}" {
				where = fmt.Sprintf(" in %q", n.Value)
			}
			c.At(n, path, ref, fmt.Sprintf("${%s}%s is not replaced: CloudFormation replaces ${...} only inside Fn::Sub, "+
				"so IAM gets the text as written. This needs Fn::Sub.", ref, where),
				"wrap the value in !Sub; for a policy written as a JSON string, put !Sub before the whole string")
		})
	}
	return r
}

// stringWalker visits every known string of a resolved document that
// holds "${", with its path relative to the document, built only for
// those. Its buffer is reused across the policies of a template.
type stringWalker struct {
	segs []pathSeg
}

type pathSeg struct {
	key string
	idx int // -1 for a key
}

func (w *stringWalker) path() string {
	var b strings.Builder
	for _, s := range w.segs {
		switch {
		case s.idx >= 0:
			b.WriteString("[" + strconv.Itoa(s.idx) + "]")
		case b.Len() > 0:
			b.WriteString("." + s.key)
		default:
			b.WriteString(s.key)
		}
	}
	return b.String()
}

func (w *stringWalker) walk(n *template.Node, depth int, visit func(n *template.Node, path string)) {
	if n == nil || depth > template.MaxDepth {
		return
	}
	switch n.Kind {
	case template.String:
		if strings.Contains(n.Value, "${") {
			visit(n, w.path())
		}
	case template.Seq:
		for i, it := range n.Items {
			w.segs = append(w.segs, pathSeg{idx: i})
			w.walk(it, depth+1, visit)
			w.segs = w.segs[:len(w.segs)-1]
		}
	case template.Map:
		for _, f := range n.Fields {
			w.segs = append(w.segs, pathSeg{key: f.Key, idx: -1})
			w.walk(f.Value, depth+1, visit)
			w.segs = w.segs[:len(w.segs)-1]
		}
	}
}

// templateRef finds the first ${...} in s that names something Fn::Sub
// would replace: a pseudo parameter, a parameter, or a resource of t (with
// an attribute). Policy variables (${aws:username}, ${s3:prefix}, ${*})
// are IAM's own and are not matched.
func templateRef(t *template.Template, s string) (string, bool) {
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return "", false
		}
		s = s[i+2:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return "", false
		}
		name := strings.TrimSpace(s[:j])
		s = s[j+1:]
		switch {
		case strings.HasPrefix(name, "AWS::"):
			return name, true
		case strings.Contains(name, ":"), strings.HasPrefix(name, "!"):
			continue // a policy variable, or Fn::Sub's own ${!Literal}
		}
		if _, ok := t.Parameters[name]; ok {
			return name, true
		}
		id, _, _ := strings.Cut(name, ".")
		if t.Resource(id) != nil {
			return name, true
		}
	}
}
