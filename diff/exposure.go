package diff

import (
	"fmt"
	"strings"
)

// safety says whether a property value (nil: absent) is the safe setting.
// known is false when the value is computed at deploy time.
type safety func(v *val) (safe, known bool)

// exposureRule is one setting whose change opens or closes access, or adds
// or removes encryption.
type exposureRule struct {
	typ  string
	path string
	kind string
	safe safety
	// off and on describe the unsafe and safe settings for summaries.
	off, on string
}

func boolOf(v *val) (b, known bool) {
	s, ok := v.str()
	if !ok {
		return false, false
	}
	return strings.EqualFold(s, "true"), true
}

// isTrue: safe only when explicitly true (BlockPublicAcls, StorageEncrypted).
func isTrue(v *val) (bool, bool) {
	if v == nil {
		return false, true
	}
	return boolOf(v)
}

// notTrue: safe unless explicitly true (PubliclyAccessible).
func notTrue(v *val) (bool, bool) {
	if v == nil {
		return true, true
	}
	b, ok := boolOf(v)
	return !b, ok
}

// notFalse: safe unless explicitly false (SqsManagedSseEnabled defaults on).
func notFalse(v *val) (bool, bool) {
	if v == nil {
		return true, true
	}
	b, ok := boolOf(v)
	return b, ok
}

// present: safe when set at all (an encryption key or configuration).
func present(v *val) (bool, bool) {
	return v != nil, true
}

// notOneOf: safe unless the value is one of the listed ones.
func notOneOf(bad ...string) safety {
	return func(v *val) (bool, bool) {
		if v == nil {
			return true, true
		}
		s, ok := v.str()
		if !ok {
			return false, false
		}
		for _, b := range bad {
			if strings.EqualFold(s, b) {
				return false, true
			}
		}
		return true, true
	}
}

const (
	publicAccess = "public-access"
	encryption   = "encryption"
)

var exposureRules = []exposureRule{
	{"AWS::S3::Bucket", "PublicAccessBlockConfiguration.BlockPublicAcls", publicAccess, isTrue, "public ACLs are no longer blocked", "public ACLs are blocked"},
	{"AWS::S3::Bucket", "PublicAccessBlockConfiguration.IgnorePublicAcls", publicAccess, isTrue, "public ACLs are no longer ignored", "public ACLs are ignored"},
	{"AWS::S3::Bucket", "PublicAccessBlockConfiguration.BlockPublicPolicy", publicAccess, isTrue, "public bucket policies are no longer blocked", "public bucket policies are blocked"},
	{"AWS::S3::Bucket", "PublicAccessBlockConfiguration.RestrictPublicBuckets", publicAccess, isTrue, "public access through a public policy is no longer restricted", "public access is restricted"},
	{"AWS::S3::Bucket", "AccessControl", publicAccess, notOneOf("PublicRead", "PublicReadWrite", "AuthenticatedRead"), "the canned ACL makes the bucket public", "the bucket's canned ACL is private"},
	{"AWS::S3::Bucket", "BucketEncryption", encryption, present, "the bucket's encryption configuration was removed (objects fall back to SSE-S3)", "default encryption is configured"},
	{"AWS::S3::AccessPoint", "PublicAccessBlockConfiguration.BlockPublicPolicy", publicAccess, isTrue, "public access point policies are no longer blocked", "public policies are blocked"},
	{"AWS::S3::AccessPoint", "PublicAccessBlockConfiguration.RestrictPublicBuckets", publicAccess, isTrue, "public access is no longer restricted", "public access is restricted"},
	{"AWS::RDS::DBInstance", "PubliclyAccessible", publicAccess, notTrue, "the database gets a public address", "the database is private"},
	{"AWS::RDS::DBInstance", "StorageEncrypted", encryption, isTrue, "storage encryption is off", "storage is encrypted"},
	{"AWS::RDS::DBCluster", "StorageEncrypted", encryption, isTrue, "storage encryption is off", "storage is encrypted"},
	{"AWS::RDS::DBCluster", "PubliclyAccessible", publicAccess, notTrue, "the cluster gets a public address", "the cluster is private"},
	{"AWS::DocDB::DBCluster", "StorageEncrypted", encryption, isTrue, "storage encryption is off", "storage is encrypted"},
	{"AWS::Neptune::DBCluster", "StorageEncrypted", encryption, isTrue, "storage encryption is off", "storage is encrypted"},
	{"AWS::Redshift::Cluster", "PubliclyAccessible", publicAccess, notTrue, "the cluster gets a public address", "the cluster is private"},
	{"AWS::Redshift::Cluster", "Encrypted", encryption, isTrue, "encryption is off", "the cluster is encrypted"},
	{"AWS::DMS::ReplicationInstance", "PubliclyAccessible", publicAccess, notTrue, "the instance gets a public address", "the instance is private"},
	{"AWS::DynamoDB::Table", "SSESpecification.SSEEnabled", encryption, isTrue, "KMS encryption is off (the table falls back to an AWS owned key)", "the table is encrypted with KMS"},
	{"AWS::EFS::FileSystem", "Encrypted", encryption, isTrue, "the file system is not encrypted", "the file system is encrypted"},
	{"AWS::EC2::Volume", "Encrypted", encryption, isTrue, "the volume is not encrypted", "the volume is encrypted"},
	{"AWS::SQS::Queue", "KmsMasterKeyId", encryption, present, "the queue's KMS key was removed", "the queue is encrypted with KMS"},
	{"AWS::SQS::Queue", "SqsManagedSseEnabled", encryption, notFalse, "SQS-managed encryption is off", "SQS-managed encryption is on"},
	{"AWS::SNS::Topic", "KmsMasterKeyId", encryption, present, "the topic's KMS key was removed: messages are not encrypted at rest", "the topic is encrypted with KMS"},
	{"AWS::Kinesis::Stream", "StreamEncryption", encryption, present, "stream encryption was removed", "the stream is encrypted"},
	{"AWS::Logs::LogGroup", "KmsKeyId", encryption, present, "the log group's KMS key was removed", "the log group is encrypted with KMS"},
	{"AWS::ElastiCache::ReplicationGroup", "AtRestEncryptionEnabled", encryption, isTrue, "encryption at rest is off", "encryption at rest is on"},
	{"AWS::ElastiCache::ReplicationGroup", "TransitEncryptionEnabled", encryption, isTrue, "encryption in transit is off", "encryption in transit is on"},
	{"AWS::OpenSearchService::Domain", "EncryptionAtRestOptions.Enabled", encryption, isTrue, "encryption at rest is off", "encryption at rest is on"},
	{"AWS::OpenSearchService::Domain", "NodeToNodeEncryptionOptions.Enabled", encryption, isTrue, "node-to-node encryption is off", "node-to-node encryption is on"},
	{"AWS::OpenSearchService::Domain", "DomainEndpointOptions.EnforceHTTPS", encryption, isTrue, "HTTPS is no longer enforced", "HTTPS is enforced"},
	{"AWS::Elasticsearch::Domain", "EncryptionAtRestOptions.Enabled", encryption, isTrue, "encryption at rest is off", "encryption at rest is on"},
	{"AWS::Elasticsearch::Domain", "NodeToNodeEncryptionOptions.Enabled", encryption, isTrue, "node-to-node encryption is off", "node-to-node encryption is on"},
	{"AWS::KMS::Key", "EnableKeyRotation", encryption, isTrue, "automatic key rotation is off", "automatic key rotation is on"},
	{"AWS::EC2::Subnet", "MapPublicIpOnLaunch", publicAccess, notTrue, "instances launched in the subnet get public addresses", "instances get no public address"},
	{"AWS::EKS::Cluster", "ResourcesVpcConfig.EndpointPublicAccess", publicAccess, notFalseDefaultPublic, "the Kubernetes API endpoint is public", "the Kubernetes API endpoint is private"},
	{"AWS::Lambda::Url", "AuthType", publicAccess, notOneOf("NONE"), "the function URL needs no authentication", "the function URL needs IAM authentication"},
}

