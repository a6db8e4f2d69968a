package cputime

import (
	"runtime"
	"testing"
)

// TestProcessGrows: spinning on the CPU shows in the process's CPU time.
func TestProcessGrows(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("not read on this system")
	}
	before, ok := Process()
	if !ok {
		t.Fatal("CPU time not read")
	}
	x := uint64(1)
	for {
		for range 1 << 20 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		after, _ := Process()
		if after > before {
			break
		}
	}
	_ = x
}
