package checks

import (
	"testing"

	"github.com/tollgate-dev/tollgate/template"
)

func TestRegionFindingsPointAtTheType(t *testing.T) {
	tpl := template.Parse("s.yaml", []byte("Resources:\n  Db:\n    Type: AWS::DSQL::Cluster\n  B:\n    Type: AWS::S3::Bucket\n"))
	fs := RegionFindings(tpl, "ap-south-2", []string{"AWS::DSQL::Cluster"})
	if len(fs) != 1 || fs[0].Line != 3 || fs[0].Column != 11 || fs[0].Resource != "Db" || fs[0].Code != CodeTypeNotInRegion {
		t.Fatalf("findings = %+v", fs)
	}
	for _, info := range OnlineRuleInfos() {
		if info.Code == "" || info.Why == "" || info.Fix == "" || info.LearnMore == "" {
			t.Errorf("incomplete rule info %+v", info)
		}
	}
}
