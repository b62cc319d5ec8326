package diff

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// netRule is one security group or network ACL rule, reduced to what it
// lets through.
type netRule struct {
	egress bool
	// proto is "all", "tcp", "udp", "icmp", "icmpv6" or a protocol number.
	proto    string
	from, to int
	// peer is the CIDR, security group, or prefix list, as text; prefix is
	// set for CIDRs.
	peer   string
	prefix netip.Prefix
	deny   bool
	line   int
}

var protoNames = map[string]string{"-1": "all", "all": "all", "6": "tcp", "tcp": "tcp", "17": "udp", "udp": "udp",
	"1": "icmp", "icmp": "icmp", "58": "icmpv6", "icmpv6": "icmpv6"}

func (r netRule) String() string {
	dir, prep := "ingress", "from"
	if r.egress {
		dir, prep = "egress", "to"
	}
	what := r.proto
	if r.proto == "all" {
		what = "all traffic"
	} else {
		what += " " + r.ports()
	}
	return fmt.Sprintf("%s %s %s %s", dir, what, prep, r.peer)
}

func (r netRule) ports() string {
	switch {
	case r.proto == "icmp" || r.proto == "icmpv6":
		return "(type " + strconv.Itoa(r.from) + ")"
	case r.from <= 0 && r.to >= 65535:
		return "all ports"
	case r.from == r.to:
		return "port " + strconv.Itoa(r.from)
	}
	return fmt.Sprintf("ports %d-%d", r.from, r.to)
}

// public reports whether the rule is open to the whole internet.
func (r netRule) public() bool {
	return r.prefix.IsValid() && r.prefix.Bits() == 0
}

// covers reports whether r lets through everything o does.
func (r netRule) covers(o netRule) bool {
	if r.egress != o.egress || r.deny != o.deny {
		return false
	}
	if r.proto != "all" && r.proto != o.proto {
		return false
	}
	if r.proto != "all" && (r.from > o.from || r.to < o.to) {
		return false
	}
	if r.peer == o.peer {
		return true
	}
	if r.prefix.IsValid() && o.prefix.IsValid() && r.prefix.Addr().Is4() == o.prefix.Addr().Is4() {
		return r.prefix.Bits() <= o.prefix.Bits() && r.prefix.Contains(o.prefix.Addr())
	}
	return false
}

