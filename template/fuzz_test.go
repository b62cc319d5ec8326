package template

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// FuzzParse feeds arbitrary text through everything that reads templates:
// the parsers, the resolver under every branch assumption, and policy
// extraction. None of it may panic or hang.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/seeds/*", "../fixtures/example/*/*/*"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("{"))
	f.Add([]byte("Resources: !Ref x"))
	// Files for Rain directives: a module, a module that loops, and files
	// to embed and include, so packaging is fuzzed too.
	files := fstest.MapFS{
		"mod.yml":   {Data: []byte("Parameters:\n  Name: {Type: String}\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Ref Name}\n  Inner:\n    Type: !Rain::Module loop.yml\nOutputs:\n  Arn: {Value: !GetAtt Bucket.Arn}\n")},
		"loop.yml":  {Data: []byte("Resources:\n  Again:\n    Type: !Rain::Module loop.yml\n")},
		"tags.yaml": {Data: []byte("- {Key: a, Value: !Rain::Embed code.py}\n")},
		"code.py":   {Data: []byte("print('x')\n")},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl := ParseWith("fuzz.yaml", data, ParseOptions{Files: files, Dir: "."})
		for _, p := range tpl.Problems {
			if p.Pos.Line < 1 || p.Message == "" {
				t.Fatalf("problem without a position or a message: %+v", p)
			}
		}
		if tpl.Root == nil {
			return
		}
		tpl.IsTemplate()
		r := NewResolver(tpl, Values{AccountID: "123456789012", Region: "eu-west-1"})
		for _, res := range tpl.Resources {
			for _, a := range everyAssumption(r.Undecided(res.Node), 2) {
				r.Resolve(res.Node, a)
			}
		}
		for name := range tpl.Conditions {
			r.Condition(name, nil)
		}
		Extract(tpl, r)
	})
}
