// Command diffbench prepares and times the inputs of scripts/bench-diff.sh,
// which compares tollgate's diff with @aws-cdk/cloudformation-diff:
//
//	diffbench gen DIR          write the benchmark templates to DIR
//	diffbench time BASE HEAD N print the median wall and CPU time, in ms, of N diffs,
//	                           and the wall time with both sides parsed at once
//	diffbench repo DIR N       build a repository of N templates, one changed
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "diffbench:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: diffbench gen DIR | time BASE HEAD N | repo DIR N")
	}
	switch args[0] {
	case "gen":
		if len(args) != 2 {
			return errors.New("usage: diffbench gen DIR")
		}
		return gen(args[1])
	case "time":
		if len(args) != 4 {
			return errors.New("usage: diffbench time BASE HEAD N")
		}
		n, err := strconv.Atoi(args[3])
		if err != nil || n < 1 {
			return fmt.Errorf("N %q is not a positive number", args[3])
		}
		return timeDiff(args[1], args[2], n)
	case "repo":
		if len(args) != 3 {
			return errors.New("usage: diffbench repo DIR N")
		}
		n, err := strconv.Atoi(args[2])
		if err != nil || n < 20 {
			return fmt.Errorf("N %q must be a number of at least 20", args[2])
		}
		return repo(args[1], n)
	}
	return fmt.Errorf("unknown subcommand %q", args[0])
}

func gen(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, base, head []byte) error {
		if err := os.WriteFile(filepath.Join(dir, name+".base.json"), base, 0o644); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".head.json"), head, 0o644)
	}
	b, h := diff.Wide(2000)
	if err := write("wide-2000", b, h); err != nil {
		return err
	}
	for _, n := range []int{400, 800, 1600} {
		b, h := diff.RefChain(n, false)
		if err := write(fmt.Sprintf("chain-%d", n), b, h); err != nil {
			return err
		}
	}
	// The same chain through Fn::Join: a correctness check more than a
	// speed one (a diff that stops at Fn::Join finds 1 change, not 400).
	b, h = diff.RefChain(400, true)
	if err := write("chain-join-400", b, h); err != nil {
		return err
	}
	return nil
}

// timeDiff times the whole diff from the bytes of both files, parsing
// included, as fullDiff is timed from parsed JSON.
func timeDiff(basePath, headPath string, n int) error {
	base, err := os.ReadFile(basePath)
	if err != nil {
		return err
	}
	head, err := os.ReadFile(headPath)
	if err != nil {
		return err
	}
	data, err := iamdata.Embedded()
	if err != nil {
		return err
	}
	diff.EmbeddedSpec()
	var times, cpus []float64
	changed := 0
	for range n + 1 {
		start, cpu := time.Now(), cpuTime()
		sd := diff.Templates(template.Parse("base.json", base), template.Parse("head.json", head), diff.Options{Data: data})
		times = append(times, float64(time.Since(start).Microseconds())/1000)
		cpus = append(cpus, float64((cpuTime()-cpu).Microseconds())/1000)
		changed = len(sd.Resources)
	}
	// tollgate diff parses the two sides of a changed file at once.
	var both []float64
	for range n + 1 {
		start := time.Now()
		var bt, ht *template.Template
		var wg sync.WaitGroup
		wg.Go(func() { bt = template.Parse("base.json", base) })
		ht = template.Parse("head.json", head)
		wg.Wait()
		diff.Templates(bt, ht, diff.Options{Data: data})
		both = append(both, float64(time.Since(start).Microseconds())/1000)
	}
	// The first run warms caches up.
	fmt.Printf("%.1f %d %.1f %.1f\n", median(times[1:]), changed, median(cpus[1:]), median(both[1:]))
	return nil
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// cpuTime is the CPU time the process has used, on every thread (the
// collector's too): on a shared machine it says more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// repo builds a repository of n templates in n/20 folders and a second
// commit that changes one of them.
func repo(dir string, n int) error {
	g, err := git.PlainInit(dir, false)
	if err != nil {
		return err
	}
	wt, err := g.Worktree()
	if err != nil {
		return err
	}
	tpl := func(i int, key string) string {
		return fmt.Sprintf("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"+
			"      TableName: table-%d\n      KeySchema: [{AttributeName: %s, KeyType: HASH}]\n  Queue:\n    Type: AWS::SQS::Queue\n"+
			"    Properties: {DelaySeconds: %d}\n", i, key, i%900)
	}
	path := func(i int) string { return fmt.Sprintf("stacks/team%02d/svc%04d/template.yaml", i%(n/20), i) }
	write := func(p, content string) error {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		return os.WriteFile(full, []byte(content), 0o644)
	}
	commit := func(msg string, when time.Time) error {
		if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
			return err
		}
		sig := &object.Signature{Name: "bench", Email: "bench@example.com", When: when}
		_, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig})
		return err
	}
	for i := range n {
		if err := write(path(i), tpl(i, "id")); err != nil {
			return err
		}
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := commit("base", t0); err != nil {
		return err
	}
	if err := write(path(7), tpl(7, "orderId")); err != nil {
		return err
	}
	if err := commit("change one template", t0.Add(time.Minute)); err != nil {
		return err
	}
	_, err = g.Reference(plumbing.HEAD, true)
	return err
}
