//go:build linux

package cputime

import (
	"syscall"
	"testing"
)

// TestPageFaultsGrow: touching memory the process has never touched
// (mapped afresh, so no allocator can hand back pages already faulted in)
// shows as at least one minor fault per page. The mapping is kept out of
// transparent huge pages, where one fault would map many pages at once.
func TestPageFaultsGrow(t *testing.T) {
	const pages = 256
	size := pages * syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Madvise(mem, syscall.MADV_NOHUGEPAGE); err != nil {
		t.Fatal(err)
	}
	before, ok := PageFaults()
	if !ok {
		t.Fatal("page faults not read")
	}
	for i := 0; i < size; i += syscall.Getpagesize() {
		mem[i] = 1
	}
	after, _ := PageFaults()
	if after-before < pages {
		t.Fatalf("touching %d fresh pages counted %d faults", pages, after-before)
	}
}
