package document

import (
	"encoding/json"
	"testing"
)

func TestZeroDateRoundTrips(t *testing.T) {
	id := Identity{Type: ResidentIDCard, Birth: Date{1990, 3, 7}}
	b, err := json.Marshal(id)
	if err != nil {
		t.Fatal(err)
	}
	var back Identity
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("a document valid for life does not round-trip: %v", err)
	}
	if back != id {
		t.Fatalf("got %+v, want %+v", back, id)
	}
	var d Date
	if err := d.UnmarshalText([]byte("2023-02-29")); err == nil {
		t.Fatal("impossible date accepted")
	}
}
