package checks

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/tollgate-dev/tollgate/internal/awsid"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// logDeliveryJSON lists the AWS-owned accounts that AWS services deliver
// logs from, per Region, with the documentation each list comes from.
//
//go:embed logdelivery.json
var logDeliveryJSON []byte

// deliveryService is one service that writes logs from its own accounts.
type deliveryService struct {
	Service          string   `json:"service"`
	Use              string   `json:"use"`
	ServicePrincipal string   `json:"servicePrincipal"`
	ResourceType     string   `json:"resourceType"`
	Actions          []string `json:"actions"`
	Sources          []string `json:"sources"`
	// Accounts maps each Region to the service's account there.
	Accounts map[string]string `json:"accounts"`
	// regionOf maps each account back to its Region.
	regionOf map[string]string
}

var deliveryServices = sync.OnceValue(func() []*deliveryService {
	var doc struct {
		Services []*deliveryService `json:"services"`
	}
	if err := json.Unmarshal(logDeliveryJSON, &doc); err != nil {
		panic("checks: logdelivery.json: " + err.Error()) // embedded, tested
	}
	for _, s := range doc.Services {
		s.regionOf = map[string]string{}
		for region, acct := range s.Accounts {
			s.regionOf[acct] = region
		}
	}
	return doc.Services
})

// deliveryGrant is a principal of a policy statement that is a service's
// log-delivery account, granted what the service needs.
type deliveryGrant struct {
	svc *deliveryService
	// account and region are set for a literal account.
	account, region string
	// mapping names the Region-keyed Mappings entry the account comes
	// from, when the Region is not known.
	mapping string
}

// logDeliveryGrant reports whether principal value v of statement s is an
// AWS log-delivery account granted exactly what its service needs to write
// logs: for Elastic Load Balancing, s3:PutObject on objects of the bucket
// of an S3 bucket policy. A grant of anything more to that account is
// judged like any other account's.
func logDeliveryGrant(c *PolicyContext, s *policy.Statement, v policy.Value) (deliveryGrant, bool) {
	if !s.Allows() || s.NotPrincipal != nil || s.NotAction.Present || s.NotResource.Present {
		return deliveryGrant{}, false
	}
	for _, svc := range deliveryServices() {
		if c.Policy.ResourceType != svc.ResourceType || !onlyActions(s.Action, svc.Actions) || !onlyObjectARNs(s.Resource) {
			continue
		}
		if acct, ok := rootAccount(v); ok {
			if region, ok := svc.regionOf[acct]; ok {
				return deliveryGrant{svc: svc, account: acct, region: region}, true
			}
			continue
		}
		if name, ok := deliveryMapping(c.Template, v, svc); ok {
			return deliveryGrant{svc: svc, mapping: name}, true
		}
	}
	return deliveryGrant{}, false
}

// rootAccount returns the account of a literal principal that names a
// whole account: 123456789012 or arn:aws:iam::123456789012:root.
func rootAccount(v policy.Value) (string, bool) {
	if !v.Known {
		return "", false
	}
	s := strings.TrimSpace(v.Text)
	if strings.HasPrefix(s, "arn:") {
		f := strings.SplitN(s, ":", 6)
		if len(f) != 6 || f[2] != "iam" || f[5] != "root" {
			return "", false
		}
		s = f[4]
	}
	return s, awsid.IsAccount(s)
}

// deliveryMapping reports whether an unknown principal is an Fn::FindInMap
// over a Region-keyed map that is the service's own table: every entry a
// Region whose value is the service's account there.
func deliveryMapping(t *template.Template, v policy.Value, svc *deliveryService) (string, bool) {
	if v.Known || v.Node == nil || v.Node.Origin == nil || v.Node.Origin.Mapping == "" {
		return "", false
	}
	o := v.Node.Origin
	m := t.Mappings.Get(o.Mapping)
	if m == nil || m.Kind != template.Map || len(m.Fields) == 0 {
		return "", false
	}
	for _, f := range m.Fields {
		want, ok := svc.Accounts[f.Key]
		if !ok {
			return "", false
		}
		got, _ := f.Value.Get(o.MappingKey).Str()
		if acct, ok := rootAccount(policy.Value{Text: got, Known: true}); !ok || acct != want {
			return "", false
		}
	}
	return o.Mapping, true
}

// onlyActions reports whether a statement's actions are all among allowed.
func onlyActions(l policy.List, allowed []string) bool {
	if !l.Present || len(l.Values) == 0 {
		return false
	}
	for _, v := range l.Values {
		ok := false
		for _, a := range allowed {
			ok = ok || v.Known && strings.EqualFold(strings.TrimSpace(v.Text), a)
		}
		if !ok {
			return false
		}
	}
	return true
}

// onlyObjectARNs reports whether every resource is an ARN of objects of a
// bucket (arn:aws:s3:::bucket/prefix/*), not the bucket or everything.
func onlyObjectARNs(l policy.List) bool {
	if !l.Present || len(l.Values) == 0 {
		return false
	}
	for _, v := range l.Values {
		text := valueText(v)
		i := strings.Index(text, ":s3:::")
		if !strings.HasPrefix(text, "arn:") || i < 0 {
			return false
		}
		bucket, key, ok := strings.Cut(text[i+len(":s3:::"):], "/")
		if !ok || bucket == "" || key == "" {
			return false
		}
	}
	return true
}

// describe names the account for messages.
func (g deliveryGrant) describe() string {
	if g.mapping != "" {
		return fmt.Sprintf("the %s account of the stack's Region (Fn::FindInMap %s: every entry is the account %s documents for its Region)",
			g.svc.Service, g.mapping, g.svc.Service)
	}
	return fmt.Sprintf("%s, the account %s delivers %s from in %s", g.account, g.svc.Service, g.svc.Use, g.region)
}
