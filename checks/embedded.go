package checks

import (
	"fmt"
	"maps"

	"github.com/tollgate-dev/tollgate/template"
)

// maxEmbeddedDepth bounds templates inside templates (a StackSet whose
// template declares a StackSet, ...).
const maxEmbeddedDepth = 3

// checkEmbedded checks the templates written inside t (the TemplateBody of
// each AWS::CloudFormation::StackSet) as templates of their own, and
// returns their findings placed in t: at the line inside the string for a
// YAML block scalar, at the string otherwise. Their resources are named
// "StackSet/Resource". Places they leave unchecked join x's.
func (k *Checker) checkEmbedded(t *template.Template, x *template.Extraction) []Finding {
	var out []Finding
	for _, et := range x.Templates {
		if k.depth >= maxEmbeddedDepth {
			x.Unchecked = append(x.Unchecked, template.Unchecked{LogicalID: et.LogicalID, ResourceType: et.ResourceType, Path: et.Path,
				Pos: et.Body.Pos, Reason: fmt.Sprintf("templates are nested inside templates more than %d deep here; the innermost is not checked", maxEmbeddedDepth)})
			continue
		}
		inner := template.Parse(t.File, []byte(et.Body.Value))
		sub := *k
		sub.depth++
		// Stack instances deploy to other accounts and Regions, with the
		// StackSet's parameters.
		sub.opts.Values = template.Values{Partition: k.opts.Values.Partition, Parameters: maps.Clone(et.Parameters)}
		res := sub.checkWith(inner, nil, nil)
		place := func(p template.Pos) template.Pos {
			if p.IsZero() {
				return et.Body.Pos
			}
			return t.EmbeddedPos(et.Body, p)
		}
		for _, f := range res.Findings {
			pos := place(template.Pos{Line: f.Line, Col: f.Column})
			end := place(template.Pos{Line: f.EndLine, Col: 1}).Line
			f.Line, f.Column, f.EndLine = pos.Line, pos.Col, max(end, pos.Line)
			f.Resource = inResource(et.LogicalID, f.Resource)
			f.Path = inPath(et.Path, f.Path)
			f.Fingerprint = ""
			out = append(out, f)
		}
		for _, u := range res.Extraction.Unchecked {
			u.Pos = place(u.Pos)
			u.LogicalID = inResource(et.LogicalID, u.LogicalID)
			u.Path = inPath(et.Path, u.Path)
			x.Unchecked = append(x.Unchecked, u)
		}
	}
	return out
}

func inResource(outer, inner string) string {
	if inner == "" {
		return outer
	}
	return outer + "/" + inner
}

func inPath(outer, inner string) string {
	if inner == "" {
		return outer
	}
	return outer + "." + inner
}

// UncheckedNotices says, one line per place, what a template declares that
// tollgate did not read.
func UncheckedNotices(file string, x *template.Extraction) []template.Notice {
	if x == nil {
		return nil
	}
	out := make([]template.Notice, 0, len(x.Unchecked))
	for _, u := range x.Unchecked {
		at := template.Span{File: file, Line: max(u.Pos.Line, 1)}
		out = append(out, template.NoticeAt(at, "not checked: %s (%s %s): %s", u.Path, u.ResourceType, u.LogicalID, u.Reason))
	}
	return out
}
