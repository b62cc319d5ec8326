package github

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/github/githubtest"
	goldenfile "github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", "golden", name), []byte(got))
}

// hostile is a result whose every text tries to break out: workflow
// commands, percent escapes, newlines, HTML comments, code spans, table
// pipes and links.
func hostile() *report.Result {
	evil := "x::error file=/etc/passwd::owned %0A%25\r\n::warning::forged\n<!-- tollgate:v1 key=CI/tollgate digest=0000000000000000 -->`code`|cell|[link](https://evil.example) @admin"
	res := &report.Result{Tool: report.Tool{Name: "tollgate", Version: "v1.0.0"},
		Templates: []report.Template{{File: "stacks/" + evil + ".yaml", Resources: 1, Policies: 1}},
		Stats:     report.Stats{Files: 1, Templates: 1, Policies: 1}}
	res.Findings = []checks.Finding{{
		Code: "EXTERNAL_PRINCIPAL", Type: checks.SecurityWarning, Message: "message " + evil, Fix: "fix " + evil,
		Span: template.Span{File: "stacks/" + evil + ".yaml", Line: 3, Column: 5, EndLine: 3}, Resource: "Res" + evil, Branch: "when " + evil,
		Source: checks.SourceOffline, Fingerprint: "f1", Blocking: true,
	}}
	res.Notices = []template.Notice{{Message: "notice " + evil}}
	return res
}

func hostilePlan(t *testing.T) *Event {
	p := testPlan(t, "pull_request.opened.json")
	p.Title = "title ::error::pwned\n<!-- x -->|`t`"
	p.Branch = "feature/::set-output name=x::y%0A|`b`<!--"
	return p
}

func TestGoldenOutputs(t *testing.T) {
	cases := []struct {
		name string
		res  *report.Result
		plan string
	}{
		{"findings", resultWith(6), "pull_request.opened.json"},
		{"clean", resultWith(0), "pull_request.opened.json"},
		{"fork", resultWith(3), "pull_request.fork.json"},
		{"hostile", hostile(), "pull_request.opened.json"},
	}
	for _, tc := range cases {
		t.Run("the "+tc.name+" comment, summary and annotations match their golden files", func(t *testing.T) {
			env := testEnv("https://api.github.com")
			plan := testPlan(t, tc.plan)
			p := &Publisher{Env: env, Event: plan, Clock: githubtest.NewClock(), Log: NewLog(&bytes.Buffer{}, false)}
			c := Comment{Key: env.Key(), Body: p.markdown(tc.res, MaxCommentSize-commentReserve, false), Digest: "0123456789abcdef"}
			golden(t, tc.name+".comment.md", composeBody(c, []HistoryEntry{{Commit: "ec26c3e", Verdict: "blocking", Count: 2}, {Commit: "bbbbbbb", Verdict: "clear"}}))

			out := Outcome{Comment: CommentResult{Action: "updated"}, Check: CheckResult{Action: "created", Annotations: len(tc.res.Findings)}}
			if plan.ReadOnly() {
				out = Outcome{ReadOnly: true, LogAnnotations: min(len(tc.res.Findings), MaxLogAnnotations)}
			}
			golden(t, tc.name+".summary.md", Summary(tc.res, p, out, ".tollgate/report.json", ".tollgate/report.sarif", ""))

			ann, _ := json.MarshalIndent(Annotations(tc.res.Active(), ""), "", "  ")
			golden(t, tc.name+".annotations.json", string(ann)+"\n")
			var log bytes.Buffer
			NewLog(&log, false).Annotate(tc.res.Active(), MaxLogAnnotations)
			golden(t, tc.name+".annotations.log", log.String())
		})
	}
}

// workflowCommand matches a line the runner would take as a command.
var workflowCommand = regexp.MustCompile(`^\s*::([A-Za-z-]+)`)

func TestHostileTextCannotInjectCommandsOrBreakMarkdown(t *testing.T) {
	res := hostile()
	plan := hostilePlan(t)
	env := testEnv("https://api.github.com")
	p := &Publisher{Env: env, Event: plan, Clock: githubtest.NewClock()}

	t.Run("the log carries no command but tollgate's own", func(t *testing.T) {
		var log bytes.Buffer
		l := NewLog(&log, true)
		l.Annotate(res.Active(), MaxLogAnnotations)
		l.Printf("tollgate: pull request %q, branch %q", report.Plain(plan.Title), report.Plain(plan.Branch))
		var text bytes.Buffer
		report.Text(&text, res, report.TextOptions{})
		l.Untrusted(text.String())
		l.Warning("note " + res.Notices[0].String())
		checkLog(t, log.String(), 2)
	})

	t.Run("the comment and the summary keep their structure", func(t *testing.T) {
		body := composeBody(Comment{Key: env.Key(), Body: p.markdown(res, MaxCommentSize, false), Digest: "0123456789abcdef"}, nil)
		summary := Summary(res, p, Outcome{}, ".tollgate/report.json", "", "")
		for name, md := range map[string]string{"comment": body, "summary": summary} {
			if n := strings.Count(withoutCodeSpans(md), "<!--"); name == "comment" && n != 2 || name == "summary" && n != 0 {
				t.Errorf("%s has %d HTML comment openers; only tollgate's marker and history may be there:\n%s", name, n, md)
			}
			if plain := withoutCodeSpans(md); strings.Contains(plain, "](https://evil") || strings.Contains(plain, "\n::") || regexp.MustCompile(`(^|[\s(\[])@admin`).MatchString(plain) {
				t.Errorf("%s has a live link, a command line or a mention:\n%s", name, md)
			}
			for _, line := range strings.Split(md, "\n") {
				if strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "|---") {
					if cells := len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(line, -1)); cells != 5 {
						t.Errorf("%s table row has %d cell borders, want 5: %s", name, cells, line)
					}
				}
			}
		}
	})

	t.Run("annotations carry the text without control characters", func(t *testing.T) {
		for _, a := range Annotations(res.Active(), "") {
			if strings.ContainsAny(a.GetTitle(), "\r\n") {
				t.Errorf("title %q spans lines", a.GetTitle())
			}
		}
	})
}

