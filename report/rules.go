package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// RulesReference writes docs/rules.md from the rule registry: an index, then
// one section per rule (anchored by its lower-case code, which is what
// findings link to) with its type, why it matters, an example and the fix.
func RulesReference(w io.Writer, rules, online []checks.Info) error {
	ew := &errWriter{w: w}
	rulesIntro(ew, len(rules))
	rulesBlocking(ew)
	rulesWhatIsChecked(ew)
	rulesIndex(ew, rules, online)
	ruleSections(ew, append(append([]checks.Info(nil), rules...), online...))
	conditionKeyClasses(ew)
	return ew.err
}

// rulesIntro is the page's title and what the finding types mean.
func rulesIntro(ew *errWriter, n int) {
	ew.println("<!-- Generated from the rule registry (checks/checker.go) by `go test ./report -run TestRulesReference -update`. Do not edit. -->")
	ew.println("")
	ew.println("# tollgate rules")
	ew.println("")
	ew.println(fmt.Sprintf("tollgate checks CloudFormation templates and the IAM policies in them with %d rules, offline: no AWS "+
		"credentials, no network. Codes follow [IAM Access Analyzer's policy checks](%s) where Access Analyzer has one, "+
		"so findings, suppressions and scripts carry over between the two; the other codes are tollgate's own. "+
		"The rules about data loss and deletion policies compare a template with its base revision, so they run where a "+
		"change is judged: `check --diff-base`, `tollgate diff` and the action's pull request reviews.",
		n, strings.TrimSuffix(aaReference, "#")))
	ew.println("")
	ew.println("Finding types, most serious first: **ERROR** (the deploy fails, or the policy does not do what it says), " +
		"**SECURITY_WARNING** (it grants more than it should), **WARNING** (it probably does not work as meant), " +
		"**SUGGESTION** (it could be simpler). ERROR and SECURITY_WARNING block by default.")
	ew.println("")
}

// rulesBlocking says how findings block, are suppressed and adopted.
func rulesBlocking(ew *errWriter) {
	ew.println("## Blocking, suppressing and adopting")
	ew.println("")
	ew.println("- `--block-on ERROR,SECURITY_WARNING,WARNING` (or `block-on:` in `.tollgate.yml`) chooses the types that block; " +
		"`block: {codes: [...]}` makes codes block whatever their type, `allow: {codes: [...]}` makes them never block (they are still reported).")
	ew.println("- `--allow-external-principal 123456789012` (or `trusted-accounts:` / `trusted-orgs:`) names accounts and organizations that are not external.")
	ew.println("- A finding that is accepted is suppressed on its resource, with the reason, and stays visible in the JSON and SARIF reports:")
	ew.println("")
	ew.println("  ```yaml")
	ew.println("  PartnerReadRole:")
	ew.println("    Type: AWS::IAM::Role")
	ew.println("    Metadata:")
	ew.println("      tollgate:")
	ew.println("        ignore:")
	ew.println("          - code: EXTERNAL_PRINCIPAL")
	ew.println("            reason: the partner reads the nightly export under contract ACME-42")
	ew.println("  ```")
	ew.println("")
	ew.println("  An entry without a reason is an error ([INVALID_SUPPRESSION](#invalid_suppression)); an entry that suppresses " +
		"nothing is a warning ([UNMATCHED_SUPPRESSION](#unmatched_suppression)).")
	ew.println("- To adopt tollgate in a repository with findings, record them once with `tollgate check --write-baseline .tollgate-baseline.json` " +
		"and check with `--baseline .tollgate-baseline.json` (or `baseline:` in `.tollgate.yml`): only new findings count.")
	ew.println("")
}

