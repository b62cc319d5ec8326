// Package fuzzing gives `go test -fuzz` runs of this module defaults that
// keep the fuzzer fuzzing.
//
// Each input that reaches new code is first minimized: the fuzzer tries
// removing every byte, then every range of bytes (a pass that grows with
// the square of the input), for up to -fuzzminimizetime, 60 s by default.
// Our seeds are real templates of 1 to 4 KB and one execution parses,
// resolves and checks one, so minimizing a single new input takes the full
// minute, and every worker is soon minimizing instead of fuzzing: the
// progress line shows "0/sec" for minutes. Minimized inputs are only
// nicer to read; a short bound keeps nearly all of them and doubles the
// executions of a run (measured on FuzzParse: 0.93 M against 0.50 M in
// 150 s, with 269 new inputs against 88).
package fuzzing

import (
	"flag"
	"testing"
)

// MinimizeTime is the -fuzzminimizetime used when the command line gives
// none. A crasher is still minimized for this long, which shrinks the
// usual template-sized one well.
const MinimizeTime = "5s"

// Main runs a package's tests and benchmarks; when it fuzzes and the
// command line sets no -fuzzminimizetime, it uses MinimizeTime. Call it
// from TestMain: os.Exit(fuzzing.Main(m)).
func Main(m *testing.M) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	SetDefaults()
	return m.Run()
}

// SetDefaults applies the defaults to the parsed test flags.
func SetDefaults() {
	fuzz := flag.Lookup("test.fuzz")
	mt := flag.Lookup("test.fuzzminimizetime")
	if fuzz == nil || mt == nil || fuzz.Value.String() == "" {
		return
	}
	set := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == mt.Name {
			set = true
		}
	})
	if !set {
		mt.Value.Set(MinimizeTime)
	}
}
