package config

import (
	"os"
	"path/filepath"
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
