package release

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Pins are the places in the repository that name the release version.
// They must all agree: a release commit changes every one of them.
type Pins struct {
	// Source is the release constant of cmd/tollgate/version.go, what
	// `tollgate version` says when nothing stamped the build.
	Source string
	// Action is the version action.yml downloads (TOLLGATE_VERSION).
	Action string
	// Changelog is the latest released entry of CHANGELOG.md, as "v1.2.3".
	Changelog string
	// Workflows maps "file:line" to the ref of every
	// `uses: tollgate-dev/tollgate@REF` in the shipped workflows.
	Workflows map[string]string
}

// ActionRepo is the action's repository as workflows name it.
const ActionRepo = "tollgate-dev/tollgate"

// ReadPins reads the pins of the repository at root.
func ReadPins(root string) (Pins, error) {
	var p Pins
	var err error
	if p.Source, err = SourceVersion(root); err != nil {
		return p, err
	}
	if p.Action, err = ActionVersion(root); err != nil {
		return p, err
	}
	entries, err := ReadChangelog(root)
	if err != nil {
		return p, err
	}
	for _, e := range entries {
		if e.Version != "Unreleased" {
			p.Changelog = "v" + e.Version
			break
		}
	}
	if p.Changelog == "" {
		return p, fmt.Errorf("CHANGELOG.md has no released entry")
	}
	p.Workflows, err = WorkflowPins(root)
	return p, err
}

// Disagreements lists every pin that differs from want (the tag being
// released, or Source when checking the tree).
func (p Pins) Disagreements(want string) []string {
	var out []string
	check := func(where, got string) {
		if got != want {
			out = append(out, fmt.Sprintf("%s says %s, not %s", where, got, want))
		}
	}
	check("cmd/tollgate/version.go (const release)", p.Source)
	check("action.yml (TOLLGATE_VERSION)", p.Action)
	check("CHANGELOG.md (latest entry)", p.Changelog)
	keys := make([]string, 0, len(p.Workflows))
	for k := range p.Workflows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		check(k+" (uses: "+ActionRepo+"@…)", p.Workflows[k])
	}
	return out
}

var releaseConst = regexp.MustCompile(`(?m)^const release = "([^"]*)"$`)

// SourceVersion reads the release constant of cmd/tollgate/version.go.
func SourceVersion(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "cmd", "tollgate", "version.go"))
	if err != nil {
		return "", err
	}
	m := releaseConst.FindSubmatch(data)
	if m == nil {
		return "", fmt.Errorf("cmd/tollgate/version.go has no line `const release = \"vX.Y.Z\"`")
	}
	if !SemVer.Match(m[1]) {
		return "", fmt.Errorf("cmd/tollgate/version.go: release %q is not vX.Y.Z", m[1])
	}
	return string(m[1]), nil
}

// ActionStep is the part of a composite action's step the tests and the
// pin reader use.
type ActionStep struct {
	ID    string            `yaml:"id"`
	Name  string            `yaml:"name"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	With  map[string]string `yaml:"with"`
	Shell string            `yaml:"shell"`
	Env   map[string]string `yaml:"env"`
	Run   string            `yaml:"run"`
}

// Action is the part of action.yml the tests and the pin reader use.
type Action struct {
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Image string       `yaml:"image"`
		Steps []ActionStep `yaml:"steps"`
	} `yaml:"runs"`
}

// ReadAction parses root/action.yml.
func ReadAction(root string) (Action, error) {
	var a Action
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		return a, err
	}
	if err := yaml.Unmarshal(data, &a); err != nil {
		return a, fmt.Errorf("action.yml: %w", err)
	}
	return a, nil
}

// ActionVersion is the release action.yml installs: the TOLLGATE_VERSION
// of its one step that sets it.
func ActionVersion(root string) (string, error) {
	a, err := ReadAction(root)
	if err != nil {
		return "", err
	}
	var found []string
	for _, s := range a.Runs.Steps {
		if v, ok := s.Env["TOLLGATE_VERSION"]; ok {
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("action.yml: %d steps set TOLLGATE_VERSION, want exactly 1", len(found))
	}
	if !SemVer.MatchString(found[0]) {
		return "", fmt.Errorf("action.yml: TOLLGATE_VERSION %q is not vX.Y.Z", found[0])
	}
	return found[0], nil
}

// WorkflowPins finds every step of the shipped workflows (workflows/ and
// .github/workflows/) that uses the action from its repository, keyed by
// "file:line", with the ref it names.
func WorkflowPins(root string) (map[string]string, error) {
	out := map[string]string{}
	for _, dir := range []string{"workflows", filepath.Join(".github", "workflows")} {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.yml"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			var doc yaml.Node
			if err := yaml.Unmarshal(data, &doc); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			rel, _ := filepath.Rel(root, f)
			walkUses(&doc, func(n *yaml.Node) {
				if ref, ok := strings.CutPrefix(n.Value, ActionRepo+"@"); ok {
					out[fmt.Sprintf("%s:%d", filepath.ToSlash(rel), n.Line)] = ref
				}
			})
		}
	}
	return out, nil
}

// walkUses calls fn with the value node of every "uses" key.
func walkUses(n *yaml.Node, fn func(*yaml.Node)) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "uses" && n.Content[i+1].Kind == yaml.ScalarNode {
				fn(n.Content[i+1])
			}
		}
	}
	for _, c := range n.Content {
		walkUses(c, fn)
	}
}

// Entry is one version's section of CHANGELOG.md.
type Entry struct {
	Version string // "1.2.3", or "Unreleased"
	Date    string // YYYY-MM-DD; empty for Unreleased
	Line    int
	Body    string // the text under the heading, up to the next one
}

var (
	entryHeading = regexp.MustCompile(`^## \[([^\]]+)\](?: - (\S+))?\s*$`)
	linkRef      = regexp.MustCompile(`^\[([^\]]+)\]: (https://\S+)$`)
	subHeading   = regexp.MustCompile(`^### (Added|Changed|Deprecated|Removed|Fixed|Security)$`)
)

