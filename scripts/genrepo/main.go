// Command genrepo writes a generated CloudFormation monorepo (see package
// internal/testgen) for benchmarks and side-by-side runs with other tools.
//
//	go run ./scripts/genrepo -n 1000 -groups 5 -plant -out /tmp/repo
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tollgate-dev/tollgate/internal/testgen"
)

func main() {
	n := flag.Int("n", 1000, "number of templates")
	groups := flag.Int("groups", 5, "resource groups per template (8 resources each)")
	plant := flag.Bool("plant", false, "plant known problems in every tenth template")
	out := flag.String("out", "", "output folder (required)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "genrepo: -out is required")
		os.Exit(2)
	}
	paths, err := testgen.Write(*out, testgen.Options{Templates: *n, Groups: *groups, Plant: *plant})
	if err != nil {
		fmt.Fprintln(os.Stderr, "genrepo:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "genrepo: wrote %d templates of %d resources to %s\n", len(paths), *groups*8, *out)
}
