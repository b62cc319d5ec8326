// Command seedrecall measures tollgate's recall on real templates: it takes
// N templates of a corpus, plants problems at known places (misspelled
// actions, wildcard trust principals, administrator and escalation grants
// behind conditions that narrow nothing, and the same in resources switched
// off by a parameter default), runs tollgate, and reports the fraction of
// each class caught, listing every miss. The same seed gives the same
// templates, plants and numbers.
//
//	go run ./scripts/seedrecall -corpus DIR [-n 100] [-misspellings 290] [-seed 1] [-- TOLLGATE-ARGS...]
//
// See scripts/seedrecall/README.md.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Options are one measurement's inputs.
type Options struct {
	Corpus       string
	N            int
	Misspellings int
	Seed         uint64
	Tollgate     string
	TollgateArgs []string
	Keep         string
}

// Report is the measurement; its JSON form is written by -json.
type Report struct {
	Corpus       string   `json:"corpus"`
	Seed         uint64   `json:"seed"`
	Tollgate     string   `json:"tollgate"`
	TollgateArgs []string `json:"tollgateArgs"`
	Eligible     int      `json:"eligible"`
	// Unreadable counts drawn templates tollgate reports PARSE_ERROR or
	// INVALID_TEMPLATE on even without a plant (their plants are still scored).
	Unreadable int            `json:"unreadable"`
	Excluded   map[string]int `json:"excluded"`
	Templates  []string       `json:"templates"`
	Classes    []ClassResult  `json:"classes"`
	Plants     []*Plant       `json:"plants"`
}

// ClassResult is the recall of one class.
type ClassResult struct {
	Class   string   `json:"class"`
	Doc     string   `json:"doc"`
	Codes   []string `json:"codes"`
	Planted int      `json:"planted"`
	Caught  int      `json:"caught"`
	// FlaggedOtherwise counts misses where another blocking finding was
	// reported at the plant's place (the change would still be blocked).
	FlaggedOtherwise int `json:"flaggedOtherwise"`
	// CaughtPinned counts, for the classes behind the seed parameter, the
	// plants caught when the parameter is pinned to its non-default value.
	CaughtPinned int `json:"caughtPinned,omitempty"`
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seedrecall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.StringVar(&o.Corpus, "corpus", "", "`DIR` of real templates to plant into (required)")
	fs.IntVar(&o.N, "n", 100, "number of templates")
	fs.IntVar(&o.Misspellings, "misspellings", 290, "misspelled actions in total, spread over the templates")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed; the same seed gives the same plants")
	fs.StringVar(&o.Tollgate, "tollgate", "", "tollgate `BINARY` (default: build ./cmd/tollgate of the current module)")
	fs.StringVar(&o.Keep, "keep", "", "write the planted templates to `DIR` (default: a temporary folder, removed)")
	jsonOut := fs.String("json", "", "write the report as JSON to `FILE`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: seedrecall -corpus DIR [flags] [-- TOLLGATE-ARGS...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	o.TollgateArgs = fs.Args()
	if len(o.TollgateArgs) > 0 && o.TollgateArgs[0] == "--" {
		o.TollgateArgs = o.TollgateArgs[1:]
	}
	if o.Corpus == "" || o.N < 1 || o.Misspellings < 0 {
		fmt.Fprintln(stderr, "seedrecall: -corpus is required, -n must be at least 1 and -misspellings not negative")
		return 2
	}
	if o.Tollgate == "" {
		bin, cleanup, err := buildTollgate()
		if err != nil {
			fmt.Fprintln(stderr, "seedrecall:", err)
			return 3
		}
		defer cleanup()
		o.Tollgate = bin
	}
	data, err := iamdata.Embedded()
	if err != nil {
		fmt.Fprintln(stderr, "seedrecall:", err)
		return 3
	}
	rep, err := Measure(o, dataValidator{data})
	if err != nil {
		fmt.Fprintln(stderr, "seedrecall:", err)
		return 3
	}
	writeText(stdout, rep)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", " ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "seedrecall:", err)
			return 3
		}
	}
	return 0
}

// dataValidator answers from tollgate's embedded IAM service data.
type dataValidator struct{ s *iamdata.Set }

