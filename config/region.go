package config

// RegionSource says where a Region came from, for messages.
type RegionSource string

// Where a Region can come from, in the order they are looked at.
const (
	RegionFromFlag    RegionSource = "--region"
	RegionFromConfig  RegionSource = "region"
	RegionFromEnv     RegionSource = "AWS_REGION"
	RegionFromDefault RegionSource = "AWS_DEFAULT_REGION"
)

// Region returns the Region templates deploy to: the flag, else the
// configuration's region, else AWS_REGION, else AWS_DEFAULT_REGION, the
// order every AWS tool uses. It reads no AWS configuration file and needs
// no network, so offline checks resolve AWS::Region the same way. getenv
// may be nil (no environment); source is "" when no Region is set.
func Region(flag string, c *Config, getenv func(string) string) (region string, source RegionSource) {
	if flag != "" {
		return flag, RegionFromFlag
	}
	if c != nil && c.Region != "" {
		return c.Region, RegionFromConfig
	}
	if getenv != nil {
		if r := getenv("AWS_REGION"); r != "" {
			return r, RegionFromEnv
		}
		if r := getenv("AWS_DEFAULT_REGION"); r != "" {
			return r, RegionFromDefault
		}
	}
	return "", ""
}
