package redistest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal kills the server with the test binary, should it die
// before its cleanups run (a -timeout panic): no redis-server outlives
// its test. (Linux sends it when the thread that started the child
// exits, which Go does only when a goroutine ends locked to its thread;
// the tests starting servers do not.)
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
