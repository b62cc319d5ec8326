// Package archtest holds the test that enforces tollgate's dependency
// rules (docs/architecture.md): which package may import which, that the
// renderers do no I/O, that gitops stays pure, and that cmd/tollgate stays
// thin. The rules are data in archtest_test.go; breaking one fails go test.
package archtest
