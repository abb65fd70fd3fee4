package main

import "context"

func runMCP(ctx context.Context, e *env, args []string) error {
	return usagef("mcp: not built yet")
}
