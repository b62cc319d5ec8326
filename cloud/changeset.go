package cloud

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/tollgate-dev/tollgate/model"
)

// CloudFormation is the part of the CloudFormation API tollgate calls.
type CloudFormation interface {
	DescribeStacks(ctx context.Context, in *cfn.DescribeStacksInput, opts ...func(*cfn.Options)) (*cfn.DescribeStacksOutput, error)
	CreateChangeSet(ctx context.Context, in *cfn.CreateChangeSetInput, opts ...func(*cfn.Options)) (*cfn.CreateChangeSetOutput, error)
	DescribeChangeSet(ctx context.Context, in *cfn.DescribeChangeSetInput, opts ...func(*cfn.Options)) (*cfn.DescribeChangeSetOutput, error)
	DeleteChangeSet(ctx context.Context, in *cfn.DeleteChangeSetInput, opts ...func(*cfn.Options)) (*cfn.DeleteChangeSetOutput, error)
}

// NewCloudFormation returns the real client for a configuration.
func NewCloudFormation(cfg aws.Config) *cfn.Client { return cfn.NewFromConfig(cfg) }

// InlineTemplateLimit is the largest template body CloudFormation accepts
// inline; larger ones must be uploaded to S3.
const InlineTemplateLimit = 51200

// Target is a template to preview against a deployed stack.
type Target struct {
	// File is the template's path in the repository, for the report.
	File      string
	StackName string
	Body      string
	// Parameters are explicit values; parameters of the live stack not given
	// here keep their previous values.
	Parameters map[string]string
	Tags       map[string]string
}

// Waiting bounds how long a change set may take to be computed.
type Waiting struct {
	Timeout  time.Duration
	Interval time.Duration
	// Sleep is time.Sleep unless a test replaces it.
	Sleep func(context.Context, time.Duration) error
}

