package checks_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/template"
)

// A Principal of the wrong shape is reported once: in an identity policy it
// must go whatever its shape (UNSUPPORTED_PRINCIPAL), in a resource policy
// its shape is the problem (DATA_TYPE_MISMATCH).
func TestAMalformedPrincipalIsReportedOnce(t *testing.T) {
	k := newChecker(t)
	for typ, want := range map[string][]string{
		"AWS::IAM::ManagedPolicy": {"UNSUPPORTED_PRINCIPAL"},
		"AWS::SNS::TopicPolicy":   {"DATA_TYPE_MISMATCH"},
	} {
		src := `Resources:
  P:
    Type: ` + typ + `
    Properties:
      Topics: [arn:aws:sns:eu-west-1:123456789012:t]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: [123456789012]
            Action: sns:Publish
            Resource: arn:aws:sns:eu-west-1:123456789012:t
`
		var got []string
		for _, f := range k.Check(template.Parse("p.yaml", []byte(src))).Findings {
			if f.Line == 10 {
				got = append(got, f.Code)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", typ, diff)
		}
	}
}
