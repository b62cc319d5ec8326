package managed

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/spelling"
)

// Partitions are the AWS partitions an ARN may name. "${AWS::Partition}"
// is accepted too: it is what templates write, and every partition has
// the same AWS managed policies for the purpose of judging them.
var Partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

// PartitionVariable is the partition as a template writes it inside Fn::Sub.
const PartitionVariable = "${AWS::Partition}"

// Ref is a managed policy as a template names it: an ARN
// (ManagedPolicyArns) or, in SAM's Policies, a bare AWS managed policy name.
type Ref struct {
	// Partition is the ARN's partition; "" for a bare name.
	Partition string
	// Account is "aws" for an AWS managed policy, the account ID (or
	// "${AWS::AccountId}") for a customer managed one, "" for a bare name.
	Account string
	// Path is the ARN's path ("/", "/service-role/"); "/" for a bare name.
	Path string
	Name string
}

// IsARN reports whether the reference was an ARN rather than a bare name.
func (r Ref) IsARN() bool { return r.Partition != "" }

// AWSManaged reports whether the reference names an AWS managed policy:
// an ARN in the "aws" account, or a bare name (SAM looks bare names up
// among the AWS managed policies).
func (r Ref) AWSManaged() bool { return r.Account == "aws" || !r.IsARN() }

// String returns the reference as it would be written.
func (r Ref) String() string {
	if !r.IsARN() {
		return r.Name
	}
	return "arn:" + r.Partition + ":iam::" + r.Account + ":policy" + r.Path + r.Name
}

// SyntaxError says why a text is not a managed policy ARN or name.
type SyntaxError struct {
	Text   string
	Reason string
}

func (e *SyntaxError) Error() string {
	if strings.HasPrefix(e.Text, "arn:") {
		return fmt.Sprintf("%s is not a managed policy ARN: %s", strconv.Quote(e.Text), e.Reason)
	}
	return fmt.Sprintf("%s is not a managed policy name: %s", strconv.Quote(e.Text), e.Reason)
}

// ErrCustomerManaged is returned when an ARN names a customer managed
// policy, which has no document here.
var ErrCustomerManaged = errors.New("the ARN names a customer managed policy, not an AWS managed one")

// NotFoundError is an AWS managed policy reference that names no policy.
type NotFoundError struct {
	Ref Ref
	// Suggestion is the closest existing policy, written the way the
	// reference was (an ARN in the same partition, or a bare name); "" when
	// nothing is close.
	Suggestion string
	// Why explains the suggestion when it is not a plain misspelling
	// ("the policy's path is /service-role/").
	Why string
}

func (e *NotFoundError) Error() string {
	msg := "there is no AWS managed policy " + strconv.Quote(e.Ref.String())
	if e.Suggestion == "" {
		return msg
	}
	msg += "; did you mean " + strconv.Quote(e.Suggestion) + "?"
	if e.Why != "" {
		msg += " (" + e.Why + ")"
	}
	return msg
}

