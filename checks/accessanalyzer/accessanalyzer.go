// Package accessanalyzer is the optional online backend: it sends every
// extracted policy to IAM Access Analyzer (ValidatePolicy, CheckNoNewAccess,
// CheckNoPublicAccess, CheckAccessNotGranted) and maps its findings back to
// template lines. It adds precision; when AWS is unreachable the offline
// report still ships, with a notice.
package accessanalyzer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aa "github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// Client is the part of the Access Analyzer API the backend calls.
type Client interface {
	ValidatePolicy(ctx context.Context, in *aa.ValidatePolicyInput, opts ...func(*aa.Options)) (*aa.ValidatePolicyOutput, error)
	CheckNoNewAccess(ctx context.Context, in *aa.CheckNoNewAccessInput, opts ...func(*aa.Options)) (*aa.CheckNoNewAccessOutput, error)
	CheckNoPublicAccess(ctx context.Context, in *aa.CheckNoPublicAccessInput, opts ...func(*aa.Options)) (*aa.CheckNoPublicAccessOutput, error)
	CheckAccessNotGranted(ctx context.Context, in *aa.CheckAccessNotGrantedInput, opts ...func(*aa.Options)) (*aa.CheckAccessNotGrantedOutput, error)
}

// NewClient returns the real client for an AWS configuration.
func NewClient(cfg aws.Config) Client { return aa.NewFromConfig(cfg) }

// Issue codes of the custom policy checks, which Access Analyzer reports as
// PASS or FAIL rather than with codes of their own.
const (
	CodeNewAccess       = checks.CodeNewAccess
	CodePublicAccess    = checks.CodePublicAccess
	CodeSensitiveAccess = checks.CodeSensitiveAccess
)

// Options configure the backend.
type Options struct {
	Client Client
	// Concurrency bounds calls in flight (default 4); CallTimeout bounds
	// each call (default 30 s).
	Concurrency int
	CallTimeout time.Duration
	// SensitiveActions are checked with CheckAccessNotGranted (from config
	// sensitive-actions).
	SensitiveActions []string
	// Values fill in what the template computes at deploy time.
	Values template.Values
	// Base holds the base revision's version of each policy, keyed by
	// Key(policy), for CheckNoNewAccess. Nil skips that check.
	Base map[string]*template.Policy
	// Fix supplies our own fix text for codes that the offline rules share.
	Fix func(code string) string
}

// Key identifies a policy across revisions: resource, path, branch and
// the non-default parameter values that reach it.
func Key(p *template.Policy) string {
	return p.LogicalID + "\x00" + p.Path + "\x00" + p.Branch + "\x00" + p.When
}

// Result is what the backend found in one template.
type Result struct {
	Findings []checks.Finding
	// Notices explain checks that could not run.
	Notices []template.Notice
	// Calls counts API calls made.
	Calls int
}

// Run checks every policy of a template. Errors of single calls become
// notices; the findings gathered so far are kept.
func Run(ctx context.Context, o Options, t *template.Template, policies []*template.Policy) Result {
	conc := o.Concurrency
	if conc <= 0 {
		conc = 4
	}
	timeout := o.CallTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ph := &placeholders{partition: nonEmpty(o.Values.Partition, template.PartitionOf(o.Values.Region), "aws"),
		region: nonEmpty(o.Values.Region, "us-east-1"), account: nonEmpty(o.Values.AccountID, "123456789012")}
	r := &runner{o: o, t: t, timeout: timeout}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for _, p := range policies {
		if p.Merged != nil {
			// A merged evaluation takes every branch at once; it is no
			// policy CloudFormation would create, so the offline rules
			// alone judge it.
			continue
		}
		doc := render(p.Document, ph)
		for _, job := range r.jobs(p, doc, ph) {
			g.Go(func() error {
				job(gctx)
				return nil
			})
		}
	}
	g.Wait()
	r.res.Findings = checks.Finalize(r.res.Findings)
	sort.Slice(r.res.Notices, func(i, j int) bool { return r.res.Notices[i].Message < r.res.Notices[j].Message })
	return r.res
}

type runner struct {
	o       Options
	t       *template.Template
	timeout time.Duration
	mu      sync.Mutex
	res     Result
	failed  map[string]bool
}

func (r *runner) add(f checks.Finding) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Findings = append(r.res.Findings, f)
}

