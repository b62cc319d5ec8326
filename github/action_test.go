package github

import (
	"bytes"
	"os"
	"os/exec"
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
		// How the composite action gets its binary; the binary never reads
		// them (internal/release tests them).
		want["install"] = "release"
		want["release-url"] = "https://github.com/tollgate-dev/tollgate/releases/download"
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
	t.Run("it is a composite action, which runs on every runner OS", func(t *testing.T) {
		// internal/release runs its steps; here only the kind.
		if md.Runs.Using != "composite" {
			t.Errorf("runs.using = %q, want composite", md.Runs.Using)
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

// actionAsWorkflow turns action.yml's composite steps into a workflow
// actionlint can lint: its inputs become workflow_call inputs, so that
// every ${{ inputs.X }}, ${{ steps.… }} and env name in the steps is
// checked, and the scripts go through shellcheck like any run: step.
func actionAsWorkflow(t *testing.T, root string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Inputs map[string]any
		Runs   struct{ Steps []any }
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]any{}
	for name := range action.Inputs {
		// No description: they are prose, some with ${{ }} examples.
		inputs[name] = map[string]any{"type": "string", "required": false}
	}
	wf := map[string]any{
		"name": "action.yml's steps",
		"on":   map[string]any{"workflow_call": map[string]any{"inputs": inputs}},
		"jobs": map[string]any{"action": map[string]any{"runs-on": "ubuntu-latest", "steps": action.Runs.Steps}},
	}
	out, err := yaml.Marshal(wf)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), ".github", "workflows")
	os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, "action-steps.yml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestActionlint lints the workflows users call or copy, this
// repository's own (the release workflow too), with the local action
// (uses: ./) checked against action.yml, and action.yml's own steps; the
// scripts in them go through shellcheck.
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
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("TOLLGATE_CI") == "1" {
			t.Fatal("TOLLGATE_CI=1 and shellcheck is not installed (.ci/run installs it)")
		}
		t.Log("shellcheck is not installed: the run: scripts are not checked")
	}
	proj, err := actionlint.NewProject(root)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{WorkingDir: root, Shellcheck: shellcheck})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(files, proj)
	if err != nil {
		t.Fatal(err)
	}
	steps := actionAsWorkflow(t, root)
	more, err := l.LintFiles([]string{steps}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range append(errs, more...) {
		name := strings.TrimPrefix(e.Filepath, root+"/")
		if strings.HasSuffix(e.Filepath, "action-steps.yml") {
			name = "action.yml (its steps as a workflow)"
		}
		t.Errorf("%s:%d:%d: %s [%s]", name, e.Line, e.Column, e.Message, e.Kind)
	}
	if testing.Verbose() {
		t.Logf("linted %d workflows and action.yml's %s", len(files), filepath.Base(steps))
	}
}
