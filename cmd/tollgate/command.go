package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"github.com/tollgate-dev/tollgate/internal/cli"
	"io"
	"os"
	"os/signal"
	"strings"

	cfnpv "github.com/tollgate-dev/tollgate/compat/cfnpv/command"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/internal/buildinfo"
	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/report"
)

// Exit statuses, named as actionlint names them.
const (
	exitOK       = 0 // no blocking finding
	exitBlocking = 1 // blocking findings
	exitUsage    = 2 // bad usage or configuration
	exitFailure  = 3 // internal or remote failure
)

// exitCode maps a run's verdict onto the exit status.
func exitCode(s model.Status) int {
	switch s {
	case model.Blocking:
		return exitBlocking
	case model.Failed:
		return exitFailure
	}
	return exitOK
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

// usagef makes the errors that exit with status 2.
var usagef = cli.Usagef

// helpFiles hold each command's help text, printed before its flags.
//
//go:embed help/*.txt
var helpFiles embed.FS

// commandHelp is the help text of a command.
func commandHelp(name string) string {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic("no help text for " + name) // a test runs every command's help
	}
	return string(b)
}

// command is one subcommand: how to run it and how to show its help.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, e *env) (int, error)
	// help prints the command's help; flags, when set, lists its flags.
	help  string
	flags func() *flag.FlagSet
}

// commands lists every subcommand, in the order help shows them.
func commands() []command {
	return []command{
		{name: "check", usage: "check [flags] [PATH...]", summary: "check templates (files or folders, default: .)",
			run: runCheck, help: commandHelp("check"), flags: func() *flag.FlagSet { return checkFlags(&checkOptions{}) }},
		{name: "diff", usage: "diff --base REF [PATH...]", summary: "what a change to templates does (replacements, IAM, network)",
			run: runDiff, help: commandHelp("diff"), flags: func() *flag.FlagSet { return diffFlags(&diffOptions{}) }},
		{name: "plan", usage: "plan [--branch B]", summary: "map the branch to environments and stacks (a deploy matrix)",
			run: runPlan, help: commandHelp("plan"), flags: func() *flag.FlagSet { return planFlags(&planOptions{}) }},
		{name: "deploy", usage: "deploy --entry JSON", summary: "deploy one plan entry behind its gate (change set, execute, report)",
			run: runDeploy, help: commandHelp("deploy"), flags: func() *flag.FlagSet { return deployFlags(&deployOptions{}) }},
		{name: "policies", usage: "policies [flags] [PATH...]", summary: "every policy of the templates, resolved: where, what kind, what it attaches to",
			run: runPolicies, help: commandHelp("policies"), flags: func() *flag.FlagSet { return checkFlags(&checkOptions{use: report.UsePolicies}) }},
		{name: "cfn-policy-validator", usage: "cfn-policy-validator ARGS...", summary: "run cfn-policy-validator's command line (docs/migrating-from-cfn-policy-validator.md)",
			run: func(ctx context.Context, args []string, e *env) (int, error) { // its exit statuses: 0 clean, 2 blocking or usage, 1 error
				return cfnpv.Main(ctx, args, cfnpv.Env{Stdout: e.stdout, Stderr: e.stderr, Getenv: e.getenv, Version: toolVersion(), Tool: tool()}), nil
			}, help: commandHelp("cfn-policy-validator")},
		{name: "action", usage: "action", summary: "run as the GitHub Action (see docs/action.md)", run: runAction, help: commandHelp("action")},
		{name: "data", usage: "data refresh|diff|info", summary: "update and compare the IAM service data and AWS managed policies", run: runData},
	}
}

func helpText() string {
	var b strings.Builder
	b.WriteString("tollgate checks CloudFormation templates and the IAM policies in them.\n\nUsage:\n")
	line := func(usage, summary string) { fmt.Fprintf(&b, "  tollgate %-28s %s\n", usage, summary) }
	for _, c := range commands() {
		line(c.usage, c.summary)
	}
	line("version [--json]", "print the version, commit, date and Go version")
	line("help [COMMAND]", "show help, with a command's flags")
	b.WriteString("\nExit status: 0 no blocking finding, 1 blocking findings, 2 bad usage or\nconfiguration, 3 the check itself failed.\n")
	return b.String()
}

// run is the whole program: main only calls it, and tests call it too.
func run(args []string, e *env) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(args) == 0 {
		fmt.Fprint(e.stderr, helpText())
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "version", "--version", "-version":
		if err := buildinfo.Command(rest, e.stdout, build()); err != nil {
			return reportError(e, err)
		}
		return exitOK
	case "help", "-h", "--help", "-help":
		return runHelp(rest, e)
	}
	for _, c := range commands() {
		if c.name == name {
			code, err := c.run(ctx, rest, e)
			if err == nil {
				return code
			}
			return reportError(e, err)
		}
	}
	return reportError(e, usagef("unknown command %q; run 'tollgate help'", name))
}

func runHelp(args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, helpText())
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		if c.name == "data" {
			dataUsage(e)
			return exitOK
		}
		fmt.Fprint(e.stdout, c.help)
		if c.flags != nil {
			fs := c.flags()
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
		}
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
	// Every package marks the errors that are the user's to fix (a bad
	// flag, input, entry or file name) with a Usage method.
	var u interface{ Usage() }
	if errors.As(err, &u) {
		return exitUsage
	}
	return exitFailure
}

// parseCommand parses the flags of command name. help is set when the
// user asked for help, which has then been printed. noArgs, when set, is
// the message (with %q for the first) that refuses positional arguments.
func parseCommand(name string, fs *flag.FlagSet, args []string, e *env, noArgs string) (rest []string, help bool, err error) {
	rest, err = cli.Parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		runHelp([]string{name}, e)
		return nil, true, nil
	}
	if err == nil && noArgs != "" && len(rest) > 0 {
		err = usagef(noArgs, rest[0])
	}
	return rest, false, err
}
