package github

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// actionMetadata is the part of action.yml the tests read.
type actionMetadata struct {
	Name   string
	Inputs map[string]struct {
		Description string
		Required    bool
		Default     *string
	}
	Outputs map[string]struct{ Description string }
	Runs    struct {
		Using string
		Image string
	}
}

func readAction(t *testing.T) actionMetadata {
	t.Helper()
	data, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var md actionMetadata
	if err := yaml.Unmarshal(data, &md); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return md
}

func TestActionMetadata(t *testing.T) {
	md := readAction(t)
	t.Run("every input is documented and has the default the code applies", func(t *testing.T) {
		got := map[string]string{}
		for name, in := range md.Inputs {
			if len(in.Description) < 20 {
				t.Errorf("input %s: description %q is too short to help", name, in.Description)
			}
			if in.Default == nil {
				t.Errorf("input %s has no default", name)
				continue
			}
			got[name] = *in.Default
		}
		want := map[string]string{}
		for k, v := range InputDefaults {
			want[k] = v
		}
		want["github-token"] = "${{ github.token }}" // the runner fills it
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("action.yml defaults differ from InputDefaults (-code +action.yml):\n%s", diff)
		}
	})
	t.Run("the outputs the run sets are the ones action.yml declares", func(t *testing.T) {
		var names []string
		for name, out := range md.Outputs {
			names = append(names, name)
			if out.Description == "" {
				t.Errorf("output %s is not documented", name)
			}
		}
		sort.Strings(names)
		if diff := cmp.Diff([]string{"blocking", "environment", "findings", "has-deployments", "has-promotion", "matrix", "outcome",
			"promote-matrix", "report-json", "sarif-file", "stack-outputs", "stages"}, names); diff != "" {
			t.Errorf("outputs (-want +got):\n%s", diff)
		}
	})
	t.Run("it is a container action built from the Dockerfile", func(t *testing.T) {
		if md.Runs.Using != "docker" || md.Runs.Image != "Dockerfile" {
			t.Errorf("runs = %+v, want docker with the Dockerfile", md.Runs)
		}
	})
}

func TestReusableWorkflowIsCallable(t *testing.T) {
	for _, name := range []string{"pr-check.yml", "deploy.yml"} {
		a, err := os.ReadFile("../workflows/" + name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile("../.github/workflows/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf(".github/workflows/%s differs from workflows/%s; GitHub calls only the former: copy the file over", name, name)
		}
	}
}

// TestActionlint lints the workflows users call or copy and this
// repository's own, with the local action (uses: ./) checked against
// action.yml.
func TestActionlint(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pattern := range []string{"workflows/*.yml", ".github/workflows/*.yml"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		files = append(files, m...)
	}
	if len(files) < 3 {
		t.Fatalf("found only %d workflow files", len(files))
	}
	proj, err := actionlint.NewProject(root)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// shellcheck and pyflakes are external programs; the workflows run no
	// inline scripts, so the lint needs neither.
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{WorkingDir: root})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(files, proj)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", strings.TrimPrefix(e.Filepath, root+"/"), e.Line, e.Column, e.Message, e.Kind)
	}
}
