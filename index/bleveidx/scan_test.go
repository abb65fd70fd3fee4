package bleveidx_test

import (
	"testing"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/bleveidx"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

func TestScan(t *testing.T) {
	indextest.RunScan(t, func(tb testing.TB) index.Index {
		ix, err := bleveidx.Open(tb.TempDir())
		if err != nil {
			tb.Fatal(err)
		}
		return ix
	}, 500)
}
