package cfnpv

import "github.com/tollgate-dev/tollgate/model"

// ParseOutput is what cfn-policy-validator's parse command prints for a
// template: the account, the principals with their policies, the resource
// policies and the orphaned policies, every document evaluated.
func ParseOutput(x *model.Extracted, exclude []string) Object {
	b := newBuilder(x.Template, x.Values, x.Extraction, exclude)
	v := b.view
	out := Object{{"Region", b.v.Region}, {"Account", b.v.AccountID}, {"Partition", b.v.Partition}}
	principals := func(list []*Principal, name, path string) []any {
		items := []any{}
		for _, p := range list {
			o := Object{}
			if name != "" {
				o.Set(name, p.Name)
			}
			if path != "" {
				o.Set(path, p.Path)
			}
			if p.Kind == KindRole {
				var trust any
				if p.Trust != nil {
					trust = b.tree(p.Trust.Document, 0)
				}
				o.Set("TrustPolicy", trust)
			}
			o.Set("Policies", b.attachedList(p.Policies))
			items = append(items, o)
		}
		return items
	}
	out.Set("Roles", principals(v.Roles, "RoleName", "RolePath"))
	sets := principals(v.PermissionSets, "Name", "")
	out.Set("PermissionSets", sets)
	out.Set("Users", principals(v.Users, "UserName", "UserPath"))
	out.Set("Groups", principals(v.Groups, "GroupName", "GroupPath"))
	resources := []any{}
	for _, r := range v.Resources {
		var doc any
		if len(r.Parts) > 0 {
			doc = b.document(r)
		}
		o := Object{{"ResourceName", r.Name}, {"ResourceType", r.Type},
			{"Policy", Object{{"Name", r.PolicyName}, {"Policy", doc}, {"Path", "/"}, {"IsAWSManagedPolicy", false}}}}
		if len(r.Configuration) > 0 {
			cfg := Object{}
			for _, k := range []string{"VpcId", "AccessControl"} {
				if val, ok := r.Configuration[k]; ok {
					cfg.Set(k, val)
				}
			}
			o.Set("Configuration", cfg)
		}
		resources = append(resources, o)
	}
	out.Set("Resources", resources)
	out.Set("OrphanedPolicies", b.attachedList(v.Orphaned))
	return out
}

// attachedList renders attached policies as {Name, Policy, Path,
// IsAWSManagedPolicy}.
func (b *builder) attachedList(list []*Attached) []any {
	out := []any{}
	for _, a := range list {
		var doc any
		switch {
		case a.Policy != nil:
			doc = b.tree(a.Policy.Document, 0)
		case a.Document != nil:
			doc = b.tree(a.Document, 0)
		}
		out = append(out, Object{{"Name", a.Name}, {"Policy", doc}, {"Path", a.Path}, {"IsAWSManagedPolicy", a.AWSManaged}})
	}
	return out
}