// rulesWhatIsChecked says how a template is read: deploy-time values,
// Rules, loops, Rain, and where policies are read from.
func rulesWhatIsChecked(ew *errWriter) {
	ew.println("## What is checked: the template CloudFormation deploys")
	ew.println("")
	ew.println("tollgate reads a template the way CloudFormation (and rain, for Rain directives) will, so that what it checks is what deploys:")
	ew.println("")
	ew.println("- **Dynamic references** (`{{resolve:ssm:NAME}}`, `{{resolve:ssm-secure:NAME}}`, `{{resolve:secretsmanager:ID…}}`), anywhere in a string " +
		"(plain, `Fn::Sub`, `Fn::Join` parts, policies written as JSON strings), are values known only at deploy time, shown as `<resolve:ssm:NAME>`; " +
		"they are never read as literal text. A policy that reads SSM without a version, or through a parameter of type `AWS::SSM::Parameter::Value<…>` " +
		"(whose value, never its name, is what deploys), gets [DYNAMIC_REFERENCE_WITHOUT_VERSION](#dynamic_reference_without_version).")
	ew.println("- **The Rules section**: `Fn::ValueOf`, `Fn::ValueOfAll`, `Fn::RefAll`, `Fn::EachMemberEquals`, `Fn::EachMemberIn` and `Fn::Contains`, " +
		"in long and short form (`!ValueOf`), with `RuleCondition` and `Assertions`. A rule without Assertions, an assertion without Assert, an Assert that is " +
		"not a rule function, and rule functions used outside Rules are [INVALID_TEMPLATE](#invalid_template) at their line; a key rules do not have " +
		"(`AssetDescription`) is a notice.")
	ew.println("- **`Fn::ForEach`** loops of `AWS::LanguageExtensions` are expanded, and a template made only of loops, without " +
		"`AWSTemplateFormatVersion`, is still a template.")
	ew.println("- **The Region** is `--region`, else `region:` in `.tollgate.yml`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, offline too.")
	ew.println("")
	ew.println("### Rain")
	ew.println("")
	ew.println("Templates written for [rain](https://github.com/aws-cloudformation/rain) are packaged the way `rain pkg` packages them, " +
		"offline, before they are checked: `!Rain::Embed` (a file's text), `!Rain::Include` (a YAML or JSON file), `!Rain::Constant` and `${Rain::Name}` " +
		"(the `Rain: Constants:` section), and modules (`Type: !Rain::Module PATH`, `Type: {Rain::Module: PATH}` and the `Modules:` section): each module resource " +
		"`N` of resource `R` becomes `RN`, with the module's parameters taken from `R`'s Properties (else their defaults), `Overrides` applied, " +
		"`Metadata: Rain: IfParam/IfNotParam` honoured, and `!GetAtt R.Output` / `${R.Output}` replaced by the module's output. Findings in module " +
		"content point at the line of the `Type` that brought it, or at the property whose value it came from. Files are read only inside the folder " +
		"being checked (the working directory, or the path given), never through a symlink that leaves it.")
	ew.println("")
	ew.println("What cannot be done offline is never a blocking error: `Rain::S3` and `Rain::S3Http` (uploads; a `Run:` build command is never run), " +
		"`Rain::Env` (the environment of a CI job holds its secrets, so it is never read), remote and package-alias modules, files outside the folder, " +
		"hidden files and folders (`.git/config` holds the checkout's token), files that do not exist and have no near name (made by a build step?), and modules that include themselves or nest more than 8 deep. " +
		"Their values are checked as unknown, and one notice per file says what was left out. To check exactly what deploys, run `rain pkg " +
		"template.yaml > packaged.yaml` and `tollgate check packaged.yaml`. A module or file that does not exist but has a near name " +
		"(`bucket.yaml` for `bucket.yml`) is [INVALID_TEMPLATE](#invalid_template): `rain pkg` fails on it too. An unknown directive " +
		"(`!Rain::Embedd`) is one as well.")
	ew.println("")
	ew.println("### Where policies are read from")
	ew.println("")
	types := template.PolicyResourceTypes()
	ew.println(fmt.Sprintf("Policies are read from %d resource types: the ones cfn-policy-validator and IAM Access Analyzer read, and every "+
		"other CloudFormation type whose policy is written in the IAM policy language.", len(types)))
	ew.println("")
	ew.println("- **Permissions given by properties** become the statement they add: `AWS::Lambda::Permission`, " +
		"`AWS::Lambda::LayerVersionPermission` (`OrganizationId` is `aws:PrincipalOrgID`), `AWS::Events::EventBusPolicy` (its `Statement`, or " +
		"`Action`, `Principal` and `Condition`), and a public canned ACL of `AWS::S3::Bucket` (`AccessControl: PublicRead`, `PublicReadWrite`, " +
		"`AuthenticatedRead`), judged with `OwnershipControls` and `PublicAccessBlockConfiguration`: with `BucketOwnerEnforced` or " +
		"`BlockPublicAcls` S3 rejects the ACL ([INVALID_POLICY_PROPERTY](#invalid_policy_property)), with `IgnorePublicAcls` it has no effect, " +
		"otherwise it is the public grant it says.")
	ew.println("- **Policies that only limit** (VPC endpoint policies, service control and resource control policies, the session policies of " +
		"Transfer users, Roles Anywhere profiles and EKS pod identities) are checked for validity but never judged as grants: `Principal: \"*\"` " +
		"in an endpoint policy is not external access.")
	ew.println("- **Templates inside templates**: the `TemplateBody` of an `AWS::CloudFormation::StackSet` is checked as a template, with the " +
		"StackSet's parameters and an unknown account and Region (its stacks deploy elsewhere); its findings point at the line inside the string " +
		"(for a YAML block scalar) and name the resource `StackSet/Resource`. A nested `AWS::CloudFormation::Stack` (or `AWS::Serverless::Application`) " +
		"whose `TemplateURL` (`Location`) is a local file, as `aws cloudformation package` takes it, brings that file in: it is checked under its own " +
		"name, chains of them up to 5 deep, never a file outside the folder being checked.")
	ew.println("- **What is not read is said**: a policy whose document is known only at deploy time (`!ImportValue`, `!GetAtt`), a template at a " +
		"URL, SAM's generated API policies, and types whose policies are not IAM's (IoT, Cedar, OpenSearch Serverless, RAM permission templates) " +
		"each get a notice `FILE:LINE: not checked: PATH (TYPE ID): why`, in every output.")
	ew.println("- **Where findings point**: an element of a policy written as JSON in a YAML block scalar is reported at its own line, with " +
		"`Fn::Sub` too (unless a substituted value holds a line break); a problem in both branches of an `Fn::If` is reported at each branch's line.")
	ew.println("")
}

