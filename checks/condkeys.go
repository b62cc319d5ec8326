package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/policy"
)

// KeyClass says what a condition key tells about a request, and so whether
// a condition on it can narrow a broad grant. Only conditions on who makes
// the request, what it acts on, on whose behalf a service makes it, or what
// the request carries narrow "every action on every resource"; a condition
// on how, when or from where the request is made leaves it whole.
type KeyClass uint8

// The classes of condition key.
const (
	// KeyContext keys describe how, when or from where a request is made:
	// transport, Region, MFA, time, user agent, network. They never narrow.
	KeyContext KeyClass = iota
	// KeyPrincipal keys describe who makes the request.
	KeyPrincipal
	// KeyResource keys describe the resource the request acts on.
	KeyResource
	// KeySource keys describe the service or resource a request is made
	// through or on behalf of (aws:SourceArn, aws:CalledVia,
	// iam:PassedToService).
	KeySource
	// KeyRequest keys describe what the request carries (tags, the
	// parameters of one service's actions): only requests that carry the
	// key can meet a condition on it.
	KeyRequest
	// KeyUnknown keys are not in the service data: no request carries them,
	// so a condition that requires them is never met.
	KeyUnknown
)

var keyClassNames = [...]string{"context", "principal", "resource", "source", "request", "unknown"}

func (k KeyClass) String() string {
	if int(k) < len(keyClassNames) {
		return keyClassNames[k]
	}
	return "unknown"
}

// globalKey is the reviewed classification of one global condition key.
type globalKey struct {
	class KeyClass
	// always is set for keys present in every request, so IfExists changes
	// nothing about them.
	always bool
	// boolTrue is set for Bool keys that narrow only when required to be
	// true (aws:ViaAWSService: true admits only requests services make).
	boolTrue bool
}

// globalKeys classifies IAM's global condition keys (a tag key by its
// prefix "aws:ResourceTag/"), and a few keys of services that the service
// reference lists as global. The service reference lists 52 of
// them; TestEveryGlobalConditionKeyIsClassified fails when the data gains
// one this table does not classify.
var globalKeys = map[string]globalKey{
	// Who makes the request.
	"aws:PrincipalArn":              {class: KeyPrincipal, always: true},
	"aws:PrincipalAccount":          {class: KeyPrincipal, always: true},
	"aws:PrincipalType":             {class: KeyPrincipal, always: true},
	"aws:userid":                    {class: KeyPrincipal, always: true},
	"aws:username":                  {class: KeyPrincipal},
	"aws:PrincipalOrgID":            {class: KeyPrincipal},
	"aws:PrincipalOrgPaths":         {class: KeyPrincipal},
	"aws:PrincipalTag/":             {class: KeyPrincipal},
	"aws:PrincipalIsAWSService":     {class: KeyPrincipal, always: true, boolTrue: true},
	"aws:PrincipalServiceName":      {class: KeyPrincipal},
	"aws:PrincipalServiceNamesList": {class: KeyPrincipal},
	"aws:FederatedProvider":         {class: KeyPrincipal},
	"aws:SourceIdentity":            {class: KeyPrincipal},
	"aws:AssumedRoot":               {class: KeyPrincipal, boolTrue: true},
	"identitystore:UserId":          {class: KeyPrincipal},
	// What the request acts on.
	"aws:ResourceAccount":  {class: KeyResource},
	"aws:ResourceOrgID":    {class: KeyResource},
	"aws:ResourceOrgPaths": {class: KeyResource},
	"aws:ResourceTag/":     {class: KeyResource},
	// On whose behalf, or through which service, it is made.
	"aws:SourceArn":                 {class: KeySource},
	"aws:SourceAccount":             {class: KeySource},
	"aws:SourceOrgID":               {class: KeySource},
	"aws:SourceOrgPaths":            {class: KeySource},
	"aws:SourceOwner":               {class: KeySource},
	"aws:CalledVia":                 {class: KeySource},
	"aws:CalledViaFirst":            {class: KeySource},
	"aws:CalledViaLast":             {class: KeySource},
	"aws:CalledViaAWSMCP":           {class: KeySource},
	"aws:ViaAWSService":             {class: KeySource, always: true, boolTrue: true},
	"aws:ViaAWSMCPService":          {class: KeySource, boolTrue: true},
	"aws:ChatbotSourceArn":          {class: KeySource},
	"ec2:SourceInstanceArn":         {class: KeySource},
	"lambda:SourceFunctionArn":      {class: KeySource},
	"ssm:SourceInstanceArn":         {class: KeySource},
	"glue:RoleAssumedBy":            {class: KeySource},
	"glue:CredentialIssuingService": {class: KeySource},
	// What the request carries.
	"aws:RequestTag/": {class: KeyRequest},
	"aws:TagKeys":     {class: KeyRequest},
	// Only the actions of MCP servers carry it as true.
	"aws:IsMcpServiceAction": {class: KeyRequest, boolTrue: true},
	// How, when and from where: never narrowing.
	"aws:SecureTransport":              {class: KeyContext, always: true},
	"aws:RequestedRegion":              {class: KeyContext, always: true},
	"aws:MultiFactorAuthPresent":       {class: KeyContext},
	"aws:MultiFactorAuthAge":           {class: KeyContext},
	"aws:CurrentTime":                  {class: KeyContext, always: true},
	"aws:EpochTime":                    {class: KeyContext, always: true},
	"aws:TokenIssueTime":               {class: KeyContext},
	"aws:UserAgent":                    {class: KeyContext, always: true},
	"aws:referer":                      {class: KeyContext},
	"aws:SourceIp":                     {class: KeyContext},
	"aws:VpcSourceIp":                  {class: KeyContext},
	"aws:SourceVpc":                    {class: KeyContext},
	"aws:SourceVpcArn":                 {class: KeyContext},
	"aws:SourceVpce":                   {class: KeyContext},
	"aws:VpceAccount":                  {class: KeyContext},
	"aws:VpceOrgID":                    {class: KeyContext},
	"aws:VpceOrgPaths":                 {class: KeyContext},
	"aws:Ec2InstanceSourceVpc":         {class: KeyContext},
	"aws:Ec2InstanceSourcePrivateIPv4": {class: KeyContext},
	"ec2:RoleDelivery":                 {class: KeyContext},
}

