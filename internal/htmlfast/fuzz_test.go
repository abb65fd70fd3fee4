package htmlfast

import (
	"bytes"
	"testing"
)

// FuzzFast checks that Fast either bails or builds html.Parse's tree.
func FuzzFast(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c.in))
	}
	for _, b := range realPages(f) {
		f.Add(b)
		// Mutations: cut pages short, and splice two halves together.
		f.Add(b[:len(b)/2])
		f.Add(b[:len(b)/3])
		f.Add(append(bytes.Clone(b[len(b)/2:]), b[:len(b)/2]...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkFast(t, "input", b)
	})
}
