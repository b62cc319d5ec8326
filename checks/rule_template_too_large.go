package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/template"
)

func ruleTemplateTooLarge() *Rule {
	r := &Rule{
		Code:  "TEMPLATE_TOO_LARGE",
		Type:  Error,
		Title: "The template is larger than CloudFormation accepts",
		Why: "CloudFormation rejects templates over 1 MB (1,048,576 bytes) uploaded through S3, and over 51,200 bytes " +
			"passed inline. The deploy fails after review, when the fix is more expensive.",
		Fix:       "split the template into nested stacks, or move large inline content (code, policies) to S3 or SSM",
		LearnMore: "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html",
	}
	r.Template = func(c *TemplateContext) {
		t := c.Template
		if t.Size <= template.DeployLimit {
			return
		}
		msg := fmt.Sprintf("The template is %s; CloudFormation accepts at most 1 MB (1,048,576 bytes).", humanBytes(t.Size))
		if t.TooLarge {
			msg += fmt.Sprintf(" tollgate did not read it (it reads at most %s), so nothing in it was checked.", humanBytes(template.MaxSize))
		}
		c.Report(Report{Pos: template.Pos{Line: 1, Col: 1}, Message: msg, Subject: "size"})
	}
	return r
}

func humanBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