// serviceKeys overrides the data-driven classification of a few service
// keys that describe who or on whose behalf rather than what the request
// carries.
var serviceKeys = map[string]KeyClass{
	"iam:PassedToService": KeySource,
	"kms:ViaService":      KeySource,
	"kms:CallerAccount":   KeyPrincipal,
}

var serviceKeyIndex = func() map[string]KeyClass {
	m := make(map[string]KeyClass, len(serviceKeys))
	for k, c := range serviceKeys {
		m[strings.ToLower(k)] = c
	}
	return m
}()

// globalKeyIndex is globalKeys by lower-case name: IAM compares keys
// without regard to case.
var globalKeyIndex = func() map[string]globalKey {
	m := make(map[string]globalKey, len(globalKeys))
	for k, g := range globalKeys {
		m[strings.ToLower(k)] = g
	}
	return m
}()

// lookupGlobal returns the reviewed classification of a global key.
func lookupGlobal(key string) (globalKey, bool) {
	k := strings.ToLower(key)
	if i := strings.IndexByte(k, '/'); i >= 0 {
		k = k[:i+1]
	}
	g, ok := globalKeyIndex[k]
	return g, ok
}

// ClassifyKey says what a condition key tells about a request: from the
// reviewed table for global keys, and from the service data for a
// service's own keys (a key of one of its resource types describes the
// resource; any other describes the request, which only that service's
// actions carry).
func ClassifyKey(data *iamdata.Set, key string) KeyClass {
	if g, ok := lookupGlobal(key); ok {
		return g.class
	}
	if c, ok := serviceKeyIndex[strings.ToLower(key)]; ok {
		return c
	}
	prefix, _, ok := strings.Cut(key, ":")
	if !ok {
		return KeyUnknown
	}
	if strings.EqualFold(prefix, "aws") {
		return KeyUnknown
	}
	if data == nil || !data.HasService(prefix) {
		// An identity provider's keys (saml:sub, token.actions.
		// githubusercontent.com:sub) say who the federated caller is.
		return KeyPrincipal
	}
	if _, known := data.ConditionKey(key); !known {
		return KeyUnknown
	}
	if resourceKey(data, prefix, key) {
		return KeyResource
	}
	return KeyRequest
}

