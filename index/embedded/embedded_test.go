package embedded_test

import (
	"testing"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

func TestConformance(t *testing.T) {
	indextest.Run(t, func(tb testing.TB) index.Index {
		ix, err := embedded.Open(tb.TempDir())
		if err != nil {
			tb.Fatal(err)
		}
		return ix
	})
}