// fail records one notice per API and error kind, not one per policy.
func (r *runner) fail(api string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	msg := describeError(err)
	if r.failed == nil {
		r.failed = map[string]bool{}
	}
	if r.failed[api+msg] {
		return
	}
	r.failed[api+msg] = true
	r.res.Notices = append(r.res.Notices, template.Noticef("IAM Access Analyzer %s failed (%s); the findings of that check are missing from this report", api, msg))
}

func (r *runner) call(ctx context.Context) (context.Context, context.CancelFunc) {
	r.mu.Lock()
	r.res.Calls++
	r.mu.Unlock()
	return context.WithTimeout(ctx, r.timeout)
}

func (r *runner) jobs(p *template.Policy, doc *document, ph *placeholders) []func(context.Context) {
	var jobs []func(context.Context)
	policyType := types.PolicyTypeIdentityPolicy
	accessType := types.AccessCheckPolicyTypeIdentityPolicy
	var resourceType types.ValidatePolicyResourceType
	if p.Kind != template.Identity {
		policyType = types.PolicyTypeResourcePolicy
		accessType = types.AccessCheckPolicyTypeResourcePolicy
		resourceType = validateResourceType(p)
	}
	if p.ResourceType == "AWS::Organizations::Policy" {
		// Service and resource control policies have their own grammar checks.
		policyType = types.PolicyTypeServiceControlPolicy
		if p.Kind != template.Identity {
			policyType = types.PolicyTypeResourceControlPolicy
		}
	}
	jobs = append(jobs, func(ctx context.Context) { r.validate(ctx, p, doc, policyType, resourceType) })
	if p.Spec().Limits {
		// It grants nothing: there is no access to compare or to find.
		return jobs
	}
	if r.o.Base != nil {
		if base, ok := r.o.Base[Key(p)]; ok && base.Document != nil {
			jobs = append(jobs, func(ctx context.Context) {
				r.noNewAccess(ctx, p, doc, render(base.Document, ph), accessType)
			})
		}
	}
	if p.Kind != template.Identity {
		if rt, ok := publicAccessType(p); ok {
			jobs = append(jobs, func(ctx context.Context) { r.noPublicAccess(ctx, p, doc, rt) })
		}
	}
	if len(r.o.SensitiveActions) > 0 {
		jobs = append(jobs, func(ctx context.Context) { r.accessNotGranted(ctx, p, doc, accessType) })
	}
	return jobs
}

func (r *runner) validate(ctx context.Context, p *template.Policy, doc *document, pt types.PolicyType, rt types.ValidatePolicyResourceType) {
	in := &aa.ValidatePolicyInput{PolicyDocument: aws.String(doc.text), PolicyType: pt, Locale: types.LocaleEn}
	if rt != "" {
		in.ValidatePolicyResourceType = rt
	}
	for page := 0; page < 20; page++ {
		cctx, cancel := r.call(ctx)
		out, err := r.o.Client.ValidatePolicy(cctx, in)
		cancel()
		if err != nil {
			r.fail("ValidatePolicy", err)
			return
		}
		for _, f := range out.Findings {
			if finding, ok := r.fromValidate(p, doc, f); ok {
				r.add(finding)
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return
		}
		in.NextToken = out.NextToken
	}
}

// fromValidate maps a ValidatePolicy finding onto the template. Findings
// located on a placeholder are artefacts of values unknown until deploy
// time, and are dropped.
func (r *runner) fromValidate(p *template.Policy, doc *document, f types.ValidatePolicyFinding) (checks.Finding, bool) {
	code := aws.ToString(f.IssueCode)
	sp, located := locate(doc, f.Locations)
	if located && sp.placeholder {
		return checks.Finding{}, false
	}
	finding := r.finding(p, code, checks.Type(f.FindingType), aws.ToString(f.FindingDetails), sp)
	finding.LearnMore = aws.ToString(f.LearnMoreLink)
	return finding, true
}

func (r *runner) finding(p *template.Policy, code string, typ checks.Type, msg string, sp *span) checks.Finding {
	node := p.Document
	path := p.Path
	if sp != nil && sp.node != nil {
		node = sp.node
		if sp.path != "" && !p.Synthesized {
			path += "." + sp.path
		}
	}
	pos, end := p.Pos, p.Pos.Line
	if node != nil {
		pos, end = node.Pos, max(node.EndLine, node.Pos.Line)
	}
	fix := "follow the linked IAM Access Analyzer guidance"
	if r.o.Fix != nil {
		if f := r.o.Fix(code); f != "" {
			fix = f
		}
	}
	return checks.Finding{
		Code: code, Type: typ, Message: strings.TrimSpace(msg), Fix: fix,
		Span:     checks.SpanAt(r.t.File, pos, end),
		Resource: p.LogicalID, ResourceType: p.ResourceType, Path: path, Branch: p.Branch, When: p.When,
		Source: checks.SourceAccessAnalyzer,
	}
}

// locate finds the span a finding's first location points at: by path
// first, by character offset when the path does not resolve.
func locate(doc *document, locs []types.Location) (*span, bool) {
	for _, l := range locs {
		if path, ok := pathOf(l.Path); ok {
			if sp := doc.byPath[path]; sp != nil {
				return sp, true
			}
		}
		if l.Span != nil && l.Span.Start != nil && l.Span.Start.Offset != nil {
			if sp := doc.at(int(*l.Span.Start.Offset)); sp != nil {
				return sp, true
			}
		}
	}
	return nil, false
}

// pathOf turns Access Analyzer path elements into our path syntax. Key
// elements point at a key; we point at the key's value, which sits on the
// same line.
func pathOf(elems []types.PathElement) (string, bool) {
	var b strings.Builder
	for _, e := range elems {
		switch v := e.(type) {
		case *types.PathElementMemberValue:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v.Value)
		case *types.PathElementMemberKey:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v.Value)
		case *types.PathElementMemberIndex:
			fmt.Fprintf(&b, "[%d]", v.Value)
		case *types.PathElementMemberSubstring:
			// A substring of the current value: the value is precise enough.
		default:
			return "", false
		}
	}
	return b.String(), true
}

