package engine

import "golang.org/x/sys/unix"

// dontNeed tells the kernel the n bytes mapped at addr are not needed.
func dontNeed(addr uintptr, n int64) {
	if addr == 0 || n <= 0 {
		return
	}
	unix.Syscall(unix.SYS_MADVISE, addr, uintptr(n), unix.MADV_DONTNEED)
}
