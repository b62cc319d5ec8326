package checks

import (
	"fmt"
	"strings"
	"sync"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

// formatPatterns caches compiled ARN formats: they come from the data set,
// so there are a few thousand at most, shared by every template.
var formatPatterns sync.Map // string → []tok

func formatPattern(f string) []tok {
	if p, ok := formatPatterns.Load(f); ok {
		return p.([]tok)
	}
	p := compileFormat(f)
	formatPatterns.Store(f, p)
	return p
}

func ruleResourceMismatch() *Rule {
	r := &Rule{
		Code:  "RESOURCE_MISMATCH",
		Type:  Error,
		Title: "An action cannot apply to any resource of its statement",
		Why: "Each action acts on certain resource types: s3:GetObject on objects (arn:aws:s3:::BUCKET/KEY), " +
			"s3:ListBucket on buckets (arn:aws:s3:::BUCKET), s3:ListAllMyBuckets on no resource at all (Resource " +
			"\"*\"). When no Resource of the statement is of a type the action applies to, the statement grants " +
			"(or denies) nothing for that action: the deploy works and the application fails with AccessDenied.",
		Fix:       "give the action a Resource of the type it acts on, usually in a statement of its own",
		Example:   "Statement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: arn:aws:s3:::reports",
		LearnMore: docsURL + "resource_mismatch",
	}
	r.Policy = func(c *PolicyContext) {
		if c.Policy.Kind == template.Trust || c.Policy.Synthesized {
			return
		}
		data := c.Options.Data
	statements:
		for _, s := range c.Doc.Statements {
			if !s.Resource.Present || len(s.Resource.Values) == 0 {
				continue
			}
			var res []*arnInfo
			for _, v := range s.Resource.Values {
				info := c.arn(v)
				if info.star || info.opaque || info.code != "" {
					// "*" or an unknowable value fits any action; a malformed
					// ARN is reported by its own rule, not again here.
					continue statements
				}
				res = append(res, info)
			}
			for _, v := range s.Action.Values {
				if !v.Known {
					continue
				}
				prefix, name, ok := splitAction(strings.TrimSpace(v.Text))
				if !ok || strings.ContainsAny(prefix, "*?") || foreignAction(c, prefix) {
					continue
				}
				acts := data.MatchActions(prefix, name)
				if len(acts) == 0 {
					continue
				}
				fits := false
				for _, a := range acts {
					if actionFits(&c.match, data, prefix, a, res) {
						fits = true
						break
					}
				}
				if !fits {
					msg, fix := mismatchMessage(data, prefix, v.Text, acts, res, s.Allows())
					c.At(v.Node, v.Path, v.Text, msg, fix)
				}
			}
		}
	}
	return r
}

// actionFits reports whether some resource could be of a type the action
// acts on. Resource types missing from the data count as fitting.
func actionFits(m *matcher, data *iamdata.Set, prefix string, a *iamdata.Action, res []*arnInfo) bool {
	if len(a.Resources) == 0 {
		return false // only "*" fits, and res has none
	}
	for _, ar := range a.Resources {
		rt := data.ResourceType(prefix, ar.Type)
		if rt == nil || len(rt.ARNs) == 0 {
			return true
		}
		for _, f := range resourceARNs(data, prefix, rt) {
			fp := formatPattern(f)
			for _, r := range res {
				if m.intersects(r.pattern, fp) {
					return true
				}
			}
		}
	}
	return false
}

func mismatchMessage(data *iamdata.Set, prefix, action string, acts []*iamdata.Action, res []*arnInfo, allow bool) (string, string) {
	effect := "so the statement grants nothing for it"
	if !allow {
		effect = "so the statement's Deny does not apply to it"
	}
	names := make([]string, len(res))
	for i, r := range res {
		names[i] = r.shown
	}
	resources := strings.Join(names, ", ")
	if len(acts) > 1 {
		return fmt.Sprintf("None of the %d actions %s matches can act on %s, %s.", len(acts), action, resources, effect),
			"give these actions the resources they act on in a statement of their own"
	}
	a := acts[0]
	if len(a.Resources) == 0 {
		return fmt.Sprintf("%s does not act on specific resources, so it needs Resource \"*\"; with %s, %s.", action, resources, effect),
			fmt.Sprintf("move %s to a statement with Resource: \"*\"", action)
	}
	var kinds []string
	var formats []string
	for _, ar := range a.Resources {
		if rt := data.ResourceType(prefix, ar.Type); rt != nil && len(rt.ARNs) > 0 {
			kinds = append(kinds, rt.Name)
			formats = append(formats, rt.ARNs[0])
		}
	}
	msg := fmt.Sprintf("%s acts on %s resources (%s), but no Resource of the statement is one (%s), %s.",
		action, strings.Join(kinds, " or "), strings.Join(formats, ", "), resources, effect)
	fix := fmt.Sprintf("give %s a Resource of the form %s", action, formats[0])
	// The common slip: a bucket ARN for an object action. Offer the fix.
	for _, r := range res {
		if strings.HasSuffix(r.text, "*") {
			continue
		}
		for _, f := range formats {
			if !intersects(compileValue(r.text+"/*"), formatPattern(f)) {
				continue
			}
			objects := r.shown + "/*"
			if at, ok := strings.CutPrefix(r.shown, "!GetAtt "); ok {
				objects = "!Sub ${" + at + "}/*"
			} else if strings.HasPrefix(r.shown, "!") {
				continue
			}
			msg += fmt.Sprintf(" Did you mean %s?", objects)
			fix = fmt.Sprintf("add %s to Resource", objects)
			return msg, fix
		}
	}
	return msg, fix
}

// foreignAction reports whether a resource policy names an action of a
// service it does not govern: UNSUPPORTED_ACTION_IN_POLICY says so, and
// the action's resource types are beside the point.
func foreignAction(c *PolicyContext, prefix string) bool {
	allowed := c.Policy.Spec().Services
	if c.Policy.Kind != template.ResourcePolicy || len(allowed) == 0 || contains(allowed, "*") {
		return false
	}
	return !contains(allowed, strings.ToLower(prefix))
}
