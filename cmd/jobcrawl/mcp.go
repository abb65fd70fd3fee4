package main

import (
	"context"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

var (
	_ = mcp.NewServer
	_ = jsonschema.For[int]
)

func runMCP(ctx context.Context, e *env, args []string) error {
	return usagef("mcp: not built yet")
}