// ParseRef reads a managed policy ARN or a bare policy name. ARNs may use
// any partition or "${AWS::Partition}", and name AWS or customer managed
// policies; whether the policy exists is Lookup's question.
func ParseRef(text string) (Ref, error) {
	bad := func(format string, args ...any) (Ref, error) {
		return Ref{}, &SyntaxError{Text: text, Reason: fmt.Sprintf(format, args...)}
	}
	if !strings.HasPrefix(text, "arn:") {
		if i := strings.LastIndexByte(text, '/'); i >= 0 && nameRE.MatchString(text[i+1:]) {
			return bad("a name has no path; write %s alone or the whole ARN", text[i+1:])
		}
		if !nameRE.MatchString(text) {
			return bad("names are 1 to 128 letters, digits and +=,.@_-")
		}
		return Ref{Path: "/", Name: text}, nil
	}
	partition, rest, ok := cutVariable(strings.TrimPrefix(text, "arn:"), PartitionVariable)
	service, rest, ok2 := strings.Cut(rest, ":")
	region, rest, ok3 := strings.Cut(rest, ":")
	account, resource, ok4 := cutVariable(rest, "${AWS::AccountId}")
	if !ok || !ok2 || !ok3 || !ok4 {
		return bad("an IAM policy ARN is arn:PARTITION:iam::ACCOUNT:policy/NAME")
	}
	if !knownPartition(partition) {
		return bad("%q is not a partition; use %s or one of %s", partition, PartitionVariable, strings.Join(Partitions, ", "))
	}
	if service != "iam" {
		return bad("the service is %q, not iam", service)
	}
	if region != "" {
		return bad("IAM ARNs have no Region; write arn:%s:iam::%s", partition, account)
	}
	if !validAccount(account) {
		return bad(`the account is %q; it is "aws" for AWS managed policies, or a 12-digit account ID`, account)
	}
	rest, ok = strings.CutPrefix(resource, "policy/")
	if !ok {
		return bad("the resource is %q, not policy/NAME", resource)
	}
	rest = "/" + rest
	i := strings.LastIndexByte(rest, '/')
	path, name := rest[:i+1], rest[i+1:]
	if !pathRE.MatchString(path) || len(path) > 512 || strings.Contains(path, "//") {
		return bad("the path %q is not an IAM path", path)
	}
	if !nameRE.MatchString(name) {
		return bad("the policy name %q is not 1 to 128 letters, digits and +=,.@_-", name)
	}
	return Ref{Partition: partition, Account: account, Path: path, Name: name}, nil
}

// cutVariable cuts s at its first colon, or after variable (which holds
// colons of its own) when s starts with it.
func cutVariable(s, variable string) (before, after string, ok bool) {
	if rest, ok := strings.CutPrefix(s, variable+":"); ok {
		return variable, rest, true
	}
	return strings.Cut(s, ":")
}

func knownPartition(p string) bool {
	if p == PartitionVariable {
		return true
	}
	for _, k := range Partitions {
		if p == k {
			return true
		}
	}
	return false
}

func validAccount(a string) bool {
	if a == "aws" || a == "${AWS::AccountId}" {
		return true
	}
	if len(a) != 12 {
		return false
	}
	for _, c := range a {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Lookup returns the AWS managed policy an ARN or bare name refers to.
// Errors are a *SyntaxError for text that is neither, ErrCustomerManaged
// for a customer managed policy's ARN, and a *NotFoundError (with the
// closest name) for an AWS managed policy that does not exist. Names and
// paths compare exactly, as IAM compares them.
func (s *Set) Lookup(text string) (*Policy, error) {
	r, err := ParseRef(text)
	if err != nil {
		return nil, err
	}
	return s.LookupRef(r)
}

// LookupRef is Lookup for a parsed reference.
func (s *Set) LookupRef(r Ref) (*Policy, error) {
	if !r.AWSManaged() {
		return nil, fmt.Errorf("%s: %w", r, ErrCustomerManaged)
	}
	p := s.find(r.Name)
	if p != nil && (!r.IsARN() || p.Path == r.Path) {
		return p, nil
	}
	return nil, s.notFound(r, p)
}

// ByName returns the AWS managed policy with this exact name, or nil.
func (s *Set) ByName(name string) *Policy { return s.find(name) }

// notFound builds the error for r, suggesting the policy it most likely
// meant. same is the policy with r's name at another path, if any.
func (s *Set) notFound(r Ref, same *Policy) error {
	e := &NotFoundError{Ref: r}
	write := func(p *Policy) string {
		if r.IsARN() {
			return p.ARN(r.Partition)
		}
		return p.Name
	}
	if same != nil {
		e.Suggestion = write(same)
		e.Why = "its path is " + same.Path
		if same.Path == "/" {
			e.Why = "it has no path"
		}
		return e
	}
	name, ok := spelling.Closest(r.Name, s.Names())
	if !ok {
		return e
	}
	p := s.find(name)
	e.Suggestion = write(p)
	if strings.EqualFold(name, r.Name) {
		e.Why = "policy names are case-sensitive"
	}
	return e
}