// ReadChangelog parses root/CHANGELOG.md as keep-a-changelog 1.1.0 has
// it and checks its form: entries newest first, each with a date and a
// link, only the six kinds of change, at most one Unreleased on top.
func ReadChangelog(root string) ([]Entry, error) {
	data, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return nil, err
	}
	var entries []Entry
	links := map[string]bool{}
	var body []string
	flush := func() {
		if len(entries) > 0 {
			entries[len(entries)-1].Body = strings.TrimSpace(strings.Join(body, "\n"))
		}
		body = nil
	}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		n := i + 1
		if m := linkRef.FindStringSubmatch(line); m != nil {
			links[strings.ToLower(m[1])] = true
			continue
		}
		if strings.HasPrefix(line, "### ") && !subHeading.MatchString(line) {
			return nil, fmt.Errorf("CHANGELOG.md:%d: %q is not one of keep-a-changelog's kinds (Added, Changed, Deprecated, Removed, Fixed, Security)", n, line)
		}
		if !strings.HasPrefix(line, "## ") {
			body = append(body, line)
			continue
		}
		m := entryHeading.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("CHANGELOG.md:%d: %q is not \"## [X.Y.Z] - YYYY-MM-DD\" or \"## [Unreleased]\"", n, line)
		}
		flush()
		e := Entry{Version: m[1], Date: m[2], Line: n}
		if e.Version == "Unreleased" {
			if len(entries) > 0 || e.Date != "" {
				return nil, fmt.Errorf("CHANGELOG.md:%d: [Unreleased] comes first and has no date", n)
			}
		} else {
			if !SemVer.MatchString("v" + e.Version) {
				return nil, fmt.Errorf("CHANGELOG.md:%d: %q is not a version X.Y.Z", n, e.Version)
			}
			if _, err := time.Parse(time.DateOnly, e.Date); err != nil {
				return nil, fmt.Errorf("CHANGELOG.md:%d: %s has no date YYYY-MM-DD", n, e.Version)
			}
			for _, prev := range entries {
				if prev.Version == "Unreleased" {
					continue
				}
				if compareSemVer("v"+prev.Version, "v"+e.Version) <= 0 {
					return nil, fmt.Errorf("CHANGELOG.md:%d: %s comes after %s; newest first", n, e.Version, prev.Version)
				}
				if prev.Date < e.Date {
					return nil, fmt.Errorf("CHANGELOG.md:%d: %s is dated after %s, which is above it", n, e.Version, prev.Version)
				}
			}
		}
		entries = append(entries, e)
	}
	flush()
	for _, e := range entries {
		if !links[strings.ToLower(e.Version)] {
			return nil, fmt.Errorf("CHANGELOG.md:%d: [%s] has no link line \"[%s]: https://…\" at the end", e.Line, e.Version, e.Version)
		}
	}
	return entries, nil
}

// Notes returns the changelog's section for version ("v1.2.3"), the body
// of its GitHub release.
func Notes(root, version string) (string, error) {
	entries, err := ReadChangelog(root)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if "v"+e.Version == version {
			return e.Body, nil
		}
	}
	return "", fmt.Errorf("CHANGELOG.md has no entry for %s", version)
}

// compareSemVer orders two versions that match SemVer by precedence (a
// pre-release sorts before its release; pre-release parts compare as
// strings, enough for rc.1 < rc.2).
func compareSemVer(a, b string) int {
	ma, mb := SemVer.FindStringSubmatch(a), SemVer.FindStringSubmatch(b)
	for i := 1; i <= 3; i++ {
		x, _ := strconv.Atoi(ma[i])
		y, _ := strconv.Atoi(mb[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case ma[4] == mb[4]:
		return 0
	case ma[4] == "":
		return 1
	case mb[4] == "":
		return -1
	}
	return strings.Compare(ma[4], mb[4])
}
