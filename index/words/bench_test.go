package words

import (
	"strings"
	"testing"
)

// BenchmarkSnippet is one hit's snippet: a 2,500-character description and
// a three-word query with a typo, as a search page of 100 hits makes 100.
func BenchmarkSnippet(b *testing.B) {
	para := "We are looking for a senior platform engineer to join the infrastructure team. " +
		"You will design, build and operate the Kubernetes clusters that run our services. " +
		"Experience with Go, Terraform and observability tooling is a plus. "
	text := strings.Repeat(para, 10)
	b.ReportAllocs()
	for b.Loop() {
		if Snippet(text, "kubernets platform observ", SnippetLen) == "" {
			b.Fatal("no snippet")
		}
	}
}
