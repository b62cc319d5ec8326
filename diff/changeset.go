package diff

import "sort"

// ChangeSetChange is one resource change as CloudFormation's change set
// lists it (describe-change-set's ResourceChange), predicted from the
// templates. Its fields and values are CloudFormation's, so the two can be
// compared line by line; the richer view is StackDiff.Resources.
type ChangeSetChange struct {
	// Action is Add, Modify or Remove. A renamed logical ID is an Add of
	// the new ID and a Remove of the old one, as CloudFormation does it.
	Action       string `json:"action"`
	LogicalID    string `json:"logicalId"`
	ResourceType string `json:"resourceType"`
	// Replacement is True, False or Conditional, for Modify.
	Replacement string             `json:"replacement,omitempty"`
	Scope       []string           `json:"scope,omitempty"`
	Details     []*ChangeSetDetail `json:"details,omitempty"`
}

// ChangeSetDetail is one cause of a Modify (ResourceChangeDetail with its
// Target).
type ChangeSetDetail struct {
	// Attribute is Properties, Metadata, Tags, CreationPolicy,
	// UpdatePolicy, DeletionPolicy or UpdateReplacePolicy; Name is the
	// top-level property for Properties.
	Attribute string `json:"attribute"`
	Name      string `json:"name,omitempty"`
	// RequiresRecreation is Never, Conditionally or Always.
	RequiresRecreation string `json:"requiresRecreation,omitempty"`
	// Evaluation is Static when the template says the value, Dynamic when
	// it depends on another resource at deploy time.
	Evaluation string `json:"evaluation"`
	// ChangeSource is DirectModification, ParameterReference or
	// ResourceReference; CausingEntity names the parameter or the
	// resource (Resource.Attribute for a GetAtt).
	ChangeSource  string `json:"changeSource"`
	CausingEntity string `json:"causingEntity,omitempty"`
}

// changeSet predicts the stack's change set from its resource changes.
// Replacement follows CloudFormation's rule: True when a static detail
// requires recreation always, Conditional when a dynamic one does or one
// requires it conditionally, else False.
func changeSet(rs []*ResourceChange) []*ChangeSetChange {
	out := make([]*ChangeSetChange, 0, len(rs))
	for _, rc := range rs {
		switch rc.Change {
		case Added:
			out = append(out, &ChangeSetChange{Action: "Add", LogicalID: rc.LogicalID, ResourceType: rc.Type})
		case Removed:
			out = append(out, &ChangeSetChange{Action: "Remove", LogicalID: rc.LogicalID, ResourceType: rc.Type})
		case Renamed:
			out = append(out, &ChangeSetChange{Action: "Add", LogicalID: rc.LogicalID, ResourceType: rc.Type},
				&ChangeSetChange{Action: "Remove", LogicalID: rc.PreviousLogicalID, ResourceType: prevType(rc)})
		default:
			if c := modifyChange(rc); c != nil {
				out = append(out, c)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].LogicalID != out[j].LogicalID {
			return out[i].LogicalID < out[j].LogicalID
		}
		return out[i].Action < out[j].Action
	})
	return out
}

func prevType(rc *ResourceChange) string {
	if rc.PreviousType != "" {
		return rc.PreviousType
	}
	return rc.Type
}

// modifyChange is the Modify entry of a changed resource; nil when only
// attributes a change set does not show changed (DependsOn, Condition).
func modifyChange(rc *ResourceChange) *ChangeSetChange {
	c := &ChangeSetChange{Action: "Modify", LogicalID: rc.LogicalID, ResourceType: rc.Type, Replacement: "False"}
	byKey := map[string]*ChangeSetDetail{}
	scope := map[string]bool{}
	typeChanged := false
	for _, p := range rc.Properties {
		if p.Path == "Type" {
			typeChanged = true
			continue
		}
		attr, name := detailTarget(p.Path)
		if attr == "" {
			continue
		}
		d := &ChangeSetDetail{Attribute: attr, Name: name, Evaluation: "Static", ChangeSource: "DirectModification"}
		if attr == "Properties" || attr == "Tags" {
			d.RequiresRecreation = recreation(rc.Type, p.Replacement)
		}
		if v := p.Via; v != nil {
			switch v.Kind {
			case "resource":
				d.Evaluation, d.ChangeSource, d.CausingEntity = "Dynamic", "ResourceReference", v.Name
				if v.Attribute != "" {
					d.CausingEntity += "." + v.Attribute
				}
			case "parameter":
				d.ChangeSource, d.CausingEntity = "ParameterReference", v.Name
			}
		}
		key := d.Attribute + "\x00" + d.Name + "\x00" + d.Evaluation + "\x00" + d.ChangeSource + "\x00" + d.CausingEntity
		if prev := byKey[key]; prev != nil {
			if recreationRank(d.RequiresRecreation) > recreationRank(prev.RequiresRecreation) {
				prev.RequiresRecreation = d.RequiresRecreation
			}
			continue
		}
		byKey[key] = d
		c.Details = append(c.Details, d)
		scope[attr] = true
	}
	if len(c.Details) == 0 && !typeChanged {
		return nil
	}
	for _, d := range c.Details {
		switch {
		case d.RequiresRecreation == "Always" && d.Evaluation == "Static":
			c.Replacement = "True"
		case (d.RequiresRecreation == "Always" || d.RequiresRecreation == "Conditionally") && c.Replacement != "True":
			c.Replacement = "Conditional"
		}
	}
	if typeChanged {
		// CloudFormation refuses to change a resource's type in place; the
		// nearest change set is a replacement.
		c.Replacement = "True"
	}
	for a := range scope {
		c.Scope = append(c.Scope, a)
	}
	sort.Strings(c.Scope)
	return c
}

// detailTarget maps a property path to the change set's Target: the
// attribute, and the top-level property name for Properties. Paths of
// attributes a change set has no place for give "".
func detailTarget(path string) (attr, name string) {
	top := topName(path)
	switch top {
	case "Metadata", "CreationPolicy", "UpdatePolicy", "DeletionPolicy", "UpdateReplacePolicy":
		return top, ""
	case "DependsOn", "Condition":
		return "", ""
	case "Tags":
		return "Tags", ""
	case "Properties":
		return "Properties", ""
	}
	return "Properties", top
}

// recreation writes an update behaviour as RequiresRecreation. A custom
// resource's provider receives an update (Never); a type the table does
// not know is Conditionally.
func recreation(typ string, r Replacement) string {
	switch r {
	case Always:
		return "Always"
	case Conditional:
		return "Conditionally"
	case Unknown:
		if isCustom(typ) {
			return "Never"
		}
		return "Conditionally"
	}
	return "Never"
}

func recreationRank(s string) int {
	switch s {
	case "Always":
		return 2
	case "Conditionally":
		return 1
	}
	return 0
}