// resourceKey reports whether a service key is a condition key of one of
// the service's resource types.
func resourceKey(data *iamdata.Set, prefix, key string) bool {
	svc := data.Service(prefix)
	if svc == nil {
		return false
	}
	for _, rt := range svc.ResourceTypes {
		for _, k := range rt.ConditionKeys {
			if strings.EqualFold(k, key) || variableKeyMatch(k, key) {
				return true
			}
		}
	}
	return false
}

// variableKeyMatch matches "s3:BucketTag/${TagKey}" against "s3:BucketTag/team".
func variableKeyMatch(pattern, key string) bool {
	i := strings.Index(pattern, "${")
	if i < 0 {
		return false
	}
	return len(key) > i && strings.EqualFold(pattern[:i], key[:i])
}

// narrowing is what a statement's conditions do to its grant.
type narrowing struct {
	// narrow are the conditions that limit who gets the grant or what it
	// applies to; loose the others, each with why it does not narrow.
	narrow []*policy.Condition
	loose  []looseCondition
}

// looseReason is why a condition leaves a grant whole.
type looseReason uint8

const (
	looseContext looseReason = iota
	looseNull
	looseNegated
	looseForAll
	looseWildcard
	looseIfExists
	looseBoolFalse
)

// looseText words each reason for the keys it applies to.
var looseText = [...]string{
	looseContext:   "%s %s how, when or from where a request is made, not who makes it or what it acts on",
	looseNull:      "Null on %s only tests whether the key is present",
	looseNegated:   "a negated operator on %s admits every value but those listed",
	looseForAll:    "ForAllValues on %s also holds when the request has no values",
	looseWildcard:  "the value \"*\" of %s admits every value",
	looseIfExists:  "IfExists on %s also admits every request without the key",
	looseBoolFalse: "%s false admits every request but the few it excludes",
}

type looseCondition struct {
	c   *policy.Condition
	why looseReason
}

// narrowed reports whether any condition narrows the statement.
func (n narrowing) narrowed() bool { return len(n.narrow) > 0 }

// conditionsOf classifies the conditions of a statement. skip, when not
// nil, leaves out conditions a caller judges itself (iam:PassedToService
// for a PassRole path).
func conditionsOf(data *iamdata.Set, s *policy.Statement, skip func(*policy.Condition) bool) narrowing {
	var n narrowing
	for i := range s.Conditions {
		c := &s.Conditions[i]
		if skip != nil && skip(c) {
			continue
		}
		if ok, why := narrows(data, c); ok {
			n.narrow = append(n.narrow, c)
		} else {
			n.loose = append(n.loose, looseCondition{c, why})
		}
	}
	return n
}

// narrows decides whether one condition narrows a grant, and if not, why.
func narrows(data *iamdata.Set, c *policy.Condition) (bool, looseReason) {
	op, ok := condOperator(c)
	if !ok {
		// An invalid operator is its own finding, and IAM rejects the
		// policy; do not pile a second finding on it.
		return true, 0
	}
	switch {
	case op.class == opNull:
		return false, looseNull
	case op.negated:
		return false, looseNegated
	case c.Set == "ForAllValues":
		return false, looseForAll
	case op.like && onlyWildcards(c.Values):
		return false, looseWildcard
	}
	g, global := lookupGlobal(c.Key)
	if ClassifyKey(data, c.Key) == KeyContext {
		return false, looseContext
	}
	if op.class == opBool && global && g.boolTrue && !onlyValue(c.Values, "true") {
		return false, looseBoolFalse
	}
	if c.IfExists && !(global && g.always) {
		return false, looseIfExists
	}
	return true, 0
}

func onlyWildcards(l policy.List) bool {
	if len(l.Values) == 0 {
		return false
	}
	for _, v := range l.Values {
		if !v.Known || strings.Trim(v.Text, "*") != "" {
			return false
		}
	}
	return true
}

func onlyValue(l policy.List, want string) bool {
	if len(l.Values) == 0 {
		return false
	}
	for _, v := range l.Values {
		if !v.Known || !strings.EqualFold(strings.TrimSpace(v.Text), want) {
			return false
		}
	}
	return true
}

