package main

import (
	"context"
	"fmt"
)

func runValidate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("validate", "[--config FILE]",
		"Checks the configuration: every key known, every value valid, every site complete.\n"+
			"Prints what is wrong, naming the key, or a one-line summary when all is well.")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("validate takes no arguments (got %q)", pos)
	}
	cfg, err := loadConfig(e.configPath)
	if err != nil {
		return err
	}
	where := "embedded index in " + cfg.dataDir()
	if m := cfg.Index.Meilisearch; cfg.Index.Backend == "meilisearch" {
		key := "set"
		if m.apiKey == "" {
			key = "not set: no key is sent"
		}
		where = fmt.Sprintf("meilisearch index %q at %s (API key from $%s: %s)", m.Index, redactedURL(m.URL), m.APIKeyEnv, key)
	}
	fmt.Fprintf(e.stdout, "%s: ok: %d sites, %s\n", e.configPath, len(cfg.Sites), where)
	return nil
}
