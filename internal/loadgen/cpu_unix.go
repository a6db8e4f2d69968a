//go:build unix

package loadgen

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, all threads, user and
// system; ok is false where it cannot be read.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
