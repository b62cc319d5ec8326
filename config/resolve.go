package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata/cache"
	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/internal/awsid"
	"github.com/tollgate-dev/tollgate/template"
)

// Overrides are the settings of one run that a command line or the
// action's inputs give; each one set wins over the file.
type Overrides struct {
	Account, Region string
	// BlockOn is a comma-separated list of finding types; BlockOnName names
	// where it came from in errors ("--block-on", "input fail-on").
	BlockOn, BlockOnName string
	Parameters           map[string]string
	// ParametersFile is --parameters-file: its values pin parameters, under
	// those of Parameters.
	ParametersFile string
	// ParameterValues is --parameter-values: accepted or defaults.
	ParameterValues string
	// AllowExternal are accounts, organizations, principal ARNs, identity
	// providers and "*" to trust; AllowExternalName names the flag in
	// errors ("--allow-external-principal").
	AllowExternal     []string
	AllowExternalName string
	// IgnoreFindings are --ignore-finding selectors (CODE, RESOURCE or
	// RESOURCE.CODE, comma-separated).
	IgnoreFindings []string
	// ExcludeTypes are resource types whose policies are not checked.
	ExcludeTypes []string
	Baseline     string
	DataDir      string
	Paths        []string
	// Getenv, when set, supplies $TOLLGATE_DATA_DIR and the user cache
	// directory; without it only DataDir and data-dir: are looked at.
	Getenv func(string) string
	// RegionEnv, when set, supplies AWS_REGION and AWS_DEFAULT_REGION when
	// neither the override nor the file names a Region.
	RegionEnv func(string) string
	// AllowDynamicRef is --allow-dynamic-ref-without-version.
	AllowDynamicRef bool
}

// Settings are what a check run uses: the file and the overrides merged
// and validated.
type Settings struct {
	Paths, Include, Exclude []string
	Checks                  checks.Options
	Block                   checks.BlockPolicy
	Baseline                *checks.Baseline
	BaselineFile            string
	// Ignore are the --ignore-finding selectors.
	Ignore []checks.IgnoreSelector
	// Notices say which data set was chosen, when it is not the built-in one.
	Notices []template.Notice
	// Parameters are the layers Checks.Values.Parameters was made of, so
	// that a gitops environment's parameters file can go between them.
	Parameters ParameterLayers
}

// ParameterLayers are the parameter values of a run by where they come
// from. An environment's parameters file goes between the two: flags win
// over it, and it wins over the configuration file.
type ParameterLayers struct {
	// Config holds parameters-file's values under parameters:'s.
	Config map[string]string
	// Flags holds --parameters-file's values under --parameter's.
	Flags map[string]string
	// Files are the parameters files read, to check that some template
	// declares each parameter they name.
	Files []*template.ParameterFile
}

// Merge returns the values of the layers with env's between them.
func (l ParameterLayers) Merge(env map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{l.Config, env, l.Flags} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// ReadParameterFile reads and parses a parameters file; its errors name
// the file and line, and are the user's to fix (exit 2).
func ReadParameterFile(path string) (*template.ParameterFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := "cannot read the parameters file: " + err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = "cannot read the parameters file: " + pe.Err.Error()
		}
		if errors.Is(err, fs.ErrNotExist) {
			msg = "parameters file not found"
		}
		return nil, &template.ParameterFileError{Span: template.Span{File: path}, Msg: msg}
	}
	return template.ParseParameterFile(path, data)
}

// UsageError is a value given on the command line or in an input that
// cannot be used; the run exits with status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usage marks the error as one of usage: the run exits with status 2.
func (e *UsageError) Usage() {}

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Resolve merges the overrides into the configuration: overrides win. It
// reads the IAM data set and the baseline file the result names.
func (c *Config) Resolve(o Overrides) (*Settings, error) {
	dir := DataDir(o.DataDir, c, o.Getenv)
	choice, err := cache.Choose(dir)
	if err != nil {
		return nil, err
	}
	s := &Settings{Include: c.Include, Exclude: c.Exclude}
	if choice.Note != "" {
		s.Notices = append(s.Notices, template.Noticef("%s", choice.Note))
	}
	// The AWS managed policies, one set for the whole run; a document is
	// read the first time a template attaches it.
	mchoice, err := managed.Choose(dir)
	if err != nil {
		return nil, err
	}
	if mchoice.Note != "" {
		s.Notices = append(s.Notices, template.Noticef("%s", mchoice.Note))
	}
	if err := c.CheckCodes(); err != nil {
		return nil, err
	}
	if s.Baseline, s.BaselineFile, err = c.baseline(o.Baseline); err != nil {
		return nil, err
	}
	values, layers, err := c.values(o)
	if err != nil {
		return nil, err
	}
	s.Parameters = layers
	types, err := c.blockTypes(o)
	if err != nil {
		return nil, err
	}
	trust, err := c.trusted(o.AllowExternal, firstNonEmpty(o.AllowExternalName, "--allow-external-principal"))
	if err != nil {
		return nil, err
	}
	excluded, err := resourceTypes(o.ExcludeTypes)
	if err != nil {
		return nil, err
	}
	s.Paths = firstList(o.Paths, c.Paths, []string{"."})
	s.Checks = checks.Options{Data: choice.Set, Values: values, TrustedAccounts: trust.accounts, TrustedOrgs: trust.orgs,
		TrustedPrincipals: trust.principals, ExcludeTypes: excluded,
		AllowDynamicRefWithoutVersion: o.AllowDynamicRef || c.AllowDynamicRefWithoutVersion, Managed: mchoice.Set}
	s.Ignore = checks.ParseIgnore(o.IgnoreFindings)
	if b := c.BroadSensitiveAccess; b != nil {
		s.Checks.Sensitive = &checks.SensitiveAccess{Wildcards: b.Wildcards, Actions: b.Actions, Secrets: b.Secrets, Allow: b.Allow}
	}
	s.Block = checks.BlockPolicy{Types: types, Block: c.Block.Codes, Allow: c.Allow.Codes}
	return s, nil
}