func (w Waiting) withDefaults() Waiting {
	if w.Timeout <= 0 {
		w.Timeout = 5 * time.Minute
	}
	if w.Interval <= 0 {
		w.Interval = 2 * time.Second
	}
	if w.Sleep == nil {
		w.Sleep = sleepCtx
	}
	return w
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var changeSetNameRE = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// ChangeSetName builds a name unique to this run ("tollgate-preview-<run>-<random>")
// in the form CloudFormation requires: [A-Za-z][-A-Za-z0-9]*, at most 128.
func ChangeSetName(prefix, run string) string {
	var b [4]byte
	rand.Read(b[:])
	run = strings.Trim(changeSetNameRE.ReplaceAllString(run, "-"), "-")
	name := prefix
	if run != "" {
		name += "-" + run
	}
	name += "-" + hex.EncodeToString(b[:])
	if len(name) > 128 {
		name = name[:119] + "-" + hex.EncodeToString(b[:])
	}
	return name
}

// PreviewChangeSet creates a change set for t against its live stack, waits
// for it, reads every change (nested stacks included) and deletes it. The
// change set is never executed, and it is deleted even when reading fails.
func PreviewChangeSet(ctx context.Context, api CloudFormation, t Target, name string, w Waiting) (model.Preview, error) {
	w = w.withDefaults()
	p := model.Preview{File: t.File, Stack: t.StackName, ChangeSet: name}
	if len(t.Body) > InlineTemplateLimit {
		return p, fmt.Errorf("%s: the template is %d bytes; CloudFormation takes at most %d inline, and previews do not upload templates to S3",
			t.File, len(t.Body), InlineTemplateLimit)
	}
	live, err := describeStack(ctx, api, t.StackName)
	if err != nil {
		return p, err
	}
	in := &cfn.CreateChangeSetInput{
		StackName:     aws.String(t.StackName),
		ChangeSetName: aws.String(name),
		TemplateBody:  aws.String(t.Body),
		// A preview is never executed, so it may acknowledge every
		// capability; the deploy asks for what it needs.
		Capabilities:        []cfntypes.Capability{cfntypes.CapabilityCapabilityIam, cfntypes.CapabilityCapabilityNamedIam, cfntypes.CapabilityCapabilityAutoExpand},
		IncludeNestedStacks: aws.Bool(true),
		Description:         aws.String("tollgate preview; never executed, deleted after reading"),
		ChangeSetType:       cfntypes.ChangeSetTypeUpdate,
	}
	switch {
	case live == nil:
		in.ChangeSetType = cfntypes.ChangeSetTypeCreate
		p.NewStack = true
	case strings.HasSuffix(string(live.StackStatus), "_IN_PROGRESS"):
		return p, fmt.Errorf("stack %s is %s; a preview needs it to be stable, rerun when the operation ends", t.StackName, live.StackStatus)
	case live.StackStatus == cfntypes.StackStatusRollbackComplete:
		return p, fmt.Errorf("stack %s is ROLLBACK_COMPLETE: it never deployed and cannot be updated; delete it, and the next deploy creates it anew", t.StackName)
	}
	in.Parameters = parameters(t.Parameters, live)
	for _, k := range sortedKeys(t.Tags) {
		in.Tags = append(in.Tags, cfntypes.Tag{Key: aws.String(k), Value: aws.String(t.Tags[k])})
	}
	created, err := api.CreateChangeSet(ctx, in)
	if err != nil && noChanges(apiMessage(err).Error()) {
		p.NoChanges = true
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("creating change set %s on %s: %w", name, t.StackName, apiMessage(err))
	}
	id := aws.ToString(created.Id)
	defer func() {
		// Delete with a context of its own: a cancelled run must still clean up.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		api.DeleteChangeSet(dctx, &cfn.DeleteChangeSetInput{ChangeSetName: aws.String(id), StackName: aws.String(t.StackName)})
		if p.NewStack {
			// A CREATE change set leaves a stack in REVIEW_IN_PROGRESS behind.
			if d, ok := api.(interface {
				DeleteStack(context.Context, *cfn.DeleteStackInput, ...func(*cfn.Options)) (*cfn.DeleteStackOutput, error)
			}); ok {
				d.DeleteStack(dctx, &cfn.DeleteStackInput{StackName: aws.String(t.StackName)})
			}
		}
	}()
	if err := readChangeSet(ctx, api, id, t.StackName, w, &p, 0); err != nil {
		return p, err
	}
	return p, nil
}

func describeStack(ctx context.Context, api CloudFormation, name string) (*cfntypes.Stack, error) {
	out, err := api.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist") {
			return nil, nil
		}
		return nil, fmt.Errorf("describing stack %s: %w", name, apiMessage(err))
	}
	if len(out.Stacks) == 0 || out.Stacks[0].StackStatus == cfntypes.StackStatusDeleteComplete {
		return nil, nil
	}
	return &out.Stacks[0], nil
}

// parameters gives explicit values, and keeps the live stack's previous
// values for the rest so the preview shows only what the change does.
func parameters(explicit map[string]string, live *cfntypes.Stack) []cfntypes.Parameter {
	var out []cfntypes.Parameter
	for _, k := range sortedKeys(explicit) {
		out = append(out, cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(explicit[k])})
	}
	if live != nil {
		for _, lp := range live.Parameters {
			if _, ok := explicit[aws.ToString(lp.ParameterKey)]; !ok {
				out = append(out, cfntypes.Parameter{ParameterKey: lp.ParameterKey, UsePreviousValue: aws.Bool(true)})
			}
		}
	}
	return out
}

// noChanges matches CloudFormation's ways of saying a change set is empty.
func noChanges(reason string) bool {
	r := strings.ToLower(reason)
	return strings.Contains(r, "didn't contain changes") || strings.Contains(r, "no updates are to be performed")
}

