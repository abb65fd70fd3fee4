package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/crawler"
)

func runConfig(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("config", "check [--json]",
		"config check reads the configuration as every command does and prints it resolved: the\n"+
			"defaults filled in, data_dir made absolute, MEILI_URL applied. Secrets are masked: the\n"+
			"Meilisearch API key is never printed (only whether its variable is set), nor a password\n"+
			"in a URL (user:xxxxx@) or the value of a header like Authorization.\n\n"+
			"A configuration with problems prints all of them, each with its line and key, and\n"+
			"exits 2.")
	asJSON := fs.Bool("json", false, "print the configuration as JSON")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		fs.SetOutput(e.stderr)
		fs.Usage()
		return usagef("config: name a subcommand: check")
	case pos[0] != "check":
		return usagef("config: unknown subcommand %q (want check; see jobcrawl help config)", pos[0])
	case len(pos) > 1:
		return usagef("config check takes no arguments (got %q)", pos[1:])
	}
	cfg, err := loadConfig(e.configPath)
	if err != nil {
		return err
	}
	n, err := resolvedConfig(cfg)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if *asJSON {
		enc := json.NewEncoder(&out)
		enc.SetIndent("", "  ")
		err = enc.Encode(nodeJSON(n))
	} else {
		n.HeadComment = fmt.Sprintf("%s, resolved: defaults filled, paths absolute, environment applied, secrets masked", e.configPath)
		enc := yaml.NewEncoder(&out)
		enc.SetIndent(2)
		err = enc.Encode(n)
		if err == nil {
			err = enc.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("config check: %w", err)
	}
	if _, err := e.stdout.Write(out.Bytes()); err != nil {
		return err
	}
	if len(cfg.Sites) == 0 {
		fmt.Fprintf(e.stderr, "jobcrawl: warning: %s has no sites: crawl and daemon have nothing to do\n", e.configPath)
	}
	return nil
}

// resolvedConfig is cfg (validated: its defaults filled) as a YAML tree,
// with its paths resolved and its secrets masked.
func resolvedConfig(cfg *Config) (*yaml.Node, error) {
	var root yaml.Node
	if err := root.Encode(cfg); err != nil {
		return nil, fmt.Errorf("config check: %w", err)
	}
	if _, v := mapValue(&root, "data_dir"); v != nil {
		dir := cfg.dataDir()
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		if dir != cfg.DataDir {
			v.LineComment = cfg.DataDir + " in the file"
		}
		v.Value, v.Style = dir, 0
	}
	if _, v := mapValue(&root, "user_agent"); v != nil && cfg.UserAgent == "" {
		v.Value, v.LineComment = crawler.DefaultUserAgent, "the default"
	}
	_, ix := mapValue(&root, "index")
	if _, m := mapValue(ix, "meilisearch"); m != nil {
		mc := cfg.Index.Meilisearch
		if _, u := mapValue(m, "url"); u != nil && mc.urlFromEnv {
			u.LineComment = "from $" + meiliURLEnv
		}
		// The key itself is read from the environment and never printed:
		// only whether it is set, beside the variable it is read from.
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "(not set)", Style: yaml.DoubleQuotedStyle}
		if mc.apiKey != "" {
			key.Value = "(set)"
		}
		key.LineComment = "from $" + mc.APIKeyEnv + "; never printed"
		name := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "api_key"}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == "api_key_env" {
				m.Content = append(m.Content[:i+2], append([]*yaml.Node{name, key}, m.Content[i+2:]...)...)
				break
			}
		}
	}
	maskSecrets(&root, "")
	tidyDurations(&root)
	return &root, nil
}

// durationText is a duration as time.Duration prints it with trailing
// zero units: 2160h0m0s, 5m0s.
var durationText = regexp.MustCompile(`^(\d+h)?(\d+m)?0s$`)

// tidyDurations writes the durations of the tree as config.yaml would:
// 90d for 2160h0m0s, 5m for 5m0s, 1h30m for 1h30m0s.
func tidyDurations(n *yaml.Node) {
	for _, c := range n.Content {
		tidyDurations(c)
	}
	if n.Kind != yaml.ScalarNode || n.Value == "0s" || !durationText.MatchString(n.Value) {
		return
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d <= 0 {
		return
	}
	if d%(24*time.Hour) == 0 {
		n.Value = fmt.Sprintf("%dd", d/(24*time.Hour))
		return
	}
	v := strings.TrimSuffix(n.Value, "0s")
	if strings.Contains(v, "h") {
		v = strings.TrimSuffix(v, "0m")
	}
	n.Value = v
}

// secretHeader names the request headers (sites[].json.headers) whose
// values are credentials.
var secretHeader = regexp.MustCompile(`(?i)auth|cookie|token|secret|key|password`)

// maskSecrets hides the passwords of URLs anywhere in the tree, and the
// values of credential headers.
func maskSecrets(n *yaml.Node, parentKey string) {
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "://") {
			n.Value = maskURL(n.Value)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if parentKey == "headers" && v.Kind == yaml.ScalarNode && secretHeader.MatchString(k.Value) {
				v.Value, v.Style = "(hidden)", yaml.DoubleQuotedStyle
				continue
			}
			maskSecrets(v, k.Value)
		}
	default:
		for _, c := range n.Content {
			maskSecrets(c, parentKey)
		}
	}
}

// maskURL hides the password in a URL's user info (user:xxxxx@host); a
// URL that does not parse is hidden whole when it looks like it has one.
func maskURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err == nil && u.User != nil:
		if _, has := u.User.Password(); has {
			return u.Redacted()
		}
		return s
	case err != nil && strings.Contains(s, "@"):
		return "(a URL that does not parse, hidden: it may hold a password)"
	}
	return s
}

// nodeJSON is a YAML tree as JSON values, mappings keeping their order.
func nodeJSON(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return nodeJSON(n.Content[0])
		}
		return nil
	case yaml.AliasNode:
		return nodeJSON(n.Alias)
	case yaml.MappingNode:
		obj := make(orderedObject, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			obj = append(obj, member{n.Content[i].Value, nodeJSON(n.Content[i+1])})
		}
		return obj
	case yaml.SequenceNode:
		arr := make([]any, len(n.Content))
		for i, c := range n.Content {
			arr[i] = nodeJSON(c)
		}
		return arr
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
	case "!!int", "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.Number(n.Value)
		}
	}
	return n.Value
}

// orderedObject is a JSON object whose members keep their order.
type orderedObject []member

type member struct {
	key   string
	value any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
