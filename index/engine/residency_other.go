//go:build !linux

package engine

// dontNeed does nothing where MADV_DONTNEED is not known to keep a shared
// file mapping's contents.
func dontNeed(addr uintptr, n int64) {}
