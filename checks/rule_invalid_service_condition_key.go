package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/internal/spelling"
)

func ruleInvalidServiceConditionKey() *Rule {
	r := &Rule{
		Code:  "INVALID_SERVICE_CONDITION_KEY",
		Type:  Error,
		Title: "A service condition key does not exist",
		Why: "A condition on a key the service does not define never matches: an Allow it guards never applies, a " +
			"Deny it guards never denies. Keys are written service:name, with the service's own prefix.",
		Fix:       "use a condition key the service defines in the service authorization reference",
		Example:   "Condition:\n  StringEquals:\n    s3:x-amz-acl-grant: bucket-owner-full-control",
		LearnMore: aaSection("error", "invalid-service-condition-key"),
	}
	r.Policy = func(c *PolicyContext) {
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			for i := range s.Conditions {
				cond := &s.Conditions[i]
				prefix, _, hasColon := strings.Cut(cond.Key, ":")
				switch {
				case strings.EqualFold(prefix, "aws"):
					continue
				case !hasColon:
					c.AtPos(cond.KeyPos, 0, cond.Path, cond.Key, fmt.Sprintf("%q is not a condition key: keys are written service:name, e.g. s3:prefix or aws:SourceIp.", cond.Key),
						"write the key with its service prefix")
					continue
				case !data.HasService(prefix):
					if !strings.ContainsAny(prefix, "./") && !identityProviderPrefix(data, prefix) && !strings.ContainsAny(prefix, "*?$") {
						msg := fmt.Sprintf("%s is not a service prefix, so %s is not a condition key.", prefix, cond.Key)
						fix := "write the key with the prefix of the service it belongs to"
						if p, ok := spelling.Closest(prefix, data.Prefixes()); ok {
							msg += fmt.Sprintf(" Did you mean %s:%s?", p, strings.TrimPrefix(cond.Key, prefix+":"))
							fix = "replace " + prefix + " with " + p
						}
						c.AtPos(cond.KeyPos, 0, cond.Path, cond.Key, msg, fix)
					}
					continue
				}
				svc := data.Service(prefix)
				if svc == nil || len(svc.ConditionKeys) == 0 {
					continue // the data lists no keys for it: cannot judge
				}
				if _, known, _ := keyType(data, cond.Key); known {
					continue
				}
				msg := fmt.Sprintf("%s is not a condition key of %s.", cond.Key, svc.Name)
				fix := r.Fix
				names := make([]string, len(svc.ConditionKeys))
				for i, k := range svc.ConditionKeys {
					names[i] = k.Name
				}
				if s, ok := closestKey(cond.Key, names); ok {
					msg += fmt.Sprintf(" Did you mean %s?", s)
					fix = "write " + s
				}
				c.AtPos(cond.KeyPos, 0, cond.Path, cond.Key, msg, fix)
			}
		}
	}
	return r
}

// identityProviderPrefix reports whether prefix is one that identity
// provider keys use: saml:, and the providers STS lists keys for.
func identityProviderPrefix(data *iamdata.Set, prefix string) bool {
	sts := data.Service("sts")
	if sts == nil {
		return false
	}
	for _, k := range sts.ConditionKeys {
		if p, _, _ := strings.Cut(k.Name, ":"); strings.EqualFold(p, prefix) {
			return true
		}
	}
	return false
}

// closestKey suggests a condition key. Keys with a variable part
// (s3:ExistingObjectTag/<key>) are compared by the part before the slash,
// and the suggestion keeps the user's own tag key.
func closestKey(key string, names []string) (string, bool) {
	base, rest, tagged := strings.Cut(key, "/")
	if !tagged {
		return spelling.Closest(key, names)
	}
	var bases []string
	for _, n := range names {
		if b, _, ok := strings.Cut(n, "/"); ok {
			bases = append(bases, b)
		}
	}
	if s, ok := spelling.Closest(base, bases); ok {
		return s + "/" + rest, true
	}
	return "", false
}
