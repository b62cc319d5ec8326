package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/template"
)

// TestNestedStacksWithLocalTemplatesAreChecked: a template named on the
// command line brings in the local files its nested stacks (and SAM
// applications) name, checked under their own names, through a chain, once
// each; a missing file, one outside the folder, a hidden one, and a URL
// say so; a cycle ends.
func TestNestedStacksWithLocalTemplatesAreChecked(t *testing.T) {
	nested := func(url string) string {
		return "  N" + strings.NewReplacer("/", "", ".", "", "-", "").Replace(url) + ":\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: " + url + "\n"
	}
	dir := tree(t, map[string]string{
		"app/parent.yaml": "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n" + nested("stacks/network.yaml") + nested("./missing.yaml") +
			nested("../outside.yaml") + nested(".hidden/x.yaml") + nested("https://s3.amazonaws.com/b/x.yaml") +
			"  App:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: stacks/app.yaml\n",
		"app/stacks/network.yaml": "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n" + nested("deeper.yaml") + strings.TrimPrefix(badTrust, "Resources:\n"),
		"app/stacks/deeper.yaml":  "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n" + nested("network.yaml") + strings.TrimPrefix(badTrust, "Resources:\n"),
		"app/stacks/app.yaml":     badTrust,
		"app/.hidden/x.yaml":      badTrust,
		"outside.yaml":            badTrust,
	})
	wd, _ := os.Getwd()
	if err := os.Chdir(filepath.Join(dir, "app")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
	res, err := Check(context.Background(), options(t, "parent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range res.Findings {
		if f.Code == "EXTERNAL_PRINCIPAL" {
			files = append(files, f.File+" "+f.Code)
		}
	}
	slices.Sort(files)
	want := []string{
		filepath.Join("stacks", "app.yaml") + " EXTERNAL_PRINCIPAL",
		filepath.Join("stacks", "deeper.yaml") + " EXTERNAL_PRINCIPAL",
		filepath.Join("stacks", "network.yaml") + " EXTERNAL_PRINCIPAL",
	}
	if !slices.Equal(files, want) {
		t.Errorf("findings in %q, want %q", files, want)
	}
	if res.Stats.Templates != 4 {
		t.Errorf("%d templates checked, want 4", res.Stats.Templates)
	}
	notes := strings.Join(template.NoticeStrings(res.Notices), "\n")
	for _, want := range []string{
		"./missing.yaml does not exist",
		"../outside.yaml is outside the folder being checked",
		".hidden/x.yaml is outside the folder being checked (or hidden)",
		"is at https://s3.amazonaws.com/b/x.yaml, so it is not checked here",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notices lack %q:\n%s", want, notes)
		}
	}
}
