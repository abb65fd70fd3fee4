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
	fmt.Fprintf(e.stdout, "%s: ok: %d sites, %s index in %s\n", e.configPath, len(cfg.Sites), cfg.Index.Backend, cfg.dataDir())
	return nil
}
