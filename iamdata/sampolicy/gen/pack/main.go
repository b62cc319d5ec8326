// Command pack reads the policy templates of the Python package
// aws-sam-translator (policy_templates_data/policy_templates.json) and
// writes the packed file that package sampolicy embeds.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/tollgate-dev/tollgate/iamdata/sampolicy"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: pack policy_templates.json VERSION OUTPUT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
}

func run(in, version, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := sampolicy.Pack(&buf, "aws-sam-translator", version, data); err != nil {
		return err
	}
	s, err := sampolicy.Load(buf.Bytes())
	if err != nil {
		return fmt.Errorf("the packed file does not read back: %w", err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "pack: aws-sam-translator %s (templates %s): %d templates, %d bytes\n",
		version, s.TemplatesVersion, s.Len(), buf.Len())
	return nil
}
