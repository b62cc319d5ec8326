// Command branchstat measures what exploring parameter values costs on a
// corpus of templates: for each template it checks once with every
// parameter at its default (parameter-values: defaults) and once with
// every accepted value, and reports how many more policy variants the
// second run checked, how many findings only non-default values reach,
// how often the branch bound was hit, and the time per template (median,
// 99th percentile, maximum) of both runs.
//
//	go run ./scripts/branchstat DIR...          # e.g. /work/corpora/*
//	go run ./scripts/branchstat -v DIR...       # also list the templates that gained variants
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

func main() {
	verbose := flag.Bool("v", false, "list the templates whose variants grew")
	runs := flag.Int("runs", 3, "time each template this many times and keep the fastest")
	flag.Parse()
	if err := run(flag.Args(), *verbose, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "branchstat:", err)
		os.Exit(1)
	}
}

type sample struct {
	file                 string
	defaults, accepted   time.Duration
	polDefault, polAll   int
	nonDefault, bounds   int
	findDefault, findAll int
}

func run(dirs []string, verbose bool, runs int) error {
	if len(dirs) == 0 {
		return fmt.Errorf("name one or more folders of templates")
	}
	data, err := iamdata.Embedded()
	if err != nil {
		return err
	}
	checker := func(defaultsOnly bool) (*checks.Checker, error) {
		return checks.NewChecker(checks.Options{Data: data,
			Values: template.Values{AccountID: "123456789012", Region: "eu-west-1", DefaultsOnly: defaultsOnly}}, nil)
	}
	kd, err := checker(true)
	if err != nil {
		return err
	}
	ka, err := checker(false)
	if err != nil {
		return err
	}
	var samples []sample
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json", ".template":
			default:
				return nil
			}
			text, err := os.ReadFile(path)
			if err != nil || len(text) > template.MaxSize || !template.Sniff(text) {
				return nil
			}
			s := sample{file: path}
			time1 := func(k *checks.Checker) (time.Duration, checks.TemplateResult) {
				best := time.Duration(1 << 62)
				var res checks.TemplateResult
				for range runs {
					start := time.Now()
					res = k.Check(template.Parse(path, text))
					best = min(best, time.Since(start))
				}
				return best, res
			}
			var rd, ra checks.TemplateResult
			s.defaults, rd = time1(kd)
			s.accepted, ra = time1(ka)
			s.polDefault, s.polAll = rd.Policies, ra.Policies
			s.findDefault, s.findAll = len(rd.Findings), len(ra.Findings)
			for _, f := range ra.Findings {
				if f.When != "" {
					s.nonDefault++
				}
				if f.Code == "BRANCHES_MERGED" {
					s.bounds++
				}
			}
			samples = append(samples, s)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(samples) == 0 {
		return fmt.Errorf("no templates under %s", strings.Join(dirs, ", "))
	}
	var extra, grew, nonDefault, bounds, polD, polA int
	for _, s := range samples {
		polD += s.polDefault
		polA += s.polAll
		extra += s.polAll - s.polDefault
		if s.polAll > s.polDefault {
			grew++
			if verbose {
				fmt.Printf("  %s: %d → %d policies, %d findings only non-default values reach\n", s.file, s.polDefault, s.polAll, s.nonDefault)
			}
		}
		nonDefault += s.nonDefault
		bounds += s.bounds
	}
	fmt.Printf("%d templates; policies checked: %d with the defaults, %d with every accepted value (+%d, in %d templates)\n",
		len(samples), polD, polA, extra, grew)
	fmt.Printf("findings only non-default values reach: %d; BRANCHES_MERGED warnings: %d\n", nonDefault, bounds)
	for _, m := range []struct {
		name string
		get  func(sample) time.Duration
	}{{"defaults", func(s sample) time.Duration { return s.defaults }}, {"accepted", func(s sample) time.Duration { return s.accepted }}} {
		ds := make([]time.Duration, len(samples))
		for i, s := range samples {
			ds[i] = m.get(s)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		p := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
		fmt.Printf("time per template (parse + check), %s: median %v, p99 %v, max %v\n", m.name, p(0.5).Round(time.Microsecond),
			p(0.99).Round(time.Microsecond), ds[len(ds)-1].Round(time.Microsecond))
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i].accepted > samples[j].accepted })
	fmt.Println("slowest with every accepted value:")
	for _, s := range samples[:min(5, len(samples))] {
		fmt.Printf("  %v (defaults %v) %s\n", s.accepted.Round(time.Microsecond), s.defaults.Round(time.Microsecond), s.file)
	}
	return nil
}
