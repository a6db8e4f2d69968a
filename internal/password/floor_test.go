package password

import (
	"crypto/rand"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
)

// TestHashKeepsHeapFloor: a hash leaves the floor at its slots' memory, and
// a smaller cost later does not shrink it.
func TestHashKeepsHeapFloor(t *testing.T) {
	big := Params{Time: 1, MemoryKiB: 256, Threads: 1, KeyLen: 32}
	if _, err := Hash("38172946", big, rand.Reader); err != nil {
		t.Fatal(err)
	}
	want := cap(slots) * 256 * 1024
	if got := floor.size(); got < want {
		t.Fatalf("floor after a hash at m=256 KiB with %d slots: %d bytes, want at least %d", cap(slots), got, want)
	}
	before := floor.size()
	h, err := Hash("38172946", fastParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := Verify(h, "38172946"); !ok || err != nil {
		t.Fatalf("Verify: %v, %v", ok, err)
	}
	if got := floor.size(); got != before {
		t.Errorf("a cheaper hash changed the floor from %d to %d bytes", before, got)
	}
}

// TestHeapFloorHoldsGoal: with the floor held, a collection that finds no
// hash running still sets the heap goal above the floor, so the memory of
// the hashes that ended is not handed back to the system; and the floor
// itself takes address space, not memory.
func TestHeapFloorHoldsGoal(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	// A floor of about 128 MiB, whatever the number of cores.
	p := Params{Time: 1, MemoryKiB: uint32(max(64, 128*1024/cap(slots))), Threads: 1, KeyLen: 32}
	want := floorSize(p, cap(slots))

	rss := resident(t)
	floor.keep(p)
	if got := floor.size(); got < want {
		t.Fatalf("floor: %d bytes, want %d", got, want)
	}
	if grew := resident(t) - rss; grew > want/4 {
		t.Errorf("the floor of %d MiB made %d MiB resident: its pages were written", want>>20, grew>>20)
	}

	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	if goal := s[0].Value.Uint64(); goal < uint64(want) {
		t.Errorf("heap goal after a collection: %d MiB, below the floor's %d MiB", goal>>20, want>>20)
	}
}

// TestFloorSize: the floor is the slots' memory, bounded by maxFloor.
func TestFloorSize(t *testing.T) {
	for _, c := range []struct {
		p     Params
		slots int
		want  int
	}{
		{DefaultParams, 2, 2 * 19 << 20},
		{DefaultParams, 1, 19 << 20},
		{DefaultParams, 64, maxFloor},
		{Params{MemoryKiB: maxMemoryKiB}, 4096, maxFloor},
	} {
		if got := floorSize(c.p, c.slots); got != c.want {
			t.Errorf("floorSize(m=%d KiB, %d slots) = %d, want %d", c.p.MemoryKiB, c.slots, got, c.want)
		}
	}
}

// resident is the process's resident memory in bytes, from
// /proc/self/statm; the test is skipped where there is none.
func resident(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm to read resident memory from: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		t.Fatalf("/proc/self/statm: %q", b)
	}
	pages, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return pages * os.Getpagesize()
}
