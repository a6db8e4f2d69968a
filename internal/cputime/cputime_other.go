//go:build !unix

package cputime

import "time"

// Process is not read on this system.
func Process() (time.Duration, bool) { return 0, false }
