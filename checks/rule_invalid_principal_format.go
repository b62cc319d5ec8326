package checks

import (
	"fmt"
	"github.com/tollgate-dev/tollgate/internal/awsid"
	"regexp"
	"strings"
)

var (
	// awsPrincipalARN: the principals an AWS ARN may name; groups cannot be.
	awsPrincipalARN = regexp.MustCompile(`^arn:[a-z-]+:(iam::(\d{12}):(root|user/.+|role/.+)|sts::(\d{12}):(assumed-role/[^/]+/.+|federated-user/.+))$`)
	// cloudFrontOAI is the principal of a CloudFront origin access
	// identity, which IAM accepts in bucket policies (and shows in place
	// of a CanonicalUser ID it was given).
	cloudFrontOAI = regexp.MustCompile(`^arn:aws(-cn)?:iam::cloudfront:user/CloudFront Origin Access Identity [A-Z0-9]+$`)
	// uniqueIDRE matches the unique IDs of roles and users (AROA..., AIDA...).
	uniqueIDRE         = regexp.MustCompile(`^A(ROA|IDA)[A-Z0-9]{12,20}$`)
	federatedARN       = regexp.MustCompile(`^arn:[a-z-]+:iam::(\d{12}):(saml-provider|oidc-provider)/.+$`)
	canonicalUserRE    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	digitsRE           = regexp.MustCompile(`^\d+$`)
	federatedProviders = []string{"cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com", "www.amazon.com"}
)

func ruleInvalidPrincipalFormat() *Rule {
	r := &Rule{
		Code:  "INVALID_PRINCIPAL_FORMAT",
		Type:  Error,
		Title: "A principal value is not in a form IAM accepts",
		Why: "An AWS principal is \"*\", a 12-digit account or the ARN of a user, role, assumed role or the account " +
			"root; a Federated principal is an identity provider ARN or one of the web identity providers; a " +
			"CanonicalUser is 64 hexadecimal digits. IAM rejects anything else (a group ARN, a bucket ARN, an " +
			"11-digit account), and the deploy fails.",
		Fix:       "name the principal by its ARN, e.g. arn:aws:iam::123456789012:role/Reader",
		Example:   "Principal:\n  AWS: arn:aws:iam::123456789012:group/Admins",
		LearnMore: aaSection("error", "invalid-principal-format"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			for _, e := range principalElements(s) {
				for _, typ := range []string{"AWS", "Federated", "CanonicalUser"} {
					for _, v := range e.p.Types[typ].Values {
						if !v.Known || hasHole(v.Text) {
							continue
						}
						if msg, fix, bad := principalFormat(typ, strings.TrimSpace(v.Text)); bad {
							msg, fix = c.fromParameter(v, msg, fix)
							c.At(v.Node, v.Path, v.Text, msg, fix)
						}
					}
				}
			}
		}
	}
	return r
}

// principalFormat judges one principal value of a type.
func principalFormat(typ, s string) (msg, fix string, bad bool) {
	switch typ {
	case "AWS":
		if s == "*" || awsid.IsAccount(s) || uniqueIDRE.MatchString(s) || awsPrincipalARN.MatchString(s) || cloudFrontOAI.MatchString(s) {
			return "", "", false
		}
		switch {
		case strings.Contains(s, ":group/"):
			return fmt.Sprintf("%q is a group: groups cannot be principals.", s),
				"name the users or roles instead, or grant the access in the group's own policy", true
		case digitsRE.MatchString(s):
			return fmt.Sprintf("%q is not an account ID: account IDs have 12 digits.", s),
				"write the 12-digit account ID in quotes, keeping leading zeros", true
		case strings.HasPrefix(s, "arn:") && !strings.Contains(s, ":iam::") && !strings.Contains(s, ":sts::"):
			return fmt.Sprintf("%q is the ARN of a resource, not of a principal.", s),
				"name a role, user or account (arn:aws:iam::123456789012:root) as the principal", true
		}
		return fmt.Sprintf("%q is not an AWS principal: expected \"*\", a 12-digit account ID, or the ARN of a role, user, assumed role or account root.", s),
			"write the principal's ARN, e.g. arn:aws:iam::123456789012:role/Reader", true
	case "Federated":
		if contains(federatedProviders, s) || federatedARN.MatchString(s) {
			return "", "", false
		}
		return fmt.Sprintf("%q is not a federated principal: expected the ARN of an IAM identity provider (arn:aws:iam::123456789012:oidc-provider/HOST or saml-provider/NAME) or one of %s.",
			s, strings.Join(federatedProviders, ", ")), "name the identity provider by its ARN", true
	case "CanonicalUser":
		if canonicalUserRE.MatchString(s) {
			return "", "", false
		}
		return fmt.Sprintf("%q is not a canonical user ID (64 hexadecimal digits).", s),
			"use the canonical user ID, or better an AWS principal or a CloudFront origin access control", true
	}
	return "", "", false
}
