package diff

import (
	"fmt"
	"strings"
)

// RefChain returns two versions of a template of n queues, each taking its
// name from the one before it, where head changes the first queue's name: a
// change that replaces every queue down the chain. It is the input of the
// chain benchmarks, here and in scripts/bench-diff.sh. With join, the
// reference sits inside Fn::Join instead of being the property's value.
func RefChain(n int, join bool) (base, head []byte) {
	var b strings.Builder
	b.WriteString(`{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		name := `"first"`
		switch {
		case i > 0 && join:
			name = fmt.Sprintf(`{"Fn::Join": ["-", [{"Fn::GetAtt": ["Q%d", "QueueName"]}, "next"]]}`, i-1)
		case i > 0:
			name = fmt.Sprintf(`{"Fn::GetAtt": ["Q%d", "QueueName"]}`, i-1)
		}
		fmt.Fprintf(&b, "\n  \"Q%d\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"QueueName\": %s, \"DelaySeconds\": %d}}", i, name, i%900)
	}
	b.WriteString("\n}}\n")
	base = []byte(b.String())
	head = []byte(strings.Replace(b.String(), `"first"`, `"first-v2"`, 1))
	return base, head
}

// Wide returns two versions of a template of n resources of mixed types in
// which head changes one resource in twenty: some updated in place, some
// replaced, some IAM statements widened. It is the input of the large
// template benchmarks.
func Wide(n int) (base, head []byte) {
	gen := func(changed bool) string {
		var b strings.Builder
		b.WriteString(`{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {`)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			c := changed && i%20 == 7
			switch i % 4 {
			case 0:
				delay := 5
				if c {
					delay = 10
				}
				fmt.Fprintf(&b, "\n  \"Queue%d\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"DelaySeconds\": %d, \"Tags\": [{\"Key\": \"team\", \"Value\": \"t%d\"}]}}", i, delay, i%7)
			case 1:
				name := fmt.Sprintf("topic-%d", i)
				if c {
					name += "-v2"
				}
				fmt.Fprintf(&b, "\n  \"Topic%d\": {\"Type\": \"AWS::SNS::Topic\", \"Properties\": {\"TopicName\": \"%s\"}}", i, name)
			case 2:
				action := `"sqs:SendMessage"`
				if c {
					action = `"sqs:*"`
				}
				fmt.Fprintf(&b, "\n  \"Policy%d\": {\"Type\": \"AWS::IAM::Policy\", \"Properties\": {\"PolicyName\": \"p%d\", \"Roles\": [\"r\"], "+
					"\"PolicyDocument\": {\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [%s], \"Resource\": {\"Fn::GetAtt\": [\"Queue%d\", \"Arn\"]}}]}}}", i, i, action, i-2)
			default:
				port := 443
				if c {
					port = 22
				}
				fmt.Fprintf(&b, "\n  \"Group%d\": {\"Type\": \"AWS::EC2::SecurityGroup\", \"Properties\": {\"GroupDescription\": \"g%d\", \"VpcId\": \"vpc-1\", "+
					"\"SecurityGroupIngress\": [{\"IpProtocol\": \"tcp\", \"FromPort\": %d, \"ToPort\": %d, \"CidrIp\": \"10.0.0.0/8\"}]}}", i, i, port, port)
			}
		}
		b.WriteString("\n}}\n")
		return b.String()
	}
	return []byte(gen(false)), []byte(gen(true))
}
