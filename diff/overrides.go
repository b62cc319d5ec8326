package diff

import "strings"

// This file is the reviewed side of the replacement table: update rules the
// CloudFormation documentation states in prose (a nested property, an
// update policy, the previous value) that @aws-cdk/aws-service-spec, and so
// the generated table, flattens to "conditional" or leaves out. Each row
// cites the page that states it. Keep rows to what a page says; when a
// page is silent, the generated behaviour stands.
//
// The audit behind these rows (EC2 Instance, RDS DBInstance and DBCluster,
// DynamoDB Table and GlobalTable, ElastiCache CacheCluster, ReplicationGroup
// and ServerlessCache, OpenSearch Domain, EFS FileSystem, MSK Cluster,
// Redshift Cluster) is in docs/diff.md.

const docBase = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"

// transition restricts a rule to how the value at the rule's path changes.
type transition uint8

const (
	anyChange  transition = iota
	appears               // absent at base, present at head
	disappears            // present at base, absent at head
	changes               // present on both sides
)

// condition restricts a rule to a state of the resource.
type condition struct {
	// updatePolicy names a key of the head's UpdatePolicy that must be true.
	updatePolicy string
	// set names properties of which one is present at base or head.
	set []string
	// unset names properties none of which is present at base or head.
	unset []string
}

// override is one reviewed rule: changing the value at path (property
// names from the top of Properties, list indexes left out) of a resource of
// type typ does behaviour to it, for the value at path and everything below
// it, unless a more specific row applies. Generated rules below path still
// apply on top. Rows for one path are tried in order; the first whose
// transition and condition hold decides.
type override struct {
	typ       string
	path      string
	when      transition
	cond      condition
	behaviour Replacement
	// doc is the documentation page; says is what it says, in short.
	doc  string
	says string
}

// Overrides lists the reviewed rules (for the documentation and tests).
func Overrides() []OverrideRow {
	out := make([]OverrideRow, 0, len(overrides))
	for _, o := range overrides {
		out = append(out, OverrideRow{Type: o.typ, Path: o.path, When: o.describeWhen(), Behaviour: o.behaviour, Doc: o.doc, Says: o.says})
	}
	return out
}

// OverrideRow is one reviewed update rule, as documentation shows it.
type OverrideRow struct {
	Type, Path, When string
	Behaviour        Replacement
	Doc, Says        string
}

func (o override) describeWhen() string {
	var parts []string
	switch o.when {
	case appears:
		parts = append(parts, "when it is added")
	case disappears:
		parts = append(parts, "when it is removed")
	case changes:
		parts = append(parts, "when an existing value changes")
	}
	if o.cond.updatePolicy != "" {
		parts = append(parts, "with UpdatePolicy "+o.cond.updatePolicy+": true")
	}
	if len(o.cond.set) > 0 {
		parts = append(parts, "when "+strings.Join(o.cond.set, " or ")+" is set")
	}
	if len(o.cond.unset) > 0 {
		parts = append(parts, "when "+strings.Join(o.cond.unset, " and ")+" are set on neither side")
	}
	if len(parts) == 0 {
		return "any change"
	}
	return strings.Join(parts, ", ")
}

