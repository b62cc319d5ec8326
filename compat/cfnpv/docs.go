package cfnpv

import (
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// rendered is a policy document as the tool sends it to IAM Access
// Analyzer (json.dumps on one line), with the span of every value by its
// path, which locates findings as Access Analyzer does.
type rendered struct {
	text  string
	spans map[string][2]int
}

func render(tree any) *rendered {
	r := &rendered{spans: map[string][2]int{}}
	r.text = compact(tree, func(path string, start, end int) { r.spans[path] = [2]int{start, end} })
	return r
}

// rendered returns a policy's document rendered, once.
func (v *viewOf) rendered(p *template.Policy) *rendered {
	if r, ok := v.docs[p]; ok {
		return r
	}
	r := render(v.b.tree(p.Document, 0))
	v.docs[p] = r
	return r
}

// merged returns the policy of a resource made of several parts (a
// function's permissions), rendered once.
func (v *viewOf) merged(res *Resource) *rendered {
	if len(res.Parts) == 1 && !permissions(res) {
		return v.rendered(res.Parts[0])
	}
	if r, ok := v.merges[res]; ok {
		return r
	}
	r := render(v.b.document(res))
	v.merges[res] = r
	return r
}

// raw is JSON text written as is (a number as the template wrote it).
type raw string

// tree converts a resolved document into values the encoder writes, with
// the stand-ins the tool would put where the template computes a value at
// deploy time.
func (b *builder) tree(n *template.Node, depth int) any {
	if n == nil || depth > template.MaxDepth {
		return nil
	}
	switch n.Kind {
	case template.Map:
		o := make(Object, 0, len(n.Fields))
		for _, f := range n.Fields {
			o = append(o, Member{f.Key, b.tree(f.Value, depth+1)})
		}
		return o
	case template.Seq:
		out := make([]any, 0, len(n.Items))
		for _, it := range n.Items {
			out = append(out, b.tree(it, depth+1))
		}
		return out
	case template.String:
		return n.Value
	case template.Number:
		return raw(n.Value)
	case template.Bool:
		return n.Value == "true" || n.Value == "True"
	case template.Null:
		return nil
	}
	return b.text(n, OriginText(n))
}

// document is a resource's policy as the tool assembles it: a function's
// permissions become the statements of one policy.
func (b *builder) document(res *Resource) any {
	if len(res.Parts) == 1 && !permissions(res) {
		return b.tree(res.Parts[0].Document, 0)
	}
	stmts := []any{}
	for _, p := range res.Parts {
		doc, _ := b.tree(p.Document, 0).(Object)
		list, _ := doc.Get("Statement").([]any)
		for _, s := range list {
			stmts = append(stmts, b.permissionOrder(s, res.Type))
		}
	}
	return Object{{"Version", "2012-10-17"}, {"Statement", stmts}}
}

// permissions reports whether a resource's policy is made of permissions
// (a function's or a layer version's), which the tool assembles.
func permissions(r *Resource) bool {
	return r.Type == "AWS::Lambda::Function" || r.Type == "AWS::Lambda::LayerVersion"
}

// permissionOrder puts a permission's statement keys in the tool's order,
// with a function as the ARN it makes of a name or partial ARN.
func (b *builder) permissionOrder(s any, typ string) any {
	o, ok := s.(Object)
	if !ok {
		return s
	}
	out := make(Object, 0, len(o))
	order := []string{"Effect", "Action", "Principal", "Resource", "Condition"}
	if typ == "AWS::Lambda::LayerVersion" {
		order = []string{"Effect", "Action", "Resource", "Principal", "Condition"}
	}
	for _, k := range order {
		v := o.Get(k)
		if name, ok := v.(string); ok && k == "Resource" && typ == "AWS::Lambda::Function" {
			v = b.functionARN(name)
		}
		if v != nil {
			out.Set(k, v)
		}
	}
	return out
}

// functionARN completes a function's name or partial ARN
// (123456789012:function:name) into its ARN, in the run's partition,
// Region and account.
func (b *builder) functionARN(name string) string {
	if strings.HasPrefix(name, "arn:") || strings.HasPrefix(name, "<") {
		return name
	}
	full := []string{"arn", b.v.Partition, "lambda", b.v.Region, b.v.AccountID}
	parts := strings.Split(name, ":")
	before := 0
	for before < len(parts) && !strings.EqualFold(parts[before], "function") {
		before++
	}
	if before == len(parts) {
		return strings.Join(append(full, "function", name), ":")
	}
	if missing := len(full) - before; missing > 0 {
		return strings.Join(full[:missing], ":") + ":" + name
	}
	return name
}
