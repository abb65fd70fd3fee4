package alerts

// SetKeepFinished lowers the number of finished messages kept, for a test;
// the returned func restores it.
func SetKeepFinished(n int) func() {
	old := keepFinished
	keepFinished = n
	return func() { keepFinished = old }
}
