package gitops

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"regexp"
	"sort"
	"strings"
)

// MaxStackName is CloudFormation's limit on stack names.
const MaxStackName = 128

var (
	notStackChars = regexp.MustCompile(`[^A-Za-z0-9-]+`)
	dashRuns      = regexp.MustCompile(`-{2,}`)
)

// SanitizeStackName turns any text into a valid stack name:
// [A-Za-z][-A-Za-z0-9]*, at most 128 characters. The second result reports
// whether the text had to change beyond nothing.
func SanitizeStackName(s string) (string, bool) {
	out := notStackChars.ReplaceAllString(s, "-")
	out = strings.Trim(dashRuns.ReplaceAllString(out, "-"), "-")
	if out == "" || !(out[0] >= 'A' && out[0] <= 'Z' || out[0] >= 'a' && out[0] <= 'z') {
		out = "s-" + out
		out = strings.TrimSuffix(out, "-")
	}
	changed := out != s
	if len(out) > MaxStackName {
		out, changed = out[:MaxStackName], true
	}
	return out, changed
}

// BranchStackName names the stack a branch deploys: "{stack}-{branch}". Branch
// names are untrusted and may hold anything; when the name had to change
// (a "/" became "-", characters were dropped, it was cut to 128) a short
// hash of the exact stack and branch is appended, so two branches never
// share a stack.
func BranchStackName(stack, branch string) string {
	raw := stack + "-" + branch
	name, changed := SanitizeStackName(raw)
	if !changed {
		return name
	}
	sum := sha256.Sum256([]byte(raw))
	suffix := "-" + hex.EncodeToString(sum[:4])
	if len(name)+len(suffix) > MaxStackName {
		name = strings.TrimRight(name[:MaxStackName-len(suffix)], "-")
	}
	return name + suffix
}

// genericNames are template file names that say nothing about the stack, so
// the folder names it instead.
var genericNames = map[string]bool{"template": true, "templates": true, "main": true, "stack": true, "cfn": true,
	"cloudformation": true, "index": true, "packaged": true, "packaged-template": true}

// DefaultStackNames names a stack after each template file: its base name,
// or its folder when the file name is generic (stacks/payments/template.yaml
// is "payments"), adding parent folders until every name is unique.
func DefaultStackNames(templates []string) map[string]string {
	sorted := append([]string(nil), templates...)
	sort.Strings(sorted)
	depth := map[string]int{}
	for _, t := range sorted {
		depth[t] = 1
		if genericNames[strings.ToLower(strings.TrimSuffix(path.Base(t), path.Ext(t)))] {
			depth[t] = 2
		}
	}
	name := func(t string) string {
		parts := strings.Split(strings.TrimSuffix(t, path.Ext(t)), "/")
		d := min(depth[t], len(parts))
		keep := parts[len(parts)-d:]
		if d >= 2 && genericNames[strings.ToLower(keep[len(keep)-1])] {
			keep = keep[:len(keep)-1]
		}
		n, _ := SanitizeStackName(strings.Join(keep, "-"))
		return n
	}
	for round := 0; round < 64; round++ {
		byName := map[string][]string{}
		for _, t := range sorted {
			byName[name(t)] = append(byName[name(t)], t)
		}
		clash := false
		for _, ts := range byName {
			if len(ts) < 2 {
				continue
			}
			for _, t := range ts {
				if depth[t] < strings.Count(t, "/")+1 {
					depth[t]++
					clash = true
				}
			}
		}
		if !clash {
			break
		}
	}
	out := map[string]string{}
	used := map[string]bool{}
	for _, t := range sorted {
		n := name(t)
		if used[n] {
			// Still equal after using the whole path (a.yaml and a.json):
			// the extension tells them apart.
			n, _ = SanitizeStackName(n + "-" + strings.TrimPrefix(path.Ext(t), "."))
		}
		used[n] = true
		out[t] = n
	}
	return out
}
