package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/iamdata/managed"
)

// Renderers of `tollgate data diff`. Service and action names come from the
// network (the AWS service reference), so they are escaped like any other
// untrusted text.

// DataDiffText writes a data diff for a terminal or a log.
func DataDiffText(w io.Writer, d *iamdata.Diff) error {
	ew := &errWriter{w: w}
	ew.println(fmt.Sprintf("old: %s", Plain(sideLabel(d.Old))))
	ew.println(fmt.Sprintf("new: %s", Plain(sideLabel(d.New))))
	if d.Empty() {
		ew.println("no services or actions added or removed")
		return ew.err
	}
	for _, s := range d.Services {
		head := fmt.Sprintf("%s (%s)", Plain(s.Prefix), Plain(s.Name))
		switch {
		case s.Added:
			head += ": new service"
		case s.Removed:
			head += ": service removed"
		}
		ew.println("")
		ew.println(head)
		for _, a := range s.ActionsAdded {
			ew.println(fmt.Sprintf("  + %s:%s  %s", Plain(s.Prefix), Plain(a.Name), Plain(string(a.Access))))
		}
		for _, a := range s.ActionsRemoved {
			ew.println(fmt.Sprintf("  - %s:%s  %s", Plain(s.Prefix), Plain(a.Name), Plain(string(a.Access))))
		}
	}
	ew.println("")
	ew.println(diffSummary(d))
	return ew.err
}

// DataDiffMarkdown writes a data diff as Markdown, for an issue or a job
// summary opened by a scheduled workflow.
func DataDiffMarkdown(w io.Writer, d *iamdata.Diff) error {
	ew := &errWriter{w: w}
	ew.println("### IAM service data: " + Inline(diffSummary(d)))
	ew.println("")
	ew.println(fmt.Sprintf("From %s to %s.", Inline(sideLabel(d.Old)), Inline(sideLabel(d.New))))
	if d.Empty() {
		return ew.err
	}
	ew.println("")
	ew.println("| Service | Change | Actions |")
	ew.println("|---|---|---|")
	for _, s := range d.Services {
		change := fmt.Sprintf("+%d −%d", len(s.ActionsAdded), len(s.ActionsRemoved))
		switch {
		case s.Added:
			change = "new service"
		case s.Removed:
			change = "removed"
		}
		var acts []string
		for _, a := range s.ActionsAdded {
			acts = append(acts, "+ "+CodeSpan(s.Prefix+":"+a.Name))
		}
		for _, a := range s.ActionsRemoved {
			acts = append(acts, "− "+CodeSpan(s.Prefix+":"+a.Name))
		}
		if len(acts) > 40 {
			acts = append(acts[:40], fmt.Sprintf("and %d more", len(acts)-40))
		}
		ew.println(fmt.Sprintf("| %s (%s) | %s | %s |", CodeSpan(s.Prefix), Inline(s.Name), change, strings.Join(acts, "<br>")))
	}
	return ew.err
}

