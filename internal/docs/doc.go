// Package docs holds no code: its test checks the repository's Markdown.
// Every relative link must reach a file that exists, every #anchor a
// heading of its target (GitHub's slugs), and every code fence must be
// closed. Run it with go test ./internal/docs.
package docs
