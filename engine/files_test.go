package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/template"
)

func TestRainModulesArePackagedFromTheFolderBeingChecked(t *testing.T) {
	dir := tree(t, map[string]string{
		"stacks/app.yaml": `Resources:
  Reader:
    Type: !Rain::Module ../modules/reader.yml
    Properties:
      Trusted: "*"
  Secret:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: !Rain::Embed ../../outside.txt
`,
		"modules/reader.yml": `Parameters:
  Trusted: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Ref Trusted}
            Action: sts:AssumeRole
`,
		"modules/link.txt": "",
	})
	outside := filepath.Join(filepath.Dir(dir), "outside.txt")
	if err := os.WriteFile(outside, []byte("SECRET-OUTSIDE"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(outside) })
	chdir(t, dir)
	res := run(t, options(t, "stacks"))
	var codes []string
	for _, f := range res.Findings {
		codes = append(codes, f.Code+"@"+f.Resource)
		// The principal came from the module's property, written at line 5.
		if f.File != "stacks/app.yaml" || f.Line != 5 {
			t.Errorf("%s reported at %s:%d, want stacks/app.yaml:5, where the value is written", f.Code, f.File, f.Line)
		}
	}
	if !strings.Contains(strings.Join(codes, " "), "EXTERNAL_PRINCIPAL@ReaderRole") {
		t.Errorf("the module's wildcard trust was not checked: %v", codes)
	}
	notes := strings.Join(template.NoticeStrings(res.Notices), "\n")
	if !strings.Contains(notes, "outside the folder being checked") || strings.Contains(notes+strings.Join(codes, ""), "SECRET-OUTSIDE") {
		t.Errorf("notices: %s", notes)
	}
}

func TestRootFSRefusesLinksThatLeaveIt(t *testing.T) {
	dir := tree(t, map[string]string{"in/ok.txt": "ok"})
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "in", "link.txt")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	fsys := rootFS{root: real}
	if f, err := fsys.Open("in/ok.txt"); err != nil {
		t.Errorf("a file inside: %v", err)
	} else {
		f.Close()
	}
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".git", "config"), []byte("token"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, ".git", "config"), filepath.Join(dir, "in", "git.txt")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"in/link.txt", "../secret.txt", "/etc/passwd", ".git/config", "in/git.txt"} {
		if f, err := fsys.Open(name); err == nil {
			f.Close()
			t.Errorf("%s was opened", name)
		}
	}
}