func (d dataValidator) Valid(action string) bool {
	prefix, name, ok := strings.Cut(action, ":")
	return ok && d.s.Action(prefix, name) != nil
}

func (d dataValidator) Example(prefix string, r *rand.Rand) string {
	svc := d.s.Service(prefix)
	if svc == nil || len(svc.Actions) == 0 {
		return "s3:GetObject"
	}
	return prefix + ":" + svc.Actions[r.IntN(len(svc.Actions))].Name
}

// candidate is a template of the corpus that has statements to plant into.
type candidate struct {
	rel string
	src []byte
}

// Measure plants, runs tollgate and scores.
//
// The draw depends only on the corpus and the seed, never on what tollgate
// makes of a template, so two tollgate versions are measured on the same
// plants. Each class gets a mirror of the whole corpus (so that Rain modules,
// embedded files and nested templates resolve as they do in place), with a
// planted copy NAME.EXT.seeded.yaml beside each drawn template.
func Measure(o Options, v Validator) (*Report, error) {
	work := o.Keep
	if work == "" {
		dir, err := os.MkdirTemp("", "seedrecall-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		work = dir
	}
	rep := &Report{Corpus: o.Corpus, Seed: o.Seed, Tollgate: o.Tollgate, TollgateArgs: o.TollgateArgs, Excluded: map[string]int{}}

	// 1. Candidates: templates with at least one statement.
	cands, err := readCandidates(o.Corpus, rep.Excluded)
	if err != nil {
		return nil, err
	}
	rep.Eligible = len(cands)
	if len(cands) == 0 {
		return nil, fmt.Errorf("%s has no template with a policy statement", o.Corpus)
	}

	// 2. Choose N of them and spread the misspellings: every template gets
	// Misspellings/N, the first Misspellings%N one more.
	r := rand.New(rand.NewPCG(o.Seed, 0x7011))
	r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	if len(cands) > o.N {
		cands = cands[:o.N]
	}
	n := len(cands)

	// 3. The unchanged copies (re-encoded as the plants are), to tell the
	// templates tollgate cannot read even without a plant.
	unchanged := filepath.Join(work, "unchanged")
	if err := mirror(o.Corpus, unchanged); err != nil {
		return nil, err
	}
	for _, c := range cands {
		d, _ := parseDoc(c.src)
		b, err := d.encode()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.rel, err)
		}
		if err := os.WriteFile(filepath.Join(unchanged, filepath.FromSlash(seeded(c.rel))), b, 0o644); err != nil {
			return nil, err
		}
	}
	findings, err := runTollgate(o.Tollgate, unchanged, o.TollgateArgs)
	if err != nil {
		return nil, err
	}
	unreadable := map[string]string{}
	for _, c := range cands {
		for _, f := range findings[seeded(c.rel)] {
			if f.Code == "PARSE_ERROR" || f.Code == "INVALID_TEMPLATE" || f.Code == "TEMPLATE_TOO_LARGE" {
				unreadable[c.rel] = f.Code
			}
		}
	}

	// 4. Plant each class into its own mirror, so that classes do not interfere.
	for ci, cl := range classes {
		dir := filepath.Join(work, cl.Name)
		if err := mirror(o.Corpus, dir); err != nil {
			return nil, err
		}
		for i, c := range cands {
			count := 1
			if cl.Name == "misspelled-action" {
				count = o.Misspellings / n
				if i < o.Misspellings%n {
					count++
				}
				if count == 0 {
					continue
				}
			}
			d, _ := parseDoc(c.src)
			pr := rand.New(rand.NewPCG(o.Seed, uint64(i)<<8|uint64(streamOf(cl.Name, ci))))
			ps := plantClass(d, cl.Name, count, v, pr)
			if len(ps) == 0 {
				continue
			}
			b, err := d.encode()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.rel, err)
			}
			lines, err := locate(b, ps)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.rel, err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(seeded(c.rel))), b, 0o644); err != nil {
				return nil, err
			}
			for k, p := range ps {
				ctx := strings.TrimPrefix(p.context, "; ")
				if code := unreadable[c.rel]; code != "" {
					ctx = strings.TrimPrefix(ctx+"; tollgate reports "+code+" on the template unchanged", "; ")
				}
				rep.Plants = append(rep.Plants, &Plant{Class: cl.Name, File: cl.Name + "/" + seeded(c.rel), Source: c.rel,
					Resource: p.site.resource, Type: p.site.rtype, Token: p.token, Line: lines[k][0], EndLine: lines[k][1], Context: ctx})
			}
		}
	}
	for _, c := range cands {
		rep.Templates = append(rep.Templates, c.rel)
	}
	rep.Unreadable = len(unreadable)

	// 5. One tollgate run per class mirror, with the defaults and with the
	// seed parameter pinned, then score.
	byFile := map[string][]finding{}
	pinned := map[string][]finding{}
	for _, cl := range classes {
		dir := filepath.Join(work, cl.Name)
		f, err := runTollgate(o.Tollgate, dir, o.TollgateArgs)
		if err != nil {
			return nil, err
		}
		for k, v := range f {
			byFile[cl.Name+"/"+k] = v
		}
		if !switched(cl.Name) {
			continue
		}
		f, err = runTollgate(o.Tollgate, dir, append(append([]string(nil), o.TollgateArgs...), "--parameter", seedParam+"=sandbox"))
		if err != nil {
			return nil, err
		}
		for k, v := range f {
			pinned[cl.Name+"/"+k] = v
		}
	}
	score(rep, byFile, pinned)
	return rep, nil
}

