package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/tollgate-dev/tollgate/internal/cli"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/iamdata/cache"
	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/report"
)

func dataFlags(name string) (*flag.FlagSet, *dataOptions) {
	o := &dataOptions{}
	fs := flag.NewFlagSet("data "+name, flag.ContinueOnError)
	fs.StringVar(&o.dataDir, "data-dir", "", "IAM data cache `DIR`")
	fs.StringVar(&o.configFile, "config", "", "configuration `FILE` (default: .tollgate.yml when present)")
	switch name {
	case "refresh":
		fs.StringVar(&o.url, "url", cache.DefaultListURL, "service list `URL` of the AWS service reference")
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
		fmt.Fprint(e.stderr, commandHelp("data"))
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
	pos, err := cli.Parse(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		dataUsage(e)
		return exitOK, nil
	}
	if err != nil {
		return 0, err
	}
	cfg, err := config.Load(o.configFile)
	if err != nil {
		return 0, err
	}
	dir := config.DataDir(o.dataDir, cfg, e.getenv)
	switch {
	case name == "diff":
		return dataDiff(dir, pos, o, e)
	case len(pos) > 0:
		return 0, usagef("data %s takes no arguments, got %q", name, pos[0])
	case name == "refresh":
		return dataRefresh(ctx, dir, o, e)
	}
	return dataInfo(dir, e)
}

func dataUsage(e *env) {
	fmt.Fprint(e.stdout, commandHelp("data"))
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
	res, mres, err := cache.RefreshAll(ctx, &cache.Refresher{Dir: dir, ListURL: o.url, Base: base, Client: client, UserAgent: agent},
		&managed.Refresher{Dir: dir, URL: o.managedURL, Client: client, UserAgent: agent})
	if res != nil {
		report.DataRefreshed(e.stdout, o.url, res.Services, res.Actions, res.Downloaded, res.NotModified, res.File, base.Updated)
	}
	if mres != nil {
		report.ManagedRefreshed(e.stdout, mres)
	}
	if err != nil {
		return 0, err
	}
	return exitOK, nil
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
	d, md, err := cache.Comparison(names[0], names[1], dir, o.managed)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriter(e.stdout)
	if md != nil {
		err = format.Managed(w, md)
	} else {
		err = format.Data(w, d)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return 0, fmt.Errorf("writing the diff: %w", err)
	}
	empty := md != nil && md.Empty() || d != nil && d.Empty()
	if o.exitCode && !empty {
		return exitBlocking, nil
	}
	return exitOK, nil
}

func dataInfo(dir string, e *env) (int, error) {
	choice, err := cache.Choose(dir)
	if err != nil {
		return 0, err
	}
	if err := report.DataInfo(e.stdout, report.DataState{Set: choice.Set, Path: choice.Path, Dir: dir, Note: choice.Note, Older: choice.Older}); err != nil {
		return 0, err
	}
	mc, err := managed.Choose(dir)
	if err != nil {
		return 0, err
	}
	return exitOK, report.ManagedInfo(e.stdout, report.ManagedState{Set: mc.Set, Path: mc.Path, Dir: dir, Note: mc.Note, Older: mc.Older})
}
