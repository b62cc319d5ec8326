package checks

// docsURL is where the rules reference lives; rule codes are its anchors.
const docsURL = "https://github.com/tollgate-dev/tollgate/blob/main/docs/rules.md#"

// aaURL is IAM Access Analyzer's policy check reference; our rules that share
// its codes link to its sections.
const aaURL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"

// aaSection links to a section of the policy check reference: kind is
// "error", "security-warning", "general-warning" or "suggestion".
func aaSection(kind, slug string) string {
	return aaURL + "access-analyzer-reference-policy-checks-" + kind + "-" + slug
}

func ruleParseError() *Rule {
	r := &Rule{
		Code:  "PARSE_ERROR",
		Type:  Error,
		Title: "The template or a policy document in it cannot be read",
		Why: "CloudFormation rejects a template it cannot parse, and tollgate cannot check what it cannot read. " +
			"This covers YAML and JSON syntax errors, duplicate keys, unknown short-form tags, files that are " +
			"not UTF-8, YAML alias bombs and policy documents written as strings that are not JSON.",
		Fix:       "fix the syntax at the reported line",
		Example:   "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n     Properties: {}   # bad indentation",
		LearnMore: docsURL + "parse_error",
	}
	r.Template = func(c *TemplateContext) {
		for _, p := range c.Template.Problems {
			if !p.Structure {
				c.Report(Report{Pos: p.Pos, Message: p.Message, Fix: p.Fix, Subject: p.Message})
			}
		}
		for _, p := range c.Extraction.Problems {
			if p.Structure {
				continue
			}
			c.Report(Report{Pos: p.Pos, Message: p.Message, Fix: p.Fix, Subject: p.Message})
		}
	}
	return r
}
