package checks

import "github.com/tollgate-dev/tollgate/policy"

// arnRule builds a rule that reports one code of the shared ARN diagnosis
// on every Resource and NotResource value.
func arnRule(r *Rule) *Rule {
	code := r.Code
	r.Policy = func(c *PolicyContext) {
		if c.Policy.Synthesized {
			return // Lambda permissions name functions, not ARNs
		}
		for _, s := range c.Doc.Statements {
			for _, l := range []policy.List{s.Resource, s.NotResource} {
				for _, v := range l.Values {
					if info := c.arn(v); info.code == code {
						msg, fix := c.fromParameter(v, info.message, info.fix)
						c.At(v.Node, v.Path, display(info.text), msg, fix)
					}
				}
			}
		}
	}
	return r
}
