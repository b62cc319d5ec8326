// Package diff is the semantic diff of CloudFormation templates: what a
// change will do when deployed, not which lines moved. It compares resolved
// values (so key order, list order where IAM ignores it, YAML versus JSON and
// equivalent intrinsic spellings are no change), finds logical-ID renames,
// says which changes replace a resource (from the embedded resource
// specification, following Ref and GetAtt to the resources that depend on a
// replaced one), and singles out the changes that matter to security: IAM
// statements, network rules, public access and encryption.
package diff

import (
	"github.com/tollgate-dev/tollgate/template"
)

// Replacement says whether a change replaces the resource: CloudFormation
// creates a new physical resource and deletes the old one.
type Replacement string

// Replacement values, from least to most disruptive.
const (
	// Never: updated in place.
	Never Replacement = "never"
	// Unknown: the resource type is not in the specification (custom
	// resources, types newer than the embedded data).
	Unknown Replacement = "unknown"
	// Conditional: replaced for some values or transitions only.
	Conditional Replacement = "conditional"
	// Always: replaced.
	Always Replacement = "always"
)

func (r Replacement) rank() int {
	switch r {
	case Always:
		return 3
	case Conditional:
		return 2
	case Unknown:
		return 1
	}
	return 0
}

// maxReplacement returns the more disruptive of a and b.
func maxReplacement(a, b Replacement) Replacement {
	if b.rank() > a.rank() {
		return b
	}
	if a == "" {
		return Never
	}
	return a
}

// Change kinds of resources, properties and sections.
const (
	Added    = "added"
	Removed  = "removed"
	Modified = "modified"
	Renamed  = "renamed"
)

// Stack statuses: what happened to the template file.
const (
	StackAdded    = "added"
	StackDeleted  = "deleted"
	StackModified = "modified"
	StackRenamed  = "renamed"
)

// Security classifications of IAM, network and exposure changes.
const (
	// Widened: the change grants access that was not granted before.
	Widened = "widened"
	// Narrowed: the change only takes access away.
	Narrowed = "narrowed"
	// Changed: the change differs in a way that cannot be ordered (an
	// unknown value, a condition on another key).
	Changed = "changed"
)

// Report is the diff of every changed template between two revisions.
type Report struct {
	Version int    `json:"version"`
	Base    string `json:"base"`
	Head    string `json:"head"`
	// Stacks lists the changed templates, sorted by file.
	Stacks []*StackDiff `json:"stacks"`
}

// StackDiff is the diff of one template.
type StackDiff struct {
	File         string `json:"file"`
	Status       string `json:"status"`
	PreviousFile string `json:"previousFile,omitempty"`
	// Notes say what could not be compared and why: a side that does not
	// parse, a file too large to read.
	Notes     []string          `json:"notes,omitempty"`
	Resources []*ResourceChange `json:"resources"`
	// IAM, Network and Exposure are the security-relevant changes, widening
	// first.
	IAM        []*StatementChange `json:"iam"`
	Network    []*RuleChange      `json:"network"`
	Exposure   []*ExposureChange  `json:"exposure"`
	Parameters []*SectionChange   `json:"parameters,omitempty"`
	Conditions []*SectionChange   `json:"conditions,omitempty"`
	Mappings   []*SectionChange   `json:"mappings,omitempty"`
	Outputs    []*SectionChange   `json:"outputs,omitempty"`
	// ChangeSet is the resource changes as CloudFormation's change set
	// would list them.
	ChangeSet []*ChangeSetChange `json:"changeSet"`
	// BaseResources and HeadResources count the resources on each side.
	BaseResources int `json:"baseResources"`
	HeadResources int `json:"headResources"`
}

// Empty reports whether the diff found nothing to say.
func (s *StackDiff) Empty() bool {
	return len(s.Resources) == 0 && len(s.IAM) == 0 && len(s.Network) == 0 && len(s.Exposure) == 0 &&
		len(s.Parameters) == 0 && len(s.Conditions) == 0 && len(s.Mappings) == 0 && len(s.Outputs) == 0 && len(s.Notes) == 0
}

