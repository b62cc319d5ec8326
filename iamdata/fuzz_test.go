package iamdata_test

import (
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata"
)

// Data files in a cache directory and service reference documents come
// from outside the binary: reading them must fail cleanly, never panic.
// The seed corpora are in testdata/fuzz.

func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := iamdata.Load(data)
		if err != nil {
			return
		}
		for _, p := range s.Prefixes() {
			s.Service(p)
			s.MatchActions(p, "Get*")
			s.ConditionKey(p + ":x")
		}
		for _, svc := range s.ARNServices() {
			s.ARNFormats(svc)
		}
		s.Validate()
	})
}

func FuzzParseServiceReference(f *testing.F) {
	f.Fuzz(func(t *testing.T, prefix string, data []byte) {
		svc, _, err := iamdata.ParseServiceReference(prefix, data)
		if err != nil {
			return
		}
		if svc.Prefix != prefix {
			t.Errorf("prefix %q became %q", prefix, svc.Prefix)
		}
		for _, a := range svc.Actions {
			if a.Name == "" || a.Access == "" {
				t.Errorf("action %+v lacks a name or an access level", a)
			}
		}
	})
}

func FuzzParseServiceList(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := iamdata.ParseServiceList(data)
		if err != nil {
			return
		}
		for _, e := range list {
			if e.Service == "" || e.URL == "" {
				t.Errorf("entry %+v accepted", e)
			}
		}
	})
}