// describeCondition writes a condition for a message:
// "StringEquals aws:ResourceTag/team payments".
func describeCondition(c *policy.Condition) string {
	var vals []string
	for _, v := range c.Values.Values {
		if v.Known {
			vals = append(vals, v.Text)
		} else {
			vals = append(vals, "(deploy-time value)")
		}
	}
	s := c.Operator + " " + c.Key
	if len(vals) > 0 {
		if len(vals) > 3 {
			vals = append(vals[:3], fmt.Sprintf("%d more", len(vals)-3))
		}
		s += " " + strings.Join(vals, ", ")
	}
	return s
}

// where writes the narrowing conditions for a message:
// "StringEquals aws:ResourceTag/team payments (it limits the resources)".
func (n narrowing) where(data *iamdata.Set) string {
	var parts []string
	seen := map[*policy.Condition]bool{}
	for _, c := range n.narrow {
		if seen[c] {
			continue
		}
		seen[c] = true
		parts = append(parts, describeCondition(c)+" ("+narrowedBy(data, c)+")")
	}
	return strings.Join(parts, " and ")
}

// narrowedBy says what kind of limit a narrowing condition is.
func narrowedBy(data *iamdata.Set, c *policy.Condition) string {
	switch ClassifyKey(data, c.Key) {
	case KeyPrincipal:
		return "it limits who gets it"
	case KeyResource:
		return "it limits the resources"
	case KeySource:
		return "it limits the requests to those made through or on behalf of what it names"
	case KeyUnknown:
		return "no request carries the key, so it is never met"
	}
	if prefix, _, _ := strings.Cut(c.Key, ":"); !strings.EqualFold(prefix, "aws") && data != nil {
		if n := actionsWithKey(data, prefix, c.Key); n > 0 {
			return fmt.Sprintf("only %d %s actions carry the key", n, prefix)
		}
	}
	return "only requests that carry the key meet it"
}

// actionsWithKey counts the actions of a service whose requests carry a
// condition key.
func actionsWithKey(data *iamdata.Set, prefix, key string) int {
	svc := data.Service(prefix)
	if svc == nil {
		return 0
	}
	byType := map[string]bool{}
	for _, rt := range svc.ResourceTypes {
		for _, k := range rt.ConditionKeys {
			if strings.EqualFold(k, key) || variableKeyMatch(k, key) {
				byType[rt.Name] = true
			}
		}
	}
	n := 0
actions:
	for _, a := range svc.Actions {
		for _, k := range a.ConditionKeys {
			if strings.EqualFold(k, key) || variableKeyMatch(k, key) {
				n++
				continue actions
			}
		}
		for _, r := range a.Resources {
			if byType[r.Type] {
				n++
				continue actions
			}
		}
	}
	return n
}

// looseNote says, for a finding, why the statement's conditions leave the
// grant whole: " Its conditions do not narrow it: aws:SecureTransport and
// aws:RequestedRegion say how, when or from where …".
func (n narrowing) looseNote() string {
	if len(n.loose) == 0 {
		return ""
	}
	var reasons []string
	for r := range looseText {
		var keys []string
		for _, l := range n.loose {
			if int(l.why) == r && !slices.Contains(keys, l.c.Key) {
				keys = append(keys, l.c.Key)
			}
		}
		switch {
		case len(keys) == 0:
		case looseReason(r) == looseContext:
			verb := "says"
			if len(keys) > 1 {
				verb = "say"
			}
			reasons = append(reasons, fmt.Sprintf(looseText[r], strings.Join(keys, " and "), verb))
		default:
			reasons = append(reasons, fmt.Sprintf(looseText[r], strings.Join(keys, " and ")))
		}
	}
	noun := "Its condition does"
	if len(n.loose) > 1 {
		noun = "Its conditions do"
	}
	if n.narrowed() {
		noun = strings.Replace(noun, "Its ", "Its other ", 1)
	}
	return " " + noun + " not narrow it: " + strings.Join(reasons, "; ") + "."
}

// GlobalKeyClasses lists the reviewed classification of the global
// condition keys (and the few service keys it overrides), for the rules
// reference: class → keys, sorted.
func GlobalKeyClasses() map[string][]string {
	out := map[string][]string{}
	for k, g := range globalKeys {
		if strings.HasSuffix(k, "/") {
			k += "*"
		}
		out[g.class.String()] = append(out[g.class.String()], k)
	}
	for k, c := range serviceKeys {
		out[c.String()] = append(out[c.String()], k)
	}
	for _, ks := range out {
		sort.Strings(ks)
	}
	return out
}
