package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

func TestCandidatesSkipsHiddenFoldersAndOtherFiles(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"a.yaml", "b/c.json", "b/d.template", "b/e.txt", ".git/f.yaml", "node_modules/g.yml", "h.YML"} {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := candidates(root)
	if err != nil {
		t.Fatal(err)
	}
	want := "a.yaml b/c.json b/d.template h.YML"
	if strings.Join(got, " ") != want {
		t.Errorf("candidates = %v, want %s", got, want)
	}
}

func TestParseLintGivesOneVerdictPerFile(t *testing.T) {
	out := []byte(`[
	 {"Filename": "/c/a.yaml", "Level": "Error", "Message": "bad", "Location": {"Start": {"LineNumber": 3}}, "Rule": {"Id": "E3001"}},
	 {"Filename": "/c/a.yaml", "Level": "Warning", "Message": "meh", "Location": {"Start": {"LineNumber": 4}}, "Rule": {"Id": "W2001"}},
	 {"Filename": "/c/b.yaml", "Level": "Informational", "Message": "fyi", "Location": {"Start": {"LineNumber": 1}}, "Rule": {"Id": "I3011"}}
	]`)
	got, err := parseLint(out, []string{"/c/a.yaml", "/c/b.yaml", "/c/c.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if a := got["/c/a.yaml"]; a.Accepts || a.Warnings != 1 || len(a.Errors) != 1 || a.Errors[0].Rule != "E3001" || a.Errors[0].Line != 3 {
		t.Errorf("a.yaml: %+v", a)
	}
	if b := got["/c/b.yaml"]; !b.Accepts || b.Infos != 1 {
		t.Errorf("b.yaml: %+v", b)
	}
	if c := got["/c/c.yaml"]; !c.Accepts {
		t.Errorf("c.yaml without matches must be accepted: %+v", c)
	}
	if s := got["/c/a.yaml"].String(); s != "cfn-lint: rejects E3001" {
		t.Errorf("verdict text %q", s)
	}
	if _, err := parseLint([]byte(`[{"Filename": "/elsewhere.yaml", "Level": "Error"}]`), []string{"/c/a.yaml"}); err == nil {
		t.Error("a match on a file not given must be an error, not lost")
	}
	if _, err := parseLint([]byte("Traceback"), nil); err == nil {
		t.Error("output that is not JSON must be an error")
	}
}

func sampleRun(findings map[string][]Finding) *Run {
	c := &Corpus{Name: "c", Root: "/c"}
	for _, p := range []string{"a.yaml", "b.yaml", "n.json"} {
		c.Files = append(c.Files, &File{Path: p, Template: p != "n.json", Findings: findings[p]})
	}
	return &Run{Version: 1, Corpora: []*Corpus{c}}
}

func TestCompareCountsByCodeAndListsGoneAndNewFindings(t *testing.T) {
	before := sampleRun(map[string][]Finding{
		"a.yaml": {{Code: "PARSE_ERROR", Line: 3, Blocking: true, Message: "unknown tag !Rain::Embed"}},
		"b.yaml": {
			{Code: "INVALID_ACTION", Line: 9, Resource: "Role", Blocking: true},
			{Code: "INVALID_ACTION", Line: 9, Resource: "Role", Blocking: true},
			{Code: "MISSING_VERSION", Line: 5},
		},
	})
	after := sampleRun(map[string][]Finding{
		"b.yaml": {
			{Code: "INVALID_ACTION", Line: 9, Resource: "Role", Blocking: true},
			{Code: "EXTERNAL_PRINCIPAL", Line: 12, Resource: "Topic", Blocking: true, Message: "new one"},
		},
		"n.json": {{Code: "INVALID_TEMPLATE", Line: 1, Blocking: true, Message: "reworded"}},
	})
	before.Corpora[0].Files[2].Findings = []Finding{{Code: "INVALID_TEMPLATE", Line: 1, Blocking: true, Message: "garbled"}}
	var out bytes.Buffer
	writeCompare(&out, before, after)
	text := out.String()
	for _, want := range []string{
		"blocking findings 4 -> 3, non-blocking 1 -> 0",
		"blocking findings at the same place, message changed (1):\n  INVALID_TEMPLATE n.json:1   garbled\n    -> reworded\n",
		"PARSE_ERROR                                   1      0     -1",
		"INVALID_ACTION                                2      1     -1",
		"EXTERNAL_PRINCIPAL                            0      1     +1",
		"blocking findings gone (2):\n  INVALID_ACTION b.yaml:9 Role  \n  PARSE_ERROR a.yaml:3   unknown tag !Rain::Embed\n",
		"blocking findings new (1):\n  EXTERNAL_PRINCIPAL b.yaml:12 Topic  new one\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("compare output lacks %q:\n%s", want, text)
		}
	}
}