// rulesIndex is the table of every rule, then of the online checks.
func rulesIndex(ew *errWriter, rules, online []checks.Info) {
	ew.println("## Index")
	ew.println("")
	ew.println("| Code | Type | What it finds |")
	ew.println("|---|---|---|")
	for _, r := range rules {
		ew.println(fmt.Sprintf("| [%s](#%s) | %s | %s |", r.Code, strings.ToLower(r.Code), r.Type, Inline(r.Title)))
	}
	if len(online) > 0 {
		ew.println("")
		ew.println("With `--access-analyzer` (or `access-analyzer: true`) and `regions:`, checks that call AWS add these findings, " +
			"and IAM Access Analyzer's own ValidatePolicy findings under its codes:")
		ew.println("")
		ew.println("| Code | Type | What it finds |")
		ew.println("|---|---|---|")
		for _, r := range online {
			ew.println(fmt.Sprintf("| [%s](#%s) | %s | %s |", r.Code, strings.ToLower(r.Code), r.Type, Inline(r.Title)))
		}
	}
}

// ruleSections writes one section per rule, anchored by its lower-case code.
func ruleSections(ew *errWriter, rules []checks.Info) {
	for _, r := range rules {
		ew.println("")
		ew.println("## " + r.Code)
		ew.println("")
		ew.println(fmt.Sprintf("**%s** · %s", r.Type, r.Title))
		ew.println("")
		ew.println(r.Why)
		if r.Example != "" {
			ew.println("")
			ew.println("Example (reported):")
			ew.println("")
			ew.println("```yaml")
			ew.println(r.Example)
			ew.println("```")
		}
		ew.println("")
		ew.println("**Fix:** " + r.Fix + ".")
		if r.LearnMore != "" && !strings.HasPrefix(r.LearnMore, docsPrefix) {
			ew.println("")
			ew.println(fmt.Sprintf("Learn more: <%s>", r.LearnMore))
		}
	}
}

// conditionKeyClasses writes the reviewed classification of the global
// condition keys that ADMINISTRATOR_ACCESS and PRIVILEGE_ESCALATION judge
// conditions by.
func conditionKeyClasses(ew *errWriter) {
	classes := checks.GlobalKeyClasses()
	ew.println("")
	ew.println("## Conditions that narrow a grant")
	ew.println("")
	ew.println("[ADMINISTRATOR_ACCESS](#administrator_access) and [PRIVILEGE_ESCALATION](#privilege_escalation) let only a " +
		"condition that narrows who gets the access or what it applies to soften a finding (to a WARNING that says what " +
		"remains). A condition narrows when its operator is positive (not a Not operator, not Null, not ForAllValues), its " +
		"values are not only \"*\", IfExists is absent (unless every request carries the key), and its key is of a narrowing " +
		"class. A service's own keys are classed from the service data: a key of one of its resource types limits the " +
		"resources, any other one limits the grant to the requests that carry it, which only that service's actions do. " +
		"The global keys are classed by this reviewed table:")
	ew.println("")
	ew.println("| Class | Narrows | Keys |")
	ew.println("|---|---|---|")
	rows := []struct{ class, narrows string }{
		{"principal", "yes: who makes the request"},
		{"resource", "yes: what it acts on"},
		{"source", "yes: on whose behalf or through which service"},
		{"request", "yes: what the request carries"},
		{"context", "no: how, when or from where"},
	}
	for _, r := range rows {
		keys := make([]string, len(classes[r.class]))
		for i, k := range classes[r.class] {
			keys[i] = "`" + k + "`"
		}
		ew.println(fmt.Sprintf("| %s | %s | %s |", r.class, r.narrows, strings.Join(keys, ", ")))
	}
}

// aaReference and docsPrefix tell Access Analyzer's sections from ours.
const (
	aaReference = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"
	docsPrefix  = "https://github.com/tollgate-dev/tollgate/blob/main/docs/rules.md#"
)
