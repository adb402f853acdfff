//go:build unix

package schedule

import (
	"errors"
	"syscall"
)

// processGone reports whether no process has pid (signal 0 probes without
// touching it).
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
