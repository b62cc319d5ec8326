package config

import "testing"

func TestRegionComesFromTheFlagThenConfigThenTheEnvironment(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	both := env(map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"})
	cases := []struct {
		name       string
		flag       string
		cfg        *Config
		getenv     func(string) string
		want       string
		wantSource RegionSource
	}{
		{"the flag wins", "ap-south-2", &Config{Region: "eu-central-1"}, both, "ap-south-2", RegionFromFlag},
		{"then the configuration", "", &Config{Region: "eu-central-1"}, both, "eu-central-1", RegionFromConfig},
		{"then AWS_REGION", "", &Config{}, both, "eu-west-1", RegionFromEnv},
		{"then AWS_DEFAULT_REGION", "", nil, env(map[string]string{"AWS_DEFAULT_REGION": "us-east-1"}), "us-east-1", RegionFromDefault},
		{"else none", "", &Config{}, env(nil), "", ""},
		{"without an environment", "", nil, nil, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, src := Region(c.flag, c.cfg, c.getenv)
			if got != c.want || src != c.wantSource {
				t.Errorf("Region = %q from %q, want %q from %q", got, src, c.want, c.wantSource)
			}
		})
	}
}
