package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParameterFilesInEveryShapeUsersHave(t *testing.T) {
	cases := []struct {
		file, shape string
		want        map[string]string
		previous    []string
	}{
		{"cloudformation.json", ShapeCloudFormation, map[string]string{"Stage": "sandbox", "Subnets": "subnet-1,subnet-2"}, []string{"Version"}},
		{"codepipeline.json", ShapeCodePipeline, map[string]string{"Stage": "sandbox", "Subnets": "subnet-1,subnet-2"}, nil},
		{"keyvalue.json", ShapeKeyValue, map[string]string{"Stage": "sandbox", "Subnets": "subnet-1,subnet-2", "Empty": ""}, nil},
		{"mapping.yaml", ShapeMapping, map[string]string{"Stage": "sandbox", "Subnets": "subnet-1,subnet-2"}, nil},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "paramfiles", c.file))
			if err != nil {
				t.Fatal(err)
			}
			pf, err := ParseParameterFile(c.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if pf.Shape != c.shape {
				t.Errorf("shape %s, want %s", pf.Shape, c.shape)
			}
			if diff := cmp.Diff(c.want, pf.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.previous, pf.Previous); diff != "" {
				t.Errorf("previous (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadParameterFilesSayWhereAndWhat(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"broken JSON", "[\n  {\"ParameterKey\": \"Stage\",\n  \"ParameterValue\": }\n]", "p.json:3:21: "},
		{"a misspelt entry key", `[{"ParameterKey": "Stage", "ParameterVale": "x"}]`, `p.json:1:28: unknown key "ParameterVale" in a parameter entry (did you mean "ParameterValue"?)`},
		{"an entry without a key", `[{"ParameterValue": "x"}]`, "p.json:1:2: a parameter entry has no ParameterKey"},
		{"an entry without a value", `[{"ParameterKey": "Stage"}]`, "p.json:1:2: parameter Stage has no ParameterValue"},
		{"a value and the previous value", `[{"ParameterKey": "S", "ParameterValue": "x", "UsePreviousValue": true}]`, "has both ParameterValue and UsePreviousValue"},
		{"a parameter given twice", "[\"A=1\",\n \"A=2\"]", "p.json:2:2: parameter A is given twice (first at line 1)"},
		{"a string without =", `["Stage"]`, `p.json:1:2: entry "Stage" has no "="; write Key=Value`},
		{"mixed entries", `["A=1", {"ParameterKey": "B", "ParameterValue": "2"}]`, `entry 2 is a mapping, but the entries before it are "Key=Value" strings`},
		{"a number entry", `[1]`, "p.json:1:2: entry 1 is a number"},
		{"a value that is a mapping", `{"Stage": {"a": 1}}`, "p.json:1:11: parameter Stage: the value is a map"},
		{"an unknown CodePipeline key", `{"Parameters": {}, "Tag": {}}`, `p.json:1:20: unknown key "Tag" in a CodePipeline template configuration (did you mean "Tags"?)`},
		{"a duplicate JSON key", "{\"A\": \"1\",\n \"A\": \"2\"}", "p.json:2:2: duplicate key"},
		{"a scalar", `"Stage=prod"`, "a parameters file is a list"},
		{"an empty file", "", "p.json:1:1: the file is empty"},
		{"binary", "[\x00]", "binary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseParameterFile("p.json", []byte(c.text))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestParameterFilesNameOnlyDeclaredParameters(t *testing.T) {
	tpl := mustParse(t, "stack.yaml", "Parameters:\n  Stage: {Type: String}\n  Subnets: {Type: CommaDelimitedList}\nResources:\n  T: {Type: AWS::SNS::Topic}\n")
	pf, err := ParseParameterFile("p.json", []byte("[\"Stage=x\",\n \"Stagee=y\",\n \"Zone=z\"]"))
	if err != nil {
		t.Fatal(err)
	}
	err = pf.Check(tpl)
	want := "p.json:2:2: parameter Stagee is not declared by stack.yaml (did you mean Stage?) (and 1 more unknown: Zone)"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	ok, _ := ParseParameterFile("p.json", []byte(`["Stage=x"]`))
	if err := ok.Check(tpl); err != nil {
		t.Error(err)
	}
}

// FuzzParameterFile feeds arbitrary text to the parameters file parser:
// it returns values or an error with a position, never panics.
func FuzzParameterFile(f *testing.F) {
	files, _ := filepath.Glob("testdata/paramfiles/*")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`[{"ParameterKey": "A", "ParameterValue": ["x", 1]}]`))
	f.Add([]byte(`{"Parameters": {"A": null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := ParseParameterFile("fuzz.json", data)
		if err != nil {
			if pe, ok := err.(*ParameterFileError); !ok || pe.Msg == "" {
				t.Fatalf("error without a message: %v", err)
			}
			return
		}
		for name := range pf.Values {
			if name == "" {
				t.Fatal("a parameter without a name")
			}
		}
	})
}
