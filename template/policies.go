package template

import (
	"fmt"
	"strconv"
	"strings"
)

// PolicyKind says what a policy governs.
type PolicyKind uint8

// Policy kinds.
const (
	// Identity policies grant their principal (a role, user or group) access.
	Identity PolicyKind = iota
	// Trust policies say who may assume a role.
	Trust
	// ResourcePolicy policies say who may access the resource they are attached to.
	ResourcePolicy
)

func (k PolicyKind) String() string {
	switch k {
	case Trust:
		return "trust"
	case ResourcePolicy:
		return "resource"
	}
	return "identity"
}

// Policy is one IAM policy declared in a template, resolved.
type Policy struct {
	Kind PolicyKind
	// ResourceType and LogicalID name the resource that declares the policy.
	ResourceType string
	LogicalID    string
	// Name is the inline policy name, when it has one.
	Name string
	// Path locates the document in the template, e.g.
	// "Resources.AppRole.Properties.Policies[0].PolicyDocument".
	Path string
	// Document is the resolved policy document, with template positions.
	Document *Node
	// Pos is where the document starts in the template.
	Pos Pos
	// Branch is set when the document depends on conditions that vary even
	// with every parameter at its default (a parameter without a default,
	// the Region): "when IsProd is true". Each branch is its own Policy.
	Branch string
	// When is set when only non-default parameter values reach this
	// document: one assignment that does, "Stage=sandbox". Policies the
	// defaults reach have none.
	When string
	// Merged is set on the policy checked in a merged evaluation, when its
	// combinations of conditions were too many to check one by one; Reach
	// says which conditions each of its values needs.
	Merged *Merge
	// Synthesized marks policies built from resource properties rather than
	// written as documents (AWS::Lambda::Permission).
	Synthesized bool
	// Noun is how messages name the policy when its kind does not say it
	// ("bucket ACL", "layer permission"); "" otherwise.
	Noun string
	// Narrow says how to keep a synthesized policy's access to the
	// account or organization in the resource's own properties; "" for
	// a written document.
	Narrow string
	// Attachment names the resource the policy governs as IAM Access
	// Analyzer's resource types name it ("AWS::S3::Bucket", and
	// "AWS::IAM::AssumeRolePolicyDocument" for a trust policy), when it has
	// one; "" otherwise.
	Attachment string
	// Expanded names the SAM policy template the document was expanded
	// from ("S3CrudPolicy"); its elements are then placed at the template
	// entry and have no path of their own in the template.
	Expanded string
	// Holds says in which combinations of conditions this document is the
	// policy, so that policies of different resources are combined only
	// where they hold together (see Principal.Combinations).
	Holds Holds

	// end is the last line of the document as resolved; first and last
	// bound where it is written, when its path leads there.
	end         int
	first, last Pos
}

// ManagedPolicyRef is a managed policy ARN attached to a role, user or group.
type ManagedPolicyRef struct {
	LogicalID    string
	ResourceType string
	Path         string
	ARN          *Node
	// Branch, When and Holds say in which combinations of conditions the
	// reference holds, as for a Policy.
	Branch string
	When   string
	Holds  Holds
	// SAM is set for an entry of a SAM resource's Policies, where a bare
	// AWS managed policy name ("AmazonS3ReadOnlyAccess") stands for its ARN.
	SAM bool
}

// Extraction is every policy of a template.
type Extraction struct {
	Policies        []*Policy
	ManagedPolicies []ManagedPolicyRef
	Problems        []Problem
	// Bounds lists resources whose combinations of conditions were more
	// than are checked one by one.
	Bounds []Bound
	// Invalid are policy-bearing properties that CloudFormation (or the
	// service) rejects: a required property that is missing, a list that
	// is not a list, a managed policy that is not an ARN.
	Invalid []Invalid
	// Unchecked are the places that declare access which tollgate does
	// not read, each with why: nothing is left out silently.
	Unchecked []Unchecked
	// Templates are templates written inside this one (the TemplateBody
	// of an AWS::CloudFormation::StackSet), to be checked as templates.
	Templates []EmbeddedTemplate
	// Nested are the local files that nested stacks name in TemplateURL
	// (or SAM applications in Location), as aws cloudformation package
	// would upload them.
	Nested []NestedTemplate
	// SAMProblems are entries of SAM Policies that the SAM transform
	// rejects (an unknown policy template, a missing parameter value).
	SAMProblems []SAMProblem
	// Principals are the roles, users, groups and permission sets the
	// identity policies attach to, each with what is attached to it.
	Principals []*Principal
}

// Invalid is a malformed policy-bearing property of a resource.
type Invalid struct {
	LogicalID, ResourceType string
	// Path locates the property (or the Properties, for a missing one).
	Path string
	Pos  Pos
	// Branch and When say in which combinations of conditions the
	// property is malformed, as for a Policy.
	Branch  string
	When    string
	Message string
	Fix     string
}