func TestTextReportListsUnreadTemplatesWithVerdicts(t *testing.T) {
	r := sampleRun(map[string][]Finding{
		"a.yaml": {{Code: "PARSE_ERROR", Line: 3, Column: 7, Blocking: true, Message: "unknown tag !ValueOf\nsecond line"}},
	})
	r.Corpora[0].Files[0].CfnLint = &Verdict{Accepts: true}
	var out bytes.Buffer
	writeText(&out, r, true)
	text := out.String()
	for _, want := range []string{
		"3 candidate files, 2 read as templates, 1 not templates, 0 tollgate failures",
		"      1  PARSE_ERROR                              in 1 files",
		"  a.yaml:3:7  PARSE_ERROR  unknown tag !ValueOf\n      cfn-lint: accepts (0 warnings)",
		"not read as templates:\n  n.json",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
}

// TestCheckFileReadsTollgateJSON runs a stand-in for the tollgate binary, so
// the process handling (exit 1 with findings, exit 2 with an error) is
// tested without building tollgate.
func TestCheckFileReadsTollgateJSON(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in is a shell script")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tollgate")
	script := `#!/bin/sh
for last; do :; done
case "$last" in
bad.yaml) echo '{"findings":[{"code":"PARSE_ERROR","type":"ERROR","message":"m","line":2,"column":1,"blocking":true}],"summary":{"templates":1}}'; exit 1;;
usage.yaml) echo 'tollgate: unknown flag' >&2; exit 2;;
*) echo '{"findings":[],"summary":{"templates":0},"notices":["none of the 1 files read is a CloudFormation template"]}';;
esac
`
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := checkFile(bin, dir, "bad.yaml", nil, false)
	if bad.Exit != 1 || !bad.Template || len(bad.Findings) != 1 || bad.Findings[0].Code != "PARSE_ERROR" || bad.Error != "" {
		t.Errorf("bad.yaml: %+v", bad)
	}
	usage := checkFile(bin, dir, "usage.yaml", nil, false)
	if usage.Exit != 2 || usage.Error != "tollgate: unknown flag" {
		t.Errorf("usage.yaml: %+v", usage)
	}
	other := checkFile(bin, dir, "other.json", nil, false)
	if other.Exit != 0 || other.Template || len(other.Notices) != 1 {
		t.Errorf("other.json: %+v", other)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"run"}, {"run", "-cfnlint", "some", "x"}, {"compare", "one.json"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("run(%q) = %d, want 2 (stderr %q)", args, code, errOut.String())
		}
	}
}

// -as found hands tollgate a scan of the corpus whose include is the one
// file, so the file is judged as a repository scan judges it.
func TestFoundFilesAreScannedNotNamed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in is a shell script")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tollgate")
	script := `#!/bin/sh
while [ $# -gt 1 ]; do [ "$1" = --config ] && cfg=$2; shift; done
[ "$1" = . ] || { echo "not a scan: $1" >&2; exit 2; }
grep -q 'include: \["odd\\\\\[1\\\\\].json"\]' "$cfg" || { cat "$cfg" >&2; exit 2; }
echo '{"findings":[],"summary":{"templates":0}}'
`
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if f := checkFile(bin, dir, "odd[1].json", nil, true); f.Exit != 0 || f.Error != "" {
		t.Errorf("found: %+v", f)
	}
	for _, p := range []string{"odd[1].json", "a/{x,y}*?.yaml", `back\slash.yml`} {
		if ok, err := doublestar.Match(globEscape(p), p); !ok || err != nil {
			t.Errorf("%q does not match itself escaped (%v)", p, err)
		}
	}
	if ok, _ := doublestar.Match(globEscape("a/*.yaml"), "a/b.yaml"); ok {
		t.Error("an escaped * still matches anything")
	}
}
