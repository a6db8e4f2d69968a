package password

import (
	"crypto/rand"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// floorChildEnv makes the test binary run TestHeapFloorChild's checks: in a
// process of its own, where the floor starts empty and the heap is small,
// whatever other tests of the package did first.
const floorChildEnv = "NETID_PASSWORD_FLOOR_CHILD"

// TestHeapFloor runs the floor's checks in a fresh process
// (TestHeapFloorChild).
func TestHeapFloor(t *testing.T) {
	if os.Getenv(floorChildEnv) != "" {
		t.Skip("in the child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHeapFloorChild$", "-test.v")
	cmd.Env = append(os.Environ(), floorChildEnv+"=1", "GOGC=100", "GOMEMLIMIT=off")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestHeapFloorChild") {
		t.Fatalf("the floor's checks failed in a fresh process (%v):\n%s", err, out)
	}
}

// TestHeapFloorChild, in a fresh process:
//   - a floor of about 128 MiB takes address space, not memory, and holds
//     the heap goal above its size through a collection with no hash
//     running;
//   - a hash grows the process's floor to its slots' memory;
//   - checking a stored hash whose memory cost is above DefaultParams' grows
//     it only to DefaultParams' memory.
func TestHeapFloorChild(t *testing.T) {
	if os.Getenv(floorChildEnv) == "" {
		t.Skip("run by TestHeapFloor in a process of its own")
	}
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)

	// First, before any hash has freed memory the floor could land on.
	var f heapFloor
	p := Params{MemoryKiB: uint32(max(64, 128*1024/cap(slots)))}
	want := floorSize(p, cap(slots))
	rss := resident(t)
	f.keep(p)
	if f.size() != want || len(f.block) != want {
		t.Fatalf("floor: %d bytes, want %d", f.size(), want)
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
	runtime.KeepAlive(f.block)

	if got := floor.size(); got != 0 {
		t.Fatalf("a fresh process has a floor of %d bytes before any hash", got)
	}
	small := Params{Time: 1, MemoryKiB: 256, Threads: 1, KeyLen: 32}
	if _, err := Hash("38172946", small, rand.Reader); err != nil {
		t.Fatal(err)
	}
	if got, want := floor.size(), cap(slots)*256*1024; got != want {
		t.Errorf("floor after a hash at m=256 KiB with %d slots: %d bytes, want %d", cap(slots), got, want)
	}

	// A stored hash at m=40 MiB, made without Hash so that only Verify
	// sees its parameters.
	big := Params{Time: 1, MemoryKiB: 40 * 1024, Threads: 1, KeyLen: 32}
	salt := make([]byte, saltLen)
	encoded := encode(big, salt, argon2.IDKey([]byte("38172946"), salt, big.Time, big.MemoryKiB, big.Threads, big.KeyLen))
	if ok, err := Verify(encoded, "38172946"); !ok || err != nil {
		t.Fatalf("Verify: %v, %v", ok, err)
	}
	if got, want := floor.size(), floorSize(DefaultParams, cap(slots)); got != want {
		t.Errorf("floor after checking a hash at m=40 MiB: %d bytes, want DefaultParams' %d", got, want)
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
		{DefaultParams, 13, 13 * 19 << 20},
		{DefaultParams, 14, maxFloor},
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
