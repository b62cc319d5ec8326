package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

func ruleDynamicReferenceWithoutVersion() *Rule {
	r := &Rule{
		Code:  "DYNAMIC_REFERENCE_WITHOUT_VERSION",
		Type:  Warning,
		Title: "A policy takes a value from an SSM parameter without a version",
		Why: "CloudFormation replaces {{resolve:ssm:NAME}} with the parameter's latest value each time it deploys the stack. " +
			"Whoever can write the parameter can then change who is trusted or what is granted without any template change, " +
			"and no review sees it. A parameter of type AWS::SSM::Parameter::Value<…> has the same effect. tollgate checks the value as unknown; " +
			"a version number pins what was reviewed.",
		Fix: "pin the version: {{resolve:ssm:NAME:VERSION}}; or allow unversioned references with " +
			"allow-dynamic-ref-without-version: true in .tollgate.yml or --allow-dynamic-ref-without-version",
		Example:   "Principal:\n  AWS: \"{{resolve:ssm:/org/deployer-role-arn}}\"",
		LearnMore: docsURL + "dynamic_reference_without_version",
	}
	r.Policy = func(c *PolicyContext) {
		if c.Options.AllowDynamicRefWithoutVersion {
			return
		}
		walkDynamic(c.Policy.Document, "", 0, func(n *template.Node, o *template.Origin, path string) {
			if o.Parameter != "" {
				p := c.Template.Parameters[o.Parameter]
				if p == nil || !strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value") {
					return
				}
				name := "the SSM parameter it names"
				if s, ok := p.Default.Str(); ok {
					name = "the SSM parameter " + s + " (its default)"
				}
				c.At(n, path, "parameter "+p.Name,
					fmt.Sprintf("Parameter %s is of type %s, so the policy takes whatever value %s holds at each deploy.", p.Name, p.Type, name),
					"take the value from a versioned dynamic reference, {{resolve:ssm:NAME:VERSION}}, or from a String parameter whose value is reviewed")
				return
			}
			d := o.Dynamic
			if d == nil || !d.SSM() || d.Version != "" {
				return
			}
			c.At(n, path, d.Text(),
				fmt.Sprintf("%s has no version, so the policy takes whatever value the SSM parameter %s holds at each deploy.", d.Text(), d.Name),
				fmt.Sprintf("pin the version reviewed: {{resolve:%s:%s:VERSION}}; or accept unversioned references with "+
					"allow-dynamic-ref-without-version: true in .tollgate.yml (--allow-dynamic-ref-without-version)", d.Service, d.Name))
		})
	}
	return r
}

// walkDynamic calls visit for the origin of each unknown value in a resolved
// policy document (each unknown part of a partly known one), with the node
// that holds it and its path in the document.
func walkDynamic(n *template.Node, path string, depth int, visit func(*template.Node, *template.Origin, string)) {
	if n == nil || depth > template.MaxDepth {
		return
	}
	switch n.Kind {
	case template.Unknown:
		if len(n.Items) == 0 {
			if n.Origin != nil {
				visit(n, n.Origin, path)
			}
			return
		}
		for _, p := range n.Items {
			if p.Origin != nil {
				visit(n, p.Origin, path)
			}
		}
	case template.Seq:
		for i, it := range n.Items {
			walkDynamic(it, path+"["+strconv.Itoa(i)+"]", depth+1, visit)
		}
	case template.Map:
		for _, f := range n.Fields {
			p := f.Key
			if path != "" {
				p = path + "." + f.Key
			}
			walkDynamic(f.Value, p, depth+1, visit)
		}
	}
}
