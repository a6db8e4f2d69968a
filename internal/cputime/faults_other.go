//go:build !unix

package cputime

// PageFaults is not read on this system.
func PageFaults() (int64, bool) { return 0, false }
