package github

import (
	"bytes"
	"testing"

	"github.com/tollgate-dev/tollgate/github/githubtest"
)

// BenchmarkRenderForGitHub measures what a run with many findings spends
// on the comment, the summary, the annotations and the SARIF file; the
// target is well under a second for 5,000 findings.
func BenchmarkRenderForGitHub(b *testing.B) {
	res := resultWith(5000)
	env := testEnv("https://api.github.com")
	p := &Publisher{Env: env, Event: &Event{Name: "pull_request", PR: 2, HeadSHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821"},
		Clock: githubtest.NewClock(), Log: NewLog(&bytes.Buffer{}, false)}
	b.ReportAllocs()
	for b.Loop() {
		body := p.markdown(res, MaxCommentSize-commentReserve, false)
		_ = composeBody(Comment{Key: env.Key(), Body: body, Digest: Digest(body)}, nil)
		_ = Summary(res, p, Outcome{}, "r.json", "r.sarif", "")
		_ = Annotations(res.Active(), "")
		if _, _, err := SARIF(res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSARIFTruncation measures fitting 30,000 findings into code
// scanning's 25,000-result limit.
func BenchmarkSARIFTruncation(b *testing.B) {
	res := resultWith(30000)
	b.ReportAllocs()
	for b.Loop() {
		if _, note, err := SARIF(res); err != nil || note == "" {
			b.Fatalf("note %q, err %v", note, err)
		}
	}
}
