// Package awsid recognises AWS identifiers: account IDs, Regions and
// organization IDs. It is the one place their patterns live.
package awsid

import "regexp"

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	orgRE     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

// IsAccount reports whether s is a 12-digit account ID.
func IsAccount(s string) bool { return accountRE.MatchString(s) }

// IsRegion reports whether s has the shape of a Region name (eu-west-1).
func IsRegion(s string) bool { return regionRE.MatchString(s) }

// IsOrg reports whether s is an AWS Organizations ID (o-abc123def4).
func IsOrg(s string) bool { return orgRE.MatchString(s) }
