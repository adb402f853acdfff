//go:build !unix

package schedule

// processGone cannot probe a process here, so a dead holder's lease is
// only taken over once it expires.
func processGone(pid int) bool { return false }
