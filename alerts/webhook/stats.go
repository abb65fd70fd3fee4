package webhook

import "sync/atomic"

// Attempt results, the label of Stats.Attempts.
const (
	ResultDelivered = "delivered" // 2xx
	ResultRetry     = "retry"     // 408, 429, 5xx, a network error or a timeout: tried again later
	ResultDead      = "dead"      // another 4xx, a 3xx, a refused destination, out of attempts
	ResultGone      = "gone"      // 410: the endpoint was disabled
)

// Results lists the attempt results.
var Results = []string{ResultDelivered, ResultRetry, ResultDead, ResultGone}

// Stats are a worker's counters since it started.
type Stats struct {
	Attempts          map[string]int64 // by result (Results)
	Delivered         int64            // messages delivered
	Retried           int64            // failed attempts scheduled again
	Dead              int64            // messages that became dead letters (with those of disabled endpoints: not counted here)
	DisabledEndpoints int64            // endpoints disabled on 410
	Refused           int64            // attempts refused by the network guard (counted in Attempts[dead] too)
	StoreErrors       int64            // outbox calls that failed
	InFlight          int64            // attempts under way now
}

type counters struct {
	attempts                                            [4]atomic.Int64 // as Results
	delivered, retried, dead, disabled, refused, stores atomic.Int64
	inFlight                                            atomic.Int64
}

func (c *counters) attempt(result string) {
	for i, r := range Results {
		if r == result {
			c.attempts[i].Add(1)
		}
	}
}

func (c *counters) stats() Stats {
	s := Stats{Attempts: make(map[string]int64, len(Results))}
	for i, r := range Results {
		s.Attempts[r] = c.attempts[i].Load()
	}
	s.Delivered, s.Retried, s.Dead = c.delivered.Load(), c.retried.Load(), c.dead.Load()
	s.DisabledEndpoints, s.Refused, s.StoreErrors = c.disabled.Load(), c.refused.Load(), c.stores.Load()
	s.InFlight = c.inFlight.Load()
	return s
}
