// Package report renders a Result as terminal text, JSON, SARIF and the
// Markdown of a pull request comment. Renderers are pure: they read the
// Result and write to an io.Writer, nothing else.
package report

import "github.com/tollgate-dev/tollgate/model"

// The result types live in package model, so that packages which must not
// depend on the renderers (cloud) can build them; these names keep every
// renderer's signature as it reads.
type (
	// Result is everything a run found; every renderer reads only this.
	Result = model.Result
	// Tool identifies the program that produced a result.
	Tool = model.Tool
	// Template is one template that was read.
	Template = model.Template
	// Skipped is a candidate file that is not a template.
	Skipped = model.Skipped
	// Stats counts what a run did.
	Stats = model.Stats
	// Preview is a change set computed against a live stack.
	Preview = model.Preview
	// PreviewChange is one resource change of a change set.
	PreviewChange = model.PreviewChange
	// PreviewDetail says which property or cause drives a change.
	PreviewDetail = model.PreviewDetail
)