// seeded names the planted copy of a template: beside it, so relative
// references resolve, and never the name of a file of the corpus.
func seeded(rel string) string {
	return rel + ".seeded.yaml" // a.json and a.yaml are often both there
}

// mirror copies every regular file of src (outside hidden folders and
// node_modules) to dst.
func mirror(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if p != src && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}

// streamOf picks the random stream of a class: a control shares its
// class's, so it lands at the same site with the same key.
func streamOf(class string, index int) int {
	switch class {
	case "admin-no-condition":
		return streamIndex("admin-irrelevant-condition")
	case "escalation-no-condition":
		return streamIndex("escalation-irrelevant-condition")
	}
	return index
}

func streamIndex(class string) int {
	for i, c := range classes {
		if c.Name == class {
			return i
		}
	}
	panic("unknown class " + class)
}

// readCandidates lists the corpus's templates (sorted) that parse and have
// a statement to plant into; the others are counted in excluded.
func readCandidates(root string, excluded map[string]int) ([]candidate, error) {
	var out []candidate
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json", ".template":
		default:
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		doc, err := parseDoc(src)
		if err != nil {
			excluded["not a YAML/JSON mapping"]++
			return nil
		}
		if len(doc.sites()) == 0 {
			excluded["no policy statement"]++
			return nil
		}
		out = append(out, candidate{filepath.ToSlash(rel), src})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out, err
}

// finding is the part of tollgate's JSON finding scored here.
type finding struct {
	Code     string `json:"code"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Message  string `json:"message"`
	Blocking bool   `json:"blocking"`
}

// runTollgate checks dir in one process and returns findings by file name.
func runTollgate(bin, dir string, extra []string) (map[string][]finding, error) {
	args := append(append([]string{"check", "--format", "json", "--no-color"}, extra...), ".")
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "NO_COLOR=1"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return nil, fmt.Errorf("tollgate %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Findings []finding `json:"findings"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("tollgate output is not its JSON: %v", err)
	}
	byFile := map[string][]finding{}
	for _, f := range out.Findings {
		name := filepath.ToSlash(filepath.Clean(f.File))
		byFile[name] = append(byFile[name], f)
	}
	return byFile, nil
}

// match says whether findings catch p: a finding of its class's codes at
// its place (a misspelling also when a finding names it). It also returns
// every code reported there and whether another blocking one was.
func match(p *Plant, codes map[string]bool, findings []finding) (caught, blocking, otherBlocking bool, found []string) {
	seen := map[string]bool{}
	for _, f := range findings {
		here := f.Line >= p.Line && f.Line <= p.EndLine
		named := !strings.HasPrefix(p.Token, sidPrefix) && strings.Contains(f.Message, p.Token)
		if !here && !named {
			continue
		}
		if !seen[f.Code] {
			seen[f.Code] = true
			found = append(found, f.Code)
		}
		if codes[f.Code] {
			caught = true
			blocking = blocking || f.Blocking
		} else if f.Blocking {
			otherBlocking = true
		}
	}
	sort.Strings(found)
	return caught, blocking, otherBlocking, found
}

