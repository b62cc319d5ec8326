// Command corpus runs tollgate over corpora of real templates (folders of
// CloudFormation templates nobody here wrote) and reports, per corpus, the
// blocking findings by code, every PARSE_ERROR and INVALID_TEMPLATE with its
// file, and optionally whether cfn-lint accepts each of those files. Its
// JSON output can be compared with an earlier run's, so a fix is measured as
// "before/after by code".
//
//	go run ./scripts/corpus run [flags] CORPUS... [-- TOLLGATE-ARGS...]
//	go run ./scripts/corpus compare BEFORE.json AFTER.json
//
// See scripts/corpus/README.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  corpus run [flags] CORPUS... [-- TOLLGATE-ARGS...]
  corpus compare BEFORE.json AFTER.json

run checks every template file of each CORPUS folder with tollgate (one
process per file, so each finding and each skipped file is attributed) and
prints blocking findings by code and the files with PARSE_ERROR or
INVALID_TEMPLATE. compare prints what changed between two -json outputs.
Exit status: 0 done, 2 bad usage, 3 a run failed.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "compare":
		return compareCmd(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "corpus: unknown command %q\n%s", args[0], usage)
	return 2
}

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("corpus run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("tollgate", "", "tollgate `BINARY` to run (default: build ./cmd/tollgate of the current module)")
	jsonOut := fs.String("json", "", "also write the full run as JSON to `FILE` (input of compare)")
	workers := fs.Int("j", 2, "tollgate processes run at once")
	lint := fs.String("cfnlint", "off", "run cfn-lint: off, flagged (files with PARSE_ERROR or INVALID_TEMPLATE) or all (every template file)")
	cache := fs.String("cfnlint-cache", "", "cfn-lint verdict cache `FILE` (JSON; read, then rewritten with new verdicts)")
	batch := fs.Int("cfnlint-batch", 20, "files per cfn-lint process (its start-up costs seconds)")
	verbose := fs.Bool("v", false, "also list every blocking finding, not only the counts")
	as := fs.String("as", "named", "how each file reaches tollgate: named (on the command line) or found (by a folder scan, restricted to the file)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage, "\nflags of run:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	corpora, extra := splitArgs(fs.Args())
	if len(corpora) == 0 {
		fmt.Fprintln(stderr, "corpus run: name at least one CORPUS folder")
		return 2
	}
	if *lint != "off" && *lint != "flagged" && *lint != "all" {
		fmt.Fprintf(stderr, "corpus run: -cfnlint %q: want off, flagged or all\n", *lint)
		return 2
	}
	if *as != "named" && *as != "found" {
		fmt.Fprintf(stderr, "corpus run: -as %q: want named or found\n", *as)
		return 2
	}
	if *workers < 1 || *batch < 1 {
		fmt.Fprintln(stderr, "corpus run: -j and -cfnlint-batch must be at least 1")
		return 2
	}
	binary := *bin
	if binary == "" {
		b, cleanup, err := buildTollgate()
		if err != nil {
			fmt.Fprintln(stderr, "corpus run:", err)
			return 3
		}
		defer cleanup()
		binary = b
	}
	out := &Run{Version: 1, TollgateArgs: extra, As: *as}
	if v, err := tollgateVersion(binary); err == nil {
		out.Tollgate = v
	}
	for _, dir := range corpora {
		c, err := checkCorpus(binary, dir, extra, *workers, *as == "found")
		if err != nil {
			fmt.Fprintln(stderr, "corpus run:", err)
			return 3
		}
		out.Corpora = append(out.Corpora, c)
	}
	if *lint != "off" {
		l := &linter{cachePath: *cache, batch: *batch, log: stderr}
		if err := l.load(); err != nil {
			fmt.Fprintln(stderr, "corpus run:", err)
			return 3
		}
		if err := l.judge(out, *lint == "all"); err != nil {
			fmt.Fprintln(stderr, "corpus run:", err)
			return 3
		}
		if err := l.save(); err != nil {
			fmt.Fprintln(stderr, "corpus run:", err)
			return 3
		}
	}
	writeText(stdout, out, *verbose)
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, out); err != nil {
			fmt.Fprintln(stderr, "corpus run:", err)
			return 3
		}
	}
	return 0
}

// splitArgs separates corpus folders from the tollgate arguments after "--".
func splitArgs(args []string) (corpora, extra []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}

func compareCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprint(stderr, "corpus compare: want BEFORE.json AFTER.json\n", usage)
		return 2
	}
	before, err := readJSON(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "corpus compare:", err)
		return 2
	}
	after, err := readJSON(args[1])
	if err != nil {
		fmt.Fprintln(stderr, "corpus compare:", err)
		return 2
	}
	writeCompare(stdout, before, after)
	return 0
}
