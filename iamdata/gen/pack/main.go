// Command pack reads the normalized IAM data JSON on stdin and writes the
// packed data file that package iamdata embeds.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/tollgate-dev/tollgate/iamdata"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pack OUTPUT < normalized.json")
		os.Exit(2)
	}
	var n iamdata.Normalized
	if err := json.NewDecoder(bufio.NewReader(os.Stdin)).Decode(&n); err != nil {
		fmt.Fprintln(os.Stderr, "pack: reading normalized data:", err)
		os.Exit(1)
	}
	if len(n.Services) == 0 {
		fmt.Fprintln(os.Stderr, "pack: the input has no services")
		os.Exit(1)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(f)
	if err := iamdata.Pack(w, &n); err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "pack: %s %s: %d services\n", n.Source, n.Version, len(n.Services))
}
