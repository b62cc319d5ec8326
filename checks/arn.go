package checks

import (
	"fmt"
	"github.com/tollgate-dev/tollgate/internal/awsid"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/internal/spelling"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// arnInfo is what is known about one Resource or NotResource value.
type arnInfo struct {
	// text is the value with placeholders (unknownAny, unknownName) for
	// the parts computed at deploy time; shown is how messages show it.
	text, shown string
	// star is set for "*"; opaque when nothing is known of the value.
	star, opaque bool
	// pattern is text compiled for matching against ARN formats.
	pattern []tok
	// service is the ARN's service field when it is literal.
	service string
	// code, message and fix diagnose the ARN's syntax; code is "" when it
	// is valid or cannot be judged.
	code, message, fix string
}

// arn returns the diagnosis of a resource value, computed once per text.
func (c *TemplateContext) arn(v policy.Value) *arnInfo {
	text := valueText(v)
	if info, ok := c.arns[text]; ok {
		return info
	}
	info := &arnInfo{text: text, shown: text, star: text == "*", opaque: text == unknownAny}
	if !v.Known && v.Node != nil {
		info.shown = v.Node.Value
	}
	if !info.star && !info.opaque {
		info.pattern = compileValue(text)
		diagnoseARN(&c.match, c.Options.Data, info)
	}
	if c.arns == nil {
		c.arns = map[string]*arnInfo{}
	}
	c.arns[text] = info
	return info
}

// valueText renders a value as text, with placeholders for unknown parts.
func valueText(v policy.Value) string {
	if v.Known {
		return v.Text
	}
	return unknownText(v.Node, 0)
}

func unknownText(n *template.Node, depth int) string {
	if n == nil || depth > 4 {
		return unknownAny
	}
	if s, ok := n.Str(); ok {
		return s
	}
	if n.Kind == template.Unknown && len(n.Items) > 0 {
		var b strings.Builder
		for _, p := range n.Items {
			b.WriteString(unknownText(p, depth+1))
		}
		return b.String()
	}
	if n.Kind == template.Unknown {
		return shapeOf(n.Origin)
	}
	return unknownAny
}

// valueShapes are what Ref and GetAtt of common resource types return, so
// that `Resource: !GetAtt Bucket.Arn` is known to be a bucket ARN although
// the bucket's name is not.
var valueShapes = map[string]string{
	"Ref AWS::S3::Bucket":                  unknownName,
	"AWS::S3::Bucket.Arn":                  "arn:" + unknownName + ":s3:::" + unknownName,
	"AWS::DynamoDB::Table.Arn":             "arn:" + unknownName + ":dynamodb:" + unknownName + ":" + unknownName + ":table/" + unknownName,
	"AWS::DynamoDB::Table.StreamArn":       "arn:" + unknownName + ":dynamodb:" + unknownName + ":" + unknownName + ":table/" + unknownName + "/stream/" + unknownAny,
	"AWS::SQS::Queue.Arn":                  "arn:" + unknownName + ":sqs:" + unknownName + ":" + unknownName + ":" + unknownName,
	"Ref AWS::SNS::Topic":                  "arn:" + unknownName + ":sns:" + unknownName + ":" + unknownName + ":" + unknownName,
	"AWS::SNS::Topic.TopicArn":             "arn:" + unknownName + ":sns:" + unknownName + ":" + unknownName + ":" + unknownName,
	"AWS::Lambda::Function.Arn":            "arn:" + unknownName + ":lambda:" + unknownName + ":" + unknownName + ":function:" + unknownName,
	"AWS::KMS::Key.Arn":                    "arn:" + unknownName + ":kms:" + unknownName + ":" + unknownName + ":key/" + unknownName,
	"AWS::IAM::Role.Arn":                   "arn:" + unknownName + ":iam::" + unknownName + ":role/" + unknownAny,
	"AWS::Kinesis::Stream.Arn":             "arn:" + unknownName + ":kinesis:" + unknownName + ":" + unknownName + ":stream/" + unknownName,
	"Ref AWS::SecretsManager::Secret":      "arn:" + unknownName + ":secretsmanager:" + unknownName + ":" + unknownName + ":secret:" + unknownAny,
	"AWS::Logs::LogGroup.Arn":              "arn:" + unknownName + ":logs:" + unknownName + ":" + unknownName + ":log-group:" + unknownAny,
	"Ref AWS::StepFunctions::StateMachine": "arn:" + unknownName + ":states:" + unknownName + ":" + unknownName + ":stateMachine:" + unknownName,
	"AWS::StepFunctions::StateMachine.Arn": "arn:" + unknownName + ":states:" + unknownName + ":" + unknownName + ":stateMachine:" + unknownName,
	"AWS::ECR::Repository.Arn":             "arn:" + unknownName + ":ecr:" + unknownName + ":" + unknownName + ":repository/" + unknownAny,
	"AWS::Events::EventBus.Arn":            "arn:" + unknownName + ":events:" + unknownName + ":" + unknownName + ":event-bus/" + unknownName,
	"AWS::SecretsManager::Secret.Id":       "arn:" + unknownName + ":secretsmanager:" + unknownName + ":" + unknownName + ":secret:" + unknownAny,
	"AWS::CloudFront::Distribution.Id":     unknownName,
	"AWS::CodeBuild::Project.Arn":          "arn:" + unknownName + ":codebuild:" + unknownName + ":" + unknownName + ":project/" + unknownName,
}

func shapeOf(o *template.Origin) string {
	if o == nil {
		return unknownAny
	}
	switch o.Pseudo {
	case "AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::URLSuffix":
		return unknownName
	}
	if o.ResourceType == "" {
		return unknownAny
	}
	key := o.ResourceType + "." + o.Attribute
	if o.Func == "Ref" {
		key = "Ref " + o.ResourceType
	}
	if s, ok := valueShapes[key]; ok {
		return s
	}
	return unknownAny
}

// hasHole reports whether s has a wildcard, a policy variable or an unknown
// part, which makes its exact value a matter of deploy or request time.
func hasHole(s string) bool {
	return strings.ContainsAny(s, "*?"+unknownAny+unknownName) || strings.Contains(s, "${")
}

// partitions are the AWS partitions.
var partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

// The rules that share this diagnosis: each reports its own code.
const (
	codeInvalidARNPrefix      = "INVALID_ARN_PREFIX"
	codeMissingARNField       = "MISSING_ARN_FIELD"
	codeInvalidPartition      = "INVALID_PARTITION"
	codeInvalidARNServiceCase = "INVALID_ARN_SERVICE_CASE"
	codeInvalidService        = "INVALID_SERVICE"
	codeInvalidARNRegion      = "INVALID_ARN_REGION"
	codeInvalidARNAccount     = "INVALID_ARN_ACCOUNT"
	codeInvalidARNResource    = "INVALID_ARN_RESOURCE"
	codeARNRegionNotAllowed   = "ARN_REGION_NOT_ALLOWED"
	codeARNAccountNotAllowed  = "ARN_ACCOUNT_NOT_ALLOWED"
	codeMissingARNRegion      = "MISSING_ARN_REGION"
)

// diagnoseARN judges the syntax of a resource ARN against the formats of
// the service reference. Parts that are unknown or wildcards are assumed to
// be right: a problem is reported only when no value of them could fix it.
func diagnoseARN(m *matcher, data *iamdata.Set, info *arnInfo) {
	p, ok := splitARN(info)
	if !ok || diagnoseFields(data, info, p) {
		return
	}
	formats := arnFormats(data, p.service)
	if len(formats) == 0 {
		return
	}
	res := compileValue(p.resource)
	var matched []iamdata.ARNFormat
	for _, f := range formats {
		if m.intersects(res, formatPattern(f.Resource)) {
			matched = append(matched, f)
		}
	}
	if len(matched) == 0 {
		info.set(codeInvalidARNResource, fmt.Sprintf("The resource part %q of %q matches no resource type of %s. Its resource types are written %s.",
			display(p.resource), info.shown, p.service, formatList(formats)),
			"write the resource part as the service reference gives it for the resource type you mean")
		return
	}
	diagnosePlacement(info, p, matched)
}

// arnParts are the fields of an ARN after "arn:".
type arnParts struct {
	partition, service, region, account, resource string
}

func (info *arnInfo) set(code, msg, fix string) { info.code, info.message, info.fix = code, msg, fix }

// splitARN splits the ARN into its fields; ok is false when it is not one
// (reported) or cannot be judged (holes where the fields should be).
func splitARN(info *arnInfo) (arnParts, bool) {
	text, shown := info.text, info.shown
	if strings.Contains(text, "${AWS::") {
		// A pseudo parameter outside Fn::Sub: its "::" would garble the
		// fields, and SUB_NEEDED says what is wrong.
		return arnParts{}, false
	}
	fields := strings.SplitN(text, ":", 6)
	if fields[0] != "arn" {
		switch {
		case hasHole(fields[0]):
		case strings.EqualFold(fields[0], "arn"):
			info.set(codeInvalidARNPrefix, fmt.Sprintf("%q starts with %q; ARNs start with a lower-case \"arn:\".", shown, fields[0]+":"),
				"write arn: in lower case")
		default:
			info.set(codeInvalidARNPrefix, fmt.Sprintf("%q is not an ARN: a resource is \"*\" or an ARN that starts with \"arn:\".", shown),
				"write the resource's full ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE), e.g. arn:aws:s3:::my-bucket for a bucket")
		}
		return arnParts{}, false
	}
	if len(fields) < 6 {
		if !hasHole(text) {
			info.set(codeMissingARNField, fmt.Sprintf("%q has %d of the 6 fields of an ARN (arn:partition:service:region:account:resource).", shown, len(fields)),
				"add the missing fields; leave a field empty (::) where the service has none, as in arn:aws:s3:::my-bucket")
		}
		return arnParts{}, false
	}
	return arnParts{fields[1], fields[2], fields[3], fields[4], fields[5]}, true
}

// diagnoseFields judges the partition, service, Region and account; done
// is set when one is wrong (reported) or the service cannot be judged.
func diagnoseFields(data *iamdata.Set, info *arnInfo, p arnParts) (done bool) {
	shown := info.shown
	if !hasHole(p.partition) && !contains(partitions, p.partition) {
		msg := fmt.Sprintf("%q in %q is not an AWS partition.", p.partition, shown)
		if s, ok := spelling.Closest(p.partition, partitions); ok {
			msg += fmt.Sprintf(" Did you mean %s?", s)
		}
		info.set(codeInvalidPartition, msg, `use the partition "aws" (or aws-cn, aws-us-gov for those partitions), or ${AWS::Partition}`)
		return true
	}
	if hasHole(p.service) {
		return true
	}
	info.service = p.service
	if !data.HasARNService(p.service) {
		diagnoseService(data, info, p.service)
		return true
	}
	if p.region != "" && !hasHole(p.region) && !awsid.IsRegion(p.region) {
		info.set(codeInvalidARNRegion, fmt.Sprintf("%q in %q is not a Region.", p.region, shown),
			"write a Region such as us-east-1 or eu-west-1, ${AWS::Region}, or * for every Region")
		return true
	}
	if p.account != "" && !hasHole(p.account) && !awsid.IsAccount(p.account) && p.account != "aws" {
		info.set(codeInvalidARNAccount, fmt.Sprintf("%q in %q is not an account ID: account IDs have 12 digits.", p.account, shown),
			"write the 12-digit account ID (keep leading zeros, and quote it in YAML), ${AWS::AccountId}, or *")
		return true
	}
	return false
}

// diagnoseService reports a service no resource ARN has: a case slip, or
// a name with a did-you-mean. Services without ARN formats pass.
func diagnoseService(data *iamdata.Set, info *arnInfo, service string) {
	if lower := strings.ToLower(service); lower != service && (data.HasARNService(lower) || data.HasService(lower)) {
		info.set(codeInvalidARNServiceCase, fmt.Sprintf("The service %q in %q must be lower case.", service, info.shown),
			"write the service as "+lower)
		return
	}
	if data.HasService(service) {
		return // a service whose resources have no ARN formats
	}
	msg := fmt.Sprintf("%q in %q is not the service of any AWS resource.", service, info.shown)
	fix := "use the service of the resource's ARN, e.g. s3, dynamodb, lambda"
	if s, ok := spelling.Closest(service, data.ARNServices()); ok {
		msg += fmt.Sprintf(" Did you mean %s?", s)
		fix = fmt.Sprintf("replace %s with %s", service, s)
	}
	info.set(codeInvalidService, msg, fix)
}

// diagnosePlacement judges the Region and account fields against the
// resource types the resource part matched: fine when one type takes them,
// else the most telling mismatch is reported.
func diagnosePlacement(info *arnInfo, p arnParts, matched []iamdata.ARNFormat) {
	region, account, shown, service := p.region, p.account, info.shown, p.service
	var regionNotAllowed, regionMissing, accountNotAllowed *iamdata.ARNFormat
	for i, f := range matched {
		rOK := true
		switch {
		case f.Region == "":
			if region != "" && !hasHole(region) {
				rOK = false
				regionNotAllowed = &matched[i]
			}
		case strings.HasPrefix(f.Region, "${"):
			if region == "" {
				rOK = false
				regionMissing = &matched[i]
			}
		case f.Region != "*" && !hasHole(region) && region != f.Region:
			rOK = false
		}
		aOK := true
		if f.Account == "" && account != "" && !hasHole(account) {
			aOK = false
			accountNotAllowed = &matched[i]
		}
		if rOK && aOK {
			return
		}
	}
	switch {
	case accountNotAllowed != nil:
		info.set(codeARNAccountNotAllowed, fmt.Sprintf("%s ARNs of %s have no account field, but %q has %s.",
			article(accountNotAllowed.ResourceType), service, shown, account),
			"remove the account: "+fmt.Sprintf("arn:%s:%s:%s::%s", p.partition, service, region, display(p.resource)))
	case regionNotAllowed != nil:
		info.set(codeARNRegionNotAllowed, fmt.Sprintf("%s ARNs of %s have no Region field, but %q has %s.",
			article(regionNotAllowed.ResourceType), service, shown, region),
			"remove the Region: "+fmt.Sprintf("arn:%s:%s::%s:%s", p.partition, service, account, display(p.resource)))
	case regionMissing != nil:
		info.set(codeMissingARNRegion, fmt.Sprintf("%s ARNs of %s need a Region, but %q has none.", article(regionMissing.ResourceType), service, shown),
			"add the Region (${AWS::Region}, a Region such as us-east-1, or * for all)")
	default:
		info.set(codeInvalidARNResource, fmt.Sprintf("%q matches no resource type of %s in its Region and account fields. Its resource types are written %s.", shown, service, formatList(matched)),
			"write the ARN in the format of the resource type you mean")
	}
}

// article names a resource type for messages: "bucket" → "Bucket".
func article(resourceType string) string {
	if resourceType == "" {
		return "Resource"
	}
	return strings.ToUpper(resourceType[:1]) + resourceType[1:]
}

// formatList lists the resource parts of up to six ARN formats, shortest
// first (the main resource types usually have the shortest).
func formatList(fs []iamdata.ARNFormat) string {
	var out []string
	seen := map[string]bool{}
	for _, f := range fs {
		if !seen[f.Resource] {
			seen[f.Resource] = true
			out = append(out, f.Resource+" ("+f.ResourceType+")")
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) < len(out[j]) })
	extra := ""
	if len(out) > 6 {
		extra = fmt.Sprintf(" and %d more", len(out)-6)
		out = out[:6]
	}
	return strings.Join(out, ", ") + extra
}

// display renders a value with placeholders for messages.
func display(s string) string {
	if !strings.ContainsAny(s, unknownAny+unknownName) {
		return s
	}
	return strings.NewReplacer(unknownAny, "${…}", unknownName, "${…}").Replace(s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
