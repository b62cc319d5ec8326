package managed

import (
	"bytes"
)

// Diff is what changed between two data sets: the policies AWS added,
// removed and revised.
type Diff struct {
	Old Summary `json:"old"`
	New Summary `json:"new"`
	// Added, Removed and Changed are sorted by name.
	Added   []Change `json:"added,omitempty"`
	Removed []Change `json:"removed,omitempty"`
	Changed []Change `json:"changed,omitempty"`
}

// Summary identifies one side of a diff.
type Summary struct {
	Source   string `json:"source"`
	Version  string `json:"version"`
	Updated  string `json:"updated"`
	Policies int    `json:"policies"`
}

// Change is one policy that appeared, went, or got a new default version.
type Change struct {
	Name string `json:"name"`
	// ARN is in the aws partition.
	ARN string `json:"arn"`
	// OldVersion and NewVersion are the default versions on each side
	// (one of them empty for an added or removed policy).
	OldVersion string `json:"oldVersion,omitempty"`
	NewVersion string `json:"newVersion,omitempty"`
	// Updated is when AWS changed the policy, when known.
	Updated string `json:"updated,omitempty"`
}

// Empty reports whether nothing changed.
func (d *Diff) Empty() bool { return len(d.Added)+len(d.Removed)+len(d.Changed) == 0 }

// Compare lists the policies added, removed and changed from old to new.
// A policy changed when its version or its document differs (a moved
// path counts as removed and added). It inflates both sets' documents.
func Compare(old, new *Set) (*Diff, error) {
	d := &Diff{Old: summarize(old), New: summarize(new)}
	i, j := 0, 0
	for i < len(old.policies) || j < len(new.policies) {
		var o, n *Policy
		switch {
		case j == len(new.policies) || i < len(old.policies) && old.policies[i].Name < new.policies[j].Name:
			o = &old.policies[i]
			i++
		case i == len(old.policies) || new.policies[j].Name < old.policies[i].Name:
			n = &new.policies[j]
			j++
		default:
			o, n = &old.policies[i], &new.policies[j]
			i++
			j++
		}
		switch {
		case n == nil:
			d.Removed = append(d.Removed, Change{Name: o.Name, ARN: o.ARN("aws"), OldVersion: o.VersionID})
		case o == nil:
			d.Added = append(d.Added, Change{Name: n.Name, ARN: n.ARN("aws"), NewVersion: n.VersionID, Updated: n.Updated})
		case o.Path != n.Path:
			d.Removed = append(d.Removed, Change{Name: o.Name, ARN: o.ARN("aws"), OldVersion: o.VersionID})
			d.Added = append(d.Added, Change{Name: n.Name, ARN: n.ARN("aws"), NewVersion: n.VersionID, Updated: n.Updated})
		default:
			od, err := o.Document()
			if err != nil {
				return nil, err
			}
			nd, err := n.Document()
			if err != nil {
				return nil, err
			}
			if o.VersionID != n.VersionID || !bytes.Equal(od, nd) {
				d.Changed = append(d.Changed, Change{Name: n.Name, ARN: n.ARN("aws"),
					OldVersion: o.VersionID, NewVersion: n.VersionID, Updated: n.Updated})
			}
		}
	}
	return d, nil
}

func summarize(s *Set) Summary {
	return Summary{Source: s.Source, Version: s.Version, Updated: s.Updated, Policies: s.Len()}
}
