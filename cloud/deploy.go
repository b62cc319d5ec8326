package cloud

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/tollgate-dev/tollgate/internal/escape"
	"github.com/tollgate-dev/tollgate/model"
)

// Deployer is the part of the CloudFormation API a deploy calls.
type Deployer interface {
	CloudFormation
	ExecuteChangeSet(ctx context.Context, in *cfn.ExecuteChangeSetInput, opts ...func(*cfn.Options)) (*cfn.ExecuteChangeSetOutput, error)
	DescribeStackEvents(ctx context.Context, in *cfn.DescribeStackEventsInput, opts ...func(*cfn.Options)) (*cfn.DescribeStackEventsOutput, error)
	DeleteStack(ctx context.Context, in *cfn.DeleteStackInput, opts ...func(*cfn.Options)) (*cfn.DeleteStackOutput, error)
}

// DeployOptions control one deploy.
type DeployOptions struct {
	// ChangeSet names the change set (see ChangeSetName).
	ChangeSet string
	// DryRun creates and prints the change set, then deletes it.
	DryRun bool
	// Progress, when set, is called with each stack event as it arrives
	// (report.DeployEventLine renders one).
	Progress func(Event)
	Waiting  Waiting
	// Capabilities acknowledged; default IAM, named IAM and auto-expand.
	Capabilities []cfntypes.Capability
}

// The result of a deploy is a model value, so that report renders it
// without importing cloud.
type (
	// Outcome is how a deploy ended.
	Outcome = model.Outcome
	// DeployResult is what a deploy did.
	DeployResult = model.DeployResult
	// Event is one stack event.
	Event = model.DeployEvent
)

// Deploy outcomes.
const (
	OutcomeDeployed  = model.OutcomeDeployed
	OutcomeNoChanges = model.OutcomeNoChanges
	OutcomeDryRun    = model.OutcomeDryRun
	OutcomeFailed    = model.OutcomeFailed
)

// FailedError is a deploy that CloudFormation rolled back or could not
// apply; its message lists the failing events and the rollback outcome.
type FailedError struct{ Result *DeployResult }

func (e *FailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "deploying %s failed; the stack is now %s", e.Result.Stack, e.Result.Status)
	switch {
	case strings.HasSuffix(e.Result.Status, "ROLLBACK_COMPLETE") && e.Result.Created:
		b.WriteString(" (the new stack was rolled back and holds no resources; delete it before the next deploy)")
	case strings.HasSuffix(e.Result.Status, "ROLLBACK_COMPLETE"):
		b.WriteString(" (the update was rolled back: the stack runs the previous version)")
	case strings.HasSuffix(e.Result.Status, "ROLLBACK_FAILED"):
		b.WriteString(" (the rollback failed too: resources may be half-updated; see the CloudFormation console)")
	}
	for _, f := range e.Result.Failures {
		fmt.Fprintf(&b, "\n  %s %s (%s): %s", f.Status, escape.Plain(f.LogicalID), escape.Plain(f.ResourceType), escape.Plain(f.Reason))
	}
	return b.String()
}

// Deploy brings a stack to the template: it creates a change set, reads
// it, executes it and follows the stack's events until it settles. A
// change set with nothing to do is deleted and reported as no changes, so
// reruns succeed. Nothing is left half-done: a change set that fails is
// deleted, and so is the empty stack a failed first change set leaves.
func Deploy(ctx context.Context, api Deployer, t Target, o DeployOptions) (*DeployResult, error) {
	res := &DeployResult{Stack: t.StackName}
	if len(t.Body) > InlineTemplateLimit {
		return res, fmt.Errorf("%s: the template is %d bytes; CloudFormation takes at most %d inline", t.File, len(t.Body), InlineTemplateLimit)
	}
	live, err := describeStack(ctx, api, t.StackName)
	if err != nil {
		return res, err
	}
	in, err := changeSetInput(t, o, live)
	if err != nil {
		return res, err
	}
	res.Created = in.ChangeSetType == cfntypes.ChangeSetTypeCreate
	created, err := api.CreateChangeSet(ctx, in)
	if err != nil && live != nil && noChanges(apiMessage(err).Error()) {
		// Some endpoints refuse an empty change set outright instead of
		// creating it FAILED: the same answer, "nothing to do".
		res.Outcome, res.Status, res.Outputs = OutcomeNoChanges, string(live.StackStatus), outputs(live)
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("creating change set %s on %s: %w", o.ChangeSet, t.StackName, apiMessage(err))
	}
	cs := &changeSet{api: api, id: aws.ToString(created.Id), stack: t.StackName, created: res.Created}
	res.StackID = aws.ToString(created.StackId)
	res.Preview = model.Preview{File: t.File, Stack: t.StackName, ChangeSet: o.ChangeSet, NewStack: res.Created}
	if done, err := settleChangeSet(ctx, cs, o, live, res); done || err != nil {
		return res, err
	}
	return res, execute(ctx, cs, o, res)
}

