package githubtest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// contract checks requests and answers against GitHub's REST description
// (an OpenAPI 3.0 subset in fixtures/openapi). Its schemas are compiled as
// JSON Schema 2020-12 after the one OpenAPI 3.0 keyword that differs,
// nullable, is rewritten.
type contract struct {
	ops []*operation
}

type operation struct {
	method, template string
	re               *regexp.Regexp
	names            []string
	params           []param
	body             *jsonschema.Schema
	bodyRequired     bool
	responses        map[int]*jsonschema.Schema
}

type param struct {
	name, in string
	required bool
	typ      string
	schema   *jsonschema.Schema
}

const specURL = "github-rest.json"

func loadContract(path string) (*contract, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is not an OpenAPI document", path)
	}
	rewriteNullable(root)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource(specURL, root); err != nil {
		return nil, err
	}
	compile := func(ptr ...string) (*jsonschema.Schema, error) {
		for i, p := range ptr {
			ptr[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
		}
		return comp.Compile(specURL + "#/" + strings.Join(ptr, "/"))
	}
	paths, _ := root["paths"].(map[string]any)
	components, _ := root["components"].(map[string]any)
	sharedParams, _ := components["parameters"].(map[string]any)
	c := &contract{}
	for tmpl, item := range paths {
		methods, _ := item.(map[string]any)
		for method, o := range methods {
			op, _ := o.(map[string]any)
			x := &operation{method: strings.ToUpper(method), template: tmpl, responses: map[int]*jsonschema.Schema{}}
			segs := strings.Split(tmpl, "/")
			for i, seg := range segs {
				if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
					x.names = append(x.names, strings.Trim(seg, "{}"))
					segs[i] = `([^/]+)`
				} else {
					segs[i] = regexp.QuoteMeta(seg)
				}
			}
			x.re = regexp.MustCompile("^" + strings.Join(segs, "/") + "$")
			params, _ := op["parameters"].([]any)
			for i, p := range params {
				pm, _ := p.(map[string]any)
				ptr := []string{"paths", tmpl, method, "parameters", strconv.Itoa(i), "schema"}
				if ref, ok := pm["$ref"].(string); ok {
					name := strings.TrimPrefix(ref, "#/components/parameters/")
					pm, _ = sharedParams[name].(map[string]any)
					ptr = []string{"components", "parameters", name, "schema"}
				}
				s, err := compile(ptr...)
				if err != nil {
					return nil, fmt.Errorf("%s %s parameter %d: %w", method, tmpl, i, err)
				}
				sm, _ := pm["schema"].(map[string]any)
				typ, _ := sm["type"].(string)
				req, _ := pm["required"].(bool)
				x.params = append(x.params, param{name: fmt.Sprint(pm["name"]), in: fmt.Sprint(pm["in"]), required: req, typ: typ, schema: s})
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				x.bodyRequired, _ = rb["required"].(bool)
				if x.body, err = compile("paths", tmpl, method, "requestBody", "content", "application/json", "schema"); err != nil {
					return nil, fmt.Errorf("%s %s request body: %w", method, tmpl, err)
				}
			}
			responses, _ := op["responses"].(map[string]any)
			for code, r := range responses {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue
				}
				rm, _ := r.(map[string]any)
				if ref, ok := rm["$ref"].(string); ok {
					name := strings.TrimPrefix(ref, "#/components/responses/")
					resp, _ := components["responses"].(map[string]any)
					rm, _ = resp[name].(map[string]any)
					if content, ok := rm["content"].(map[string]any); ok && content["application/json"] != nil {
						if x.responses[status], err = compile("components", "responses", name, "content", "application/json", "schema"); err != nil {
							return nil, err
						}
					}
					continue
				}
				if content, ok := rm["content"].(map[string]any); ok && content["application/json"] != nil {
					if x.responses[status], err = compile("paths", tmpl, method, "responses", code, "content", "application/json", "schema"); err != nil {
						return nil, fmt.Errorf("%s %s response %s: %w", method, tmpl, code, err)
					}
				}
			}
			c.ops = append(c.ops, x)
		}
	}
	sort.Slice(c.ops, func(i, j int) bool { return c.ops[i].template+c.ops[i].method < c.ops[j].template+c.ops[j].method })
	return c, nil
}

