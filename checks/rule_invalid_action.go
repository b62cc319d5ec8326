package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/spelling"
	"github.com/tollgate-dev/tollgate/policy"
)

func ruleInvalidAction() *Rule {
	r := &Rule{
		Code:  "INVALID_ACTION",
		Type:  Error,
		Title: "An action does not exist in its service",
		Why: "IAM silently ignores an action that does not exist, and a wildcard that matches no action: the " +
			"permission the author meant to grant is missing (the deploy works, the application fails later), or " +
			"the Deny meant to protect something does not apply.",
		Fix:       "use an action listed in the service authorization reference",
		Example:   "Action: s3:GetObjekt",
		LearnMore: aaSection("error", "invalid-action"),
	}
	r.Policy = func(c *PolicyContext) {
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			actionValues(s, func(v policy.Value, element string) {
				prefix, name, ok := splitAction(strings.TrimSpace(v.Text))
				if !ok || strings.ContainsAny(prefix, "*?") {
					return
				}
				svc := data.Service(prefix)
				if svc == nil || len(data.MatchActions(prefix, name)) > 0 {
					return
				}
				if strings.ContainsAny(name, "*?") {
					c.At(v.Node, v.Path, v.Text, fmt.Sprintf("%s matches no action of %s.", v.Text, svc.Name),
						"correct the pattern so that it matches the actions you mean, or remove it")
					return
				}
				msg := fmt.Sprintf("%s is not an action of %s.", v.Text, svc.Name)
				fix := r.Fix
				if stray, clean, ok := strayPunctuation(name); ok && len(data.MatchActions(prefix, clean)) > 0 {
					// "backup:StartBackupJob," in a YAML list: the comma is
					// part of the value. Saying "did you mean" with the same
					// name would hide the one character to remove.
					msg += fmt.Sprintf(" It ends in a %s, which YAML keeps as part of the value; without it, it is %s:%s.", stray, prefix, clean)
					fix = fmt.Sprintf("remove the trailing %s: %s:%s", stray, prefix, clean)
					c.At(v.Node, v.Path, v.Text, msg, fix)
					return
				}
				if alt, ok := apiNameActions[strings.ToLower(v.Text)]; ok {
					msg += fmt.Sprintf(" Did you mean %s? (%s is an API operation; IAM authorizes it with %s.)", alt, name, alt)
					fix = "replace it with " + alt
				} else {
					names := make([]string, len(svc.Actions))
					for i, a := range svc.Actions {
						names[i] = a.Name
					}
					if s, ok := spelling.Closest(name, names); ok {
						msg += fmt.Sprintf(" Did you mean %s:%s?", svc.Prefix, s)
						fix = fmt.Sprintf("replace it with %s:%s", svc.Prefix, s)
					}
				}
				c.At(v.Node, v.Path, v.Text, msg, fix)
			})
		}
	}
	return r
}

// strayPunctuation reports an action name that only trailing punctuation
// keeps from being valid (a comma carried over from a JSON or flow list),
// naming it ("comma") and the name without it.
func strayPunctuation(name string) (stray, clean string, ok bool) {
	clean = strings.TrimRight(name, ",;.")
	if clean == name || clean == "" {
		return "", "", false
	}
	stray = map[byte]string{',': "comma", ';': "semicolon", '.': "period"}[name[len(clean)]]
	return stray, clean, true
}