// switched tells the classes that sit behind the seed parameter's default.
func switched(class string) bool {
	return strings.Contains(class, "off-by-default") || strings.Contains(class, "nondefault")
}

// score fills in each plant's result from the run with the defaults, and,
// for the classes behind the seed parameter, from the control run with
// Stage=sandbox pinned (proof that the plant itself is detectable).
func score(rep *Report, findings, pinned map[string][]finding) {
	results := map[string]*ClassResult{}
	codes := map[string]map[string]bool{}
	for _, c := range classes {
		results[c.Name] = &ClassResult{Class: c.Name, Doc: c.Doc, Codes: c.Codes}
		codes[c.Name] = map[string]bool{}
		for _, k := range c.Codes {
			codes[c.Name][k] = true
		}
	}
	for _, p := range rep.Plants {
		var other bool
		p.Caught, p.Blocking, other, p.Found = match(p, codes[p.Class], findings[p.File])
		res := results[p.Class]
		res.Planted++
		switch {
		case p.Caught:
			res.Caught++
		case other:
			res.FlaggedOtherwise++
		}
		if switched(p.Class) && pinned != nil {
			c, _, _, _ := match(p, codes[p.Class], pinned[p.File])
			p.CaughtPinned = &c
			if c {
				res.CaughtPinned++
			}
		}
	}
	for _, c := range classes {
		rep.Classes = append(rep.Classes, *results[c.Name])
	}
}

func writeText(w io.Writer, rep *Report) {
	fmt.Fprintf(w, "seedrecall: %d templates of %s (of %d with a policy statement), seed %d, tollgate %s\n",
		len(rep.Templates), rep.Corpus, rep.Eligible, rep.Seed, strings.Join(rep.TollgateArgs, " "))
	if rep.Unreadable > 0 {
		fmt.Fprintf(w, "  %d of them tollgate cannot read even unchanged (PARSE_ERROR/INVALID_TEMPLATE); plants in them are still scored\n", rep.Unreadable)
	}
	for _, k := range sortedKeys(rep.Excluded) {
		fmt.Fprintf(w, "  excluded: %d %s\n", rep.Excluded[k], k)
	}
	fmt.Fprintf(w, "\n%-34s %8s %8s %8s %10s %12s  %s\n", "class", "planted", "caught", "recall", "otherwise", "if pinned", "caught by")
	for _, c := range rep.Classes {
		pinned := ""
		if switched(c.Class) {
			pinned = fmt.Sprintf("%d (%s)", c.CaughtPinned, percent(c.CaughtPinned, c.Planted))
		}
		fmt.Fprintf(w, "%-34s %8d %8d %8s %10d %12s  %s\n", c.Class, c.Planted, c.Caught, percent(c.Caught, c.Planted),
			c.FlaggedOtherwise, pinned, strings.Join(c.Codes, "|"))
	}
	fmt.Fprintf(w, "otherwise: misses where another blocking finding was reported at the place; "+
		"if pinned: caught with --parameter %s=sandbox (the plant is detectable; the default hides it)\n", seedParam)
	for _, c := range rep.Classes {
		var misses []*Plant
		for _, p := range rep.Plants {
			if p.Class == c.Class && !p.Caught {
				misses = append(misses, p)
			}
		}
		if len(misses) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nmissed %s (%d):\n", c.Class, len(misses))
		for _, p := range misses {
			found := "nothing"
			if len(p.Found) > 0 {
				found = strings.Join(p.Found, ",")
			}
			ctx := ""
			if p.Context != "" {
				ctx = "; " + p.Context
			}
			fmt.Fprintf(w, "  %s (%s:%d) %s %s %s; tollgate said %s%s\n", p.Source, p.File, p.Line, p.Resource, p.Type, p.Token, found, ctx)
		}
	}
}

func percent(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

// buildTollgate builds ./cmd/tollgate of the module in the working folder.
func buildTollgate() (string, func(), error) {
	dir, err := os.MkdirTemp("", "seedrecall-tollgate-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	bin := filepath.Join(dir, "tollgate")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/tollgate")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building ./cmd/tollgate (run from the repository root, or pass -tollgate): %w", err)
	}
	return bin, cleanup, nil
}
