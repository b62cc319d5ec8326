package fuzzing

import (
	"flag"
	"testing"
)

func TestTheMinimizeTimeDefaultsOnlyWhenFuzzing(t *testing.T) {
	fuzz, mt := flag.Lookup("test.fuzz"), flag.Lookup("test.fuzzminimizetime")
	if fuzz == nil || mt == nil {
		t.Fatal("the testing package no longer has -test.fuzz or -test.fuzzminimizetime")
	}
	oldFuzz, oldMT := fuzz.Value.String(), mt.Value.String()
	t.Cleanup(func() { fuzz.Value.Set(oldFuzz); mt.Value.Set(oldMT) })

	fuzz.Value.Set("")
	mt.Value.Set("60s")
	before := mt.Value.String()
	SetDefaults()
	if got := mt.Value.String(); got != before {
		t.Errorf("without -fuzz the minimize time became %s", got)
	}
	fuzz.Value.Set("FuzzParse")
	SetDefaults()
	if got := mt.Value.String(); got != MinimizeTime {
		t.Errorf("fuzzing: minimize time %s, want %s", got, MinimizeTime)
	}
}
