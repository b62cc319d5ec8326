// Package testgen generates realistic CloudFormation monorepos for
// benchmarks and side-by-side comparisons: many templates of a few dozen
// resources each, with IAM roles, resource policies and a mix of YAML and
// JSON, optionally with known problems planted in some of them.
package testgen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Options shape a generated repository.
type Options struct {
	// Templates is how many templates to write.
	Templates int
	// Groups is how many resource groups each template has; a group is 8
	// resources (role, policy, bucket, bucket policy, queue, queue policy,
	// function, permission), so 5 groups make a 40-resource template.
	Groups int
	// Plant puts known problems in every tenth template (see Planted).
	Plant bool
}

// Planted names the problems written into a planted template, for
// comparisons with other tools.
var Planted = []string{
	"EXTERNAL_PRINCIPAL: trust policy with Principal AWS \"*\"",
	"PASS_ROLE_WITH_STAR_IN_RESOURCE: iam:PassRole on \"*\"",
	"INVALID_ACTION: s3:GetObjekt",
	"INVALID_SERVICE_IN_ACTION: s4:GetObject",
	"RESOURCE_MISMATCH: s3:GetObject on the bucket ARN instead of its objects",
	"RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL: a queue policy for sns.amazonaws.com without aws:SourceArn",
	"MISSING_GITHUB_REPO_CONDITION_KEY: a GitHub OIDC trust policy without a sub condition",
}

// IsPlanted reports whether template i carries the planted problems.
func IsPlanted(i int, o Options) bool { return o.Plant && i%10 == 3 }

