package github

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v66/github"
)

// MaxCommentSize is GitHub's limit on a comment body, in characters.
const MaxCommentSize = 65536

// Marker versions the hidden first line of tollgate's comments. The key
// tells jobs apart; the digest of what the report says lets a rerun leave
// an unchanged comment alone.
const markerPrefix = "<!-- tollgate:v1 key="

// Comment is one sticky comment to publish.
type Comment struct {
	// Key tells this job's comment from other jobs' (see Env.Key).
	Key string
	// Author is the login the comment is posted as; only comments by it
	// are ever edited.
	Author string
	// Body is the report Markdown without the marker.
	Body string
	// Digest identifies what Body says, without volatile parts such as
	// timings and run links; equal digests mean nothing to update.
	Digest string
	// Entry is this run's line of the history kept in the comment.
	Entry HistoryEntry
	// AllClear is set when nothing is left to report; an existing comment
	// then becomes a short all-clear note with its history.
	AllClear bool
	// Create decides whether a comment is posted when none exists yet
	// (the comment input: always, or on-failure with something to say).
	Create bool
}

// CommentResult says what happened to the comment.
type CommentResult struct {
	// Action is "created", "updated", "unchanged" or "skipped".
	Action string
	ID     int64
	URL    string
}

// Digest hashes text for a Comment's Digest.
func Digest(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:8])
}

// HistoryEntry is one verdict in a comment's history.
type HistoryEntry struct {
	// Commit is the short head SHA.
	Commit string
	// Verdict is "blocking", "findings", "clear" or "error".
	Verdict string
	Count   int
}

var (
	historyLineRE  = regexp.MustCompile(`(?m)^<!-- tollgate:history ((?:[0-9a-f]{7,40}:(?:blocking|findings|clear|error):\d{1,6} ?){0,20}) -->$`)
	historyEntryRE = regexp.MustCompile(`^([0-9a-f]{7,40}):(blocking|findings|clear|error):(\d{1,6})$`)
	digestRE       = regexp.MustCompile(` digest=([0-9a-f]{16}) -->$`)
)

// maxHistory is how many verdicts a comment remembers.
const maxHistory = 8

func marker(key, digest string) string {
	return markerPrefix + key + " digest=" + digest + " -->"
}

// isOurs reports whether c is this job's sticky comment: its first line is
// our marker with our key, and our author wrote it. Another bot quoting the
// marker, or a person pasting it, is not us.
func isOurs(c *gh.IssueComment, key, author string) bool {
	if c == nil || c.User == nil || !strings.EqualFold(c.User.GetLogin(), author) {
		return false
	}
	first, _, _ := strings.Cut(c.GetBody(), "\n")
	return strings.HasPrefix(strings.TrimSuffix(first, "\r"), markerPrefix+key+" ")
}

// parseHistory reads the history an earlier comment kept.
func parseHistory(body string) []HistoryEntry {
	m := historyLineRE.FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	var out []HistoryEntry
	for _, f := range strings.Fields(m[1]) {
		p := historyEntryRE.FindStringSubmatch(f)
		if p == nil {
			continue
		}
		n, _ := strconv.Atoi(p[3])
		out = append(out, HistoryEntry{Commit: p[1], Verdict: p[2], Count: n})
	}
	return out
}

func appendHistory(h []HistoryEntry, e HistoryEntry) []HistoryEntry {
	if len(h) > 0 && h[len(h)-1] == e {
		return h
	}
	h = append(h, e)
	if len(h) > maxHistory {
		h = h[len(h)-maxHistory:]
	}
	return h
}

