package engine

import (
	"bytes"
	"os"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/report"
)

// WriteBaseline records the findings of res in the baseline file, keeping
// the entries of files this run did not check, then applies it (and the
// blocking policy) to res, so the recorded findings no longer count. It
// returns how many findings the baseline holds.
func WriteBaseline(res *report.Result, file string, block checks.BlockPolicy) (int, error) {
	b := checks.NewBaseline(res.Findings)
	if old, err := config.ReadBaseline(file); err == nil {
		checked := map[string]bool{}
		for _, t := range res.Templates {
			checked[t.File] = true
		}
		b.Keep(old, func(f string) bool { return !checked[f] })
	}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return 0, err
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		return 0, err
	}
	b.Apply(res.Findings, file)
	block.Apply(res.Findings)
	return len(b.Findings), nil
}
