package command

import (
	"os"
	"strings"
	"testing"
)

// The parameter files a pipeline passes are untrusted input: any bytes
// give values or an error, never a panic.
func FuzzConfigurationFile(f *testing.F) {
	for _, seed := range []string{`{"Parameters": {"A": "1"}}`, `[{"ParameterKey": "A", "ParameterValue": 2}]`, `["A=1", "B"]`, `[]`, `{"Parameters": []}`, `[1]`, `"x"`, `{`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := t.TempDir() + "/p.json"
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Skip()
		}
		ReadConfigurationFile(path)
	})
}

// Any command line parses to values or a usage error, never a panic.
func FuzzCommandLine(f *testing.F) {
	for _, seed := range []string{"validate --template-path t.yaml --region us-east-1", "--allow", "parse --parameters a=b c=d --",
		"check-no-new-access --reference-policy=x --reference-policy-type", "-h", "validate --enable-logging=1", "-1 --x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		newParser(Prog).parse(strings.Fields(line))
	})
}
