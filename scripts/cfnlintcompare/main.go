// Command cfnlintcompare runs tollgate and cfn-lint side by side on the rule
// fixtures (fixtures/rules/CODE/bad.yaml and good.yaml) and prints, for each
// rule, what each tool reports on the failing and on the fixed template. A
// tool catches a problem when it reports more on the failing template than
// on the fixed one.
//
//	go run ./scripts/cfnlintcompare            # from the repository root; needs cfn-lint
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cfnlintcompare:", err)
		os.Exit(1)
	}
}

func run() error {
	dirs, err := filepath.Glob(filepath.Join("fixtures", "rules", "*"))
	if err != nil || len(dirs) == 0 {
		return errors.New("no fixtures/rules: run from the repository root")
	}
	data, err := iamdata.Embedded()
	if err != nil {
		return err
	}
	k, err := checks.NewChecker(checks.Options{Data: data, Values: template.Values{AccountID: "123456789012", Region: "eu-west-1"},
		TrustedAccounts: []string{"111122223333"}, TrustedOrgs: []string{"o-a1b2c3d4e5"}}, nil)
	if err != nil {
		return err
	}
	var bad, good []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "bad.yaml")); err == nil {
			bad = append(bad, filepath.Join(d, "bad.yaml"))
			good = append(good, filepath.Join(d, "good.yaml"))
		}
	}
	lintBad, err := cfnLint(bad)
	if err != nil {
		return err
	}
	lintGood, err := cfnLint(good)
	if err != nil {
		return err
	}
	fmt.Println("| Rule | tollgate on bad / good | cfn-lint on bad / good | cfn-lint rules on bad |")
	fmt.Println("|---|---|---|---|")
	var tgCaught, clCaught int
	for i, b := range bad {
		code := filepath.Base(filepath.Dir(b))
		tgBad, tgGood := count(k, b, code), count(k, good[i], code)
		if tgBad > tgGood {
			tgCaught++
		}
		if len(lintBad[b]) > len(lintGood[good[i]]) {
			clCaught++
		}
		fmt.Printf("| %s | %d / %d | %d / %d | %s |\n", code, tgBad, tgGood, len(lintBad[b]), len(lintGood[good[i]]), rules(lintBad[b]))
	}
	fmt.Printf("\ncaught (more findings on the failing template than on the fixed one): tollgate %d of %d, cfn-lint %d of %d\n",
		tgCaught, len(bad), clCaught, len(bad))
	return nil
}

// count returns how many findings of code tollgate reports on a file.
func count(k *checks.Checker, path, code string) int {
	src, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	n := 0
	for _, f := range k.Check(template.Parse(path, src)).Findings {
		if f.Code == code {
			n++
		}
	}
	return n
}

// cfnLint runs cfn-lint once on files and returns its findings by file.
func cfnLint(files []string) (map[string][]string, error) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		return nil, errors.New("cfn-lint is not installed (pip install cfn-lint)")
	}
	cmd := exec.Command("cfn-lint", append([]string{"--format", "parseable"}, files...)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) { // cfn-lint exits non-zero when it finds something
		return nil, err
	}
	found := map[string][]string{}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		// file:line:col:endline:endcol:rule:message
		parts := strings.SplitN(sc.Text(), ":", 7)
		if len(parts) == 7 {
			found[parts[0]] = append(found[parts[0]], parts[5])
		}
	}
	return found, sc.Err()
}

func rules(ids []string) string {
	set := map[string]bool{}
	for _, id := range ids {
		set[id] = true
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, ", ")
}
