// Package cli holds the command-line machinery of tollgate's commands:
// flags that may follow the positional arguments, and flag values that
// repeat. The commands themselves (their flags and wiring) are in
// cmd/tollgate.
package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Parse parses flags that may appear before, between or after the
// positional arguments, as users type them ("check stacks/ --format json").
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
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
			return nil, FlagError{err}
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

// FlagError is a flag the command line got wrong.
type FlagError struct{ err error }

func (f FlagError) Error() string { return f.err.Error() + "; run 'tollgate help' for usage" }

// Usage marks the error as one of usage: the run exits with status 2.
func (f FlagError) Usage() {}

// List is a repeatable flag that also takes comma-separated values.
type List []string

func (l *List) String() string { return strings.Join(*l, ",") }

func (l *List) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// KeyValues is a repeatable K=V flag.
type KeyValues map[string]string

func (kv *KeyValues) String() string { return "" }

func (kv *KeyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	if *kv == nil {
		*kv = KeyValues{}
	}
	(*kv)[k] = v
	return nil
}

// Output sends a rendering to stdout, or to the file path when it is set,
// through a buffer. The render function is told whether to colour: only on
// a terminal, never with noColor, NO_COLOR or TERM=dumb. wrote is set when
// the file was written and closed.
func Output(path string, stdout io.Writer, noColor bool, getenv func(string) string, render func(w io.Writer, color bool) error) (wrote bool, err error) {
	w := stdout
	var f *os.File
	if path != "" {
		if f, err = os.Create(path); err != nil {
			return false, fmt.Errorf("--output: %w", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	color := path == "" && !noColor && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb" && isTerminal(stdout)
	if err = render(bw, color); err == nil {
		err = bw.Flush()
	}
	if err == nil && f != nil {
		err = f.Close()
	}
	if err != nil {
		return false, fmt.Errorf("writing the report: %w", err)
	}
	return f != nil, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// UsageError is an error of usage: a command exits with status 2 for it.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// Usage marks the error as one of usage.
func (e *UsageError) Usage() {}

// Usagef formats a usage error.
func Usagef(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}
