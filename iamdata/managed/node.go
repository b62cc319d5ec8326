package managed

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/template"
)

// Node returns the policy document parsed into a template node, the form
// package policy reads, with positions in the indented document (see
// Indented) of a file named after the policy ("IAMFullAccess.json").
// Every call parses anew; callers that judge many templates keep the
// result.
func (p *Policy) Node() (*template.Node, error) {
	doc, err := p.Indented()
	if err != nil {
		return nil, err
	}
	t := template.Parse(p.Name+".json", doc)
	if t.Root == nil {
		msg := "it does not parse"
		if len(t.Problems) > 0 {
			msg = t.Problems[0].Message
		}
		return nil, fmt.Errorf("AWS managed policy %s: %s", p.Name, msg)
	}
	return t.Root, nil
}
