//go:build race

package crawler_test

// raceEnabled: the race detector slows indexing tenfold, so the jobsite
// harness serves a smaller site under it.
const raceEnabled = true
