package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
)

// Exit codes, documented in the README.
const (
	exitOK          = 0
	exitSiteFailed  = 1 // a site's crawl failed, or a command could not do its work
	exitUsage       = 2 // bad flags, arguments or configuration
	exitInterrupted = 130
)

// usageError is a mistake in how jobcrawl was called or configured.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errSitesFailed reports that a crawl ran but some site failed.
var errSitesFailed = errors.New("some sites failed")

// errQuiet is an error already reported to the user; only its exit code counts.
type errQuiet struct{ code int }

func (e errQuiet) Error() string { return fmt.Sprintf("exit %d", e.code) }

func exitCode(err error) int {
	var ue usageError
	var q errQuiet
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &q):
		return q.code
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitSiteFailed
}

// command is one sub-command.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env *env, args []string) error
}

func commands() []command {
	return []command{
		{"crawl", "[--site NAME]... [--demo] [--full] [--json]", "crawl every (or the named) site once into the index", runCrawl},
		{"daemon", "[--listen HOST:PORT] [--demo]", "crawl each site on its schedule and serve search over HTTP", runDaemon},
		{"search", "[QUERY] [--filter field=value]... [--facet field]... [--sort field:asc|desc] [--json] [--server URL]", "search the index", runSearch},
		{"extract", "[--site NAME] [--explain] URL|FILE...", "print the postings one page yields, and with --explain where each field came from", runExtract},
		{"validate", "", "check the configuration and say what is wrong", runValidate},
		{"config", "check [--json]", "print the configuration as resolved (defaults, paths, environment), secrets masked", runConfig},
		{"add", "URL [--write]", "propose a site for a careers URL (a platform board, its result pages, or its sitemap)", runAdd},
		{"export", "[QUERY] [--filter field=value]... [--sort field:asc|desc] [--all] [--format jsonl|csv|jsonld] [--out FILE|-] [--excel] [--server URL]", "stream every matching posting out of the index", runExport},
		{"import", "FILE.jsonl|- [--batch N] [--json]", "load an export back into the index", runImport},
		{"searches", "list|add|show|rm ...", "manage saved searches (alerts, feeds, webhooks)", runSearches},
		{"mcp", "[--demo]", "serve the index to AI agents over MCP (stdio)", runMCP},
		{"sites", "[--json]", "list the sites, configured and indexed, with their postings and last sighting", runSites},
		{"remove", "SITE [--yes]", "delete a site's postings from the index (after a confirmation)", runRemove},
		{"reindex", "[--allow-shrink] [--demo] [--json] [--quiet]", "rebuild the index from its postings and switch to it (blue/green)", runReindex},
		{"status", "[--server URL] [--json]", "show which daemon crawls which site now (site leases)", runStatus},
		{"healthcheck", "[--server URL]", "ask a running daemon whether it is healthy (for container health checks)", runHealthcheck},
		{"completion", "bash|zsh|fish", "print a shell completion script", runCompletion},
		{"version", "[--json]", "print the version, and the module version and commit of the build", runVersion},
	}
}

// env is what every sub-command gets: its output streams and the flags
// they all share.
type env struct {
	stdout, stderr io.Writer
	configPath     string
	logFormat      string
	logLevel       string
	logger         *slog.Logger

	// listening, when set (by tests), is told the daemon's HTTP address
	// once it serves.
	listening func(url string)
	// stdin is read for confirmations (os.Stdin when nil).
	stdin io.Reader
	// flagSets, when not nil, collects each command's flag set as it is
	// made (for shell completion).
	flagSets map[string]*flag.FlagSet
}