func (c *Config) baseline(flagFile string) (*checks.Baseline, string, error) {
	file := firstNonEmpty(flagFile, c.Baseline)
	if file == "" {
		return nil, "", nil
	}
	b, err := ReadBaseline(file)
	if err != nil {
		if flagFile == "" && c.File != "" {
			err = fmt.Errorf("baseline (set in %s): %w", c.File, err)
		}
		return nil, "", &UsageError{Msg: err.Error()}
	}
	return b, file, nil
}

// values are the template values: account, Region and parameters, with
// the layers the parameters came from.
func (c *Config) values(o Overrides) (template.Values, ParameterLayers, error) {
	var layers ParameterLayers
	account := firstNonEmpty(o.Account, c.Account)
	if account != "" && !awsid.IsAccount(account) {
		return template.Values{}, layers, usagef("--account %q is not an account ID; expected 12 digits such as 123456789012", account)
	}
	region, source := Region(o.Region, c, o.RegionEnv)
	if region != "" && !awsid.IsRegion(region) {
		return template.Values{}, layers, usagef("%s %q is not a Region; expected a name such as eu-west-1", source, region)
	}
	mode := firstNonEmpty(o.ParameterValues, c.ParameterValues, ParameterValuesAccepted)
	if mode != ParameterValuesAccepted && mode != ParameterValuesDefaults {
		return template.Values{}, layers, usagef("--parameter-values %q: expected accepted (every value a parameter accepts) or defaults (each Default only)", mode)
	}
	layer := func(file string, values map[string]string) (map[string]string, error) {
		out := map[string]string{}
		if file != "" {
			pf, err := ReadParameterFile(file)
			if err != nil {
				return nil, err
			}
			layers.Files = append(layers.Files, pf)
			for k, v := range pf.Values {
				out[k] = v
			}
		}
		for k, v := range values {
			out[k] = v
		}
		return out, nil
	}
	var err error
	if layers.Config, err = layer(c.ParametersFile, c.Parameters); err != nil {
		return template.Values{}, layers, err
	}
	if layers.Flags, err = layer(o.ParametersFile, o.Parameters); err != nil {
		return template.Values{}, layers, err
	}
	return template.Values{AccountID: account, Region: region, Parameters: layers.Merge(nil), DefaultsOnly: mode == ParameterValuesDefaults}, layers, nil
}

func (c *Config) blockTypes(o Overrides) ([]checks.Type, error) {
	switch {
	case o.BlockOn != "":
		return ParseTypes(o.BlockOn, firstNonEmpty(o.BlockOnName, "--block-on"))
	case c.BlockOn != nil:
		return ParseTypes(strings.Join(c.BlockOn, ","), "block-on")
	}
	return checks.DefaultBlockTypes, nil
}

// trust is who is not external: accounts, organizations and principals.
type trust struct{ accounts, orgs, principals []string }

// trusted adds the --allow-external-principal values to the trusted
// accounts, organizations and principals of the file; flag names the
// option in errors.
func (c *Config) trusted(extra []string, flag string) (trust, error) {
	t := trust{accounts: append([]string(nil), c.TrustedAccounts...), orgs: append([]string(nil), c.TrustedOrgs...),
		principals: append([]string(nil), c.TrustedPrincipals...)}
	for _, a := range extra {
		switch {
		case awsid.IsAccount(a):
			t.accounts = append(t.accounts, a)
		case awsid.IsOrg(a):
			t.orgs = append(t.orgs, a)
		case IsPrincipal(a):
			t.principals = append(t.principals, a)
		default:
			return trust{}, usagef("%s %q is neither an account ID (123456789012), an organization ID (o-abc123def4), a principal ARN "+
				"(arn:aws:iam::123456789012:role/Peer), an identity provider (graph.facebook.com) nor \"*\"", flag, a)
		}
	}
	return t, nil
}

