package model

// Preview is a CloudFormation change set computed against a live stack and
// deleted after reading: what AWS itself says the change will do.
type Preview struct {
	File      string `json:"file,omitempty"`
	Stack     string `json:"stack"`
	ChangeSet string `json:"changeSet"`
	// NewStack is set when the stack does not exist yet.
	NewStack  bool `json:"newStack,omitempty"`
	NoChanges bool `json:"noChanges,omitempty"`
	// Failed and Reason report a change set CloudFormation could not create.
	Failed bool   `json:"failed,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Error is set when the preview could not run at all.
	Error   string          `json:"error,omitempty"`
	Changes []PreviewChange `json:"changes,omitempty"`
}

// PreviewChange is one resource change of a change set.
type PreviewChange struct {
	Action       string          `json:"action"`
	LogicalID    string          `json:"logicalId"`
	PhysicalID   string          `json:"physicalId,omitempty"`
	ResourceType string          `json:"resourceType"`
	Replacement  string          `json:"replacement,omitempty"`
	Scope        []string        `json:"scope,omitempty"`
	Details      []PreviewDetail `json:"details,omitempty"`
	Nested       *Preview        `json:"nested,omitempty"`
}

// PreviewDetail says which property or cause drives a change.
type PreviewDetail struct {
	Attribute          string `json:"attribute,omitempty"`
	Name               string `json:"name,omitempty"`
	RequiresRecreation string `json:"requiresRecreation,omitempty"`
	ChangeSource       string `json:"changeSource,omitempty"`
	CausingEntity      string `json:"causingEntity,omitempty"`
	Evaluation         string `json:"evaluation,omitempty"`
}

// Replacements counts the changes that replace a resource (True), and those
// that may (Conditional).
func (p *Preview) Replacements() (always, conditional int) {
	for _, c := range p.Changes {
		switch c.Replacement {
		case "True":
			always++
		case "Conditional":
			conditional++
		}
		if c.Nested != nil {
			a, b := c.Nested.Replacements()
			always, conditional = always+a, conditional+b
		}
	}
	return always, conditional
}
