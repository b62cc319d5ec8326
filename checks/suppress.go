package checks

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/tollgate-dev/tollgate/internal/spelling"
	"github.com/tollgate-dev/tollgate/template"
)

// Inline suppressions live in a resource's Metadata:
//
//	Metadata:
//	  tollgate:
//	    ignore:
//	      - code: EXTERNAL_PRINCIPAL
//	        reason: the partner account reads the reports by contract
//
// A reason is required; an entry that suppresses nothing is reported, so
// suppressions do not outlive the findings they were written for.

// ignoreEntry is one valid entry of a resource's ignore list.
type ignoreEntry struct {
	resource *template.Resource
	code     string
	reason   string
	pos      template.Pos
	path     string
	used     int
}

// suppressionProblem is an entry that could not be read.
type suppressionProblem struct {
	resource *template.Resource
	pos      template.Pos
	path     string
	message  string
	fix      string
}

// suppressions is what a template's metadata says, read once per template.
type suppressions struct {
	entries  []*ignoreEntry
	problems []suppressionProblem
}

var (
	knownOnce sync.Once
	known     []string
)

// knownCodes returns the codes of every offline rule and online backend.
func knownCodes() []string {
	knownOnce.Do(func() {
		for _, r := range Rules() {
			known = append(known, r.Code)
		}
		for _, r := range OnlineRuleInfos() {
			known = append(known, r.Code)
		}
	})
	return known
}

var codeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// CheckCode judges a code named in a suppression or in the block and allow
// lists. A code of a tollgate rule or online backend is fine, and so is any
// other well-formed code, which may be one of IAM Access Analyzer's
// ValidatePolicy codes (UNSUPPORTED_SID); but a near miss of a known
// code is a typo, and would silently match nothing.
func CheckCode(code string) (suggestion string, ok bool) {
	known := knownCodes()
	if contains(known, code) {
		return "", true
	}
	if s, near := spelling.Closest(code, known); near {
		return s, false
	}
	return "", codeRE.MatchString(code)
}

// readSuppressions reads the tollgate metadata of every resource.
func readSuppressions(t *template.Template) *suppressions {
	out := &suppressions{}
	for _, res := range t.Resources {
		md := res.Metadata.Get("tollgate")
		if md == nil {
			continue
		}
		base := "Resources." + res.LogicalID + ".Metadata.tollgate"
		problem := func(pos template.Pos, path, msg, fix string) {
			out.problems = append(out.problems, suppressionProblem{resource: res, pos: pos, path: path, message: msg, fix: fix})
		}
		if md.Kind != template.Map {
			problem(md.Pos, base, fmt.Sprintf("Metadata tollgate of %s must be a mapping with an ignore list, not a %s.", res.LogicalID, md.Kind),
				"write tollgate: {ignore: [{code: CODE, reason: WHY}]}")
			continue
		}
		for _, f := range md.Fields {
			if f.Key != "ignore" {
				msg := fmt.Sprintf("%q is not a key of Metadata tollgate; the only key is ignore.", f.Key)
				problem(f.KeyPos, base+"."+f.Key, msg, "write ignore: [{code: CODE, reason: WHY}]")
			}
		}
		list := md.Get("ignore")
		if list == nil {
			continue
		}
		items := []*template.Node{list}
		itemPath := func(int) string { return base + ".ignore" }
		if list.Kind == template.Seq {
			items = list.Items
			itemPath = func(i int) string { return fmt.Sprintf("%s.ignore[%d]", base, i) }
		}
		for i, it := range items {
			path := itemPath(i)
			if it.Kind != template.Map {
				problem(it.Pos, path, fmt.Sprintf("Each entry of tollgate ignore must be a mapping with code and reason, not a %s.", it.Kind),
					"write - code: CODE\n  reason: WHY")
				continue
			}
			for _, f := range it.Fields {
				if f.Key != "code" && f.Key != "reason" {
					msg := fmt.Sprintf("%q is not a key of a tollgate ignore entry; the keys are code and reason.", f.Key)
					if s, ok := spelling.Closest(f.Key, []string{"code", "reason"}); ok {
						msg += fmt.Sprintf(" Did you mean %s?", s)
					}
					problem(f.KeyPos, path+"."+f.Key, msg, "")
				}
			}
			code, okCode := it.Get("code").Str()
			code = strings.TrimSpace(code)
			reason, _ := it.Get("reason").Str()
			reason = strings.TrimSpace(reason)
			switch {
			case !okCode || code == "":
				problem(it.Pos, path, "A tollgate ignore entry needs the code of the finding it suppresses.", "add code: CODE (the code shown with the finding)")
				continue
			case !codeOK(code):
				msg := fmt.Sprintf("%q is not the code of a tollgate rule or an IAM Access Analyzer check, so this entry suppresses nothing.", code)
				fix := "use a code from docs/rules.md"
				if s, _ := CheckCode(code); s != "" {
					msg += fmt.Sprintf(" Did you mean %s?", s)
					fix = "write code: " + s
				}
				problem(it.Get("code").Pos, path+".code", msg, fix)
				continue
			case reason == "":
				problem(it.Pos, path, fmt.Sprintf("The tollgate ignore entry for %s has no reason; a suppression must say why the finding does not apply. The finding is not suppressed.", code),
					"add reason: why this finding is acceptable here")
				continue
			}
			out.entries = append(out.entries, &ignoreEntry{resource: res, code: code, reason: reason, pos: it.Pos, path: path})
		}
	}
	return out
}

func codeOK(code string) bool {
	_, ok := CheckCode(code)
	return ok
}

// suppress marks the findings that inline ignores cover.
func (s *suppressions) suppress(fs []Finding) {
	for _, e := range s.entries {
		for i := range fs {
			f := &fs[i]
			if f.Suppression == nil && f.Resource == e.resource.LogicalID && f.Code == e.code {
				f.Suppression = &Suppression{Kind: "inline", Reason: e.reason}
				e.used++
			}
		}
	}
}
