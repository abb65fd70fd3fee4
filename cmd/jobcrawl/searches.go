package main

import "context"

func runSearches(ctx context.Context, e *env, args []string) error {
	return usagef("searches: not built yet")
}
