package engine

// HowLoaded says how Open made e's first view: "snapshot",
// "snapshot+catch-up" or "rebuild".
func HowLoaded(e *Engine) string { return e.loaded }
