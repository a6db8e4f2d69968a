//go:build unix

package cputime

import "syscall"

// PageFaults is the number of minor page faults the process has taken, all
// threads (getrusage's ru_minflt); ok is false where it cannot be read.
//
// A minor fault is the kernel mapping a page the process touches for the
// first time since it was given or taken back: on Linux the Go runtime
// returns free heap memory with MADV_DONTNEED, and touching it again
// faults every 4 KiB page in, zeroed. A load run prints these per
// operation so that this cost, which a CPU profile spreads over whatever
// code touched the memory, shows as a figure of its own.
func PageFaults() (n int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return int64(ru.Minflt), true
}
