package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/report"
)

// Exit statuses, named as actionlint names them.
const (
	exitOK       = 0 // no blocking finding
	exitBlocking = 1 // blocking findings
	exitUsage    = 2 // bad usage or configuration
	exitFailure  = 3 // internal or remote failure
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = ""

// toolVersion returns the version of this build.
func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func tool() report.Tool {
	return report.Tool{Name: "tollgate", Version: toolVersion(), URL: "https://github.com/tollgate-dev/tollgate"}
}

// env is the process environment a command runs in; tests fill it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// usageError marks errors that exit with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

const helpText = `tollgate checks CloudFormation templates and the IAM policies in them.

Usage:
  tollgate check [flags] [PATH...]   check templates (files or folders, default: .)
  tollgate diff --base REF [PATH...] what a change to templates does (replacements, IAM, network)
  tollgate data refresh|diff|info    update and compare the IAM service data
  tollgate action                    run as the GitHub Action (see docs/action.md)
  tollgate plan [--branch B]         map the branch to environments and stacks (a deploy matrix)
  tollgate deploy --entry JSON       deploy one plan entry behind its gate (change set, execute, report)
  tollgate version                   print the version
  tollgate help [COMMAND]            show help

Run 'tollgate help check' or 'tollgate help diff' for their flags.

Exit status: 0 no blocking finding, 1 blocking findings, 2 bad usage or
configuration, 3 the check itself failed.
`

// run is the whole program: main only calls it, and tests call it too.
func run(args []string, e *env) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(args) == 0 {
		fmt.Fprint(e.stderr, helpText)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "check":
		var code int
		code, err = runCheck(ctx, rest, e)
		if err == nil {
			return code
		}
	case "diff":
		var code int
		code, err = runDiff(ctx, rest, e)
		if err == nil {
			return code
		}
	case "data":
		var code int
		code, err = runData(ctx, rest, e)
		if err == nil {
			return code
		}
	case "action":
		var code int
		code, err = runAction(ctx, rest, e)
		if err == nil {
			return code
		}
	case "plan":
		var code int
		code, err = runPlan(ctx, rest, e)
		if err == nil {
			return code
		}
	case "deploy":
		var code int
		code, err = runDeploy(ctx, rest, e)
		if err == nil {
			return code
		}
	case "version", "--version", "-version":
		fmt.Fprintln(e.stdout, "tollgate", toolVersion())
		return exitOK
	case "help", "-h", "--help", "-help":
		return runHelp(rest, e)
	default:
		err = usagef("unknown command %q; run 'tollgate help'", cmd)
	}
	return reportError(e, err)
}

func runHelp(args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, helpText)
		return exitOK
	}
	switch args[0] {
	case "action":
		fmt.Fprint(e.stdout, actionHelp)
		return exitOK
	case "deploy":
		fs := deployFlags(&deployOptions{})
		fs.SetOutput(e.stdout)
		fmt.Fprint(e.stdout, deployHelp)
		fs.PrintDefaults()
		return exitOK
	case "plan":
		fs := planFlags(&planOptions{})
		fs.SetOutput(e.stdout)
		fmt.Fprint(e.stdout, planHelp)
		fs.PrintDefaults()
		return exitOK
	case "check":
		fs := checkFlags(&checkOptions{})
		fs.SetOutput(e.stdout)
		fmt.Fprint(e.stdout, checkHelp)
		fs.PrintDefaults()
		return exitOK
	case "diff":
		fs := diffFlags(&diffOptions{})
		fs.SetOutput(e.stdout)
		fmt.Fprint(e.stdout, diffHelp)
		fs.PrintDefaults()
		return exitOK
	case "data":
		dataUsage(e)
		return exitOK
	}
	return reportError(e, usagef("no help for %q; run 'tollgate help'", args[0]))
}

// reportError prints err, escaped so that no part of it can forge output
// lines, and returns the exit status it calls for.
func reportError(e *env, err error) int {
	var ce *config.Error
	if errors.As(err, &ce) {
		for _, is := range ce.Issues {
			one := &config.Error{File: ce.File, Issues: []config.Issue{is}}
			fmt.Fprintln(e.stderr, "tollgate: "+report.Plain(one.Error()))
		}
		return exitUsage
	}
	fmt.Fprintln(e.stderr, "tollgate: "+report.Plain(err.Error()))
	var ue *usageError
	var fe flagError
	var eu *engine.UsageError
	if errors.As(err, &ue) || errors.As(err, &fe) || errors.As(err, &eu) {
		return exitUsage
	}
	return exitFailure
}

// parseFlags parses flags that may appear before, between or after the
// positional arguments, as users type them ("check stacks/ --format json").
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional, after []string
	for i, a := range args {
		if a == "--" {
			args, after = args[:i], args[i+1:]
			break
		}
	}
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, flagError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	return append(positional, after...), nil
}

// flagError is a flag the command line got wrong.
type flagError struct{ err error }

func (f flagError) Error() string { return f.err.Error() + "; run 'tollgate help' for usage" }