// Unchecked is a place that declares access which tollgate does not read.
type Unchecked struct {
	LogicalID, ResourceType string
	Path                    string
	Pos                     Pos
	// Reason says why it is not read, and how to check it otherwise.
	Reason string
}

// EmbeddedTemplate is a template written as a string inside a resource.
type EmbeddedTemplate struct {
	LogicalID, ResourceType, Path string
	// Body is the resolved string; positions inside it map to the
	// template with EmbeddedPos.
	Body *Node
	// Parameters are the values the resource passes to it, when known.
	Parameters map[string]string
}

// NestedTemplate is a local template file a resource deploys as a stack.
type NestedTemplate struct {
	LogicalID, ResourceType, Path string
	Pos                           Pos
	// File is the path as written, relative to the template's folder.
	File string
}

// ResourceSpec is everything tollgate knows about one resource type that
// declares policies: where its policies live and of which kind (its
// finders), what IAM Access Analyzer calls the resource each resource
// policy attaches to (the finders' attachment), which services its
// resource policies may name, whether their statements need a Resource,
// and which IAM quota its identity policies count against. Every rule and
// backend reads the type's facts from here; there are no side tables.
type ResourceSpec struct {
	// Type is the CloudFormation resource type.
	Type string
	find []finder
	// Services are the service prefixes whose actions the type's resource
	// policies may name (UNSUPPORTED_ACTION_IN_POLICY); AnyService when
	// tollgate does not restrict them.
	Services []string
	// RequiresResource is set when statements of the type's resource
	// policies need Resource or NotResource, as identity policies do
	// (MISSING_RESOURCE).
	RequiresResource bool
	// PolicyName is what cfn-policy-validator calls the type's resource
	// policy ("QueuePolicy"); scripts that read its output look for it.
	PolicyName string
	// Quota says which IAM size quota the type's identity policies count
	// against; nil when none applies (POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA).
	Quota []QuotaTarget
	// Required are the properties CloudFormation's schema of the type
	// requires; a resource without one is INVALID_POLICY_PROPERTY.
	Required []string
	// Limits marks types whose policies cap what principals may do and
	// grant nothing themselves (VPC endpoint policies, service control
	// policies, session policies): the rules about broad grants and
	// external principals do not apply to them.
	Limits bool
}

// AnyService marks a type whose resource policies may name any service's
// actions, as far as tollgate checks.
var AnyService = []string{"*"}

// QuotaTarget is a principal whose inline-policy quota a policy counts
// against: the declaring resource itself (Prop ""), or the principals a
// property of it names (RoleName, Roles, ...). Kind "managed" is the
// quota of one managed policy.
type QuotaTarget struct {
	Kind string
	Prop string
}

var (
	ownQuota     = func(kind string) []QuotaTarget { return []QuotaTarget{{Kind: kind}} }
	quotaVia     = func(kind, prop string) []QuotaTarget { return []QuotaTarget{{kind, prop}} }
	managedQuota = []QuotaTarget{{Kind: "managed"}}
	policyQuota  = []QuotaTarget{{"role", "Roles"}, {"user", "Users"}, {"group", "Groups"}}
	findBy       = func(f ...finder) []finder { return f }
	services     = func(s ...string) []string { return s }
	names        = func(s ...string) []string { return s }
	aaRoleTrust  = "AWS::IAM::AssumeRolePolicyDocument"
	genericName  = "ResourcePolicy"
)

// finder pulls policies out of a resolved Properties node.
type finder func(x *extractor, props *Node, path string)

