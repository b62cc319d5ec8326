package command

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// readParameters merges --template-configuration-file and --parameters;
// the command line wins, as in cfn-policy-validator. --parameters given
// twice keeps the last list only, as there.
func (r *run) readParameters() error {
	r.params = map[string]string{}
	if file := r.a.str("template_configuration_file"); r.a.has("template_configuration_file") {
		fromFile, err := ReadConfigurationFile(file)
		if err != nil {
			return err
		}
		for k, v := range fromFile {
			r.params[k] = v
		}
	}
	for _, kv := range r.a.list("parameters") {
		k, v, _ := strings.Cut(kv, "=")
		r.params[k] = v
	}
	return nil
}

// ReadConfigurationFile reads template parameter values from a JSON file
// in any of the three forms cfn-policy-validator reads: CodePipeline's
// template configuration {"Parameters": {"Name": "Value"}}, the
// CloudFormation CLI's [{"ParameterKey": "Name", "ParameterValue":
// "Value"}], or ["Name=Value"]. Its errors are worded as the tool's.
func ReadConfigurationFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, appErrorf("Template configuration file not found: %s", path)
	}
	if err != nil {
		return nil, appErrorf("Unexpected error occurred. %v", err)
	}
	var parsed any
	if err := json.Unmarshal(data, &parsed); err != nil {
		return nil, appErrorf("Template configuration file contains invalid json: %s", path)
	}
	return parameterValues(parsed)
}

// parameterValues reads the parsed file.
func parameterValues(parsed any) (map[string]string, error) {
	out := map[string]string{}
	switch v := parsed.(type) {
	case map[string]any:
		params, ok := v["Parameters"]
		if !ok {
			return out, nil
		}
		m, ok := params.(map[string]any)
		if !ok {
			return nil, appErrorf("The value for \"Parameters\" in the template configuration file must be a JSON object.\n" +
				"See CloudFormation documentation on format for this file: \"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/continuous-delivery-codepipeline-cfn-artifacts.html#w2ab1c21c15c15\"")
		}
		for k, val := range m {
			out[k] = scalar(val)
		}
		return out, nil
	case []any:
		if len(v) == 0 {
			return out, nil
		}
		switch v[0].(type) {
		case map[string]any:
			for _, it := range v {
				m, ok := it.(map[string]any)
				if !ok {
					return nil, appErrorf("Expected a JSON object with \"ParameterKey\" and \"ParameterValue\" but got: %s", scalar(it))
				}
				key, hasKey := m["ParameterKey"]
				val, hasValue := m["ParameterValue"]
				if !hasKey || !hasValue {
					b, _ := json.Marshal(m)
					return nil, appErrorf("Each parameter object must contain \"ParameterKey\" and \"ParameterValue\". Got: %s", pyJSON(b))
				}
				out[scalar(key)] = scalar(val)
			}
			return out, nil
		case string:
			for _, it := range v {
				s, ok := it.(string)
				k, val, found := strings.Cut(s, "=")
				if !ok || !found {
					return nil, appErrorf("Expected a parameter string in the format \"Key=Value\" but got: %s", scalar(it))
				}
				out[k] = val
			}
			return out, nil
		}
	}
	return nil, appErrorf("Unsupported parameter file format. Supported formats:\n" +
		"  - CodePipeline configuration: {\"Parameters\": {\"Key\": \"Value\"}}\n" +
		"  - CloudFormation-style list:  [{\"ParameterKey\": \"Key\", \"ParameterValue\": \"Value\"}, ...]\n" +
		"  - Key=Value string list:      [\"Key1=Value1\", \"Key2=Value2\"]")
}

// scalar shows a JSON value as text: strings as they are, the rest as JSON.
func scalar(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// pyJSON spaces compact JSON as Python's json.dumps does (", " and ": ").
func pyJSON(b []byte) string {
	var out strings.Builder
	in := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		out.WriteByte(c)
		switch {
		case c == '"' && (i == 0 || b[i-1] != '\\'):
			in = !in
		case !in && (c == ',' || c == ':'):
			out.WriteByte(' ')
		}
	}
	return fmt.Sprint(out.String())
}
