package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/jobcrawl/jobcrawl/index"
)

// completionSpec is what a completion script offers: the commands, and
// for each its flags, and for some flags their values.
type completionSpec struct {
	commands []command
	flags    map[string][]*flag.Flag // by command
}

// flagValues are the values offered after a flag (any command). A value
// of "<file>" offers file names.
var flagValues = map[string][]string{
	"config":     {"<file>"},
	"log-format": {"text", "json"},
	"log-level":  {"debug", "info", "warn", "error"},
	"facet":      index.FacetFields,
	"filter":     withSuffix(index.FacetFields, "="),
	"sort":       append(withSuffix(index.SortFields, ":desc"), withSuffix(index.SortFields, ":asc")...),
}

func withSuffix(s []string, suffix string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = v + suffix
	}
	return out
}

// completionFlags asks every command for its flags: each runs with --help
// into a discarded output, and its flag set is kept.
func completionFlags(ctx context.Context) completionSpec {
	e := &env{stdout: io.Discard, stderr: io.Discard, flagSets: map[string]*flag.FlagSet{}}
	spec := completionSpec{commands: commands(), flags: map[string][]*flag.Flag{}}
	for _, c := range spec.commands {
		_ = c.run(ctx, e, []string{"--help"}) // flag.ErrHelp: nothing runs
		if fs := e.flagSets[c.name]; fs != nil {
			fs.VisitAll(func(f *flag.Flag) { spec.flags[c.name] = append(spec.flags[c.name], f) })
		}
	}
	return spec
}

func runCompletion(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("completion", "bash|zsh|fish", `Print a completion script for the shell named: the commands, each command's flags and the
values of some flags (fields for --filter, --facet and --sort, files for --config).

    bash:  jobcrawl completion bash > /etc/bash_completion.d/jobcrawl
           (or: source <(jobcrawl completion bash) in ~/.bashrc)
    zsh:   jobcrawl completion zsh > "${fpath[1]}/_jobcrawl"   (then: compinit)
    fish:  jobcrawl completion fish > ~/.config/fish/completions/jobcrawl.fish`)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("completion: name one shell: bash, zsh or fish")
	}
	if e.flagSets != nil { // collecting flags: do not recurse
		return nil
	}
	spec := completionFlags(ctx)
	switch pos[0] {
	case "bash":
		writeBash(e.stdout, spec)
	case "zsh":
		writeZsh(e.stdout, spec)
	case "fish":
		writeFish(e.stdout, spec)
	default:
		return usagef("completion: %q is not bash, zsh or fish", pos[0])
	}
	return nil
}

// needsValue reports whether a flag takes a value (is not a boolean).
func needsValue(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

func names(cmds []command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.name)
	}
	return append(out, "help")
}

func writeBash(w io.Writer, spec completionSpec) {
	fmt.Fprintf(w, `# bash completion for jobcrawl (jobcrawl completion bash)
_jobcrawl() {
    local cur prev cmd
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmd="${COMP_WORDS[1]}"
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W %q -- "$cur"))
        return
    fi
    case "$prev" in
`, strings.Join(names(spec.commands), " "))
	keys := make([]string, 0, len(flagValues))
	for k := range flagValues {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := flagValues[k]
		switch {
		case vs[0] == "<file>":
			fmt.Fprintf(w, "        --%s|-%s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", k, k)
		case strings.HasSuffix(vs[0], "="): // a value is still to be typed after it
			fmt.Fprintf(w, "        --%s|-%s) compopt -o nospace; COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", k, k, strings.Join(vs, " "))
		default:
			fmt.Fprintf(w, "        --%s|-%s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", k, k, strings.Join(vs, " "))
		}
	}
	fmt.Fprint(w, "    esac\n    case \"$cmd\" in\n")
	for _, c := range spec.commands {
		var fl []string
		for _, f := range spec.flags[c.name] {
			fl = append(fl, "--"+f.Name)
		}
		fmt.Fprintf(w, "        %s) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", c.name, strings.Join(fl, " "))
	}
	fmt.Fprintf(w, "        help) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", strings.Join(names(spec.commands), " "))
	fmt.Fprint(w, "    esac\n}\ncomplete -o default -F _jobcrawl jobcrawl\n")
}

