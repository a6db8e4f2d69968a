//go:build unix

package cputime

import "syscall"

// PageFaults is the number of minor page faults the process has taken, all
// threads (getrusage's ru_minflt); ok is false where it cannot be read.
//
// A minor fault is one the kernel resolves without reading from disk. Most
// of a Go server's are pages of memory touched for the first time since
// the process mapped them or handed them back: on Linux the Go runtime
// hands free heap back with MADV_DONTNEED, and touching it again faults
// each page in, zeroed. A load run prints these per operation so that
// this cost, which a CPU profile spreads over whatever code touched the
// memory, shows as a figure of its own.
func PageFaults() (n int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return int64(ru.Minflt), true
}