var verdictText = map[string]func(n int) string{
	"blocking": func(n int) string { return "⛔ " + count(n, "blocking finding", "blocking findings") },
	"findings": func(n int) string { return "⚠️ " + count(n, "finding", "findings") },
	"clear":    func(int) string { return "✅ all clear" },
	"error":    func(int) string { return "❗ check failed" },
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// composeBody builds the comment: the marker, the hidden history, the
// report (or the all-clear note) and the visible history.
func composeBody(c Comment, history []HistoryEntry) string {
	var b strings.Builder
	b.WriteString(marker(c.Key, c.Digest) + "\n")
	var fields []string
	for _, e := range history {
		fields = append(fields, fmt.Sprintf("%s:%s:%d", e.Commit, e.Verdict, e.Count))
	}
	b.WriteString("<!-- tollgate:history " + strings.Join(fields, " ") + " -->\n")
	b.WriteString(c.Body)
	if len(history) > 1 {
		var steps []string
		for _, e := range history {
			steps = append(steps, verdictText[e.Verdict](e.Count)+" at `"+e.Commit+"`")
		}
		b.WriteString("\n<sub>History: " + strings.Join(steps, " → ") + "</sub>\n")
	}
	return truncate(b.String(), MaxCommentSize-1)
}

// Sticky publishes one comment per pull request and key, editing it in
// place on every run.
type Sticky struct {
	Svc         CommentService
	Owner, Repo string
	PR          int
}

// Publish creates, updates or leaves alone the sticky comment. A create
// that fails without an answer is checked by listing again before it is
// retried, so a comment is never posted twice.
func (s *Sticky) Publish(ctx context.Context, c Comment) (CommentResult, error) {
	existing, err := s.find(ctx, c.Key, c.Author)
	if err != nil {
		return CommentResult{}, err
	}
	if existing == nil {
		if !c.Create {
			return CommentResult{Action: "skipped"}, nil
		}
		return s.create(ctx, c)
	}
	old := existing.GetBody()
	history := appendHistory(parseHistory(old), c.Entry)
	if m := digestRE.FindStringSubmatch(firstLine(old)); m != nil && m[1] == c.Digest {
		return CommentResult{Action: "unchanged", ID: existing.GetID(), URL: existing.GetHTMLURL()}, nil
	}
	body := composeBody(c, history)
	edited, _, err := s.Svc.EditComment(Idempotent(ctx), s.Owner, s.Repo, existing.GetID(), &gh.IssueComment{Body: &body})
	if err != nil {
		return CommentResult{}, apiError(fmt.Sprintf("updating comment %d on pull request #%d", existing.GetID(), s.PR), err)
	}
	return CommentResult{Action: "updated", ID: edited.GetID(), URL: edited.GetHTMLURL()}, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(l, "\r")
}

func (s *Sticky) create(ctx context.Context, c Comment) (CommentResult, error) {
	body := composeBody(c, []HistoryEntry{c.Entry})
	const tries = 2
	var lastErr error
	for i := 0; i < tries; i++ {
		if i > 0 {
			// The earlier create may have landed although the answer was
			// lost: look before posting again.
			found, err := s.find(ctx, c.Key, c.Author)
			if err != nil {
				return CommentResult{}, err
			}
			if found != nil {
				return CommentResult{Action: "created", ID: found.GetID(), URL: found.GetHTMLURL()}, nil
			}
		}
		created, _, err := s.Svc.CreateComment(ctx, s.Owner, s.Repo, s.PR, &gh.IssueComment{Body: &body})
		if err == nil {
			return CommentResult{Action: "created", ID: created.GetID(), URL: created.GetHTMLURL()}, nil
		}
		lastErr = apiError(fmt.Sprintf("commenting on pull request #%d", s.PR), err)
		if !isAmbiguous(err) || ctx.Err() != nil {
			break
		}
	}
	return CommentResult{}, lastErr
}

// find returns the oldest comment that is ours, reading every page.
func (s *Sticky) find(ctx context.Context, key, author string) (*gh.IssueComment, error) {
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for page := 0; page < maxPages; page++ {
		list, resp, err := s.Svc.ListComments(ctx, s.Owner, s.Repo, s.PR, opts)
		if err != nil {
			return nil, apiError(fmt.Sprintf("listing the comments of pull request #%d", s.PR), err)
		}
		for _, c := range list {
			if isOurs(c, key, author) {
				return c, nil
			}
		}
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= opts.Page {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
	return nil, fmt.Errorf("listing the comments of pull request #%d: more than %d pages; giving up", s.PR, maxPages)
}
