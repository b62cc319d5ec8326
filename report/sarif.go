package report

import (
	"encoding/json"
	"io"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// SARIF 2.1.0 as GitHub code scanning reads it. Only the properties we fill
// are modelled.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Results     []sarifResult     `json:"results"`
	ColumnKind  string            `json:"columnKind"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifMessage    `json:"shortDescription"`
	FullDescription      sarifMessage    `json:"fullDescription"`
	Help                 sarifHelp       `json:"help"`
	HelpURI              string          `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           map[string]any  `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifMessage       `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
}

// SARIFLevel maps a finding type to a SARIF level.
func SARIFLevel(t checks.Type) string {
	switch t {
	case checks.Error, checks.SecurityWarning:
		return "error"
	case checks.Warning:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score GitHub code scanning uses to rank
// security alerts.
var securitySeverity = map[checks.Type]string{
	checks.SecurityWarning: "8.0",
	checks.Error:           "5.0",
	checks.Warning:         "3.0",
	checks.Suggestion:      "1.0",
}

// SARIF writes the result as a SARIF 2.1.0 log.
func SARIF(w io.Writer, r *Result) error {
	index := map[string]int{}
	driver := sarifDriver{Name: r.Tool.Name, Version: r.Tool.Version, InformationURI: r.Tool.URL, Rules: []sarifRule{}}
	for _, info := range r.Rules {
		index[info.Code] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRuleFor(info))
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}, ColumnKind: "unicodeCodePoints"}
	for _, f := range r.Findings {
		i, ok := index[f.Code]
		if !ok {
			// A finding from a rule not in the list (an online backend):
			// describe it minimally so the log stays valid.
			i = len(run.Tool.Driver.Rules)
			index[f.Code] = i
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(checks.Info{Code: f.Code, Type: f.Type, Title: f.Code, LearnMore: f.LearnMore}))
		}
		run.Results = append(run.Results, sarifResultFor(f, i))
	}
	if len(r.Notices)+len(r.Errors) > 0 {
		inv := sarifInvocation{ExecutionSuccessful: len(r.Errors) == 0}
		for _, n := range r.Notices {
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotificationFor("note", n))
		}
		for _, e := range r.Errors {
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotificationFor("error", e))
		}
		run.Invocations = []sarifInvocation{inv}
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// sarifNotificationFor is a notice or error; one about a file points at it
// (and at its line when known), so code scanning can show it there.
func sarifNotificationFor(level string, n template.Notice) sarifNotification {
	out := sarifNotification{Level: level, Message: sarifMessage{Text: n.String()}}
	if n.File == "" {
		return out
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(n.File), URIBaseID: "%SRCROOT%"}}}
	if n.Line > 0 {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: n.Line, StartColumn: n.Column, EndLine: n.EndLine}
	}
	out.Locations = []sarifLocation{loc}
	return out
}

func sarifRuleFor(info checks.Info) sarifRule {
	text := info.Why
	if info.Fix != "" {
		text += "\n\nFix: " + info.Fix
	}
	md := info.Why
	if info.Fix != "" {
		md += "\n\n**Fix:** " + info.Fix
	}
	if info.Example != "" {
		md += "\n\n**Example** (triggers the rule):\n\n```yaml\n" + info.Example + "\n```"
	}
	tags := []string{"iam", "cloudformation"}
	if info.Type == checks.SecurityWarning {
		tags = append(tags, "security")
	}
	return sarifRule{
		ID: info.Code, Name: ruleName(info.Code),
		ShortDescription:     sarifMessage{Text: nonEmpty(info.Title, info.Code)},
		FullDescription:      sarifMessage{Text: nonEmpty(info.Why, info.Title, info.Code)},
		Help:                 sarifHelp{Text: nonEmpty(text, info.Code), Markdown: nonEmpty(md, info.Code)},
		HelpURI:              info.LearnMore,
		DefaultConfiguration: sarifRuleConfig{Level: SARIFLevel(info.Type)},
		Properties: map[string]any{"tags": tags, "security-severity": securitySeverity[info.Type],
			"problem.severity": SARIFLevel(info.Type), "precision": "high"},
	}
}

func sarifResultFor(f checks.Finding, ruleIndex int) sarifResult {
	msg := f.Message
	if c := f.Conditions(); c != "" {
		msg += " (" + c + ")"
	}
	if f.Fix != "" {
		msg += " Fix: " + f.Fix
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{
		ArtifactLocation: sarifArtifact{URI: fileURI(f.File), URIBaseID: "%SRCROOT%"},
		Region:           &sarifRegion{StartLine: f.Line, StartColumn: f.Column, EndLine: max(f.EndLine, f.Line)},
	}}
	if f.Resource != "" {
		loc.LogicalLocations = []sarifLogical{{Name: f.Resource, FullyQualifiedName: f.Path, Kind: "resource"}}
	}
	res := sarifResult{
		RuleID: f.Code, RuleIndex: ruleIndex, Level: SARIFLevel(f.Type), Message: sarifMessage{Text: msg},
		Locations:           []sarifLocation{loc},
		PartialFingerprints: map[string]string{"tollgate/v1": f.Fingerprint},
		Properties:          map[string]any{"type": string(f.Type), "blocking": f.Blocking, "source": f.Source},
	}
	if f.Branch != "" {
		res.Properties["branch"] = f.Branch
	}
	if f.When != "" {
		res.Properties["when"] = f.When
	}
	if f.Environment != "" {
		res.Properties["environment"] = f.Environment
	}
	if f.Suppression != nil {
		kind := "external"
		if f.Suppression.Kind == "inline" {
			kind = "inSource"
		}
		res.Suppressions = []sarifSuppression{{Kind: kind, Justification: f.Suppression.Reason}}
	}
	return res
}

// fileURI turns a slash path into a relative URI reference, escaping
// spaces, '#', '%' and control characters.
func fileURI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// ruleName turns EXTERNAL_PRINCIPAL into ExternalPrincipal.
func ruleName(code string) string {
	var b strings.Builder
	for _, w := range strings.Split(strings.ToLower(code), "_") {
		if w == "" {
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func nonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