// notFalseDefaultPublic: EKS endpoints are public unless turned off.
func notFalseDefaultPublic(v *val) (bool, bool) {
	if v == nil {
		return false, true
	}
	b, ok := boolOf(v)
	return !b, ok
}

var exposureByType = func() map[string][]exposureRule {
	m := map[string][]exposureRule{}
	for _, r := range exposureRules {
		m[r.typ] = append(m[r.typ], r)
	}
	return m
}()

func getPath(v *val, path string) *val {
	for _, seg := range strings.Split(path, ".") {
		if v == nil {
			return nil
		}
		v = v.get(seg)
	}
	return v
}

// exposure compares the public access and encryption settings of resources
// present on both sides.
func (d *differ) exposure() {
	for _, rc := range d.sd.Resources {
		if rc.Change != Modified && rc.Change != Renamed {
			continue
		}
		rules := exposureByType[rc.Type]
		if len(rules) == 0 {
			continue
		}
		h := d.head.res[rc.LogicalID]
		bid := rc.LogicalID
		if rc.PreviousLogicalID != "" {
			bid = rc.PreviousLogicalID
		}
		b := d.base.res[bid]
		if b == nil || b.res.Type != h.res.Type {
			continue
		}
		for _, r := range rules {
			bv, hv := getPath(b.props, r.path), getPath(h.props, r.path)
			if equal(bv, hv, d.ren) {
				continue
			}
			bs, bk := r.safe(bv)
			hs, hk := r.safe(hv)
			c := &ExposureChange{Resource: rc.LogicalID, ResourceType: rc.Type, Kind: r.kind, Path: r.path, Line: lineOf(hv)}
			switch {
			case bk && hk && bs && !hs:
				c.Change, c.Summary = Widened, r.off
			case bk && hk && !bs && hs:
				c.Change, c.Summary = Narrowed, r.on
			case bk && hk:
				continue
			case bs || (!bk && !hk):
				c.Change = Changed
				c.Summary = fmt.Sprintf("%s is now %s, known only at deploy time", r.path, render(hv))
				if hv == nil {
					c.Summary = fmt.Sprintf("%s was removed", r.path)
				}
			default:
				continue
			}
			d.sd.Exposure = append(d.sd.Exposure, c)
		}
	}
}
