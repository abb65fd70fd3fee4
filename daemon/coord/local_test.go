package coord_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/daemon/coord"
	"github.com/jobcrawl/jobcrawl/daemon/coord/coordtest"
)

func TestLocalContract(t *testing.T) {
	var mu sync.Mutex
	shared := map[string]*coord.Local{} // one per test: its daemons share it
	coordtest.Run(t, func(t *testing.T, id string) coord.Coordinator {
		mu.Lock()
		defer mu.Unlock()
		l := shared[t.Name()]
		if l == nil {
			l = coord.NewLocal("")
			shared[t.Name()] = l
		}
		return l.WithID(id)
	})
}

func TestLocalID(t *testing.T) {
	if got, want := coord.NewLocal("").ID(), coord.DefaultID(); got != want {
		t.Errorf("NewLocal(\"\").ID() = %q, want %q", got, want)
	}
	l := coord.NewLocal("a")
	b := l.WithID("b")
	if l.ID() != "a" || b.ID() != "b" {
		t.Errorf("IDs = %q, %q; want a, b", l.ID(), b.ID())
	}
	if _, err := l.Acquire(context.Background(), "acme", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire(context.Background(), "acme", time.Minute); err == nil {
		t.Error("a view took a lease its Local holds")
	}
}