// IsPrincipal reports whether s names a principal that can be trusted on
// its own: "*", an ARN, an identity provider's host name
// (accounts.google.com) or a 64-digit S3 canonical user ID.
func IsPrincipal(s string) bool {
	switch {
	case s == "*":
		return true
	case strings.HasPrefix(s, "arn:"):
		return strings.Count(s, ":") >= 5 && !strings.ContainsAny(s, " \t")
	case len(s) == 64 && strings.Trim(s, "0123456789abcdef") == "":
		return true
	}
	host, _, _ := strings.Cut(s, "/")
	return strings.Contains(host, ".") && strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == "" &&
		!strings.HasPrefix(host, ".") && !strings.HasSuffix(host, ".")
}

// resourceTypes checks --exclude-resource-types values: AWS::SERVICE::TYPE,
// Custom::NAME or a module (AWS::SERVICE::TYPE::MODULE).
func resourceTypes(list []string) ([]string, error) {
	var out []string
	for _, v := range list {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			if strings.ContainsAny(t, " \t") || (!strings.HasPrefix(t, "Custom::") && strings.Count(t, "::") < 2) {
				return nil, usagef("--exclude-resource-types %q is not a resource type; expected a type such as AWS::IAM::Role or Custom::Name", t)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// CheckCodes rejects block and allow codes that no rule has: a misspelt
// code would silently block nothing, or let everything through.
func (c *Config) CheckCodes() error {
	var problems []Issue
	for _, list := range []struct {
		key   string
		codes []string
	}{{"block", c.Block.Codes}, {"allow", c.Allow.Codes}} {
		for i, code := range list.codes {
			suggestion, ok := checks.CheckCode(code)
			if ok {
				continue
			}
			line, col := c.Position(fmt.Sprintf("/%s/codes/%d", list.key, i))
			msg := fmt.Sprintf("%s.codes[%d]: %q is not the code of a tollgate rule or an IAM Access Analyzer check", list.key, i, code)
			if suggestion != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", suggestion)
			} else {
				msg += "; the codes are listed in docs/rules.md"
			}
			problems = append(problems, IssueAt(line, col, msg))
		}
	}
	if len(problems) > 0 {
		return &Error{File: c.File, Issues: problems}
	}
	return nil
}

// ParseTypes reads a comma-separated list of finding types; what names the
// setting in errors.
func ParseTypes(list, what string) ([]checks.Type, error) {
	out := []checks.Type{}
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(s), "none") {
			// cfn-policy-validator's NONE: whatever else is listed, no
			// type blocks.
			return []checks.Type{}, nil
		}
		t, err := checks.ParseType(s)
		if err != nil {
			return nil, usagef("%s: %v", what, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// DataDir returns the IAM data cache to look in: the flag, the
// configuration, then (when getenv is given) $TOLLGATE_DATA_DIR, else the
// user cache directory.
func DataDir(flagValue string, c *Config, getenv func(string) string) string {
	if d := firstNonEmpty(flagValue, c.DataDir); d != "" || getenv == nil {
		return d
	}
	if d := getenv("TOLLGATE_DATA_DIR"); d != "" {
		return d
	}
	return userCacheDir(getenv)
}

// userCacheDir is os.UserCacheDir read through getenv, so that tests never
// see the real one.
func userCacheDir(getenv func(string) string) string {
	var base string
	switch runtime.GOOS {
	case "windows":
		base = getenv("LocalAppData")
	case "darwin":
		if h := getenv("HOME"); h != "" {
			base = filepath.Join(h, "Library", "Caches")
		}
	default:
		base = getenv("XDG_CACHE_HOME")
		if base == "" || !filepath.IsAbs(base) {
			base = ""
			if h := getenv("HOME"); h != "" {
				base = filepath.Join(h, ".cache")
			}
		}
	}
	if base == "" {
		return ""
	}
	return filepath.Join(base, "tollgate", "iam")
}

// Name is the configuration file's name for messages: its path, or
// .tollgate.yml when none was read.
func (c *Config) Name() string {
	if c.File == "" {
		return DefaultFile
	}
	return c.File
}

// Load reads file, or finds .tollgate.yml from the current folder when
// file is "".
func Load(file string) (*Config, error) {
	if file != "" {
		return ReadFile(file)
	}
	return Find(".")
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func firstList(lists ...[]string) []string {
	for _, l := range lists {
		if len(l) > 0 {
			return l
		}
	}
	return nil
}

// ReadBaseline reads a baseline file.
func ReadBaseline(path string) (*checks.Baseline, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: baseline file not found; create it with tollgate check --write-baseline %s", path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return checks.ParseBaseline(path, data)
}
