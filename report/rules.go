package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
)

// RulesReference writes docs/rules.md from the rule registry: an index, then
// one section per rule (anchored by its lower-case code, which is what
// findings link to) with its type, why it matters, an example and the fix.
func RulesReference(w io.Writer, rules, online []checks.Info) error {
	ew := &errWriter{w: w}
	ew.println("<!-- Generated from the rule registry (checks/checker.go) by `go test ./report -run TestRulesReference -update`. Do not edit. -->")
	ew.println("")
	ew.println("# tollgate rules")
	ew.println("")
	ew.println(fmt.Sprintf("tollgate checks CloudFormation templates and the IAM policies in them with %d rules, offline: no AWS "+
		"credentials, no network. Codes follow [IAM Access Analyzer's policy checks](%s) where Access Analyzer has one, "+
		"so findings, suppressions and scripts carry over between the two; the other codes are tollgate's own. "+
		"The rules about data loss and deletion policies compare a template with its base revision, so they run where a "+
		"change is judged: `check --diff-base`, `tollgate diff` and the action's pull request reviews.",
		len(rules), strings.TrimSuffix(aaReference, "#")))
	ew.println("")
	ew.println("Finding types, most serious first: **ERROR** (the deploy fails, or the policy does not do what it says), " +
		"**SECURITY_WARNING** (it grants more than it should), **WARNING** (it probably does not work as meant), " +
		"**SUGGESTION** (it could be simpler). ERROR and SECURITY_WARNING block by default.")
	ew.println("")
	ew.println("## Blocking, suppressing and adopting")
	ew.println("")
	ew.println("- `--block-on ERROR,SECURITY_WARNING,WARNING` (or `block-on:` in `.tollgate.yml`) chooses the types that block; " +
		"`block: {codes: [...]}` makes codes block whatever their type, `allow: {codes: [...]}` makes them never block (they are still reported).")
	ew.println("- `--allow-external-principal 123456789012` (or `trusted-accounts:` / `trusted-orgs:`) names accounts and organizations that are not external.")
	ew.println("- A finding that is accepted is suppressed on its resource, with the reason, and stays visible in the JSON and SARIF reports:")
	ew.println("")
	ew.println("  ```yaml")
	ew.println("  PartnerReadRole:")
	ew.println("    Type: AWS::IAM::Role")
	ew.println("    Metadata:")
	ew.println("      tollgate:")
	ew.println("        ignore:")
	ew.println("          - code: EXTERNAL_PRINCIPAL")
	ew.println("            reason: the partner reads the nightly export under contract ACME-42")
	ew.println("  ```")
	ew.println("")
	ew.println("  An entry without a reason is an error ([INVALID_SUPPRESSION](#invalid_suppression)); an entry that suppresses " +
		"nothing is a warning ([UNMATCHED_SUPPRESSION](#unmatched_suppression)).")
	ew.println("- To adopt tollgate in a repository with findings, record them once with `tollgate check --write-baseline .tollgate-baseline.json` " +
		"and check with `--baseline .tollgate-baseline.json` (or `baseline:` in `.tollgate.yml`): only new findings count.")
	ew.println("")
	ew.println("## Index")
	ew.println("")
	ew.println("| Code | Type | What it finds |")
	ew.println("|---|---|---|")
	for _, r := range rules {
		ew.println(fmt.Sprintf("| [%s](#%s) | %s | %s |", r.Code, strings.ToLower(r.Code), r.Type, Inline(r.Title)))
	}
	if len(online) > 0 {
		ew.println("")
		ew.println("With `--access-analyzer` (or `access-analyzer: true`) and `regions:`, checks that call AWS add these findings, " +
			"and IAM Access Analyzer's own ValidatePolicy findings under its codes:")
		ew.println("")
		ew.println("| Code | Type | What it finds |")
		ew.println("|---|---|---|")
		for _, r := range online {
			ew.println(fmt.Sprintf("| [%s](#%s) | %s | %s |", r.Code, strings.ToLower(r.Code), r.Type, Inline(r.Title)))
		}
	}
	for _, r := range append(append([]checks.Info(nil), rules...), online...) {
		ew.println("")
		ew.println("## " + r.Code)
		ew.println("")
		ew.println(fmt.Sprintf("**%s** · %s", r.Type, r.Title))
		ew.println("")
		ew.println(r.Why)
		if r.Example != "" {
			ew.println("")
			ew.println("Example (reported):")
			ew.println("")
			ew.println("```yaml")
			ew.println(r.Example)
			ew.println("```")
		}
		ew.println("")
		ew.println("**Fix:** " + r.Fix + ".")
		if r.LearnMore != "" && !strings.HasPrefix(r.LearnMore, docsPrefix) {
			ew.println("")
			ew.println(fmt.Sprintf("Learn more: <%s>", r.LearnMore))
		}
	}
	conditionKeyClasses(ew)
	return ew.err
}

// conditionKeyClasses writes the reviewed classification of the global
// condition keys that ADMINISTRATOR_ACCESS and PRIVILEGE_ESCALATION judge
// conditions by.
func conditionKeyClasses(ew *errWriter) {
	classes := checks.GlobalKeyClasses()
	ew.println("")
	ew.println("## Conditions that narrow a grant")
	ew.println("")
	ew.println("[ADMINISTRATOR_ACCESS](#administrator_access) and [PRIVILEGE_ESCALATION](#privilege_escalation) let only a " +
		"condition that narrows who gets the access or what it applies to soften a finding (to a WARNING that says what " +
		"remains). A condition narrows when its operator is positive (not a Not operator, not Null, not ForAllValues), its " +
		"values are not only \"*\", IfExists is absent (unless every request carries the key), and its key is of a narrowing " +
		"class. A service's own keys are classed from the service data: a key of one of its resource types limits the " +
		"resources, any other one limits the grant to the requests that carry it, which only that service's actions do. " +
		"The global keys are classed by this reviewed table:")
	ew.println("")
	ew.println("| Class | Narrows | Keys |")
	ew.println("|---|---|---|")
	rows := []struct{ class, narrows string }{
		{"principal", "yes: who makes the request"},
		{"resource", "yes: what it acts on"},
		{"source", "yes: on whose behalf or through which service"},
		{"request", "yes: what the request carries"},
		{"context", "no: how, when or from where"},
	}
	for _, r := range rows {
		keys := make([]string, len(classes[r.class]))
		for i, k := range classes[r.class] {
			keys[i] = "`" + k + "`"
		}
		ew.println(fmt.Sprintf("| %s | %s | %s |", r.class, r.narrows, strings.Join(keys, ", ")))
	}
}

// aaReference and docsPrefix tell Access Analyzer's sections from ours.
const (
	aaReference = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"
	docsPrefix  = "https://github.com/tollgate-dev/tollgate/blob/main/docs/rules.md#"
)
