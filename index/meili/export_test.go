package meili

// SetAfterSwap makes Rebuild call f once its swap succeeded, before the
// last catch-up (to simulate a kill there); the returned func undoes it.
func SetAfterSwap(f func()) (undo func()) {
	old := afterSwap
	afterSwap = f
	return func() { afterSwap = old }
}
