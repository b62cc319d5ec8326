package command

import (
	"fmt"
	"sort"
	"strings"
)

// The command line is parsed as cfn-policy-validator's Python argparse
// parses it, so that every invocation it accepts is accepted here, every
// one it refuses is refused with the same message and status 2: options
// may be abbreviated to any unambiguous prefix, take their value as the
// next argument or after "=", repeat (the last one wins), and are checked
// for presence after all are read.

// option is one option of a parser.
type option struct {
	name    string
	dest    string
	metavar string
	// nargs is 0 for a switch, 1 for one value, -1 for one or more.
	nargs    int
	required bool
	help     string
	// check validates (and may rewrite) a value; its error is reported
	// as argparse reports a type error.
	check func(string) (string, error)
	// exact marks tollgate's own options, which match only when written
	// out, so that no abbreviation cfn-policy-validator accepted becomes
	// ambiguous.
	exact bool
	// hidden leaves the option out of the usage line.
	hidden bool
}

// parser is a command (or the top level, with commands).
type parser struct {
	prog        string
	description string
	options     []*option
	commands    []*parser
	name        string
}

// argError is a usage error: argparse prints the usage of parser and the
// message, and exits with status 2.
type argError struct {
	p   *parser
	msg string
}

func (e *argError) Error() string { return e.msg }

// helpRequest is -h or --help: the help of parser is printed.
type helpRequest struct{ p *parser }

func (helpRequest) Error() string { return "help" }

// versionRequest is --version.
type versionRequest struct{}

func (versionRequest) Error() string { return "version" }

// fatalError is an error cfn-policy-validator hits while reading its
// arguments that ends the run with status 1 (a KEY=VALUE without "=").
type fatalError struct{ msg string }

func (e *fatalError) Error() string { return e.msg }

// args are the parsed values: strings, lists and switches by dest.
type args struct {
	command string
	values  map[string]string
	lists   map[string][]string
	flags   map[string]bool
}

func (a *args) str(dest string) string    { return a.values[dest] }
func (a *args) list(dest string) []string { return a.lists[dest] }
func (a *args) flag(dest string) bool     { return a.flags[dest] }
func (a *args) has(dest string) bool      { _, ok := a.values[dest]; return ok }

// parse reads the command line with the top-level parser.
func (top *parser) parse(argv []string) (*args, error) {
	var extras []string
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		if arg == "--" {
			extras = append(extras, argv[i+1:]...)
			break
		}
		isOpt, err := top.isOption(arg)
		if err != nil {
			return nil, err
		}
		if !isOpt {
			sub := top.command(arg)
			if sub == nil {
				choices := make([]string, len(top.commands))
				for j, c := range top.commands {
					choices[j] = "'" + c.name + "'"
				}
				return nil, &argError{top, fmt.Sprintf("argument %s: invalid choice: '%s' (choose from %s)", top.choices(), arg, strings.Join(choices, ", "))}
			}
			a, rest, err := sub.parseCommand(argv[i+1:])
			if err != nil {
				return nil, err
			}
			extras = append(extras, rest...)
			if len(extras) > 0 {
				return nil, &argError{top, "unrecognized arguments: " + strings.Join(extras, " ")}
			}
			a.command = sub.name
			return a, nil
		}
		opt, _, err := top.match(arg)
		switch {
		case err != nil:
			return nil, err
		case opt == nil:
			extras = append(extras, arg)
		case opt.dest == "help":
			return nil, helpRequest{top}
		case opt.dest == "version":
			return nil, versionRequest{}
		}
	}
	return nil, &argError{top, "the following arguments are required: " + top.choices()}
}

