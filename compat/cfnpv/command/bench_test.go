package command

import (
	"context"
	"io"
	"testing"
)

// BenchmarkValidate is one `tollgate cfn-policy-validator validate` of a
// template with roles, a managed policy attached to two of them and
// their trust policies, in process (the command's own cost, without the
// process start).
func BenchmarkValidate(b *testing.B) {
	b.ReportAllocs()
	e := Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Identity: func(context.Context, string, string) (string, string, bool, error) {
			return "123456789012", "aws", true, nil
		}}
	argv := []string{"validate", "--template-path", T("roles.yaml"), "--region", "us-east-1"}
	for b.Loop() {
		if code := Main(context.Background(), argv, e); code != exitBlocking {
			b.Fatalf("exit %d", code)
		}
	}
}
