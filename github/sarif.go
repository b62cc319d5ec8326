package github

import (
	"bytes"
	"sort"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// GitHub code scanning limits on an uploaded SARIF file.
const (
	MaxSARIFResults = 25000
	MaxSARIFSize    = 10 << 20
)

// SARIF renders res as SARIF within code scanning's limits. When results
// must go, the most serious are kept and a notification in the file says
// how many were left out; the note is returned for the summary.
func SARIF(res *report.Result) (data []byte, note string, err error) {
	return sarifWithin(res, MaxSARIFResults, MaxSARIFSize)
}

func sarifWithin(res *report.Result, maxResults, maxSize int) ([]byte, string, error) {
	render := func(keep int) ([]byte, string, error) {
		r := *res
		var note template.Notice
		if keep < len(res.Findings) {
			r.Findings = mostSerious(res.Findings, keep)
			note = template.Noticef("%d of %d findings were left out of the SARIF file to stay within GitHub code scanning's limits (%d results, %d MB); the JSON report has all of them",
				len(res.Findings)-keep, len(res.Findings), maxResults, maxSize>>20)
			r.Notices = append(append([]template.Notice(nil), res.Notices...), note)
		}
		var b bytes.Buffer
		if err := report.SARIF(&b, &r); err != nil {
			return nil, "", err
		}
		return b.Bytes(), note.Message, nil
	}
	keep := min(len(res.Findings), maxResults)
	data, note, err := render(keep)
	if err != nil || len(data) <= maxSize {
		return data, note, err
	}
	// Too big: scale the count by how far over the file is, a little
	// under, until it fits. Results are similar in size, so this takes one
	// or two more renders where a search would take fifteen.
	for keep > 0 && len(data) > maxSize {
		keep = min(keep-1, int(float64(keep)*float64(maxSize)/float64(len(data))*0.97))
		keep = max(keep, 0)
		if data, note, err = render(keep); err != nil {
			return nil, "", err
		}
	}
	return data, note, nil
}

// mostSerious keeps n findings: blocking first, then by type, in file
// order within each.
func mostSerious(fs []checks.Finding, n int) []checks.Finding {
	idx := make([]int, len(fs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		fa, fb := fs[idx[a]], fs[idx[b]]
		if fa.Blocking != fb.Blocking {
			return fa.Blocking
		}
		return fa.Type.Rank() < fb.Type.Rank()
	})
	idx = idx[:n]
	sort.Ints(idx)
	out := make([]checks.Finding, n)
	for i, j := range idx {
		out[i] = fs[j]
	}
	return out
}
