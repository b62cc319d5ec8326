package checks

import (
	"sort"
	"strings"
	"sync"

	"github.com/tollgate-dev/tollgate/iamdata"
)

// extraARNFormats are ARN forms that a service accepts for one of its
// resource types but that the service reference does not list for it, by
// "prefix:resource type". Without them a valid Resource would be reported
// as matching nothing (RESOURCE_MISMATCH, INVALID_ARN_RESOURCE). Each entry
// says where the service documents the form; TestValidARNFormsPass has a
// case for each.
var extraARNFormats = map[string][]string{
	// Multi-Region Access Points: object and bucket operations through one
	// use its ARN, whose Region field is empty (S3 user guide, "Multi-Region
	// Access Point permissions"): arn:aws:s3::123456789012:accesspoint/ALIAS.mrap/object/*.
	"s3:accesspoint":       {"arn:${Partition}:s3::${Account}:accesspoint/${AccessPointAlias}"},
	"s3:accesspointobject": {"arn:${Partition}:s3::${Account}:accesspoint/${AccessPointAlias}/object/${ObjectName}"},
	// A qualified function ARN (an alias, a version, $LATEST, or * for all)
	// names the function for every action that acts on it (Lambda
	// developer guide, "Resources and conditions for Lambda actions").
	"lambda:function": {"arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Qualifier}"},
	// Documents that AWS owns (AWS-RunShellScript) have no account field.
	"ssm:document": {"arn:${Partition}:ssm:${Region}::document/${DocumentName}"},
	// IoT topic names are MQTT topics, whose levels are separated by "/".
	"iot:topic": {"arn:${Partition}:iot:${Region}:${Account}:topic/${TopicPath}"},
}

// resourceARNs returns the ARN formats of a resource type of a service:
// the service reference's, then the extra forms the service accepts.
func resourceARNs(data *iamdata.Set, prefix string, rt *iamdata.ResourceType) []string {
	if v, ok := withExtras.Load(rt); ok {
		return v.([]string)
	}
	out := rt.ARNs
	if extra := extraARNFormats[strings.ToLower(prefix)+":"+rt.Name]; len(extra) > 0 {
		out = append(append(make([]string, 0, len(rt.ARNs)+len(extra)), rt.ARNs...), extra...)
	}
	withExtras.Store(rt, out)
	return out
}

// withExtras caches resourceARNs by resource type.
var withExtras sync.Map // *iamdata.ResourceType → []string

// extraKeys are the keys of extraARNFormats in order, so messages that list
// formats do not vary between runs.
var extraKeys = func() []string {
	keys := make([]string, 0, len(extraARNFormats))
	for k := range extraARNFormats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}()

// allFormats caches arnFormats by data set and ARN service.
var allFormats sync.Map // formatKey → []iamdata.ARNFormat

type formatKey struct {
	data    *iamdata.Set
	service string
}

// arnFormats returns every ARN format of an ARN service ("s3"), the extra
// forms of extraARNFormats included.
func arnFormats(data *iamdata.Set, service string) []iamdata.ARNFormat {
	k := formatKey{data, service}
	if v, ok := allFormats.Load(k); ok {
		return v.([]iamdata.ARNFormat)
	}
	base := data.ARNFormats(service)
	out := base
	for _, key := range extraKeys {
		prefix, typ, _ := strings.Cut(key, ":")
		for _, f := range extraARNFormats[key] {
			fields := strings.SplitN(f, ":", 6)
			if len(fields) != 6 || fields[2] != service {
				continue
			}
			if len(out) == len(base) {
				out = append([]iamdata.ARNFormat(nil), base...)
			}
			out = append(out, iamdata.ARNFormat{Prefix: prefix, ResourceType: typ, Format: f,
				Region: fields[3], Account: fields[4], Resource: fields[5]})
		}
	}
	allFormats.Store(k, out)
	return out
}