func (e *env) commonFlags(fs *flag.FlagSet) {
	fs.StringVar(&e.configPath, "config", defaultConfigPath, "configuration `file`")
	fs.StringVar(&e.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&e.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
}

// setupLogger builds the logger once the flags are parsed.
func (e *env) setupLogger() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(e.logLevel)); err != nil {
		return usagef("--log-level: %q is not debug, info, warn or error", e.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch e.logFormat {
	case "text":
		e.logger = slog.New(slog.NewTextHandler(e.stderr, opts))
	case "json":
		e.logger = slog.New(slog.NewJSONHandler(e.stderr, opts))
	default:
		return usagef("--log-format: %q is not text or json", e.logFormat)
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runEnv(ctx, &env{stdout: stdout, stderr: stderr}, args)
}

func runEnv(ctx context.Context, e *env, args []string) error {
	stdout, stderr := e.stdout, e.stderr
	if len(args) == 0 {
		usage(stderr)
		return usagef("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		usage(stdout)
		return nil
	case "--version":
		fmt.Fprintln(stdout, buildInfo())
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return usagef("unknown command %q", name)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "jobcrawl crawls careers sites into a de-duplicated, searchable index of job postings.")
	fmt.Fprintln(w, "\nUsage: jobcrawl COMMAND [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  help      show this help, or a command's: jobcrawl help crawl")
	fmt.Fprintln(w, "\nEvery command reads --config (default ./config.yaml).")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 a site failed or the work could not be done, 2 usage or configuration error, 130 interrupted.")
}

// newFlagSet makes a sub-command's flag set with the shared flags and a
// manual page for --help (see manual).
func (e *env) newFlagSet(name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	e.commonFlags(fs)
	fs.Usage = func() { manual(fs.Output(), fs, name, args, about) }
	if e.flagSets != nil {
		e.flagSets[name] = fs
	}
	return fs
}

// commonFlagNames are the flags every command shares (see commonFlags).
var commonFlagNames = []string{"config", "log-format", "log-level"}

// examples are shown at the end of a command's manual.
var examples = map[string][]string{
	"crawl": {
		"jobcrawl crawl --demo                 # a built-in demo site into ./data-demo",
		"jobcrawl crawl --site contoso --json  # one site, a JSON summary",
	},
	"daemon": {"jobcrawl daemon --listen 127.0.0.1:7800"},
	"search": {
		"jobcrawl search kubernetes --filter countries=Germany --facet job_family",
		"jobcrawl search --sort date_posted:desc --limit 5 --json",
		"jobcrawl search engineer --server http://127.0.0.1:7800",
	},
	"extract":  {"jobcrawl extract --explain https://careers.example.com/jobs/322695"},
	"validate": {"jobcrawl validate --config /etc/jobcrawl/config.yaml"},
	"add": {
		"jobcrawl add https://boards.greenhouse.io/contoso",
		"jobcrawl add https://careers.example.com/ --write",
	},
	"completion": {
		"jobcrawl completion bash > /etc/bash_completion.d/jobcrawl",
		"jobcrawl completion zsh > \"${fpath[1]}/_jobcrawl\"",
		"jobcrawl completion fish > ~/.config/fish/completions/jobcrawl.fish",
	},
	"version":     {"jobcrawl version --json"},
	"sites":       {"jobcrawl sites", "jobcrawl sites --json"},
	"config":      {"jobcrawl config check --config /etc/jobcrawl/config.yaml --json"},
	"remove":      {"jobcrawl remove oldname", "jobcrawl remove oldname --yes"},
	"healthcheck": {"jobcrawl healthcheck --server http://127.0.0.1:7800"},
	"status":      {"jobcrawl status", "jobcrawl status --server http://10.0.0.5:7800 --json"},
	"export": {
		"jobcrawl export --all --out all.jsonl",
		"jobcrawl export kubernetes --filter countries=Germany --format csv --excel --out k8s.csv",
		"jobcrawl export --server http://127.0.0.1:7800 --format jsonld > postings.jsonld",
	},
	"import": {"jobcrawl import all.jsonl", "jobcrawl export --all | jobcrawl import - --config other.yaml"},
	"searches": {
		"jobcrawl searches add --name \"Go in Berlin\" golang --filter countries=Germany",
		"jobcrawl searches add --name Go golang --webhook https://ntfy.sh/my-topic --format ntfy",
		"jobcrawl searches list --server http://127.0.0.1:7800",
	},
	"mcp": {
		"jobcrawl mcp --config /etc/jobcrawl/config.yaml",
		"claude mcp add jobcrawl -- jobcrawl mcp --config $PWD/config.yaml",
	},
}

// manual writes a command's help as a manual page: name, synopsis,
// description, options (its own, then the shared ones), exit status and
// examples.
func manual(w io.Writer, fs *flag.FlagSet, name, args, about string) {
	summary := ""
	for _, c := range commands() {
		if c.name == name {
			summary = c.summary
		}
	}
	fmt.Fprintf(w, "NAME\n    jobcrawl %s - %s\n\n", name, summary)
	fmt.Fprintf(w, "SYNOPSIS\n    jobcrawl %s %s\n\n", name, args)
	fmt.Fprintf(w, "DESCRIPTION\n%s\n", indent(about, "    "))
	var own, common []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if slices.Contains(commonFlagNames, f.Name) {
			common = append(common, f)
		} else {
			own = append(own, f)
		}
	})
	for _, sec := range []struct {
		title string
		flags []*flag.Flag
	}{{"OPTIONS", own}, {"COMMON OPTIONS", common}} {
		if len(sec.flags) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s\n", sec.title)
		for _, f := range sec.flags {
			arg, usage := flag.UnquoteUsage(f)
			line := "    --" + f.Name
			if arg != "" {
				line += " " + strings.ToUpper(arg)
			}
			if !isZeroDefault(f) {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(w, "%s\n        %s\n", line, usage)
		}
	}
	fmt.Fprintln(w, "\nEXIT STATUS\n    0 ok; 1 a site failed or the work could not be done; 2 usage or configuration error; 130 interrupted.")
	if ex := examples[name]; len(ex) > 0 {
		fmt.Fprintln(w, "\nEXAMPLES")
		for _, x := range ex {
			fmt.Fprintln(w, "    "+x)
		}
	}
}

// isZeroDefault reports whether f's default is its type's zero value (not
// worth printing).
func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}

// indent prefixes every non-empty line of s.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// parse parses flags anywhere among the arguments ("search engineer --json")
// and returns the positional ones.
func (e *env) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	// The flag package prints the usage itself on every error; say it once,
	// here: the help asked for on stdout, a mistake and a hint on stderr.
	fs.SetOutput(io.Discard)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(e.stdout)
				fs.Usage()
				return nil, err
			}
			return nil, usagef("%s: %v (see jobcrawl help %s)", fs.Name(), err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return pos, e.setupLogger()
}

// stringList is a flag that may be repeated.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// isTerminal reports whether w is a terminal (for progress displays).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// input is where confirmations are read from.
func (e *env) input() io.Reader {
	if e.stdin == nil {
		return os.Stdin
	}
	return e.stdin
}
