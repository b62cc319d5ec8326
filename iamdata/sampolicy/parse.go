package sampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
)

// The shapes SAM's schema (policy_templates_data/schema.json) allows.
var (
	templateNameRE  = regexp.MustCompile(`^[a-zA-Z0-9]+Policy(_v[0-9])?$`)
	parameterNameRE = regexp.MustCompile(`^[a-zA-Z0-9]+$`)
)

// maxDepth bounds the nesting of a definition; SAM's go four levels deep.
const maxDepth = 64

// Parse reads SAM's policy_templates.json ({"Version", "Templates"}),
// checking every template against the rules of SAM's schema.
func Parse(data []byte) (*Set, error) {
	s, err := parseLazily(data)
	if err != nil {
		return nil, err
	}
	for _, name := range s.names {
		if _, err := s.Template(name); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// parseLazily reads the list of templates; each is parsed when it is
// first asked for, which keeps loading the set well under a millisecond.
func parseLazily(data []byte) (*Set, error) {
	var doc struct {
		Version   string                     `json:"Version"`
		Templates map[string]json.RawMessage `json:"Templates"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("SAM policy templates: %w", err)
	}
	if len(doc.Templates) == 0 {
		return nil, errors.New("SAM policy templates: there are none")
	}
	s := &Set{TemplatesVersion: doc.Version, byName: make(map[string]*entry, len(doc.Templates))}
	for name, raw := range doc.Templates {
		s.byName[name] = &entry{raw: raw}
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	return s, nil
}

func parseTemplate(name string, raw json.RawMessage) (*Template, error) {
	if !templateNameRE.MatchString(name) {
		return nil, errors.New("the name is not a SAM policy template name")
	}
	var t struct {
		Description string          `json:"Description"`
		Parameters  json.RawMessage `json:"Parameters"`
		Definition  json.RawMessage `json:"Definition"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, err
	}
	out := &Template{Name: name, Description: t.Description}
	params, err := decode(t.Parameters)
	if err != nil {
		return nil, fmt.Errorf("Parameters: %w", err)
	}
	if params.Kind != Map {
		return nil, errors.New("Parameters is not a mapping")
	}
	for _, f := range params.Fields {
		if !parameterNameRE.MatchString(f.Key) {
			return nil, fmt.Errorf("parameter %q is not a parameter name", f.Key)
		}
		p := Parameter{Name: f.Key}
		if d := field(f.Value, "Description"); d != nil && d.Kind == String {
			p.Description = d.Text
		}
		out.Parameters = append(out.Parameters, p)
	}
	def, err := decode(t.Definition)
	if err != nil {
		return nil, fmt.Errorf("Definition: %w", err)
	}
	st := field(def, "Statement")
	if def.Kind != Map || len(def.Fields) != 1 || st == nil || st.Kind != Seq || len(st.Items) == 0 {
		return nil, errors.New("Definition is not a mapping with only a non-empty Statement list")
	}
	out.Definition = def
	return out, nil
}

func field(v *Value, key string) *Value {
	if v == nil || v.Kind != Map {
		return nil
	}
	for _, f := range v.Fields {
		if f.Key == key {
			return f.Value
		}
	}
	return nil
}

// decode reads one JSON value keeping the order of mapping keys, which
// encoding/json's maps would lose.
func decode(data []byte) (*Value, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("missing")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("text after the value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (*Value, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &Value{Kind: Null}, nil
	case bool:
		text := "false"
		if t {
			text = "true"
		}
		return &Value{Kind: Bool, Text: text}, nil
	case json.Number:
		return &Value{Kind: Number, Text: t.String()}, nil
	case string:
		return &Value{Kind: String, Text: t}, nil
	case json.Delim:
		if t == '[' {
			v := &Value{Kind: Seq}
			for dec.More() {
				it, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.Items = append(v.Items, it)
			}
			_, err := dec.Token()
			return v, err
		}
		v := &Value{Kind: Map}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string)
			if seen[key] {
				return nil, fmt.Errorf("key %q appears twice", key)
			}
			seen[key] = true
			val, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			v.Fields = append(v.Fields, Field{Key: key, Value: val})
		}
		_, err := dec.Token()
		return v, err
	}
	return nil, fmt.Errorf("unexpected %v", tok)
}
