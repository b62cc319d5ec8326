package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// stats are the counts the text report and compare print for one corpus.
type stats struct {
	files, templates, failed int
	blocking, nonBlocking    map[string]int
	blockingFiles            map[string]map[string]bool // code -> files
}

func count(c *Corpus) stats {
	s := stats{blocking: map[string]int{}, nonBlocking: map[string]int{}, blockingFiles: map[string]map[string]bool{}}
	for _, f := range c.Files {
		s.files++
		if f.Template {
			s.templates++
		}
		if f.Error != "" {
			s.failed++
		}
		for _, x := range f.Findings {
			if x.Blocking {
				s.blocking[x.Code]++
				if s.blockingFiles[x.Code] == nil {
					s.blockingFiles[x.Code] = map[string]bool{}
				}
				s.blockingFiles[x.Code][f.Path] = true
			} else {
				s.nonBlocking[x.Code]++
			}
		}
	}
	return s
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// byCount orders codes by count, most first, then by name.
func byCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

func writeText(w io.Writer, r *Run, verbose bool) {
	fmt.Fprintf(w, "tollgate %s %s\n", r.Tollgate, strings.Join(r.TollgateArgs, " "))
	for _, c := range r.Corpora {
		s := count(c)
		fmt.Fprintf(w, "\n== %s (%s)\n", c.Name, c.Root)
		fmt.Fprintf(w, "%d candidate files, %d read as templates, %d not templates, %d tollgate failures\n",
			s.files, s.templates, s.files-s.templates-s.failed, s.failed)
		fmt.Fprintf(w, "%d blocking findings, %d non-blocking\n", sum(s.blocking), sum(s.nonBlocking))
		if len(s.blocking) > 0 {
			fmt.Fprintln(w, "blocking by code:")
			for _, code := range byCount(s.blocking) {
				fmt.Fprintf(w, "  %5d  %-40s in %d files\n", s.blocking[code], code, len(s.blockingFiles[code]))
			}
		}
		if len(s.nonBlocking) > 0 {
			fmt.Fprintln(w, "non-blocking by code:")
			for _, code := range byCount(s.nonBlocking) {
				fmt.Fprintf(w, "  %5d  %s\n", s.nonBlocking[code], code)
			}
		}
		var unread []string
		for _, f := range c.Files {
			for _, x := range f.Findings {
				if x.Code == "PARSE_ERROR" || x.Code == "INVALID_TEMPLATE" {
					unread = append(unread, fmt.Sprintf("  %s:%d:%d  %s  %s\n      %s",
						f.Path, x.Line, x.Column, x.Code, oneLine(x.Message, 160), f.CfnLint))
				}
			}
		}
		if len(unread) > 0 {
			fmt.Fprintln(w, "PARSE_ERROR and INVALID_TEMPLATE:")
			for _, u := range unread {
				fmt.Fprintln(w, u)
			}
		}
		if verbose && sum(s.blocking) > 0 {
			fmt.Fprintln(w, "blocking findings:")
			for _, f := range c.Files {
				for _, x := range f.Findings {
					if x.Blocking {
						fmt.Fprintf(w, "  %s:%d:%d  %s  %s%s  %s\n", f.Path, x.Line, x.Column, x.Code, x.Resource,
							branch(x.Branch), oneLine(x.Message, 200))
					}
				}
			}
		}
		var skipped, failed []string
		for _, f := range c.Files {
			switch {
			case f.Error != "":
				failed = append(failed, fmt.Sprintf("  %s: exit %d: %s", f.Path, f.Exit, oneLine(f.Error, 200)))
			case !f.Template:
				skipped = append(skipped, "  "+f.Path)
			}
		}
		if len(failed) > 0 {
			fmt.Fprintln(w, "tollgate failed on:")
			fmt.Fprintln(w, strings.Join(failed, "\n"))
		}
		if len(skipped) > 0 {
			fmt.Fprintln(w, "not read as templates:")
			fmt.Fprintln(w, strings.Join(skipped, "\n"))
		}
		if p := percentiles(c); p != "" {
			fmt.Fprintln(w, "time per file, process start included:", p)
		}
	}
}

func branch(b string) string {
	if b == "" {
		return ""
	}
	return " (" + b + ")"
}

// oneLine keeps the first line of s, at most n runes.
func oneLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func percentiles(c *Corpus) string {
	var ms []float64
	for _, f := range c.Files {
		ms = append(ms, f.Millis)
	}
	if len(ms) == 0 {
		return ""
	}
	sort.Float64s(ms)
	at := func(q float64) float64 {
		return ms[int(math.Ceil(q*float64(len(ms))))-1]
	}
	return fmt.Sprintf("p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", at(0.5), at(0.9), at(0.99), ms[len(ms)-1])
}

// key identifies a finding across runs: code, file, resource and line. A
// fix that moves a finding to another line shows as one gone and one new.
func key(path string, x Finding) string {
	return fmt.Sprintf("%s %s:%d %s", x.Code, path, x.Line, x.Resource)
}

func writeCompare(w io.Writer, before, after *Run) {
	fmt.Fprintf(w, "before: tollgate %s %s\nafter:  tollgate %s %s\n", before.Tollgate, strings.Join(before.TollgateArgs, " "),
		after.Tollgate, strings.Join(after.TollgateArgs, " "))
	// Pair corpora by absolute root, else by the name as given.
	old := map[string]*Corpus{}
	for _, c := range before.Corpora {
		old[c.Root] = c
		old["name:"+c.Name] = c
	}
	used := map[*Corpus]bool{}
	for _, c := range after.Corpora {
		b := old[c.Root]
		if b == nil {
			b = old["name:"+c.Name]
		}
		if b == nil || used[b] {
			fmt.Fprintf(w, "\n== %s: not in the first run\n", c.Name)
			continue
		}
		used[b] = true
		compareCorpus(w, b, c)
	}
	for _, c := range before.Corpora {
		if !used[c] {
			fmt.Fprintf(w, "\n== %s: not in the second run\n", c.Name)
		}
	}
}

func compareCorpus(w io.Writer, b, a *Corpus) {
	sb, sa := count(b), count(a)
	fmt.Fprintf(w, "\n== %s\n", a.Name)
	fmt.Fprintf(w, "templates %d -> %d (of %d -> %d files), tollgate failures %d -> %d\n", sb.templates, sa.templates, sb.files, sa.files, sb.failed, sa.failed)
	fmt.Fprintf(w, "blocking findings %d -> %d, non-blocking %d -> %d\n", sum(sb.blocking), sum(sa.blocking), sum(sb.nonBlocking), sum(sa.nonBlocking))
	writeCodeTable(w, "blocking", sb.blocking, sa.blocking)
	writeCodeTable(w, "non-blocking", sb.nonBlocking, sa.nonBlocking)
	gone, added, changed := findingDiff(b, a)
	if len(gone) > 0 {
		fmt.Fprintf(w, "blocking findings gone (%d):\n", len(gone))
		for _, g := range gone {
			fmt.Fprintln(w, "  "+g)
		}
	}
	if len(added) > 0 {
		fmt.Fprintf(w, "blocking findings new (%d):\n", len(added))
		for _, g := range added {
			fmt.Fprintln(w, "  "+g)
		}
	}
	if len(changed) > 0 {
		fmt.Fprintf(w, "blocking findings at the same place, message changed (%d):\n", len(changed))
		for _, g := range changed {
			fmt.Fprintln(w, "  "+g)
		}
	}
	bt, at := map[string]bool{}, map[string]bool{}
	for _, f := range b.Files {
		bt[f.Path] = f.Template
	}
	for _, f := range a.Files {
		at[f.Path] = f.Template
		if f.Template && !bt[f.Path] {
			fmt.Fprintf(w, "  now read as a template: %s\n", f.Path)
		}
	}
	for _, f := range b.Files {
		if f.Template && !at[f.Path] {
			fmt.Fprintf(w, "  no longer read as a template: %s\n", f.Path)
		}
	}
}

func writeCodeTable(w io.Writer, what string, before, after map[string]int) {
	all := map[string]int{}
	for k, v := range before {
		all[k] += v
	}
	for k, v := range after {
		all[k] += v
	}
	if len(all) == 0 {
		return
	}
	fmt.Fprintf(w, "%s by code: before after change\n", what)
	for _, code := range byCount(all) {
		fmt.Fprintf(w, "  %-40s %6d %6d %+6d\n", code, before[code], after[code], after[code]-before[code])
	}
}

// findingDiff lists blocking findings (by key, as a multiset) only in b and
// only in a, each with its message, and those in both whose message changed
// (a fix that rewords a finding: "this needs Fn::Sub").
func findingDiff(b, a *Corpus) (gone, added, changed []string) {
	type entry struct {
		n   int
		msg string
	}
	collect := func(c *Corpus) map[string]*entry {
		m := map[string]*entry{}
		for _, f := range c.Files {
			for _, x := range f.Findings {
				if !x.Blocking {
					continue
				}
				k := key(f.Path, x)
				if m[k] == nil {
					m[k] = &entry{msg: oneLine(x.Message, 140)}
				}
				m[k].n++
			}
		}
		return m
	}
	mb, ma := collect(b), collect(a)
	n := func(e *entry) int {
		if e == nil {
			return 0
		}
		return e.n
	}
	for k, e := range mb {
		for i := n(ma[k]); i < e.n; i++ {
			gone = append(gone, k+"  "+e.msg)
		}
	}
	for k, e := range ma {
		for i := n(mb[k]); i < e.n; i++ {
			added = append(added, k+"  "+e.msg)
		}
	}
	for k, e := range mb {
		if x := ma[k]; x != nil && x.msg != e.msg {
			changed = append(changed, k+"  "+e.msg+"\n    -> "+x.msg)
		}
	}
	sort.Strings(gone)
	sort.Strings(added)
	sort.Strings(changed)
	return gone, added, changed
}
