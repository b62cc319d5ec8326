package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestTheBaselineAndDataDirectoryKeys(t *testing.T) {
	cfg, err := Parse(".tollgate.yml", []byte("version: 1\nbaseline: .tollgate-baseline.json\ndata-dir: .cache/iam\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Baseline != ".tollgate-baseline.json" || cfg.DataDir != ".cache/iam" {
		t.Errorf("baseline %q, data-dir %q", cfg.Baseline, cfg.DataDir)
	}
	_, err = Parse(".tollgate.yml", []byte("baseline: \"\"\n"))
	if err == nil || !strings.Contains(err.Error(), ".tollgate.yml:1:11") {
		t.Errorf("an empty baseline: %v", err)
	}
}

func TestPositionFindsAValueAfterParsing(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".tollgate.yml")
	if err := os.WriteFile(path, []byte("version: 1\nblock:\n  codes:\n    - EXTERNAL_PRINCIPAL\n    - REDUNDANT_ACTION\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if line, col := cfg.Position("/block/codes/1"); line != 5 || col != 7 {
		t.Errorf("Position = %d:%d, want 5:7", line, col)
	}
	if line, _ := cfg.Position("/nothing"); line != 0 {
		t.Errorf("an unknown pointer gave line %d", line)
	}
	if line, _ := Default().Position("/block"); line != 0 {
		t.Errorf("the defaults have no file but gave line %d", line)
	}
}

func TestExternalPrincipalsMayBeAccountsOrganizationsPrincipalsOrAnyone(t *testing.T) {
	cfg, err := Parse(".tollgate.yml", []byte("version: 1\ntrusted-principals: [\"arn:aws:iam::111111111111:role/Peer\", graph.facebook.com]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Resolve(Overrides{AllowExternal: []string{"123456789012", "o-abc123def4", "*", "arn:aws:iam::222222222222:saml-provider/Corp", "accounts.google.com"}})
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{s.Checks.TrustedAccounts, s.Checks.TrustedOrgs, s.Checks.TrustedPrincipals}
	want := [][]string{{"123456789012"}, {"o-abc123def4"},
		{"arn:aws:iam::111111111111:role/Peer", "graph.facebook.com", "*", "arn:aws:iam::222222222222:saml-provider/Corp", "accounts.google.com"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trusted %q, want %q", got, want)
	}
	for _, bad := range []string{"12345", "not a principal", "arn:aws:iam"} {
		_, err := Default().Resolve(Overrides{AllowExternal: []string{bad}})
		var u interface{ Usage() }
		if err == nil || !errors.As(err, &u) || !strings.Contains(err.Error(), "--allow-external-principal") {
			t.Errorf("%q: %v, want a usage error naming the flag", bad, err)
		}
	}
	if _, err := Parse(".tollgate.yml", []byte("trusted-principals: [\"not a principal\"]\n")); err == nil || !strings.Contains(err.Error(), "principal ARN") {
		t.Errorf("a bad trusted-principals entry: %v", err)
	}
}

func TestBlockOnNoneBlocksNoType(t *testing.T) {
	for _, v := range []string{"none", "NONE", "ERROR,NONE"} {
		s, err := Default().Resolve(Overrides{BlockOn: v})
		if err != nil || s.Block.Types == nil || len(s.Block.Types) != 0 {
			t.Errorf("--block-on %s: types %v, %v", v, s.Block.Types, err)
		}
	}
	cfg, err := Parse(".tollgate.yml", []byte("block-on: [NONE]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s, err := cfg.Resolve(Overrides{}); err != nil || len(s.Block.Types) != 0 {
		t.Errorf("block-on: [NONE]: types %v, %v", s.Block.Types, err)
	}
}

func TestIgnoreAndExcludeOverrides(t *testing.T) {
	s, err := Default().Resolve(Overrides{IgnoreFindings: []string{"A,R.B"}, ExcludeTypes: []string{"AWS::IAM::Role, Custom::Thing", "AWS::S3::Bucket::MODULE"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Ignore) != 2 || s.Ignore[1].Resource != "R" || s.Ignore[1].Code != "B" {
		t.Errorf("ignore %+v", s.Ignore)
	}
	if want := []string{"AWS::IAM::Role", "Custom::Thing", "AWS::S3::Bucket::MODULE"}; !reflect.DeepEqual(s.Checks.ExcludeTypes, want) {
		t.Errorf("exclude %q, want %q", s.Checks.ExcludeTypes, want)
	}
	if _, err := Default().Resolve(Overrides{ExcludeTypes: []string{"Role"}}); err == nil || !strings.Contains(err.Error(), "AWS::IAM::Role") {
		t.Errorf("a type that is none: %v", err)
	}
}
