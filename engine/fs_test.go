package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tollgate-dev/tollgate/template"
)

// deniedFS is fsys with some files that cannot be opened.
type deniedFS struct {
	fstest.MapFS
	denied map[string]bool
}

func (d deniedFS) Open(name string) (fs.File, error) {
	if d.denied[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return d.MapFS.Open(name)
}

// TestCheckReadsThroughAnFS runs a check with no file on disk: discovery,
// templates, nested stacks and CDK manifests come from Options.FS, and the
// files findings and notices name are the FS's paths, hostile names
// included. An unreadable file is an error (the run fails), a symlink is
// skipped with a notice, hidden folders are not walked, and a path the FS
// cannot hold is a usage error.
func TestCheckReadsThroughAnFS(t *testing.T) {
	hostile := "stacks/evil\n::warning file=x::name $(id) `x` ü.yaml"
	parent := "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n" +
		"  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: nested/net.yaml\n" +
		"  Gone:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./missing.yaml\n" +
		"  Git:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ../.git/config\n"
	fsys := deniedFS{MapFS: fstest.MapFS{
		"stacks/parent.yaml":     {Data: []byte(parent)},
		"stacks/nested/net.yaml": {Data: []byte(badTrust)},
		hostile:                  {Data: []byte(badTrust)},
		"stacks/locked.yaml":     {Data: []byte(badTrust)},
		"stacks/link.yaml":       {Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink},
		".git/config":            {Data: []byte(badTrust)},
		".hidden/x.yaml":         {Data: []byte(badTrust)},
		"cdk.out/manifest.json": {Data: []byte(`{"artifacts": {"A": {"type": "aws:cloudformation:stack",
			"properties": {"templateFile": "App.template.json", "stackName": "app-prod"}}}}`)},
		"cdk.out/App.template.json": {Data: []byte(`{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument":
			{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}}}}}`)},
	}, denied: map[string]bool{"stacks/locked.yaml": true}}

	opts := options(t, ".")
	opts.FS = fsys
	res, err := Check(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range res.Findings {
		if f.Code == "EXTERNAL_PRINCIPAL" {
			files = append(files, f.File)
		}
	}
	slices.Sort(files)
	want := []string{"cdk.out/App.template.json", hostile, "stacks/nested/net.yaml"}
	if !slices.Equal(files, want) {
		t.Errorf("EXTERNAL_PRINCIPAL in %q, want %q", files, want)
	}
	var stacks []string
	for _, tpl := range res.Templates {
		stacks = append(stacks, tpl.File+"="+tpl.Stack)
	}
	if !slices.Contains(stacks, "cdk.out/App.template.json=app-prod") {
		t.Errorf("the CDK manifest was not read through the FS: %q", stacks)
	}

	if got := template.NoticeStrings(res.Errors); !slices.Equal(got, []string{"stacks/locked.yaml: cannot read: permission denied"}) {
		t.Errorf("errors = %q", got)
	}
	if res.Errors[0].Span != (template.Span{File: "stacks/locked.yaml"}) {
		t.Errorf("the read error is not about its file: %#v", res.Errors[0].Span)
	}
	notes := strings.Join(template.NoticeStrings(res.Notices), "\n")
	for _, want := range []string{
		"stacks/parent.yaml:10: not checked: Resources.Gone.Properties.TemplateURL (AWS::CloudFormation::Stack Gone): its template ./missing.yaml does not exist",
		"its template ../.git/config is outside the folder being checked",
		"skipped stacks/link.yaml: it is a symlink, and links are not followed",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notices lack %q:\n%s", want, notes)
		}
	}
	for _, n := range res.Notices {
		if strings.Contains(n.Message, "Resources.Gone") && (n.File != "stacks/parent.yaml" || n.Line != 10) {
			t.Errorf("the nested-stack notice is not placed at its resource: %#v", n.Span)
		}
	}
	for _, tpl := range res.Templates {
		if strings.HasPrefix(tpl.File, ".") {
			t.Errorf("a hidden file was read: %s", tpl.File)
		}
	}

	for _, bad := range []string{"/etc", "../outside", "stacks/../../x"} {
		opts.Paths = []string{bad}
		_, err := Check(context.Background(), opts)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "not inside the file system being checked") {
			t.Errorf("path %q: err = %v, want a usage error", bad, err)
		}
	}
	opts.Paths = []string{"nope.yaml"}
	if _, err := Check(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "nope.yaml: no such file or directory") {
		t.Errorf("a missing path: err = %v", err)
	}
}

// An error about a place becomes a run error at that place, with the text
// it had as an error.
func TestNoticeOfKeepsThePlace(t *testing.T) {
	cause := errors.New("object not found")
	placed := &placedError{template.NoticeAt(template.Span{File: "a.yaml"}, "cannot read at abc1234: %v", cause), cause}
	pf := &template.ParameterFileError{Span: template.Span{File: "p.json", Line: 2, Column: 5}, Msg: "parameter X is not declared"}
	for _, c := range []struct {
		err  error
		want template.Notice
	}{
		{placed, template.Notice{Span: template.Span{File: "a.yaml"}, Message: "cannot read at abc1234: object not found"}},
		{fmt.Errorf("wrapped: %w", pf), template.Notice{Span: pf.Span, Message: pf.Msg}},
		{cause, template.Notice{Message: "object not found"}},
	} {
		got := noticeOf(c.err)
		if got != c.want {
			t.Errorf("noticeOf(%v) = %#v, want %#v", c.err, got, c.want)
		}
		if errors.As(c.err, new(*placedError)) && got.String() != c.err.Error() {
			t.Errorf("the notice reads %q, the error %q", got, c.err)
		}
	}
	if !errors.Is(placed, cause) {
		t.Error("placedError does not unwrap")
	}
}