// DataDiffJSON writes a data diff as indented JSON.
func DataDiffJSON(w io.Writer, d *iamdata.Diff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

func sideLabel(s iamdata.Summary) string {
	return fmt.Sprintf("%s %s (%s; %d services, %d actions)", s.Source, s.Version, s.Updated, s.Services, s.Actions)
}

func diffSummary(d *iamdata.Diff) string {
	if d.Empty() {
		return "no change"
	}
	return fmt.Sprintf("%s added, %s removed in %s",
		plural(d.ActionsAdded, "action", "actions"), plural(d.ActionsRemoved, "action", "actions"), plural(len(d.Services), "service", "services"))
}

// DataState is which IAM data set check would use, for tollgate data info.
type DataState struct {
	Set *iamdata.Set
	// Path is the cached file chosen, "" for the built-in data; Dir the
	// cache directory looked in ("" when there is none).
	Path, Dir string
	// Note says why a cache that exists could not be used; Older is a
	// readable cache passed over because it is not newer.
	Note  string
	Older *iamdata.Set
}

// DataInfo writes which data set check uses and the state of the cache.
func DataInfo(w io.Writer, d DataState) error {
	ew := &errWriter{w: w}
	services, actions := d.Set.Counts()
	ew.println(fmt.Sprintf("check uses: %s\n  %s %s, updated %s\n  %s services, %s actions",
		Plain(usedName(d.Path)), Plain(d.Set.Source), Plain(d.Set.Version), Plain(d.Set.Updated), Thousands(services), Thousands(actions)))
	older := ""
	if d.Older != nil {
		older = d.Older.Updated
	}
	cacheState(ew, cacheFacts{dir: d.Dir, path: d.Path, note: d.Note, older: older, hasOlder: d.Older != nil,
		none: "cache: none (no HOME; pass --data-dir or set TOLLGATE_DATA_DIR)", what: "data",
		notNewer: "not newer than the built-in data; run 'tollgate data refresh'"})
	return ew.err
}

// cacheFacts is the state of one cache, and the words that describe it.
type cacheFacts struct {
	dir, path, note, older string
	hasOlder               bool
	none, what, notNewer   string
}

// cacheState writes the line about a cache that is not used, when there
// is one to write.
func cacheState(ew *errWriter, c cacheFacts) {
	switch {
	case c.dir == "":
		if c.none != "" {
			ew.println(c.none)
		}
	case c.note != "":
		ew.println("cache: " + Plain(c.note))
	case c.hasOlder:
		ew.println(fmt.Sprintf("cache: %s holds %s updated %s, %s", Plain(c.dir), c.what, Plain(c.older), c.notNewer))
	case c.path == "":
		ew.println(fmt.Sprintf("cache: %s holds no %s; run 'tollgate data refresh'", Plain(c.dir), c.what))
	}
}

func usedName(path string) string {
	if path == "" {
		return "built-in"
	}
	return path
}

// Thousands formats 22091 as "22,091".
func Thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// DataRefreshed says what tollgate data refresh did: where the data came
// from, how much it holds, what was downloaded, and where it went.
func DataRefreshed(w io.Writer, url string, services, actions, downloaded, unchanged int, file, builtinUpdated string) error {
	ew := &errWriter{w: w}
	ew.println(fmt.Sprintf("tollgate: IAM data refreshed from %s: %s services, %s actions (%d documents downloaded, %d unchanged)",
		Plain(url), Thousands(services), Thousands(actions), downloaded, unchanged))
	ew.println(fmt.Sprintf("tollgate: wrote %s; check uses it while it is newer than the built-in data (%s)", Plain(file), Plain(builtinUpdated)))
	return ew.err
}

// ManagedState is which set of AWS managed policies check would use.
type ManagedState struct {
	Set       *managed.Set
	Path, Dir string
	Note      string
	Older     *managed.Set
}

// ManagedInfo writes which AWS managed policies check uses and the state
// of the cache, after DataInfo.
func ManagedInfo(w io.Writer, m ManagedState) error {
	ew := &errWriter{w: w}
	ew.println(fmt.Sprintf("AWS managed policies: %s\n  %s %s, updated %s\n  %s policies",
		Plain(usedName(m.Path)), Plain(m.Set.Source), Plain(m.Set.Version), Plain(m.Set.Updated), Thousands(m.Set.Len())))
	older := ""
	if m.Older != nil {
		older = m.Older.Updated
	}
	cacheState(ew, cacheFacts{dir: m.Dir, path: m.Path, note: m.Note, older: older, hasOlder: m.Older != nil,
		what: "AWS managed policies", notNewer: "not newer than the built-in ones"})
	return ew.err
}

// ManagedRefreshed says what the refresh of the AWS managed policies did.
func ManagedRefreshed(w io.Writer, r *managed.RefreshResult) error {
	what := "refreshed to"
	if r.Unchanged {
		what = "unchanged at"
	}
	_, err := fmt.Fprintf(w, "tollgate: AWS managed policies %s %s %s: %s policies, updated %s (%s)\n", what,
		managed.NPMPackage, Plain(r.Version), Thousands(r.Policies), Plain(r.Updated), Plain(r.File))
	return err
}