func (top *parser) command(name string) *parser {
	for _, c := range top.commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// choices is the commands as argparse names the positional: "{a,b}".
func (top *parser) choices() string {
	names := make([]string, len(top.commands))
	for i, c := range top.commands {
		names[i] = c.name
	}
	return "{" + strings.Join(names, ",") + "}"
}

// isOption is argparse's test for an optional argument, for parser p: an
// option of p written out, with "=VALUE" or abbreviated; else anything
// that starts with "-", is longer than "-", is not a negative number and
// has no space.
func (p *parser) isOption(arg string) (bool, error) {
	if len(arg) < 2 || arg[0] != '-' {
		return false, nil
	}
	o, _, err := p.match(arg)
	if err != nil || o != nil {
		return true, err
	}
	return !isNegativeNumber(arg) && !strings.Contains(arg, " "), nil
}

func isNegativeNumber(s string) bool {
	s = s[1:]
	if s == "" {
		return false
	}
	dot := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return true
}

// match finds the option an argument names, exactly, with "=VALUE", or
// by an unambiguous prefix; nil (and no error) for an unknown option.
func (p *parser) match(arg string) (*option, *string, error) {
	name, value, hasValue := strings.Cut(arg, "=")
	var explicit *string
	if hasValue {
		explicit = &value
	}
	for _, o := range p.options {
		if o.name == arg || o.short() == arg {
			return o, nil, nil
		}
	}
	if hasValue {
		for _, o := range p.options {
			if o.name == name || o.short() == name {
				return o, explicit, nil
			}
		}
	}
	if !strings.HasPrefix(name, "--") {
		return nil, nil, nil
	}
	var found []*option
	for _, o := range p.options {
		if !o.exact && strings.HasPrefix(o.name, name) {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil, nil
	case 1:
		return found[0], explicit, nil
	}
	names := make([]string, len(found))
	for i, o := range found {
		names[i] = o.name
	}
	return nil, nil, &argError{p, fmt.Sprintf("ambiguous option: %s could match %s", arg, strings.Join(names, ", "))}
}

// short is the one-letter form of -h/--help.
func (o *option) short() string {
	if o.dest == "help" {
		return "-h"
	}
	return ""
}

// displayName is how argparse names the option in messages.
func (o *option) displayName() string {
	if s := o.short(); s != "" {
		return s + "/" + o.name
	}
	return o.name
}

// parseCommand reads a command's arguments; rest are the ones it does not
// know, which the top level reports.
func (p *parser) parseCommand(argv []string) (*args, []string, error) {
	a := &args{values: map[string]string{}, lists: map[string][]string{}, flags: map[string]bool{}}
	seen := map[*option]bool{}
	var rest []string
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		if arg == "--" {
			rest = append(rest, argv[i+1:]...)
			break
		}
		isOpt, err := p.isOption(arg)
		if err != nil {
			return nil, nil, err
		}
		if !isOpt {
			rest = append(rest, arg)
			continue
		}
		o, explicit, err := p.match(arg)
		if err != nil {
			return nil, nil, err
		}
		if o == nil {
			rest = append(rest, arg)
			continue
		}
		if o.dest == "help" {
			return nil, nil, helpRequest{p}
		}
		seen[o] = true
		var values []string
		switch {
		case o.nargs == 0:
			if explicit != nil {
				return nil, nil, &argError{p, fmt.Sprintf("argument %s: ignored explicit argument '%s'", o.displayName(), *explicit)}
			}
			a.flags[o.dest] = true
			continue
		case explicit != nil:
			values = []string{*explicit}
		default:
			for i+1 < len(argv) && argv[i+1] != "--" {
				if next, err := p.isOption(argv[i+1]); err != nil {
					return nil, nil, err
				} else if next {
					break
				}
				values = append(values, argv[i+1])
				i++
				if o.nargs == 1 {
					break
				}
			}
		}
		if len(values) == 0 {
			want := "expected one argument"
			if o.nargs < 0 {
				want = "expected at least one argument"
			}
			return nil, nil, &argError{p, fmt.Sprintf("argument %s: %s", o.displayName(), want)}
		}
		for j, v := range values {
			if o.check == nil {
				continue
			}
			checked, err := o.check(v)
			if err != nil {
				if fe, ok := err.(*fatalError); ok {
					return nil, nil, fe
				}
				return nil, nil, &argError{p, fmt.Sprintf("argument %s: %s", o.displayName(), err.Error())}
			}
			values[j] = checked
		}
		if o.nargs < 0 {
			a.lists[o.dest] = values
		} else {
			a.values[o.dest] = values[0]
		}
	}
	var missing []string
	for _, o := range p.options {
		if o.required && !seen[o] {
			missing = append(missing, o.name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, &argError{p, "the following arguments are required: " + strings.Join(missing, ", ")}
	}
	return a, rest, nil
}

// usage is argparse's usage line for the parser, wrapped as it wraps it
// for an 80-column terminal.
func (p *parser) usage() string {
	const width = 78
	prefix := "usage: "
	var parts []string
	for _, o := range p.options {
		if !o.hidden {
			parts = append(parts, o.usageParts()...)
		}
	}
	var positional []string
	if len(p.commands) > 0 {
		positional = []string{p.choices(), "..."}
	}
	all := append(append([]string{p.prog}, parts...), positional...)
	if len(prefix)+len(strings.Join(all, " ")) <= width {
		return prefix + strings.Join(all, " ") + "\n"
	}
	lines := func(parts []string, indent string, first bool) []string {
		var out, line []string
		n := len(indent) - 1
		if first {
			n = len(prefix) - 1
		}
		for _, part := range parts {
			if n+1+len(part) > width && len(line) > 0 {
				out = append(out, indent+strings.Join(line, " "))
				line, n = nil, len(indent)-1
			}
			line = append(line, part)
			n += len(part) + 1
		}
		if len(line) > 0 {
			out = append(out, indent+strings.Join(line, " "))
		}
		if first && len(out) > 0 {
			out[0] = out[0][len(indent):]
		}
		return out
	}
	var out []string
	if float64(len(prefix)+len(p.prog)) <= 0.75*width {
		indent := strings.Repeat(" ", len(prefix)+len(p.prog)+1)
		if len(parts) > 0 {
			out = lines(append([]string{p.prog}, parts...), indent, true)
			out = append(out, lines(positional, indent, false)...)
		} else {
			out = lines(append([]string{p.prog}, positional...), indent, true)
		}
	} else {
		indent := strings.Repeat(" ", len(prefix))
		out = lines(append(append([]string{}, parts...), positional...), indent, false)
		if len(out) > 1 {
			out = append(lines(parts, indent, false), lines(positional, indent, false)...)
		}
		out = append([]string{p.prog}, out...)
	}
	return prefix + strings.Join(out, "\n") + "\n"
}

// usageParts are an option's wrappable parts of the usage line: "[-h]",
// "--template-path" and "TEMPLATE_PATH" (a required option's two words
// wrap apart, as argparse's do), "[--parameters KEY=VALUE [KEY=VALUE ...]]".
func (o *option) usageParts() []string {
	name := o.name
	if s := o.short(); s != "" {
		name = s
	}
	text := name
	switch o.nargs {
	case 1:
		text += " " + o.metavar
	case -1:
		text += " " + o.metavar + " [" + o.metavar + " ...]"
	}
	if o.required {
		return strings.Fields(text)
	}
	return []string{"[" + text + "]"}
}

// help is the parser's help: usage, description and options, laid out as
// argparse lays them out.
func (p *parser) help() string {
	var b strings.Builder
	b.WriteString(p.usage())
	b.WriteString("\n" + wrap(p.description, 78, "") + "\n")
	if len(p.commands) > 0 {
		b.WriteString("\npositional arguments:\n")
		entry(&b, p.choices(), "")
		for _, c := range p.commands {
			entry(&b, "  "+c.name, c.description)
		}
	}
	b.WriteString("\noptions:\n")
	opts := append([]*option(nil), p.options...)
	sort.SliceStable(opts, func(i, j int) bool { return opts[i].dest == "help" && opts[j].dest != "help" })
	for _, o := range opts {
		inv := o.name
		switch o.nargs {
		case 1:
			inv += " " + o.metavar
		case -1:
			inv += " " + o.metavar + " [" + o.metavar + " ...]"
		}
		if s := o.short(); s != "" {
			inv = s + ", " + inv
		}
		entry(&b, inv, o.help)
	}
	return b.String()
}

// entry writes one option of the help: its invocation, and its text from
// column 24 (on the next line when the invocation is longer).
func entry(b *strings.Builder, inv, help string) {
	const col = 24
	b.WriteString("  " + inv)
	if help == "" {
		b.WriteString("\n")
		return
	}
	if len(inv)+2 <= col-2 {
		b.WriteString(strings.Repeat(" ", col-2-len(inv)))
	} else {
		b.WriteString("\n" + strings.Repeat(" ", col))
	}
	b.WriteString(strings.TrimPrefix(wrap(help, 78-col, strings.Repeat(" ", col)), strings.Repeat(" ", col)) + "\n")
}

// wrap fills text to width, every line indented.
func wrap(text string, width int, indent string) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, indent+line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, indent+line)
	}
	return strings.Join(lines, "\n")
}