// ResourceChange is one resource that the change adds, removes or modifies.
type ResourceChange struct {
	LogicalID         string `json:"logicalId"`
	PreviousLogicalID string `json:"previousLogicalId,omitempty"`
	Type              string `json:"type"`
	PreviousType      string `json:"previousType,omitempty"`
	Change            string `json:"change"`
	// Replacement is set for modified and renamed resources.
	Replacement Replacement       `json:"replacement,omitempty"`
	Properties  []*PropertyChange `json:"properties,omitempty"`
	// Stateful marks types that hold data (databases, buckets, tables,
	// file systems, keys): replacing or deleting them loses it.
	Stateful bool `json:"stateful,omitempty"`
	// DeletionPolicy and UpdateReplacePolicy at head (at base for removed
	// resources), and at base for modified ones.
	DeletionPolicy          string `json:"deletionPolicy,omitempty"`
	UpdateReplacePolicy     string `json:"updateReplacePolicy,omitempty"`
	BaseDeletionPolicy      string `json:"baseDeletionPolicy,omitempty"`
	BaseUpdateReplacePolicy string `json:"baseUpdateReplacePolicy,omitempty"`
	// Pos is where the resource is at head; BasePos where it was at base.
	Pos     *template.Span `json:"pos,omitempty"`
	BasePos *template.Span `json:"basePos,omitempty"`
	// Indirect is set when the template text of the resource did not change
	// but values it reads did: a resource it references is replaced or
	// updated, or a parameter, mapping or condition it uses changed.
	Indirect bool `json:"indirect,omitempty"`
}

// PropertyChange is one changed value inside a resource (or a section entry).
type PropertyChange struct {
	// Path is relative to Properties ("KeySchema[0].AttributeName"), or a
	// resource attribute ("DeletionPolicy", "Type", "Condition").
	Path        string      `json:"path"`
	Change      string      `json:"change"`
	Replacement Replacement `json:"replacement,omitempty"`
	// Before and After render the values compactly; empty when absent.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Cause explains a change that the template text does not show:
	// "Bucket is replaced, so the value that refers to it changes". Via
	// names what it follows from.
	Cause string `json:"cause,omitempty"`
	Via   *Via   `json:"via,omitempty"`
	Line  int    `json:"line,omitempty"`
}

// Via is what a change follows from when its own text did not change.
type Via struct {
	// Kind is "resource", "parameter", "mapping" or "condition".
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Attribute is the GetAtt attribute read from a resource; "" for Ref.
	Attribute string `json:"attribute,omitempty"`
}

// StatementChange is a change to the permissions of one IAM policy.
type StatementChange struct {
	Resource     string `json:"resource"`
	ResourceType string `json:"resourceType"`
	// Policy locates the document: "Policies[0].PolicyDocument (orders-read)".
	Policy string `json:"policy"`
	// Kind is identity, trust or resource.
	Kind    string `json:"kind"`
	Sid     string `json:"sid,omitempty"`
	Change  string `json:"change"`
	Summary string `json:"summary"`
	// Branch names the undecidable conditions the policy depends on.
	Branch string `json:"branch,omitempty"`
	Line   int    `json:"line,omitempty"`
}

// RuleChange is a change to a security group or network ACL rule.
type RuleChange struct {
	Resource     string `json:"resource"`
	ResourceType string `json:"resourceType"`
	Change       string `json:"change"`
	Summary      string `json:"summary"`
	// Public is set when the change opens access from anywhere
	// (0.0.0.0/0 or ::/0).
	Public bool `json:"public,omitempty"`
	Line   int  `json:"line,omitempty"`
}

// ExposureChange is public access turned on or off, or encryption removed
// or added.
type ExposureChange struct {
	Resource     string `json:"resource"`
	ResourceType string `json:"resourceType"`
	// Kind is "public-access" or "encryption".
	Kind    string `json:"kind"`
	Change  string `json:"change"`
	Path    string `json:"path"`
	Summary string `json:"summary"`
	Line    int    `json:"line,omitempty"`
}

// SectionChange is a changed parameter, condition, mapping or output.
type SectionChange struct {
	Name       string            `json:"name"`
	Change     string            `json:"change"`
	Properties []*PropertyChange `json:"properties,omitempty"`
	// Affects lists the resources whose values change because of this
	// parameter, mapping or condition, though their text does not.
	Affects []string `json:"affects,omitempty"`
	Line    int      `json:"line,omitempty"`
}

// Counts summarises the resource changes of a stack.
type Counts struct {
	Added, Removed, Modified, Renamed, Replaced, MaybeReplaced int
}

// Counts counts the resource changes by kind; Replaced counts modified and
// renamed resources that will be replaced, MaybeReplaced the conditional ones.
func (s *StackDiff) Counts() Counts {
	var c Counts
	for _, r := range s.Resources {
		switch r.Change {
		case Added:
			c.Added++
		case Removed:
			c.Removed++
		case Modified:
			c.Modified++
		case Renamed:
			c.Renamed++
		}
		switch r.Replacement {
		case Always:
			c.Replaced++
		case Conditional:
			c.MaybeReplaced++
		}
	}
	return c
}

// Widening reports whether any security-relevant change widens access.
func (s *StackDiff) Widening() bool {
	for _, c := range s.IAM {
		if c.Change == Widened {
			return true
		}
	}
	for _, c := range s.Network {
		if c.Change == Widened {
			return true
		}
	}
	for _, c := range s.Exposure {
		if c.Change == Widened {
			return true
		}
	}
	return false
}