func (r *runner) statementSpan(doc *document, index *int32) *span {
	if index == nil {
		return doc.byPath["Statement"]
	}
	if sp := doc.byPath[fmt.Sprintf("Statement[%d]", *index)]; sp != nil {
		return sp
	}
	return doc.byPath["Statement"]
}

func (r *runner) noNewAccess(ctx context.Context, p *template.Policy, doc, base *document, pt types.AccessCheckPolicyType) {
	cctx, cancel := r.call(ctx)
	out, err := r.o.Client.CheckNoNewAccess(cctx, &aa.CheckNoNewAccessInput{
		NewPolicyDocument: aws.String(doc.text), ExistingPolicyDocument: aws.String(base.text), PolicyType: pt})
	cancel()
	if err != nil {
		r.fail("CheckNoNewAccess", err)
		return
	}
	if out.Result != types.CheckNoNewAccessResultFail {
		return
	}
	r.reportFailure(p, doc, CodeNewAccess, "This change grants access the base revision did not: ", out.Reasons, out.Message)
}

// reportFailure reports a failed custom policy check: one finding per reason, at
// the statement the reason names, with the fix of the code's rule.
func (r *runner) reportFailure(p *template.Policy, doc *document, code, lead string, reasons []types.ReasonSummary, message *string) {
	for _, reason := range reasonsOrOne(reasons) {
		msg := lead + nonEmpty(aws.ToString(reason.Description), aws.ToString(message))
		f := r.finding(p, code, checks.SecurityWarning, msg, r.statementSpan(doc, reason.StatementIndex))
		for _, info := range checks.OnlineRuleInfos() {
			if info.Code == code {
				f.Fix, f.LearnMore = info.Fix, info.LearnMore
			}
		}
		r.add(f)
	}
}

func (r *runner) noPublicAccess(ctx context.Context, p *template.Policy, doc *document, rt types.AccessCheckResourceType) {
	cctx, cancel := r.call(ctx)
	out, err := r.o.Client.CheckNoPublicAccess(cctx, &aa.CheckNoPublicAccessInput{PolicyDocument: aws.String(doc.text), ResourceType: rt})
	cancel()
	if err != nil {
		r.fail("CheckNoPublicAccess", err)
		return
	}
	if out.Result != types.CheckNoPublicAccessResultFail {
		return
	}
	r.reportFailure(p, doc, CodePublicAccess, "IAM Access Analyzer found that this policy allows public access: ", out.Reasons, out.Message)
}

