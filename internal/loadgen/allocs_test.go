package loadgen

import (
	"fmt"
	"strings"
	"testing"
)

var allocSink [][]byte

// The allocation counts are the runtime's: a thousand allocations of 1
// KiB show as about that many objects and bytes. The runtime counts small
// objects a span at a time, when a processor takes a span to allocate
// from, so a count is off by at most the free slots of the spans each
// processor holds; and the process's other goroutines allocate a little
// meanwhile. per divides the counts by the sessions.
func TestHeapAllocs(t *testing.T) {
	h0 := readHeapAllocs()
	allocSink = make([][]byte, 0, 1000)
	for range 1000 {
		allocSink = append(allocSink, make([]byte, 1024))
	}
	h1 := readHeapAllocs()
	allocSink = nil
	if got := h1.objects - h0.objects; got < 900 || got > 20000 {
		t.Errorf("objects allocated = %d, want about 1000", got)
	}
	if got := h1.bytes - h0.bytes; got < 900*1024 || got > 20<<20 {
		t.Errorf("bytes allocated = %d, want about 1000 KiB", got)
	}
	got := h1.per(h0, 10)
	want := fmt.Sprintf("%.0f objects, ", float64(h1.objects-h0.objects)/10)
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " KiB") {
		t.Errorf("per = %q, want it to start with %q and end in KiB", got, want)
	}
	if got := h1.per(h0, 0); got != "none" {
		t.Errorf("per of no sessions = %q, want none", got)
	}
}