// rewriteNullable turns OpenAPI 3.0's "nullable: true" into JSON Schema.
func rewriteNullable(v any) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			rewriteNullable(e)
		}
	case map[string]any:
		for _, e := range x {
			rewriteNullable(e)
		}
		if n, _ := x["nullable"].(bool); n {
			delete(x, "nullable")
			if t, ok := x["type"].(string); ok {
				x["type"] = []any{t, "null"}
			}
			if e, ok := x["enum"].([]any); ok {
				x["enum"] = append(e, nil)
			}
			if ref, ok := x["$ref"].(string); ok {
				delete(x, "$ref")
				x["anyOf"] = []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}
			}
		}
	}
}

// checkRequest returns the operation r calls and what in it breaks the
// description: an unknown path or method, a parameter of the wrong type or
// unknown to GitHub, a body the schema rejects.
func (c *contract) checkRequest(r *http.Request, body []byte) (*operation, []string) {
	var op *operation
	var values []string
	for _, o := range c.ops {
		if m := o.re.FindStringSubmatch(r.URL.Path); m != nil && o.method == r.Method {
			op, values = o, m[1:]
			break
		}
	}
	route := r.Method + " " + r.URL.Path
	if op == nil {
		return nil, []string{route + " is not an operation in GitHub's description"}
	}
	var bad []string
	q := r.URL.Query()
	known := map[string]bool{}
	for _, p := range op.params {
		var raw string
		var present bool
		switch p.in {
		case "path":
			for i, n := range op.names {
				if n == p.name {
					raw, present = values[i], true
				}
			}
		case "query":
			known[p.name] = true
			raw, present = q.Get(p.name), q.Has(p.name)
		default:
			continue
		}
		if !present {
			if p.required {
				bad = append(bad, fmt.Sprintf("%s: required %s parameter %s is missing", route, p.in, p.name))
			}
			continue
		}
		var v any = raw
		switch p.typ {
		case "integer":
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s: %s parameter %s=%q is not an integer", route, p.in, p.name, raw))
				continue
			}
			v = n
		case "boolean":
			v = raw == "true"
		}
		if err := p.schema.Validate(v); err != nil {
			bad = append(bad, fmt.Sprintf("%s: %s parameter %s=%q: %v", route, p.in, p.name, raw, err))
		}
	}
	for k := range q {
		if !known[k] {
			bad = append(bad, fmt.Sprintf("%s: query parameter %s is not in GitHub's description", route, k))
		}
	}
	if op.body != nil {
		switch {
		case len(bytes.TrimSpace(body)) == 0:
			if op.bodyRequired {
				bad = append(bad, route+": the request body is required")
			}
		case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
			bad = append(bad, fmt.Sprintf("%s: Content-Type %q, want application/json", route, r.Header.Get("Content-Type")))
		default:
			if err := validateJSON(op.body, body); err != nil {
				bad = append(bad, fmt.Sprintf("%s: request body: %v\nbody: %.500s", route, err, body))
			}
		}
	} else if len(bytes.TrimSpace(body)) > 0 {
		bad = append(bad, route+": sends a body the operation does not take")
	}
	return op, bad
}

// checkResponse validates an answer the fake gives.
func (c *contract) checkResponse(op *operation, status int, body []byte) []string {
	s, ok := op.responses[status]
	if !ok {
		return []string{fmt.Sprintf("%s %s: status %d is not an answer GitHub gives", op.method, op.template, status)}
	}
	if s == nil {
		return nil
	}
	if err := validateJSON(s, body); err != nil {
		return []string{fmt.Sprintf("%s %s: answer %d: %v", op.method, op.template, status, err)}
	}
	return nil
}

func validateJSON(s *jsonschema.Schema, data []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(v)
}