// zshQuote escapes s for a single-quoted zsh string, and the brackets and
// colons _arguments gives a meaning to.
func zshQuote(s string) string {
	s = strings.NewReplacer("'", `'\''`, "[", `\[`, "]", `\]`, ":", `\:`).Replace(s)
	return s
}

func writeZsh(w io.Writer, spec completionSpec) {
	fmt.Fprint(w, "#compdef jobcrawl\n# zsh completion for jobcrawl (jobcrawl completion zsh)\n\n_jobcrawl() {\n")
	fmt.Fprint(w, "    local -a commands\n    commands=(\n")
	for _, c := range spec.commands {
		fmt.Fprintf(w, "        '%s:%s'\n", c.name, zshQuote(c.summary))
	}
	fmt.Fprint(w, "        'help:show the help of a command'\n    )\n")
	fmt.Fprint(w, "    if (( CURRENT == 2 )); then\n        _describe 'command' commands\n        return\n    fi\n")
	fmt.Fprint(w, "    local cmd=${words[2]}\n    shift words\n    (( CURRENT-- ))\n    case $cmd in\n")
	for _, c := range spec.commands {
		fmt.Fprintf(w, "        %s)\n            _arguments \\\n", c.name)
		for _, f := range spec.flags[c.name] {
			spec := fmt.Sprintf("--%s[%s]", f.Name, zshQuote(usageLine(f)))
			if needsValue(f) {
				arg, _ := flag.UnquoteUsage(f)
				action := ""
				switch vs := flagValues[f.Name]; {
				case len(vs) > 0 && vs[0] == "<file>":
					action = "_files"
				case len(vs) > 0:
					action = "(" + strings.Join(vs, " ") + ")"
				}
				spec += ":" + zshQuote(arg) + ":" + action
			}
			fmt.Fprintf(w, "                '%s' \\\n", spec)
		}
		fmt.Fprint(w, "                '*:argument:_files'\n            ;;\n")
	}
	fmt.Fprint(w, "        help) _describe 'command' commands ;;\n    esac\n}\n\ncompdef _jobcrawl jobcrawl\n")
}

func writeFish(w io.Writer, spec completionSpec) {
	fmt.Fprint(w, "# fish completion for jobcrawl (jobcrawl completion fish)\ncomplete -c jobcrawl -f\n")
	all := strings.Join(names(spec.commands), " ")
	for _, c := range spec.commands {
		fmt.Fprintf(w, "complete -c jobcrawl -n 'not __fish_seen_subcommand_from %s' -a %s -d %s\n", all, c.name, fishQuote(c.summary))
	}
	fmt.Fprintf(w, "complete -c jobcrawl -n 'not __fish_seen_subcommand_from %s' -a help -d 'show the help of a command'\n", all)
	for _, c := range spec.commands {
		for _, f := range spec.flags[c.name] {
			line := fmt.Sprintf("complete -c jobcrawl -n '__fish_seen_subcommand_from %s' -l %s -d %s", c.name, f.Name, fishQuote(usageLine(f)))
			if needsValue(f) {
				switch vs := flagValues[f.Name]; {
				case len(vs) > 0 && vs[0] == "<file>":
					line += " -r -F"
				case len(vs) > 0:
					line += " -x -a " + fishQuote(strings.Join(vs, " "))
				default:
					line += " -x"
				}
			}
			fmt.Fprintln(w, line)
		}
	}
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// usageLine is the first line of a flag's usage, without the backquotes
// that name its argument.
func usageLine(f *flag.Flag) string {
	_, u := flag.UnquoteUsage(f)
	u, _, _ = strings.Cut(u, "\n")
	return u
}
