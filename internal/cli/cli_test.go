package cli

import (
	"errors"
	"flag"
	"reflect"
	"testing"
)

func TestParseTakesFlagsAnywhere(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	format := fs.String("format", "text", "")
	var list List
	var kv KeyValues
	fs.Var(&list, "allow", "")
	fs.Var(&kv, "parameter", "")
	rest, err := Parse(fs, []string{"stacks/", "--format", "json", "--allow", "a, b", "more", "--parameter", "Env=prod", "--", "--literal"})
	if err != nil || *format != "json" || !reflect.DeepEqual(rest, []string{"stacks/", "more", "--literal"}) ||
		!reflect.DeepEqual([]string(list), []string{"a", "b"}) || kv["Env"] != "prod" {
		t.Fatalf("rest %q, format %q, list %q, kv %v, err %v", rest, *format, list, kv, err)
	}
	var fe FlagError
	if _, err := Parse(fs, []string{"--nope"}); !errors.As(err, &fe) {
		t.Errorf("an unknown flag: %v", err)
	}
	if _, err := Parse(fs, []string{"--parameter", "novalue"}); err == nil {
		t.Error("a parameter without = was accepted")
	}
}
