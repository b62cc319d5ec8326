package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

func ruleInvalidEffect() *Rule {
	r := &Rule{
		Code:      "INVALID_EFFECT",
		Type:      Error,
		Title:     "A statement's Effect is neither Allow nor Deny",
		Why:       "Effect must be exactly Allow or Deny (case matters). IAM rejects anything else, and the deploy fails.",
		Fix:       "write Effect: Allow or Effect: Deny",
		Example:   "Statement:\n  - Effect: allow\n    Action: s3:GetObject\n    Resource: \"*\"",
		LearnMore: aaSection("error", "invalid-effect"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			e := s.EffectNode
			if e == nil || e.Kind == template.Unknown || s.Effect == "Allow" || s.Effect == "Deny" {
				continue
			}
			msg := fmt.Sprintf("Effect %s is neither Allow nor Deny.", template.Describe(e))
			fix := ""
			for _, want := range []string{"Allow", "Deny"} {
				if strings.EqualFold(strings.TrimSpace(s.Effect), want) {
					msg += fmt.Sprintf(" Effect is case-sensitive: write %s.", want)
					fix = "write Effect: " + want
				}
			}
			c.At(e, s.Path+".Effect", s.Effect, msg, fix)
		}
	}
	return r
}