// readChangeSet waits for a change set and reads all its pages, following
// nested stacks' change sets.
func readChangeSet(ctx context.Context, api CloudFormation, id, stack string, w Waiting, p *model.Preview, depth int) error {
	deadline := time.Now().Add(w.Timeout)
	var out *cfn.DescribeChangeSetOutput
	for {
		var err error
		out, err = api.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: aws.String(id), StackName: aws.String(stack)})
		if err != nil {
			return fmt.Errorf("reading change set %s: %w", p.ChangeSet, apiMessage(err))
		}
		switch out.Status {
		case cfntypes.ChangeSetStatusCreateComplete:
		case cfntypes.ChangeSetStatusFailed:
			reason := aws.ToString(out.StatusReason)
			if noChanges(reason) {
				p.NoChanges = true
				return nil
			}
			p.Failed = true
			p.Reason = reason
			return nil
		default:
			if time.Now().After(deadline) {
				return fmt.Errorf("change set %s on %s was still %s after %s", p.ChangeSet, stack, out.Status, w.Timeout)
			}
			if err := w.Sleep(ctx, w.Interval); err != nil {
				return err
			}
			continue
		}
		break
	}
	for {
		for _, c := range out.Changes {
			rc := c.ResourceChange
			if rc == nil {
				continue
			}
			ch := model.PreviewChange{
				Action: string(rc.Action), LogicalID: aws.ToString(rc.LogicalResourceId), PhysicalID: aws.ToString(rc.PhysicalResourceId),
				ResourceType: aws.ToString(rc.ResourceType), Replacement: string(rc.Replacement),
			}
			for _, s := range rc.Scope {
				ch.Scope = append(ch.Scope, string(s))
			}
			for _, d := range rc.Details {
				pd := model.PreviewDetail{ChangeSource: string(d.ChangeSource), CausingEntity: aws.ToString(d.CausingEntity),
					Evaluation: string(d.Evaluation)}
				if d.Target != nil {
					pd.Attribute = string(d.Target.Attribute)
					pd.Name = aws.ToString(d.Target.Name)
					pd.RequiresRecreation = string(d.Target.RequiresRecreation)
				}
				ch.Details = append(ch.Details, pd)
			}
			if rc.ChangeSetId != nil && depth < 5 {
				nested := model.Preview{Stack: ch.PhysicalID, ChangeSet: aws.ToString(rc.ChangeSetId)}
				if err := readChangeSet(ctx, api, aws.ToString(rc.ChangeSetId), nonEmptyString(ch.PhysicalID, stack), w, &nested, depth+1); err != nil {
					return err
				}
				ch.Nested = &nested
			}
			p.Changes = append(p.Changes, ch)
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return nil
		}
		next, err := api.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: aws.String(id), StackName: aws.String(stack), NextToken: out.NextToken})
		if err != nil {
			return fmt.Errorf("reading change set %s: %w", p.ChangeSet, apiMessage(err))
		}
		out = next
	}
}

func nonEmptyString(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ReadParameters reads a parameters file in either common shape: a JSON
// object {"Key": "Value"} or the CLI's [{"ParameterKey": ..., "ParameterValue": ...}].
func ReadParameters(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("parameters file %s: %w", path, errors.Unwrap(err))
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err == nil {
		out := map[string]string{}
		for k, v := range m {
			switch x := v.(type) {
			case string:
				out[k] = x
			case []any:
				parts := make([]string, len(x))
				for i, p := range x {
					parts[i] = fmt.Sprint(p)
				}
				out[k] = strings.Join(parts, ",")
			default:
				out[k] = fmt.Sprint(x)
			}
		}
		return out, nil
	}
	var list []struct {
		ParameterKey   string
		ParameterValue string
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("parameters file %s: expected {\"Key\": \"Value\"} or [{\"ParameterKey\": ..., \"ParameterValue\": ...}]: %v", path, err)
	}
	out := map[string]string{}
	for _, p := range list {
		if p.ParameterKey == "" {
			return nil, fmt.Errorf("parameters file %s: an entry has no ParameterKey", path)
		}
		out[p.ParameterKey] = p.ParameterValue
	}
	return out, nil
}

// InputError is a template or parameters file named by a plan entry that
// cannot be read; the run exits with status 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *InputError) Unwrap() error { return e.Err }

// Usage marks the error as one of usage: the run exits with status 2.
func (e *InputError) Usage() {}

// LoadTarget reads the template and the parameters file ("" for none) of a
// stack to deploy or preview.
func LoadTarget(file, stack, paramsFile string) (Target, error) {
	t := Target{File: file, StackName: stack}
	body, err := os.ReadFile(file)
	if err != nil {
		return t, &InputError{fmt.Errorf("template %s: %v", file, errors.Unwrap(err))}
	}
	t.Body = string(body)
	if paramsFile != "" {
		if t.Parameters, err = ReadParameters(paramsFile); err != nil {
			return t, &InputError{err}
		}
	}
	return t, nil
}