// changeSetInput is the change set a deploy creates: CREATE for a new
// stack (or one a preview left in REVIEW_IN_PROGRESS), UPDATE otherwise.
// Stacks that cannot be updated now are refused with the fix.
func changeSetInput(t Target, o DeployOptions, live *cfntypes.Stack) (*cfn.CreateChangeSetInput, error) {
	in := &cfn.CreateChangeSetInput{
		StackName: aws.String(t.StackName), ChangeSetName: aws.String(o.ChangeSet), TemplateBody: aws.String(t.Body),
		Capabilities: o.Capabilities, IncludeNestedStacks: aws.Bool(true), ChangeSetType: cfntypes.ChangeSetTypeUpdate,
		Description: aws.String("tollgate deploy"),
	}
	if in.Capabilities == nil {
		in.Capabilities = []cfntypes.Capability{cfntypes.CapabilityCapabilityIam, cfntypes.CapabilityCapabilityNamedIam, cfntypes.CapabilityCapabilityAutoExpand}
	}
	switch {
	case live == nil || live.StackStatus == cfntypes.StackStatusReviewInProgress:
		in.ChangeSetType = cfntypes.ChangeSetTypeCreate
	case strings.HasSuffix(string(live.StackStatus), "_IN_PROGRESS"):
		return nil, fmt.Errorf("stack %s is %s: another operation is running; rerun when it ends", t.StackName, live.StackStatus)
	case live.StackStatus == cfntypes.StackStatusRollbackComplete || live.StackStatus == cfntypes.StackStatusRollbackFailed:
		return nil, fmt.Errorf("stack %s is %s: its first deploy failed and it cannot be updated; delete it (aws cloudformation delete-stack --stack-name %s) and deploy again",
			t.StackName, live.StackStatus, t.StackName)
	case strings.HasSuffix(string(live.StackStatus), "_FAILED"):
		return nil, fmt.Errorf("stack %s is %s: fix it in the CloudFormation console (continue the rollback) before deploying", t.StackName, live.StackStatus)
	}
	in.Parameters = parameters(t.Parameters, live)
	for _, k := range sortedKeys(t.Tags) {
		in.Tags = append(in.Tags, cfntypes.Tag{Key: aws.String(k), Value: aws.String(t.Tags[k])})
	}
	return in, nil
}

// changeSet is a created change set, and how to clean it up.
type changeSet struct {
	api       Deployer
	id, stack string
	created   bool
}

// cleanup deletes the change set, and the empty REVIEW_IN_PROGRESS stack a
// CREATE change set made, even when the run is cancelled.
func (c *changeSet) cleanup(ctx context.Context) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	c.api.DeleteChangeSet(dctx, &cfn.DeleteChangeSetInput{ChangeSetName: aws.String(c.id), StackName: aws.String(c.stack)})
	if c.created {
		c.api.DeleteStack(dctx, &cfn.DeleteStackInput{StackName: aws.String(c.stack)})
	}
}

// settleChangeSet reads the change set into the preview and ends the
// deploy (done) when there is nothing to execute: no changes, a change set
// CloudFormation could not create, or a dry run.
func settleChangeSet(ctx context.Context, cs *changeSet, o DeployOptions, live *cfntypes.Stack, res *DeployResult) (done bool, err error) {
	if err := readChangeSet(ctx, cs.api, cs.id, cs.stack, o.Waiting.withDefaults(), &res.Preview, 0); err != nil {
		cs.cleanup(ctx)
		return true, err
	}
	switch {
	case res.Preview.NoChanges:
		cs.cleanup(ctx)
		res.Outcome = OutcomeNoChanges
		res.Status = string(live.StackStatus)
		res.Outputs = outputs(live)
		return true, nil
	case res.Preview.Failed:
		cs.cleanup(ctx)
		return true, fmt.Errorf("CloudFormation could not create the change set for %s: %s", cs.stack, escape.Plain(res.Preview.Reason))
	case o.DryRun:
		cs.cleanup(ctx)
		res.Outcome = OutcomeDryRun
		return true, nil
	}
	return false, nil
}