func (r *runner) accessNotGranted(ctx context.Context, p *template.Policy, doc *document, pt types.AccessCheckPolicyType) {
	// The API takes at most 100 actions per check.
	for start := 0; start < len(r.o.SensitiveActions); start += 100 {
		actions := r.o.SensitiveActions[start:min(start+100, len(r.o.SensitiveActions))]
		cctx, cancel := r.call(ctx)
		out, err := r.o.Client.CheckAccessNotGranted(cctx, &aa.CheckAccessNotGrantedInput{PolicyDocument: aws.String(doc.text),
			PolicyType: pt, Access: []types.Access{{Actions: actions}}})
		cancel()
		if err != nil {
			r.fail("CheckAccessNotGranted", err)
			return
		}
		if out.Result != types.CheckAccessNotGrantedResultFail {
			continue
		}
		r.reportFailure(p, doc, CodeSensitiveAccess, "This policy grants an action listed in sensitive-actions: ", out.Reasons, out.Message)
	}
}

func reasonsOrOne(rs []types.ReasonSummary) []types.ReasonSummary {
	if len(rs) == 0 {
		return []types.ReasonSummary{{}}
	}
	return rs
}

// validateResourceType is the type ValidatePolicy knows the resource
// policy's resource by, for the type-specific checks it runs; "" when it
// has none. The template's resource-type table names the resource.
func validateResourceType(p *template.Policy) types.ValidatePolicyResourceType {
	return knownValue(types.ValidatePolicyResourceType(p.Attachment))
}

// publicAccessType is the type CheckNoPublicAccess knows the policy's
// resource by, when it supports it.
func publicAccessType(p *template.Policy) (types.AccessCheckResourceType, bool) {
	t := knownValue(types.AccessCheckResourceType(p.Attachment))
	return t, t != ""
}

// knownValue returns v when the SDK lists it among its type's values.
func knownValue[T interface {
	~string
	Values() []T
}](v T) T {
	if v == "" {
		return ""
	}
	for _, known := range v.Values() {
		if known == v {
			return v
		}
	}
	return ""
}

// describeError keeps an API error's code and message.
func describeError(err error) string {
	var ae smithy.APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the call timed out"
	case errors.Is(err, context.Canceled):
		return "the run was cancelled"
	case errors.As(err, &ae):
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

func nonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// Online runs the backend on each template of a check run (it satisfies
// engine.Online). After a failure that would repeat on every template
// (missing permissions, bad credentials) it stops calling and says so once.
type Online struct {
	Options Options
	mu      sync.Mutex
	stopped bool
	said    map[string]bool
}

// fatalCodes are errors that no other template will avoid.
var fatalCodes = []string{"AccessDenied", "UnrecognizedClient", "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch",
	"failed to retrieve credentials", "no EC2 IMDS role found", "get credentials"}

// CheckBase runs the backend on one template, comparing each policy with
// its version in the base revision's template (CheckNoNewAccess).
func (o *Online) CheckBase(ctx context.Context, t *template.Template, x *template.Extraction, base *template.Template) ([]checks.Finding, []template.Notice) {
	opts := o.Options
	if base != nil && base.Root != nil {
		opts.Base = map[string]*template.Policy{}
		for _, p := range template.Extract(base, template.NewResolver(base, o.Options.Values)).Policies {
			opts.Base[Key(p)] = p
		}
	}
	return o.run(ctx, opts, t, x)
}

// Check runs the backend on one template.
func (o *Online) Check(ctx context.Context, t *template.Template, x *template.Extraction) ([]checks.Finding, []template.Notice) {
	return o.run(ctx, o.Options, t, x)
}

func (o *Online) run(ctx context.Context, opts Options, t *template.Template, x *template.Extraction) ([]checks.Finding, []template.Notice) {
	o.mu.Lock()
	stopped := o.stopped
	o.mu.Unlock()
	if stopped || x == nil || len(x.Policies) == 0 {
		return nil, nil
	}
	res := Run(ctx, opts, t, x.Policies)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.said == nil {
		o.said = map[string]bool{}
	}
	var notices []template.Notice
	for _, n := range res.Notices {
		for _, code := range fatalCodes {
			if strings.Contains(n.Message, code) {
				o.stopped = true
				n.Message += "; Access Analyzer checks were stopped for the rest of the run"
				break
			}
		}
		// The same failure on every template is said once.
		if !o.said[n.String()] {
			o.said[n.String()] = true
			notices = append(notices, n)
		}
	}
	return res.Findings, notices
}