func portOf(v *val, def int) int {
	s, ok := v.str()
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// sgRule reads one rule of a security group (inline, or a standalone
// SecurityGroupIngress/Egress resource).
func sgRule(v *val, egress bool) netRule {
	r := netRule{egress: egress, line: v.pos.Line}
	p, _ := v.get("IpProtocol").str()
	if name, ok := protoNames[strings.ToLower(p)]; ok {
		r.proto = name
	} else if p == "" {
		r.proto = render(v.get("IpProtocol"))
	} else {
		r.proto = p
	}
	r.from, r.to = portOf(v.get("FromPort"), 0), portOf(v.get("ToPort"), 65535)
	if r.from == -1 {
		r.from, r.to = 0, 65535
	}
	peerKeys := []string{"CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourcePrefixListId"}
	if egress {
		peerKeys = []string{"CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId"}
	}
	for _, k := range peerKeys {
		if x := v.get(k); x != nil {
			r.setPeer(x)
			break
		}
	}
	if r.peer == "" {
		r.peer = "(no source)"
	}
	return r
}

func (r *netRule) setPeer(x *val) {
	r.peer = render(x)
	if s, ok := x.str(); ok {
		if p, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil {
			r.prefix = p.Masked()
			r.peer = r.prefix.String()
		}
	}
}

// defaultEgress is what a VPC security group allows when it declares no
// egress rule: everything, everywhere.
var defaultEgress = []netRule{
	{egress: true, proto: "all", from: 0, to: 65535, peer: "0.0.0.0/0", prefix: netip.MustParsePrefix("0.0.0.0/0")},
}

func sgRules(props *val) []netRule {
	var out []netRule
	for _, x := range listItems(props.get("SecurityGroupIngress")) {
		out = append(out, sgRule(x, false))
	}
	eg := props.get("SecurityGroupEgress")
	if eg == nil {
		out = append(out, defaultEgress...)
	}
	for _, x := range listItems(eg) {
		out = append(out, sgRule(x, true))
	}
	return out
}

func listItems(v *val) []*val {
	if v == nil {
		return nil
	}
	if v.kind == vList {
		return v.items
	}
	return []*val{v}
}

func naclRule(v *val) netRule {
	eg, _ := v.get("Egress").str()
	r := netRule{egress: eg == "true", line: v.pos.Line}
	p, _ := v.get("Protocol").str()
	if name, ok := protoNames[strings.ToLower(p)]; ok {
		r.proto = name
	} else {
		r.proto = p
	}
	r.from, r.to = 0, 65535
	if pr := v.get("PortRange"); pr != nil {
		r.from, r.to = portOf(pr.get("From"), 0), portOf(pr.get("To"), 65535)
	}
	if x := v.get("CidrBlock"); x != nil {
		r.setPeer(x)
	} else if x := v.get("Ipv6CidrBlock"); x != nil {
		r.setPeer(x)
	}
	a, _ := v.get("RuleAction").str()
	r.deny = strings.EqualFold(a, "deny")
	return r
}

// network finds widened and narrowed security group and network ACL rules.
func (d *differ) network() {
	for _, rc := range d.sd.Resources {
		if rc.Change == Removed {
			continue
		}
		h := d.head.res[rc.LogicalID]
		var b *resState
		if id := rc.LogicalID; rc.Change == Renamed {
			b = d.base.res[rc.PreviousLogicalID]
		} else {
			b = d.base.res[id]
		}
		var bprops, hprops *val
		if b != nil {
			bprops = b.props
		}
		hprops = h.props
		if b != nil && equal(bprops, hprops, d.ren) {
			continue
		}
		empty := &val{kind: vMap}
		if bprops == nil {
			bprops = empty
		}
		if hprops == nil {
			hprops = empty
		}
		switch h.res.Type {
		case "AWS::EC2::SecurityGroup":
			after := sgRules(hprops)
			var before []netRule
			if b != nil {
				before = sgRules(bprops)
			} else if hprops.get("SecurityGroupEgress") == nil {
				// A new group's default egress is not news.
				before = defaultEgress
			}
			d.compareRules(rc, before, after)
		case "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress":
			egress := h.res.Type == "AWS::EC2::SecurityGroupEgress"
			var before []netRule
			if b != nil {
				before = []netRule{sgRule(bprops, egress)}
			}
			d.compareRules(rc, before, []netRule{sgRule(hprops, egress)})
		case "AWS::EC2::NetworkAclEntry":
			var before []netRule
			if b != nil {
				before = []netRule{naclRule(bprops)}
			}
			d.compareRules(rc, before, []netRule{naclRule(hprops)})
		}
	}
	for _, rc := range d.sd.Resources {
		if rc.Change != Removed {
			continue
		}
		b := d.base.res[rc.LogicalID]
		if b.res.Type == "AWS::EC2::NetworkAclEntry" && b.props != nil {
			if r := naclRule(b.props); r.deny {
				d.sd.Network = append(d.sd.Network, &RuleChange{Resource: rc.LogicalID, ResourceType: rc.Type, Change: Widened,
					Public: r.public(), Summary: "deny rule removed: " + r.String() + " is no longer denied"})
			}
		}
	}
}

// compareRules reports allow rules that let more through, and deny rules
// that block less, as widened; the reverse as narrowed.
func (d *differ) compareRules(rc *ResourceChange, before, after []netRule) {
	covered := func(r netRule, set []netRule) bool {
		for _, s := range set {
			if s.covers(r) {
				return true
			}
		}
		return false
	}
	var wide, narrow []string
	public := false
	line := 0
	for _, r := range after {
		if covered(r, before) {
			continue
		}
		if r.deny {
			narrow = append(narrow, "deny "+r.String()+" added")
			continue
		}
		desc := r.String() + " allowed"
		if r.public() && !r.egress {
			desc += " (open to the internet)"
			public = true
		}
		wide = append(wide, desc)
		if line == 0 {
			line = r.line
		}
	}
	for _, r := range before {
		if covered(r, after) {
			continue
		}
		if r.deny {
			wide = append(wide, "deny "+r.String()+" removed")
			public = public || r.public() && !r.egress
			continue
		}
		narrow = append(narrow, r.String()+" no longer allowed")
	}
	if len(wide) == 0 && len(narrow) == 0 {
		return
	}
	c := &RuleChange{Resource: rc.LogicalID, ResourceType: rc.Type, Public: public, Line: line}
	switch {
	case len(wide) > 0:
		c.Change = Widened
	default:
		c.Change = Narrowed
	}
	c.Summary = strings.Join(append(wide, narrow...), "; ")
	if rc.Change == Added {
		c.Summary = "new " + strings.TrimPrefix(strings.TrimPrefix(rc.Type, "AWS::EC2::"), "AWS::") + ": " + c.Summary
	}
	d.sd.Network = append(d.sd.Network, c)
}