// resourceSpecs is the registry of resource types that carry policies. Adding
// a type is one line; TestEveryResourceSpecIsComplete fails on a line that
// leaves a fact out.
var resourceSpecs = []ResourceSpec{
	{Type: "AWS::IAM::Role", find: findBy(doc("AssumeRolePolicyDocument", Trust, aaRoleTrust), inline("Policies", Identity), managed("ManagedPolicyArns")), Quota: ownQuota("role"), Required: names("AssumeRolePolicyDocument")},
	{Type: "AWS::IAM::User", find: findBy(inline("Policies", Identity), managed("ManagedPolicyArns")), Quota: ownQuota("user")},
	{Type: "AWS::IAM::Group", find: findBy(inline("Policies", Identity), managed("ManagedPolicyArns")), Quota: ownQuota("group")},
	{Type: "AWS::IAM::Policy", find: findBy(named("PolicyDocument", "PolicyName", Identity)), Quota: policyQuota, Required: names("PolicyDocument", "PolicyName")},
	{Type: "AWS::IAM::ManagedPolicy", find: findBy(named("PolicyDocument", "ManagedPolicyName", Identity)), Quota: managedQuota, Required: names("PolicyDocument")},
	{Type: "AWS::IAM::RolePolicy", find: findBy(named("PolicyDocument", "PolicyName", Identity)), Quota: quotaVia("role", "RoleName"), Required: names("PolicyName", "RoleName")},
	{Type: "AWS::IAM::UserPolicy", find: findBy(named("PolicyDocument", "PolicyName", Identity)), Quota: quotaVia("user", "UserName"), Required: names("PolicyName", "UserName")},
	{Type: "AWS::IAM::GroupPolicy", find: findBy(named("PolicyDocument", "PolicyName", Identity)), Quota: quotaVia("group", "GroupName"), Required: names("PolicyName", "GroupName")},
	{Type: "AWS::SSO::PermissionSet", find: findBy(named("InlinePolicy", "Name", Identity), managed("ManagedPolicies")), Quota: []QuotaTarget{}, Required: names("Name", "InstanceArn")},
	{Type: "AWS::S3::BucketPolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "AWS::S3::Bucket")), Services: services("s3"), RequiresResource: true, PolicyName: "BucketPolicy", Required: names("Bucket", "PolicyDocument")},
	{Type: "AWS::S3::AccessPoint", find: findBy(doc("Policy", ResourcePolicy, "AWS::S3::AccessPoint")), Services: services("s3"), PolicyName: "AccessPointPolicy", Required: names("Bucket")},
	{Type: "AWS::S3::MultiRegionAccessPointPolicy", find: findBy(doc("Policy", ResourcePolicy, "AWS::S3::MultiRegionAccessPoint")), Services: AnyService, PolicyName: "MultiRegionAccessPointPolicy", Required: names("Policy", "MrapName")},
	{Type: "AWS::S3ObjectLambda::AccessPointPolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "AWS::S3ObjectLambda::AccessPoint")), Services: AnyService, PolicyName: "AccessPointPolicy", Required: names("ObjectLambdaAccessPoint", "PolicyDocument")},
	{Type: "AWS::S3Express::BucketPolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "AWS::S3Express::DirectoryBucket")), Services: AnyService, PolicyName: "BucketPolicy", Required: names("Bucket", "PolicyDocument")},
	{Type: "AWS::S3Express::AccessPoint", find: findBy(doc("Policy", ResourcePolicy, "AWS::S3Express::AccessPoint")), Services: AnyService, PolicyName: "Policy", Required: names("Bucket")},
	{Type: "AWS::SQS::QueuePolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "AWS::SQS::Queue")), Services: services("sqs"), PolicyName: "QueuePolicy", Required: names("PolicyDocument", "Queues")},
	{Type: "AWS::SQS::QueueInlinePolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "AWS::SQS::Queue")), Services: services("sqs"), PolicyName: "QueuePolicy", Required: names("PolicyDocument", "Queue")},
	{Type: "AWS::SNS::TopicPolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "AWS::SNS::Topic")), Services: services("sns"), PolicyName: "TopicPolicy", Required: names("PolicyDocument", "Topics")},
	{Type: "AWS::SNS::TopicInlinePolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "AWS::SNS::Topic")), Services: services("sns"), PolicyName: "TopicPolicy", Required: names("PolicyDocument", "TopicArn")},
	{Type: "AWS::KMS::Key", find: findBy(doc("KeyPolicy", ResourcePolicy, "AWS::KMS::Key")), Services: services("kms"), RequiresResource: true, PolicyName: "KeyPolicy"},
	{Type: "AWS::KMS::ReplicaKey", find: findBy(doc("KeyPolicy", ResourcePolicy, "AWS::KMS::Key")), Services: services("kms"), RequiresResource: true, PolicyName: "KeyPolicy", Required: names("PrimaryKeyArn", "KeyPolicy")},
	{Type: "AWS::Lambda::Permission", find: findBy(lambdaPermission), Services: services("lambda"), PolicyName: "PermissionsPolicy", Required: names("FunctionName", "Action", "Principal")},
	{Type: "AWS::SecretsManager::ResourcePolicy", find: findBy(doc("ResourcePolicy", ResourcePolicy, "AWS::SecretsManager::Secret")), Services: services("secretsmanager"), PolicyName: genericName, Required: names("ResourcePolicy", "SecretId")},
	{Type: "AWS::ECR::Repository", find: findBy(doc("RepositoryPolicyText", ResourcePolicy, "AWS::ECR::Repository")), Services: services("ecr"), PolicyName: genericName},
	{Type: "AWS::ECR::RegistryPolicy", find: findBy(doc("PolicyText", ResourcePolicy, "")), Services: AnyService, PolicyName: genericName, Required: names("PolicyText")},
	{Type: "AWS::OpenSearchService::Domain", find: findBy(doc("AccessPolicies", ResourcePolicy, "AWS::OpenSearchService::Domain")), Services: services("es"), PolicyName: genericName},
	{Type: "AWS::Elasticsearch::Domain", find: findBy(doc("AccessPolicies", ResourcePolicy, "")), Services: services("es"), PolicyName: genericName},
	{Type: "AWS::EFS::FileSystem", find: findBy(doc("FileSystemPolicy", ResourcePolicy, "AWS::EFS::FileSystem")), Services: services("elasticfilesystem"), PolicyName: genericName},
	{Type: "AWS::Glacier::Vault", find: findBy(doc("AccessPolicy", ResourcePolicy, "AWS::S3::Glacier")), Services: services("glacier"), PolicyName: genericName},
	{Type: "AWS::Backup::BackupVault", find: findBy(doc("AccessPolicy", ResourcePolicy, "AWS::Backup::BackupVault")), Services: AnyService, PolicyName: "AccessPolicy", Required: names("BackupVaultName")},
	{Type: "AWS::CodeArtifact::Domain", find: findBy(doc("PermissionsPolicyDocument", ResourcePolicy, "AWS::CodeArtifact::Domain")), Services: AnyService, PolicyName: "PermissionsPolicyDocument", Required: names("DomainName")},
	{Type: "AWS::CodeArtifact::Repository", find: findBy(doc("PermissionsPolicyDocument", ResourcePolicy, "")), Services: AnyService, PolicyName: genericName, Required: names("RepositoryName", "DomainName")},
	{Type: "AWS::Events::EventBus", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("events"), PolicyName: genericName, Required: names("Name")},
	{Type: "AWS::Logs::ResourcePolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "")), Services: AnyService, PolicyName: genericName, Required: names("PolicyName", "PolicyDocument")},
	{Type: "AWS::Logs::Destination", find: findBy(doc("DestinationPolicy", ResourcePolicy, "")), Services: services("logs"), PolicyName: genericName, Required: names("DestinationName", "TargetArn", "RoleArn")},
	{Type: "AWS::DynamoDB::Table", find: findBy(doc("ResourcePolicy.PolicyDocument", ResourcePolicy, "AWS::DynamoDB::Table"),
		doc("StreamSpecification.ResourcePolicy.PolicyDocument", ResourcePolicy, "AWS::DynamoDB::Stream")), Services: services("dynamodb"), PolicyName: genericName, Required: names("KeySchema")},
	{Type: "AWS::DynamoDB::GlobalTable", find: findBy(doc("Replicas[].ResourcePolicy.PolicyDocument", ResourcePolicy, "AWS::DynamoDB::Table"),
		doc("Replicas[].ReplicaStreamSpecification.ResourcePolicy.PolicyDocument", ResourcePolicy, "AWS::DynamoDB::Stream")), Services: services("dynamodb"), PolicyName: genericName, Required: names("Replicas")},
	{Type: "AWS::ApiGateway::RestApi", find: findBy(doc("Policy", ResourcePolicy, "AWS::ApiGateway::RestApi")), Services: services("execute-api"), PolicyName: "Policy"},
	{Type: "AWS::Kinesis::ResourcePolicy", find: findBy(kinesisPolicy), Services: services("kinesis"), PolicyName: genericName, Required: names("ResourceArn", "ResourcePolicy")},
	{Type: "AWS::S3::Bucket", find: findBy(bucketACL), Services: services("s3"), PolicyName: "BucketAcl"},
	{Type: "AWS::S3Outposts::BucketPolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "AWS::S3Outposts::Bucket")), Services: services("s3-outposts"), PolicyName: "BucketPolicy", Required: names("Bucket", "PolicyDocument")},
	{Type: "AWS::S3Outposts::AccessPoint", find: findBy(doc("Policy", ResourcePolicy, "AWS::S3Outposts::AccessPoint")), Services: services("s3-outposts"), PolicyName: "AccessPointPolicy", Required: names("Bucket", "Name", "VpcConfiguration")},
	{Type: "AWS::S3Tables::TableBucketPolicy", find: findBy(doc("ResourcePolicy", ResourcePolicy, "AWS::S3Tables::TableBucket")), Services: services("s3tables"), PolicyName: "TableBucketPolicy", Required: names("ResourcePolicy", "TableBucketARN")},
	{Type: "AWS::S3Tables::TablePolicy", find: findBy(doc("ResourcePolicy", ResourcePolicy, "AWS::S3Tables::Table")), Services: services("s3tables"), PolicyName: genericName, Required: names("TableARN", "ResourcePolicy")},
	{Type: "AWS::S3Vectors::VectorBucketPolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("s3vectors"), PolicyName: genericName, Required: names("Policy")},
	{Type: "AWS::S3Files::FileSystemPolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: AnyService, PolicyName: genericName, Required: names("FileSystemId", "Policy")},
	{Type: "AWS::FSx::S3AccessPointAttachment", find: findBy(doc("S3AccessPoint.Policy", ResourcePolicy, "AWS::S3::AccessPoint")), Services: services("s3"), PolicyName: "AccessPointPolicy", Required: names("Name", "Type")},
	{Type: "AWS::Omics::SequenceStore", find: findBy(doc("S3AccessPolicy", ResourcePolicy, "")), Services: AnyService, PolicyName: genericName, Required: names("Name")},
	{Type: "AWS::Lambda::LayerVersionPermission", find: findBy(layerPermission), Services: services("lambda"), PolicyName: "LayerVersionPermission", Required: names("LayerVersionArn", "Action", "Principal")},
	{Type: "AWS::CloudTrail::ResourcePolicy", find: findBy(cloudTrailPolicy), Services: services("cloudtrail", "cloudtrail-data"), PolicyName: genericName, Required: names("ResourceArn", "ResourcePolicy")},
	{Type: "AWS::Events::EventBusPolicy", find: findBy(eventBusPolicy), Services: services("events"), PolicyName: genericName, Required: names("StatementId")},
	{Type: "AWS::EC2::VPCEndpoint", find: findBy(doc("PolicyDocument", ResourcePolicy, "")), Services: AnyService, PolicyName: "VpcEndpointPolicy", Required: names("VpcId"), Limits: true},
	{Type: "AWS::ECR::PublicRepository", find: findBy(doc("RepositoryPolicyText", ResourcePolicy, "")), Services: services("ecr-public"), PolicyName: genericName},
	{Type: "AWS::ECR::RepositoryCreationTemplate", find: findBy(doc("RepositoryPolicy", ResourcePolicy, "")), Services: services("ecr"), PolicyName: genericName, Required: names("Prefix", "AppliedFor")},
	{Type: "AWS::ApiGateway::DomainNameV2", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("execute-api"), PolicyName: genericName},
	{Type: "AWS::Backup::LogicallyAirGappedBackupVault", find: findBy(doc("AccessPolicy", ResourcePolicy, "AWS::Backup::BackupVault")), Services: AnyService, PolicyName: genericName, Required: names("BackupVaultName", "MinRetentionDays", "MaxRetentionDays")},
	{Type: "AWS::Logs::LogGroup", find: findBy(doc("ResourcePolicyDocument", ResourcePolicy, "")), Services: services("logs"), PolicyName: genericName},
	{Type: "AWS::Logs::DeliveryDestination", find: findBy(doc("DeliveryDestinationPolicy.DeliveryDestinationPolicy", ResourcePolicy, "")), Services: services("logs"), PolicyName: genericName, Required: names("Name")},
	{Type: "AWS::APS::ResourcePolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "")), Services: services("aps"), PolicyName: genericName, Required: names("WorkspaceArn", "PolicyDocument")},
	{Type: "AWS::Bedrock::ResourcePolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "")), Services: services("bedrock"), PolicyName: genericName, Required: names("ResourceArn", "PolicyDocument")},
	{Type: "AWS::DSQL::Cluster", find: findBy(doc("PolicyDocument", ResourcePolicy, "")), Services: services("dsql"), PolicyName: genericName},
	{Type: "AWS::EventSchemas::RegistryPolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("schemas"), PolicyName: genericName, Required: names("RegistryName", "Policy")},
	{Type: "AWS::Lex::ResourcePolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("lex"), PolicyName: genericName, Required: names("Policy", "ResourceArn")},
	{Type: "AWS::MSK::ClusterPolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("kafka", "kafka-cluster"), PolicyName: genericName, Required: names("Policy", "ClusterArn")},
	{Type: "AWS::MediaPackageV2::ChannelPolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("mediapackagev2"), PolicyName: genericName, Required: names("ChannelGroupName", "ChannelName", "Policy")},
	{Type: "AWS::MediaPackageV2::OriginEndpointPolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("mediapackagev2"), PolicyName: genericName, Required: names("ChannelGroupName", "ChannelName", "OriginEndpointName", "Policy")},
	{Type: "AWS::MediaStore::Container", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("mediastore"), PolicyName: genericName, Required: names("ContainerName")},
	{Type: "AWS::MediaTailor::ChannelPolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("mediatailor"), PolicyName: genericName, Required: names("ChannelName", "Policy")},
	{Type: "AWS::OSIS::Pipeline", find: findBy(doc("ResourcePolicy.Policy", ResourcePolicy, "")), Services: services("osis"), PolicyName: genericName, Required: names("MaxUnits", "MinUnits", "PipelineConfigurationBody", "PipelineName")},
	{Type: "AWS::Oam::Sink", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("oam"), PolicyName: genericName, Required: names("Name")},
	{Type: "AWS::RUM::AppMonitor", find: findBy(doc("ResourcePolicy.PolicyDocument", ResourcePolicy, "")), Services: services("rum"), PolicyName: genericName, Required: names("Name")},
	{Type: "AWS::SMSVOICE::ResourcePolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "")), Services: services("sms-voice"), PolicyName: genericName, Required: names("ResourceArn", "PolicyDocument")},
	{Type: "AWS::SSM::ResourcePolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("ssm"), PolicyName: genericName, Required: names("ResourceArn", "Policy")},
	{Type: "AWS::SageMaker::ModelPackageGroup", find: findBy(doc("ModelPackageGroupPolicy", ResourcePolicy, "")), Services: services("sagemaker"), PolicyName: genericName, Required: names("ModelPackageGroupName")},
	{Type: "AWS::VpcLattice::AuthPolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("vpc-lattice-svcs"), PolicyName: genericName, Required: names("ResourceIdentifier", "Policy")},
	{Type: "AWS::VpcLattice::ResourcePolicy", find: findBy(doc("Policy", ResourcePolicy, "")), Services: services("vpc-lattice"), PolicyName: genericName, Required: names("ResourceArn", "Policy")},
	{Type: "AWS::XRay::ResourcePolicy", find: findBy(doc("PolicyDocument", ResourcePolicy, "")), Services: services("xray"), PolicyName: genericName, Required: names("PolicyName", "PolicyDocument")},
	{Type: "AWS::AIOps::InvestigationGroup", find: findBy(doc("InvestigationGroupPolicy", ResourcePolicy, "")), Services: services("aiops"), PolicyName: genericName, Required: names("Name")},
	{Type: "AWS::Comprehend::DocumentClassifier", find: findBy(doc("ModelPolicy", ResourcePolicy, "")), Services: services("comprehend"), PolicyName: genericName, Required: names("DocumentClassifierName", "DataAccessRoleArn", "InputDataConfig", "LanguageCode")},
	{Type: "AWS::Organizations::ResourcePolicy", find: findBy(doc("Content", ResourcePolicy, "")), Services: services("organizations"), PolicyName: genericName, Required: names("Content")},
	{Type: "AWS::Organizations::Policy", find: findBy(orgPolicy), Services: AnyService, PolicyName: genericName, Quota: []QuotaTarget{}, Required: names("Name", "Type", "Content"), Limits: true},
	{Type: "AWS::EKS::PodIdentityAssociation", find: findBy(named("Policy", "ServiceAccount", Identity)), Quota: []QuotaTarget{}, Required: names("ClusterName", "RoleArn", "Namespace", "ServiceAccount"), Limits: true},
	{Type: "AWS::Transfer::User", find: findBy(named("Policy", "UserName", Identity)), Quota: []QuotaTarget{}, Required: names("Role", "ServerId", "UserName"), Limits: true},
	{Type: "AWS::RolesAnywhere::Profile", find: findBy(named("SessionPolicy", "Name", Identity)), Quota: []QuotaTarget{}, Required: names("Name", "RoleArns"), Limits: true},
	{Type: "AWS::CloudFormation::StackSet", find: findBy(stackSet), Required: names("StackSetName", "PermissionModel")},
	{Type: "AWS::CloudFormation::Stack", find: findBy(nestedStack("TemplateURL")), Required: names("TemplateURL")},
	{Type: "AWS::Serverless::Application", find: findBy(nestedStack("Location"))},
	{Type: "AWS::Serverless::Api", find: findBy(samApiPolicy)},
	{Type: "AWS::Serverless::Function", find: findBy(samPolicies), Quota: ownQuota("role")},
	{Type: "AWS::Serverless::StateMachine", find: findBy(samPolicies), Quota: ownQuota("role")},
}

var specByType = func() map[string][]finder {
	m := make(map[string][]finder, len(resourceSpecs))
	for _, s := range resourceSpecs {
		f := s.find
		if len(s.Required) > 0 {
			f = append([]finder{required(s.Required)}, f...)
		}
		m[s.Type] = f
	}
	return m
}()

var specIndex = func() map[string]*ResourceSpec {
	m := make(map[string]*ResourceSpec, len(resourceSpecs))
	for i := range resourceSpecs {
		m[resourceSpecs[i].Type] = &resourceSpecs[i]
	}
	return m
}()

// SpecOf returns what tollgate knows about a resource type; nil when the
// type declares no policy tollgate reads.
func SpecOf(resourceType string) *ResourceSpec { return specIndex[resourceType] }

// Spec returns the facts of the type that declares the policy (never nil
// for an extracted policy).
func (p *Policy) Spec() *ResourceSpec {
	if s := specIndex[p.ResourceType]; s != nil {
		return s
	}
	return &ResourceSpec{Type: p.ResourceType}
}

// PolicyResourceTypes lists the resource types whose policies are extracted.
func PolicyResourceTypes() []string {
	out := make([]string, len(resourceSpecs))
	for i, s := range resourceSpecs {
		out[i] = s.Type
	}
	return out
}

type extractor struct {
	t   *Template
	r   *Resolver
	res *Resource
	// a is the assumption the properties were resolved under.
	a   Assumption
	out *Extraction
}

func (x *extractor) add(p *Policy, raw *Node) {
	if raw == nil {
		return
	}
	if raw.Kind == Unknown && len(raw.Items) == 0 && (raw.Origin == nil || raw.Origin.Func != "Fn::If") {
		reason := "its value is known only at deploy time (" + raw.Value + "), so tollgate cannot read the policy; " +
			"check the policy where it is written, or write it in the template"
		x.unchecked(p.Path, raw.Pos, reason)
		return
	}
	doc := raw
	if raw.Kind == String || raw.Kind == Unknown {
		parsed, prob := x.t.EmbeddedJSON(raw)
		if prob != nil {
			x.out.Problems = append(x.out.Problems, *prob)
			return
		}
		if parsed != nil {
			doc = parsed
		}
	}
	p.ResourceType = x.res.Type
	p.LogicalID = x.res.LogicalID
	p.Document = doc
	p.Pos = raw.Pos
	p.end = raw.lastLine()
	p.placeWritten(x.res)
	x.out.Policies = append(x.out.Policies, p)
}

// index is where the i-th item of a resolved list is written.
func (x *extractor) index(list *Node, i int) int {
	if x.r == nil {
		return i
	}
	return x.r.ItemIndex(list, i)
}

// Extract returns every policy declared in t, resolved with r's values.
// Resources whose Condition no accepted parameter value makes true are
// skipped; a document that depends on conditions yields one policy per
// distinct outcome, labelled with the conditions (Branch) and, when only
// non-default parameter values reach it, with one such assignment (When).
// See variants.go.
func Extract(t *Template, r *Resolver) *Extraction {
	out := &Extraction{}
	e := r.explorer()
	for _, res := range t.Resources {
		finders := specByType[res.Type]
		if finders == nil || res.Properties == nil {
			out.unread(t, res)
			continue
		}
		e.extractResource(res, finders, out)
	}
	out.Problems = append(out.Problems, selectProblems(t, r)...)
	out.Principals = principals(t, e, out)
	return out
}

// walkPath visits the values at a dotted property path; a segment ending in
// "[]" visits every item of a list.
func (x *extractor) walkPath(n *Node, path, prefix string, visit func(v *Node, path string)) {
	if n == nil {
		return
	}
	if path == "" {
		visit(n, prefix)
		return
	}
	seg, rest, _ := strings.Cut(path, ".")
	if name, ok := strings.CutSuffix(seg, "[]"); ok {
		list := n.Get(name)
		if list == nil || list.Kind != Seq {
			return
		}
		for i, it := range list.Items {
			x.walkPath(it, rest, prefix+"."+name+"["+strconv.Itoa(x.index(list, i))+"]", visit)
		}
		return
	}
	x.walkPath(n.Get(seg), rest, prefix+"."+seg, visit)
}

// doc finds one policy document at a property path.
func doc(path string, kind PolicyKind, attachment string) finder {
	return func(x *extractor, props *Node, prefix string) {
		x.walkPath(props, path, prefix, func(v *Node, p string) {
			x.add(&Policy{Kind: kind, Path: p, Attachment: attachment}, v)
		})
	}
}

// named finds one policy document with a name in a sibling property.
func named(path, nameProp string, kind PolicyKind) finder {
	return func(x *extractor, props *Node, prefix string) {
		name, _ := props.Get(nameProp).Str()
		x.walkPath(props, path, prefix, func(v *Node, p string) {
			x.add(&Policy{Kind: kind, Path: p, Name: name}, v)
		})
	}
}

// inline finds a list of {PolicyName, PolicyDocument} entries.
func inline(prop string, kind PolicyKind) finder {
	return func(x *extractor, props *Node, prefix string) {
		list := props.Get(prop)
		if list == nil || !x.isList(props, prop, prefix, "{PolicyName, PolicyDocument}") {
			return
		}
		for j, it := range list.Items {
			i := x.index(list, j)
			path := indexPath(prefix, prop, i)
			switch it.Kind {
			case Unknown:
				continue
			case Map:
			default:
				x.invalid(path, it.Pos, fmt.Sprintf("%s[%d] must be an inline policy {PolicyName, PolicyDocument}; it is a %s.", prop, i, it.Kind),
					"write the policy as PolicyName and PolicyDocument; attach managed policies with ManagedPolicyArns")
				continue
			}
			name, _ := it.Get("PolicyName").Str()
			if it.Get("PolicyName") == nil {
				x.invalid(path, it.Pos, fmt.Sprintf("The inline policy %s[%d] has no PolicyName; CloudFormation requires one.", prop, i),
					"add PolicyName (unique among the resource's inline policies)")
			}
			d := it.Get("PolicyDocument")
			if d == nil {
				x.invalid(path, it.Pos, fmt.Sprintf("The inline policy %s[%d] has no PolicyDocument; CloudFormation requires one.", prop, i),
					"add the PolicyDocument with its Version and Statement")
				continue
			}
			x.add(&Policy{Kind: kind, Name: name, Path: path + ".PolicyDocument"}, d)
		}
	}
}

// managed records managed policy ARNs attached by a property.
func managed(prop string) finder {
	return func(x *extractor, props *Node, prefix string) {
		list := props.Get(prop)
		if list == nil || !x.isList(props, prop, prefix, "managed policy ARNs") {
			return
		}
		for j, it := range list.Items {
			i := x.index(list, j)
			path := indexPath(prefix, prop, i)
			if s, ok := it.Str(); ok && !strings.HasPrefix(s, "arn:") && !strings.HasPrefix(s, "{{resolve:") {
				fix := "write the policy's ARN, arn:aws:iam::123456789012:policy/NAME, or !Ref a template AWS::IAM::ManagedPolicy"
				if s != "" && !strings.ContainsAny(s, ":/ ") {
					fix = fmt.Sprintf("for the AWS managed policy, write !Sub arn:${AWS::Partition}:iam::aws:policy/%s", s)
				}
				x.invalid(path, it.Pos, fmt.Sprintf("%s[%d] is %q, which is not an ARN; %s takes the ARNs of managed policies, and IAM rejects anything else.", prop, i, s, prop), fix)
				continue
			}
			x.managedRef(it, path, false)
		}
	}
}

// lambdaPermission builds the resource policy statement that an
// AWS::Lambda::Permission adds to its function's policy.
func lambdaPermission(x *extractor, props *Node, prefix string) {
	principal := props.Get("Principal")
	if principal == nil {
		return
	}
	key := "AWS"
	if s, ok := principal.Str(); ok && (strings.HasSuffix(s, ".amazonaws.com") || strings.HasSuffix(s, ".amazonaws.com.cn")) {
		key = "Service"
	}
	str := func(s string, pos Pos) *Node { return &Node{Kind: String, Value: s, Pos: pos, EndLine: pos.Line} }
	stmt := &Node{Kind: Map, Pos: props.Pos, EndLine: props.lastLine()}
	field := func(k string, v *Node) {
		stmt.Fields = append(stmt.Fields, Field{Key: k, KeyPos: v.Pos, Value: v})
	}
	field("Effect", str("Allow", props.Pos))
	field("Principal", &Node{Kind: Map, Pos: principal.Pos, EndLine: principal.lastLine(),
		Fields: []Field{{Key: key, KeyPos: principal.Pos, Value: principal}}})
	if a := props.Get("Action"); a != nil {
		field("Action", a)
	}
	if fn := props.Get("FunctionName"); fn != nil {
		field("Resource", fn)
	}
	cond := &Node{Kind: Map, Pos: props.Pos}
	addCond := func(op, key, prop string) {
		v := props.Get(prop)
		if v == nil {
			return
		}
		opNode := cond.Get(op)
		if opNode == nil {
			cond.Fields = append(cond.Fields, Field{Key: op, KeyPos: v.Pos, Value: &Node{Kind: Map, Pos: v.Pos}})
			opNode = cond.Fields[len(cond.Fields)-1].Value
		}
		opNode.Fields = append(opNode.Fields, Field{Key: key, KeyPos: v.Pos, Value: v})
	}
	addCond("ArnLike", "aws:SourceArn", "SourceArn")
	addCond("StringEquals", "aws:SourceAccount", "SourceAccount")
	addCond("StringEquals", "aws:PrincipalOrgID", "PrincipalOrgID")
	addCond("StringEquals", "lambda:FunctionUrlAuthType", "FunctionUrlAuthType")
	if len(cond.Fields) > 0 {
		field("Condition", cond)
	}
	docNode := &Node{Kind: Map, Pos: props.Pos, EndLine: props.lastLine(), Fields: []Field{
		{Key: "Version", KeyPos: props.Pos, Value: str("2012-10-17", props.Pos)},
		{Key: "Statement", KeyPos: props.Pos, Value: &Node{Kind: Seq, Pos: props.Pos, Items: []*Node{stmt}}},
	}}
	x.add(&Policy{Kind: ResourcePolicy, Path: prefix, Synthesized: true, Attachment: "AWS::Lambda::Function"}, docNode)
}