var overrides = []override{
	// EC2 Instance: the spec has BlockDeviceMappings "conditional" (only
	// Ebs.KmsKeyId replaces); the pages say every change but one replaces.
	{typ: "AWS::EC2::Instance", path: "BlockDeviceMappings", behaviour: Always,
		doc:  docBase + "aws-properties-ec2-instance-blockdevicemapping.html",
		says: "after the instance is running, only DeleteOnTermination of an attached volume can be modified without interruption; modifying any other parameter results in instance replacement"},
	{typ: "AWS::EC2::Instance", path: "BlockDeviceMappings.Ebs.DeleteOnTermination", behaviour: Never,
		doc:  docBase + "aws-properties-ec2-instance-ebs.html",
		says: "DeleteOnTermination is the one EBS parameter of an attached volume that changes without replacing the instance"},

	// DynamoDB Table: AttributeDefinitions updates in place (a new index
	// needs a new definition), except an edit of an existing one.
	{typ: "AWS::DynamoDB::Table", path: "AttributeDefinitions.AttributeType", when: changes, behaviour: Always,
		doc:  docBase + "aws-resource-dynamodb-table.html",
		says: "AttributeDefinitions: replacement if you edit an existing AttributeDefinition"},

	// ElastiCache ReplicationGroup.
	{typ: "AWS::ElastiCache::ReplicationGroup", path: "AuthToken", when: appears, behaviour: Always,
		doc:  docBase + "aws-resource-elasticache-replicationgroup.html",
		says: "if ADDING the AuthToken, update requires replacement"},
	{typ: "AWS::ElastiCache::ReplicationGroup", path: "AuthToken", behaviour: Never,
		doc:  docBase + "aws-resource-elasticache-replicationgroup.html",
		says: "changing or removing AuthToken: some interruptions"},
	{typ: "AWS::ElastiCache::ReplicationGroup", path: "NodeGroupConfiguration", cond: condition{updatePolicy: "UseOnlineResharding"}, behaviour: Never,
		doc:  docBase + "aws-resource-elasticache-replicationgroup.html",
		says: "with UseOnlineResharding set to true, NodeGroupConfiguration updates without interruption"},
	{typ: "AWS::ElastiCache::ReplicationGroup", path: "NodeGroupConfiguration", behaviour: Always,
		doc:  docBase + "aws-resource-elasticache-replicationgroup.html",
		says: "when UseOnlineResharding is false or not specified, updating NodeGroupConfiguration results in replacement"},
	{typ: "AWS::ElastiCache::ReplicationGroup", path: "NumNodeGroups", cond: condition{updatePolicy: "UseOnlineResharding"}, behaviour: Never,
		doc:  docBase + "aws-resource-elasticache-replicationgroup.html",
		says: "with UseOnlineResharding set to true, NumNodeGroups updates without interruption"},
	{typ: "AWS::ElastiCache::ReplicationGroup", path: "NumNodeGroups", behaviour: Always,
		doc:  docBase + "aws-resource-elasticache-replicationgroup.html",
		says: "when UseOnlineResharding is false or not specified, updating NumNodeGroups results in replacement"},

	// ElastiCache CacheCluster.
	{typ: "AWS::ElastiCache::CacheCluster", path: "NumCacheNodes", cond: condition{unset: []string{"PreferredAvailabilityZone", "PreferredAvailabilityZones"}}, behaviour: Always,
		doc:  docBase + "aws-resource-elasticache-cachecluster.html",
		says: "if PreferredAvailabilityZone and PreferredAvailabilityZones were not previously specified and no new values are specified, an update requires replacement"},
	{typ: "AWS::ElastiCache::CacheCluster", path: "NumCacheNodes", behaviour: Never,
		doc:  docBase + "aws-resource-elasticache-cachecluster.html",
		says: "NumCacheNodes otherwise updates with some interruptions"},

	// OpenSearch and Elasticsearch domains: the spec has EngineVersion as
	// an in-place update; by default it is a replacement.
	{typ: "AWS::OpenSearchService::Domain", path: "EngineVersion", cond: condition{updatePolicy: "EnableVersionUpgrade"}, behaviour: Never,
		doc:  docBase + "aws-resource-opensearchservice-domain.html",
		says: "with the EnableVersionUpgrade update policy set to true, EngineVersion updates without interruption"},
	{typ: "AWS::OpenSearchService::Domain", path: "EngineVersion", behaviour: Always,
		doc:  docBase + "aws-resource-opensearchservice-domain.html",
		says: "when EnableVersionUpgrade is false or not specified, updating EngineVersion results in replacement"},
	{typ: "AWS::OpenSearchService::Domain", path: "VPCOptions", when: disappears, behaviour: Always,
		doc:  docBase + "aws-resource-opensearchservice-domain.html",
		says: "removing VPCOptions altogether (from a VPC to a public endpoint) causes a replacement"},
	{typ: "AWS::Elasticsearch::Domain", path: "ElasticsearchVersion", cond: condition{updatePolicy: "EnableVersionUpgrade"}, behaviour: Never,
		doc:  docBase + "aws-resource-elasticsearch-domain.html",
		says: "with the EnableVersionUpgrade update policy set to true, ElasticsearchVersion updates without interruption"},
	{typ: "AWS::Elasticsearch::Domain", path: "ElasticsearchVersion", behaviour: Always,
		doc:  docBase + "aws-resource-elasticsearch-domain.html",
		says: "when EnableVersionUpgrade is false or not specified, updating ElasticsearchVersion results in replacement"},

	// RDS DBInstance.
	{typ: "AWS::RDS::DBInstance", path: "DBSnapshotIdentifier", behaviour: Always,
		doc:  docBase + "aws-resource-rds-dbinstance.html",
		says: "a snapshot identifier different from the previous one restores a new DB instance and deletes the original; leaving it out creates an empty DB instance and deletes the original"},
	{typ: "AWS::RDS::DBInstance", path: "SourceDBInstanceIdentifier", when: disappears, behaviour: Never,
		doc:  docBase + "aws-resource-rds-dbinstance.html",
		says: "removing SourceDBInstanceIdentifier promotes the read replica to a standalone DB instance"},
	{typ: "AWS::RDS::DBInstance", path: "LicenseModel", cond: condition{set: []string{"DBSecurityGroups"}}, behaviour: Always,
		doc:  docBase + "aws-resource-rds-dbinstance.html",
		says: "if DBSecurityGroups is specified, updating the license model replaces the underlying DB instance"},
}

// ruleCtx is the resource a rule is evaluated on: both sides' properties
// and attributes. Either side may be missing (nil).
type ruleCtx struct {
	bProps, hProps *val
	hAttrs         map[string]*val
}

func (c *ruleCtx) holds(cond condition) bool {
	if cond.updatePolicy != "" {
		if c == nil || c.hAttrs == nil {
			return false
		}
		v, ok := c.hAttrs["UpdatePolicy"].get(cond.updatePolicy).str()
		if !ok || !strings.EqualFold(v, "true") {
			return false
		}
	}
	if len(cond.set) > 0 {
		found := false
		for _, p := range cond.set {
			if c != nil && (c.bProps.get(p) != nil || c.hProps.get(p) != nil) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	for _, p := range cond.unset {
		if c != nil && (c.bProps.get(p) != nil || c.hProps.get(p) != nil) {
			return false
		}
	}
	return true
}

func (w transition) holds(inBase, inHead bool) bool {
	switch w {
	case appears:
		return !inBase && inHead
	case disappears:
		return inBase && !inHead
	case changes:
		return inBase && inHead
	}
	return true
}

// overrideIndex is the table by type and path, and the path prefixes
// that have a rule at or below them.
type overrideIndex struct {
	rows     map[string][]override
	prefixes map[string]bool
}

var overridesByType = func() map[string]*overrideIndex {
	out := map[string]*overrideIndex{}
	for _, o := range overrides {
		ix := out[o.typ]
		if ix == nil {
			ix = &overrideIndex{rows: map[string][]override{}, prefixes: map[string]bool{}}
			out[o.typ] = ix
		}
		ix.rows[o.path] = append(ix.rows[o.path], o)
		segs := strings.Split(o.path, ".")
		for i := 1; i <= len(segs); i++ {
			ix.prefixes[strings.Join(segs[:i], ".")] = true
		}
	}
	return out
}()
