// Command tollgate checks CloudFormation templates and the IAM policies in
// them, locally or in GitHub Actions. See README.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}