// withoutCodeSpans drops inline code spans, inside which Markdown and HTML
// are shown as typed.
func withoutCodeSpans(md string) string {
	var b strings.Builder
	for i := 0; i < len(md); {
		if md[i] != '`' {
			b.WriteByte(md[i])
			i++
			continue
		}
		n := 0
		for i+n < len(md) && md[i+n] == '`' {
			n++
		}
		fence := md[i : i+n]
		end := -1
		for j := i + n; j < len(md); {
			k := strings.Index(md[j:], fence)
			if k < 0 {
				break
			}
			k += j
			m := k + n
			if (k == 0 || md[k-1] != '`') && (m >= len(md) || md[m] != '`') {
				end = m
				break
			}
			j = m
			for j < len(md) && md[j] == '`' {
				j++
			}
		}
		if end < 0 {
			b.WriteString(fence)
			i += n
			continue
		}
		i = end
	}
	return b.String()
}

// checkLog fails when a line outside a stop-commands block is a command
// tollgate did not mean, or when a block ends early.
func checkLog(t *testing.T, log string, minLines int) {
	t.Helper()
	allowed := map[string]bool{"error": true, "warning": true, "notice": true, "debug": true, "group": true, "endgroup": true, "add-mask": true, "stop-commands": true}
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	if len(lines) < minLines {
		t.Fatalf("log has %d lines:\n%s", len(lines), log)
	}
	stop := ""
	for _, line := range lines {
		if stop != "" {
			if line == "::"+stop+"::" {
				stop = ""
			}
			continue
		}
		m := workflowCommand.FindStringSubmatch(line)
		if m == nil {
			if strings.HasPrefix(strings.TrimSpace(line), "::") {
				t.Errorf("line looks like a command: %q", line)
			}
			continue
		}
		if !allowed[m[1]] {
			t.Errorf("forged command %q in line %q", m[1], line)
			continue
		}
		// Our annotations have exactly two "::" separators before the message.
		if m[1] == "stop-commands" {
			stop = strings.TrimPrefix(line, "::stop-commands::")
			continue
		}
		rest := strings.SplitN(line, "::", 3)
		if len(rest) == 3 && strings.Contains(rest[1], "\n") {
			t.Errorf("properties span lines: %q", line)
		}
	}
	if stop != "" {
		t.Errorf("stop-commands block never ended")
	}
}

// FuzzCommand checks that any message and property value give exactly one
// log line that is the command asked for.
func FuzzCommand(f *testing.F) {
	f.Add("::error::x\n::warning::y", "a,b:c%0A")
	f.Add("%25\r\n", "<!--`|")
	f.Fuzz(func(t *testing.T, msg, prop string) {
		var b bytes.Buffer
		NewLog(&b, false).Command("warning", map[string]string{"file": prop, "title": prop}, msg)
		out := b.String()
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Fatalf("one command became %d lines: %q", strings.Count(out, "\n"), out)
		}
		if strings.ContainsAny(strings.TrimSuffix(out, "\n"), "\r\n") {
			t.Fatalf("raw line break in %q", out)
		}
		if !strings.HasPrefix(out, "::warning file=") {
			t.Fatalf("command changed: %q", out)
		}
		props, _, _ := strings.Cut(strings.TrimPrefix(out, "::warning "), "::")
		if strings.Count(props, ",") != 1 {
			t.Fatalf("property value added properties: %q", props)
		}
	})
}

// FuzzCommentBody reads an earlier comment's body, as the API returns it
// (anyone with write access can edit it), and composes the next one.
func FuzzCommentBody(f *testing.F) {
	f.Add("<!-- tollgate:v1 key=CI/tollgate digest=0123456789abcdef -->\n<!-- tollgate:history ec26c3e:blocking:2 bbbbbbb:clear:0 -->\nbody")
	f.Add("<!-- tollgate:history " + strings.Repeat("abcdef0:error:999999 ", 30) + " -->")
	f.Fuzz(func(t *testing.T, old string) {
		h := appendHistory(parseHistory(old), HistoryEntry{Commit: "abcdef0", Verdict: "clear"})
		if len(h) > maxHistory {
			t.Fatalf("%d history entries", len(h))
		}
		body := composeBody(Comment{Key: "CI/tollgate", Digest: "0123456789abcdef", Body: "x"}, h)
		if !strings.HasPrefix(body, marker("CI/tollgate", "0123456789abcdef")+"\n") {
			t.Fatalf("body does not start with the marker: %q", body)
		}
		if strings.Count(body, "-->") != 2 {
			t.Fatalf("history broke out of its comment: %q", body)
		}
	})
}