// Write generates the repository under dir and returns the file paths.
func Write(dir string, o Options) ([]string, error) {
	var paths []string
	for i := 0; i < o.Templates; i++ {
		name, data := Template(i, o)
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// Template returns the relative path and text of template i: every third
// template is JSON, the rest YAML.
func Template(i int, o Options) (string, []byte) {
	groups := o.Groups
	if groups <= 0 {
		groups = 5
	}
	doc := build(i, groups, IsPlanted(i, o))
	svc := fmt.Sprintf("services/svc%03d", i/10)
	if i%3 == 2 {
		b, _ := json.MarshalIndent(doc.json(), "", "  ")
		return fmt.Sprintf("%s/stack%04d.json", svc, i), append(b, '\n')
	}
	return fmt.Sprintf("%s/stack%04d.yaml", svc, i), []byte(doc.yaml())
}

// tdoc is a small template model rendered both as YAML (short-form tags) and
// as JSON (long form), so both parsers are exercised on the same content.
type tdoc struct {
	resources []res
}

type res struct {
	id, typ string
	props   []kv
}

type kv struct {
	k string
	v any
}

// intrinsic values, rendered per format.
type (
	ref    string
	sub    string
	getAtt [2]string
)

func build(i, groups int, planted bool) *tdoc {
	d := &tdoc{}
	for g := 0; g < groups; g++ {
		n := fmt.Sprintf("%d", g)
		bucket := "Bucket" + n
		queue := "Queue" + n
		role := "Role" + n
		fn := "Function" + n
		principal := any(map[string]any{"Service": "lambda.amazonaws.com"})
		trustAction, trustCondition := "sts:AssumeRole", any(nil)
		switch {
		case planted && g == 0:
			principal = map[string]any{"AWS": "*"}
		case planted && g == 4:
			principal = map[string]any{"Federated": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com")}
			trustAction = "sts:AssumeRoleWithWebIdentity"
			trustCondition = map[string]any{"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
		}
		objects := any(sub("arn:${AWS::Partition}:s3:::${" + bucket + "}/*"))
		if planted && g == 3 {
			objects = getAtt{bucket, "Arn"}
		}
		trust := map[string]any{"Effect": "Allow", "Principal": principal, "Action": trustAction}
		if trustCondition != nil {
			trust["Condition"] = trustCondition
		}
		queueStatement := map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
			"Resource":  getAtt{queue, "Arn"},
			"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": sub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:events")}}}
		if planted && g == 3 {
			delete(queueStatement, "Condition")
		}
		actions := []any{"s3:GetObject", "s3:PutObject", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"}
		if planted && g == 1 {
			actions = append(actions, "s3:GetObjekt", "s4:GetObject")
		}
		inline := map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{"Effect": "Allow", "Action": actions, "Resource": []any{objects, getAtt{queue, "Arn"}}},
				map[string]any{"Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
					"Resource": sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*")},
			},
		}
		d.resources = append(d.resources,
			res{role, "AWS::IAM::Role", []kv{
				{"AssumeRolePolicyDocument", map[string]any{"Version": "2012-10-17", "Statement": []any{trust}}},
				{"Policies", []any{map[string]any{"PolicyName": "app", "PolicyDocument": inline}}},
				{"Tags", []any{map[string]any{"Key": "team", "Value": fmt.Sprintf("team-%d", i%7)}}},
			}},
			res{"DeployPolicy" + n, "AWS::IAM::ManagedPolicy", []kv{
				{"PolicyDocument", map[string]any{"Version": "2012-10-17", "Statement": []any{
					map[string]any{"Effect": "Allow", "Action": []any{"cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet", "cloudformation:ExecuteChangeSet"},
						"Resource": sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/app-*")},
					passRole(planted && g == 2, role),
				}}},
			}},
			res{bucket, "AWS::S3::Bucket", []kv{
				{"BucketEncryption", map[string]any{"ServerSideEncryptionConfiguration": []any{
					map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms"}}}}},
				{"PublicAccessBlockConfiguration", map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}},
				{"VersioningConfiguration", map[string]any{"Status": "Enabled"}},
			}},
			res{bucket + "Policy", "AWS::S3::BucketPolicy", []kv{
				{"Bucket", ref(bucket)},
				{"PolicyDocument", map[string]any{"Version": "2012-10-17", "Statement": []any{
					map[string]any{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
						"Resource":  []any{getAtt{bucket, "Arn"}, sub("${" + bucket + ".Arn}/*")},
						"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}},
				}}},
			}},
			res{queue, "AWS::SQS::Queue", []kv{{"VisibilityTimeout", 60}, {"KmsMasterKeyId", "alias/aws/sqs"}}},
			res{queue + "Policy", "AWS::SQS::QueuePolicy", []kv{
				{"Queues", []any{ref(queue)}},
				{"PolicyDocument", map[string]any{"Version": "2012-10-17", "Statement": []any{queueStatement}}},
			}},
			res{fn, "AWS::Lambda::Function", []kv{
				{"Runtime", "python3.12"}, {"Handler", "index.handler"}, {"Role", getAtt{role, "Arn"}}, {"Timeout", 30},
				{"Code", map[string]any{"ZipFile": "def handler(event, context):\n    return event\n"}},
			}},
			res{fn + "Permission", "AWS::Lambda::Permission", []kv{
				{"Action", "lambda:InvokeFunction"}, {"FunctionName", ref(fn)}, {"Principal", "s3.amazonaws.com"},
				{"SourceAccount", ref("AWS::AccountId")}, {"SourceArn", getAtt{bucket, "Arn"}},
			}},
		)
	}
	return d
}

func passRole(star bool, role string) any {
	resource := any(getAtt{role, "Arn"})
	if star {
		resource = "*"
	}
	return map[string]any{"Effect": "Allow", "Action": "iam:PassRole", "Resource": resource}
}

func (d *tdoc) yaml() string {
	var b strings.Builder
	b.WriteString("AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: Generated benchmark stack.\nResources:\n")
	for _, r := range d.resources {
		fmt.Fprintf(&b, "  %s:\n    Type: %s\n    Properties:\n", r.id, r.typ)
		for _, p := range r.props {
			writeYAML(&b, p.k, p.v, 6)
		}
	}
	return b.String()
}

func writeYAML(b *strings.Builder, key string, v any, indent int) {
	pad := strings.Repeat(" ", indent)
	prefix := pad
	if key != "" {
		prefix = pad + key + ":"
	}
	switch x := v.(type) {
	case map[string]any:
		if key != "" {
			b.WriteString(prefix + "\n")
		}
		for _, k := range sortedKeys(x) {
			writeYAML(b, k, x[k], indent+2*btoi(key != ""))
		}
	case []any:
		b.WriteString(prefix + "\n")
		for _, it := range x {
			switch it.(type) {
			case map[string]any:
				m := it.(map[string]any)
				keys := sortedKeys(m)
				for j, k := range keys {
					var inner strings.Builder
					writeYAML(&inner, k, m[k], indent+4)
					s := inner.String()
					if j == 0 {
						s = pad + "  - " + strings.TrimLeft(s, " ")
					}
					b.WriteString(s)
				}
			default:
				b.WriteString(pad + "  - " + scalarYAML(it) + "\n")
			}
		}
	default:
		if key == "" {
			b.WriteString(pad + scalarYAML(v) + "\n")
			return
		}
		s := scalarYAML(v)
		if strings.Contains(s, "\n") {
			b.WriteString(prefix + " |\n")
			for _, line := range strings.Split(strings.TrimSuffix(v.(string), "\n"), "\n") {
				b.WriteString(pad + "  " + line + "\n")
			}
			return
		}
		b.WriteString(prefix + " " + s + "\n")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scalarYAML(v any) string {
	switch x := v.(type) {
	case ref:
		return "!Ref " + string(x)
	case sub:
		return "!Sub " + quote(string(x))
	case getAtt:
		return "!GetAtt " + x[0] + "." + x[1]
	case string:
		if strings.Contains(x, "\n") {
			return x
		}
		return quote(x)
	case bool:
		return fmt.Sprint(x)
	case int:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (d *tdoc) json() any {
	res := map[string]any{}
	for _, r := range d.resources {
		props := map[string]any{}
		for _, p := range r.props {
			props[p.k] = toJSON(p.v)
		}
		res[r.id] = map[string]any{"Type": r.typ, "Properties": props}
	}
	return map[string]any{"AWSTemplateFormatVersion": "2010-09-09", "Description": "Generated benchmark stack.", "Resources": res}
}

func toJSON(v any) any {
	switch x := v.(type) {
	case ref:
		return map[string]any{"Ref": string(x)}
	case sub:
		return map[string]any{"Fn::Sub": string(x)}
	case getAtt:
		return map[string]any{"Fn::GetAtt": []any{x[0], x[1]}}
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = toJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toJSON(e)
		}
		return out
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Effect first reads naturally in policies; the rest alphabetically.
	order := map[string]int{"Version": 0, "Sid": 1, "Effect": 2, "Principal": 3, "Action": 4, "Resource": 5, "Condition": 6}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0; j-- {
			a, b := keys[j-1], keys[j]
			oa, okA := order[a]
			ob, okB := order[b]
			less := a < b
			if okA && okB {
				less = oa < ob
			} else if okA != okB {
				less = okA
			}
			if less {
				break
			}
			keys[j-1], keys[j] = b, a
		}
	}
	return keys
}

// WildcardBehind is a template whose one managed policy grants every action
// on a Resource list of n Fn::If on n parameters without defaults, with "*"
// only in the last else branch; nested, one Fn::If nest n deep with "*"
// innermost. Only exploring every branch finds the wildcard.
func WildcardBehind(n int, nested bool) string {
	var b strings.Builder
	b.WriteString(ConditionsOn(n))
	b.WriteString(`Resources:
  Admin:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: "*"
            Resource:
`)
	if nested {
		expr := `"*"`
		for i := n - 1; i >= 0; i-- {
			expr = fmt.Sprintf(`{"Fn::If": [C%d, "arn:aws:s3:::b%d", %s]}`, i, i, expr)
		}
		b.WriteString("              - " + expr + "\n")
		return b.String()
	}
	for i := range n {
		other := fmt.Sprintf("arn:aws:s3:::c%d", i)
		if i == n-1 {
			other = `"*"`
		}
		fmt.Fprintf(&b, "              - !If [C%d, arn:aws:s3:::b%d, %s]\n", i, i, other)
	}
	return b.String()
}

// ConditionsOn is the start of a template with n String parameters P0…
// without defaults and a condition Ci on each (Pi equals "yes"), so that
// every Ci is undecided.
func ConditionsOn(n int) string {
	var b strings.Builder
	b.WriteString("AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n")
	for i := range n {
		fmt.Fprintf(&b, "  P%d: {Type: String}\n", i)
	}
	b.WriteString("Conditions:\n")
	for i := range n {
		fmt.Fprintf(&b, "  C%d: !Equals [!Ref P%d, \"yes\"]\n", i, i)
	}
	return b.String()
}