// execute runs the change set and follows the stack to its end.
func execute(ctx context.Context, cs *changeSet, o DeployOptions, res *DeployResult) error {
	// Events before this one belong to earlier operations: remember the
	// newest event now, and report only what comes after it.
	seen := map[string]bool{}
	if !cs.created {
		if resp, err := cs.api.DescribeStackEvents(ctx, &cfn.DescribeStackEventsInput{StackName: aws.String(cs.stack)}); err == nil {
			for _, e := range resp.StackEvents {
				seen[aws.ToString(e.EventId)] = true
			}
		}
	}
	started := time.Now().Add(-5 * time.Minute)
	if _, err := cs.api.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{ChangeSetName: aws.String(cs.id), StackName: aws.String(cs.stack)}); err != nil {
		cs.cleanup(ctx)
		return fmt.Errorf("executing change set %s on %s: %w", o.ChangeSet, cs.stack, apiMessage(err))
	}
	final, events, err := follow(ctx, cs.api, cs.stack, started, seen, o.Progress, o.Waiting.withDefaults())
	if err != nil {
		return err
	}
	res.Status = string(final.StackStatus)
	res.Outputs = outputs(final)
	res.Events = events
	res.StackID = aws.ToString(final.StackId)
	if final.StackStatus == cfntypes.StackStatusCreateComplete || final.StackStatus == cfntypes.StackStatusUpdateComplete {
		res.Outcome = OutcomeDeployed
		return nil
	}
	res.Outcome = OutcomeFailed
	for _, e := range events {
		if strings.HasSuffix(e.Status, "_FAILED") && e.Reason != "" && !strings.Contains(e.Reason, "Resource creation cancelled") {
			res.Failures = append(res.Failures, e)
		}
	}
	return &FailedError{Result: res}
}

// terminal reports whether a stack status ends an operation.
func terminal(s cfntypes.StackStatus) bool {
	str := string(s)
	return !strings.HasSuffix(str, "_IN_PROGRESS")
}

// follow polls the stack and its events until the operation settles,
// printing each new event once.
func follow(ctx context.Context, api Deployer, stack string, since time.Time, seen map[string]bool, progress func(Event), w Waiting) (*cfntypes.Stack, []Event, error) {
	var all []Event
	deadline := time.Now().Add(max(w.Timeout, 2*time.Hour))
	for {
		events, err := newEvents(ctx, api, stack, since, seen)
		if err != nil {
			return nil, all, err
		}
		for _, e := range events {
			all = append(all, e)
			if progress != nil {
				progress(e)
			}
		}
		live, err := describeStack(ctx, api, stack)
		if err != nil {
			return nil, all, err
		}
		if live == nil {
			return nil, all, fmt.Errorf("stack %s disappeared while deploying", stack)
		}
		if terminal(live.StackStatus) {
			// One more read: the last events can trail the status.
			if more, err := newEvents(ctx, api, stack, since, seen); err == nil {
				all = append(all, more...)
			}
			return live, all, nil
		}
		if time.Now().After(deadline) {
			return live, all, fmt.Errorf("stack %s was still %s after %s; the operation goes on in CloudFormation", stack, live.StackStatus, time.Until(deadline).Round(time.Minute))
		}
		if err := w.Sleep(ctx, w.Interval); err != nil {
			return live, all, err
		}
	}
}

// newEvents returns the stack's events since a time that were not seen,
// oldest first.
func newEvents(ctx context.Context, api Deployer, stack string, since time.Time, seen map[string]bool) ([]Event, error) {
	var out []Event
	in := &cfn.DescribeStackEventsInput{StackName: aws.String(stack)}
	for page := 0; page < 20; page++ {
		resp, err := api.DescribeStackEvents(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("reading the events of %s: %w", stack, apiMessage(err))
		}
		older := false
		for _, e := range resp.StackEvents {
			id := aws.ToString(e.EventId)
			if seen[id] || (e.Timestamp != nil && e.Timestamp.Before(since)) {
				// Newest first: past a seen or old event, the rest is older.
				older = true
				continue
			}
			seen[id] = true
			ev := Event{LogicalID: aws.ToString(e.LogicalResourceId), ResourceType: aws.ToString(e.ResourceType),
				Status: string(e.ResourceStatus), Reason: aws.ToString(e.ResourceStatusReason)}
			if e.Timestamp != nil {
				ev.Time = *e.Timestamp
			}
			out = append(out, ev)
		}
		// Events come newest first; once older ones show up, stop paging.
		if older || resp.NextToken == nil {
			break
		}
		in.NextToken = resp.NextToken
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

func outputs(s *cfntypes.Stack) map[string]string {
	if s == nil {
		return nil
	}
	out := map[string]string{}
	for _, o := range s.Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return out
}

// ErrNoStack is returned when a deploy's stack vanished.
var ErrNoStack = errors.New("no such stack")
