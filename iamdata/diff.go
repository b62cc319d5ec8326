package iamdata

import (
	"sort"
	"strings"
)

// Diff is what changed between two data sets: the "new IAM actions" report
// teams otherwise build by hand.
type Diff struct {
	Old Summary `json:"old"`
	New Summary `json:"new"`
	// Services lists every service with a change, by prefix.
	Services []ServiceDiff `json:"services"`
	// ActionsAdded and ActionsRemoved count over all services.
	ActionsAdded   int `json:"actionsAdded"`
	ActionsRemoved int `json:"actionsRemoved"`
}

// Summary identifies one side of a diff.
type Summary struct {
	Source   string `json:"source"`
	Version  string `json:"version"`
	Updated  string `json:"updated"`
	Services int    `json:"services"`
	Actions  int    `json:"actions"`
}

// ServiceDiff is the change to one service.
type ServiceDiff struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
	// Added or Removed is set when the whole service appeared or went.
	Added   bool `json:"added,omitempty"`
	Removed bool `json:"removed,omitempty"`
	// ActionsAdded and ActionsRemoved list actions with their access level.
	ActionsAdded   []ActionChange `json:"actionsAdded,omitempty"`
	ActionsRemoved []ActionChange `json:"actionsRemoved,omitempty"`
}

// ActionChange is one action that appeared or went.
type ActionChange struct {
	Name   string      `json:"name"`
	Access AccessLevel `json:"access,omitempty"`
}

// Empty reports whether nothing changed.
func (d *Diff) Empty() bool { return len(d.Services) == 0 }

// Compare lists the services and actions added and removed from old to new.
// Names compare without regard to case, as IAM compares them. It decodes
// every service of both sets.
func Compare(old, new *Set) (*Diff, error) {
	on, err := old.Normalized()
	if err != nil {
		return nil, err
	}
	nn, err := new.Normalized()
	if err != nil {
		return nil, err
	}
	d := &Diff{Old: summarize(on), New: summarize(nn)}
	oldBy := byPrefix(on.Services)
	newBy := byPrefix(nn.Services)
	prefixes := map[string]bool{}
	for p := range oldBy {
		prefixes[p] = true
	}
	for p := range newBy {
		prefixes[p] = true
	}
	sorted := make([]string, 0, len(prefixes))
	for p := range prefixes {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	for _, p := range sorted {
		o, n := oldBy[p], newBy[p]
		sd := ServiceDiff{Prefix: p}
		switch {
		case o == nil:
			sd.Added, sd.Name = true, n.Name
			sd.ActionsAdded = changes(n.Actions, nil)
		case n == nil:
			sd.Removed, sd.Name = true, o.Name
			sd.ActionsRemoved = changes(o.Actions, nil)
		default:
			sd.Name = n.Name
			sd.ActionsAdded = changes(n.Actions, o.Actions)
			sd.ActionsRemoved = changes(o.Actions, n.Actions)
		}
		if sd.Added || sd.Removed || len(sd.ActionsAdded)+len(sd.ActionsRemoved) > 0 {
			d.ActionsAdded += len(sd.ActionsAdded)
			d.ActionsRemoved += len(sd.ActionsRemoved)
			d.Services = append(d.Services, sd)
		}
	}
	return d, nil
}

func summarize(n *Normalized) Summary {
	s := Summary{Source: n.Source, Version: n.Version, Updated: n.Updated, Services: len(n.Services)}
	for _, svc := range n.Services {
		s.Actions += len(svc.Actions)
	}
	return s
}

func byPrefix(svcs []Service) map[string]*Service {
	m := make(map[string]*Service, len(svcs))
	for i := range svcs {
		m[strings.ToLower(svcs[i].Prefix)] = &svcs[i]
	}
	return m
}

// changes lists the actions of a that are not in b, sorted by name.
func changes(a, b []Action) []ActionChange {
	in := make(map[string]bool, len(b))
	for _, x := range b {
		in[strings.ToLower(x.Name)] = true
	}
	var out []ActionChange
	for _, x := range a {
		if !in[strings.ToLower(x.Name)] {
			out = append(out, ActionChange{Name: x.Name, Access: x.Access})
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}
