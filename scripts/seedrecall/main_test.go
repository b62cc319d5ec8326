package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeValidator knows a handful of actions, case-insensitively as IAM does.
type fakeValidator map[string]bool

func (f fakeValidator) Valid(a string) bool { return f[strings.ToLower(a)] }
func (f fakeValidator) Example(prefix string, r *rand.Rand) string {
	var of []string
	for a := range f {
		if strings.HasPrefix(a, prefix+":") {
			of = append(of, a)
		}
	}
	if len(of) == 0 {
		return "s3:getobject"
	}
	// sorted for determinism: map order is random
	for i := range of {
		for j := i + 1; j < len(of); j++ {
			if of[j] < of[i] {
				of[i], of[j] = of[j], of[i]
			}
		}
	}
	return of[r.IntN(len(of))]
}

var known = fakeValidator{"s3:getobject": true, "s3:putobject": true, "sts:assumerole": true, "sqs:sendmessage": true,
	"logs:createlogstream": true, "logs:putlogevents": true}

const sample = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: logs
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [logs:CreateLogStream, logs:PutLogEvents]
                Resource: !GetAtt Group.Arn
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
`

func TestSitesKnowTrustIdentityAndResourcePolicies(t *testing.T) {
	d, err := parseDoc([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	s := d.sites()
	if len(s) != 3 {
		t.Fatalf("sites = %d, want 3", len(s))
	}
	if !s[0].trust || s[0].identity || s[1].trust || !s[1].identity || s[2].trust || s[2].identity {
		t.Errorf("kinds: trust %v/%v/%v identity %v/%v/%v", s[0].trust, s[1].trust, s[2].trust, s[0].identity, s[1].identity, s[2].identity)
	}
	for i, x := range s {
		if x.list == nil {
			t.Errorf("site %d has no Statement list", i)
		}
	}
}

func TestEveryClassLandsWhereLocateSays(t *testing.T) {
	for ci, c := range classes {
		t.Run(c.Name, func(t *testing.T) {
			d, _ := parseDoc([]byte(sample))
			ps := plantClass(d, c.Name, 3, known, rand.New(rand.NewPCG(1, uint64(ci))))
			if len(ps) == 0 {
				t.Fatal("nothing planted")
			}
			b, err := d.encode()
			if err != nil {
				t.Fatal(err)
			}
			lines, err := locate(b, ps)
			if err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			text := strings.Split(string(b), "\n")
			for i, p := range ps {
				first := text[lines[i][0]-1]
				if !strings.Contains(first, p.token) {
					t.Errorf("line %d is %q, want it to hold %q\n%s", lines[i][0], first, p.token, b)
				}
				if lines[i][1] < lines[i][0] {
					t.Errorf("range %v", lines[i])
				}
			}
			if _, err := parseDoc(b); err != nil {
				t.Errorf("the planted template does not parse: %v", err)
			}
			if switched(c.Name) {
				for _, want := range []string{seedParam + ":", "Default: prod", seedCondition + ": !Equals [!Ref " + seedParam + ", sandbox]"} {
					if !strings.Contains(string(b), want) {
						t.Errorf("planted template lacks %q:\n%s", want, b)
					}
				}
			}
		})
	}
}

func TestOffByDefaultPolicyIsAttachedToAnUnconditionalRole(t *testing.T) {
	d, _ := parseDoc([]byte(sample))
	plantClass(d, "admin-off-by-default", 1, known, rand.New(rand.NewPCG(1, 1)))
	b, _ := d.encode()
	for _, want := range []string{"Condition: " + seedCondition, "Roles:\n        - !Ref Role", `Action: '*'`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("lacks %q:\n%s", want, b)
		}
	}
}

func TestMisspellingsAreNeverRealActionsAndNeverRepeat(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	used := map[string]bool{}
	stmt := mapping("Action", seq(str("s3:GetObject"), str("s3:PutObject")))
	for range 60 {
		bad := misspell(stmt, known, r, used)
		if bad == "" {
			t.Fatal("no misspelling found")
		}
		if known.Valid(bad) {
			t.Fatalf("%s is a real action", bad)
		}
		if !strings.Contains(bad, ":") {
			t.Fatalf("%s lost its service prefix", bad)
		}
	}
	if len(used) != 60 {
		t.Errorf("%d distinct misspellings, want 60", len(used))
	}
}

func TestTheSameSeedPlantsTheSameBytes(t *testing.T) {
	out := func() []byte {
		d, _ := parseDoc([]byte(sample))
		plantClass(d, "misspelled-action", 4, known, rand.New(rand.NewPCG(3, 9)))
		b, _ := d.encode()
		return b
	}
	if a, b := out(), out(); !bytes.Equal(a, b) {
		t.Errorf("two runs differ:\n%s\n---\n%s", a, b)
	}
}

func TestJSONTemplatesBecomeBlockYAML(t *testing.T) {
	d, err := parseDoc([]byte(`{"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument":
	  {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ps := plantClass(d, "misspelled-action", 2, known, rand.New(rand.NewPCG(1, 2)))
	b, _ := d.encode()
	lines, err := locate(b, ps)
	if err != nil {
		t.Fatal(err)
	}
	if lines[0][0] == lines[1][0] {
		t.Errorf("two plants on one line %d:\n%s", lines[0][0], b)
	}
	if strings.Contains(string(b), "{") {
		t.Errorf("flow style left:\n%s", b)
	}
}

func TestScoreCountsCaughtOtherwiseAndPinned(t *testing.T) {
	rep := &Report{Plants: []*Plant{
		{Class: "misspelled-action", File: "a.yaml", Token: "s3:GetObjekt", Line: 5, EndLine: 5},
		{Class: "misspelled-action", File: "a.yaml", Token: "s3:PutObjet", Line: 9, EndLine: 9},
		{Class: "admin-irrelevant-condition", File: "b.yaml", Token: sidPrefix + "Cond", Line: 10, EndLine: 14},
		{Class: "admin-off-by-default", File: "c.yaml", Token: sidPrefix + "Off", Line: 20, EndLine: 23},
	}}
	findings := map[string][]finding{
		"a.yaml": {{Code: "INVALID_ACTION", Line: 5, Blocking: true, Message: "s3:GetObjekt is not an action"},
			{Code: "INVALID_ACTION", Line: 40, Message: "s3:PutObjet is not an action"}}, // elsewhere, but names it
		"b.yaml": {{Code: "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", Line: 12, Blocking: true}},
	}
	pinned := map[string][]finding{"c.yaml": {{Code: "ADMINISTRATOR_ACCESS", Line: 21, Blocking: true}}}
	score(rep, findings, pinned)
	got := map[string]ClassResult{}
	for _, c := range rep.Classes {
		got[c.Class] = c
	}
	if c := got["misspelled-action"]; c.Planted != 2 || c.Caught != 2 {
		t.Errorf("misspelled: %+v", c)
	}
	if c := got["admin-irrelevant-condition"]; c.Planted != 1 || c.Caught != 0 || c.FlaggedOtherwise != 1 {
		t.Errorf("admin behind condition: %+v", c)
	}
	if c := got["admin-off-by-default"]; c.Caught != 0 || c.CaughtPinned != 1 {
		t.Errorf("off by default: %+v", c)
	}
	if p := rep.Plants[2]; strings.Join(p.Found, ",") != "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE" {
		t.Errorf("found = %v", p.Found)
	}
}

// TestMeasureSpreadsMisspellingsAndRunsTollgate runs the whole measurement
// with a stand-in for tollgate that reports nothing.
func TestMeasureSpreadsMisspellingsAndRunsTollgate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in is a shell script")
	}
	corpus := t.TempDir()
	for i, name := range []string{"a.yaml", "b.yaml", "c/d.yaml", "notes.json"} {
		body := sample
		if name == "notes.json" {
			body = `{"not": "a template"}`
		}
		p := filepath.Join(corpus, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body+strings.Repeat("\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "tollgate")
	os.WriteFile(bin, []byte("#!/bin/sh\necho '{\"findings\": []}'\n"), 0o755)
	rep, err := Measure(Options{Corpus: corpus, N: 2, Misspellings: 5, Seed: 1, Tollgate: bin}, known)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Eligible != 3 || len(rep.Templates) != 2 || rep.Excluded["no policy statement"] != 1 {
		t.Errorf("eligible %d, templates %v, excluded %v", rep.Eligible, rep.Templates, rep.Excluded)
	}
	for _, c := range rep.Classes {
		want := 2
		if c.Class == "misspelled-action" {
			want = 5
		}
		if c.Planted != want || c.Caught != 0 {
			t.Errorf("%s: planted %d caught %d, want %d and 0", c.Class, c.Planted, c.Caught, want)
		}
	}
	var out bytes.Buffer
	writeText(&out, rep)
	if !strings.Contains(out.String(), "missed misspelled-action (5):") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestRunTollgateKeysFindingsBySlashPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in is a shell script")
	}
	bin := filepath.Join(t.TempDir(), "tollgate")
	os.WriteFile(bin, []byte(`#!/bin/sh
echo '{"findings": [{"code": "INVALID_ACTION", "file": "./S3/a.json.seeded.yaml", "line": 3, "blocking": true}]}'
exit 1
`), 0o755)
	got, err := runTollgate(bin, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := got["S3/a.json.seeded.yaml"]; len(f) != 1 || f[0].Line != 3 || !f[0].Blocking {
		t.Errorf("findings = %v", got)
	}
}

func TestSeededNamesNeverCollideWithTheCorpus(t *testing.T) {
	for in, want := range map[string]string{"S3/a.json": "S3/a.json.seeded.yaml", "S3/a.yaml": "S3/a.yaml.seeded.yaml", "c/d.template": "c/d.template.seeded.yaml"} {
		if got := seeded(in); got != want {
			t.Errorf("seeded(%q) = %q, want %q", in, got, want)
		}
	}
}
