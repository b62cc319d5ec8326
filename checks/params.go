package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// paramAt returns the parameter whose value a known policy value is, when
// the value was written as a Ref to a parameter: the resolver places a
// parameter's value where its Ref was written, so the Ref's position names
// it.
func (c *TemplateContext) paramAt(v policy.Value) (string, bool) {
	if !v.Known || v.Node == nil {
		return "", false
	}
	if c.refs == nil {
		c.refs = map[template.Pos]string{}
		for _, r := range c.Template.Resources {
			c.indexRefs(r.Properties, 0)
		}
	}
	name, ok := c.refs[v.Node.Pos]
	return name, ok
}

func (c *TemplateContext) indexRefs(n *template.Node, depth int) {
	if n == nil || depth > template.MaxDepth {
		return
	}
	if fn, arg, ok := n.Intrinsic(); ok && fn == "Ref" {
		if name, ok := arg.Str(); ok && c.Template.Parameters[name] != nil {
			c.refs[n.Pos] = name
		}
		return
	}
	for _, it := range n.Items {
		c.indexRefs(it, depth+1)
	}
	for _, f := range n.Fields {
		c.indexRefs(f.Value, depth+1)
	}
}

// fromParameter rewrites the message of a finding on a value that came from
// a parameter, so that it names the parameter: an empty Default especially
// reads as a garbled value otherwise.
func (c *TemplateContext) fromParameter(v policy.Value, msg, fix string) (string, string) {
	name, ok := c.paramAt(v)
	if !ok {
		return msg, fix
	}
	_, pinned := c.Options.Values.Parameters[name]
	if v.Text == "" {
		empty := "has an empty Default"
		if pinned {
			empty = "is given as empty"
		}
		return fmt.Sprintf("Parameter %s %s, so this value is \"\": %s", name, empty, msg),
			fmt.Sprintf("give %s a value (--parameter %s=..., or parameters: in .tollgate.yml), or a Condition that leaves this statement out when %s is empty", name, name, name)
	}
	set := "its Default"
	if pinned {
		set = "as given"
	}
	return fmt.Sprintf("%s (This is parameter %s, %s.)", msg, name, set), fix
}
