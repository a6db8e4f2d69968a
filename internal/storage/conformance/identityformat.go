package conformance

import (
	"fmt"
	"slices"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// identityFormatTests are the tests of IdentityFormatStore.
func identityFormatTests() []subtest {
	return []subtest{
		{"Person/IdentityFormatRoundTrip", testIdentityFormatRoundTrip},
		{"Person/ListByIdentityFormat", testListPersonsByIdentityFormat},
	}
}

func formatPerson(id string, format int) storage.Person {
	p := storage.Person{
		ID: id, Index: "idx-" + id, Wanghao: "w-" + id, State: storage.PersonActive,
		IdentityFormat: format, CreatedAt: at(1), UpdatedAt: at(1),
	}
	if format > 0 {
		p.Identity = []byte("sealed-" + id)
	}
	return p
}

func testIdentityFormatRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	p := formatPerson("p1", 2)
	_, _, err := s.GetOrCreatePerson(ctx, p)
	must(t, "GetOrCreatePerson", err)
	got, err := s.GetPerson(ctx, "p1")
	must(t, "GetPerson", err)
	assertEqual(t, "GetPerson", got, p)
	updated, err := s.UpdatePerson(ctx, "p1", func(q storage.Person) (storage.Person, error) {
		q.IdentityFormat, q.Identity = 0, nil
		return q, nil
	})
	must(t, "UpdatePerson", err)
	got, err = s.GetPerson(ctx, "p1")
	must(t, "GetPerson", err)
	assertEqual(t, "GetPerson after update", got, updated)
	if got.IdentityFormat != 0 {
		t.Errorf("IdentityFormat = %d after update to 0", got.IdentityFormat)
	}
}

func testListPersonsByIdentityFormat(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	formats := map[string]int{}
	for i := range 25 {
		id := fmt.Sprintf("p%02d", i)
		formats[id] = []int{0, 1, 2, 3, 1}[i%5]
		_, _, err := s.GetOrCreatePerson(ctx, formatPerson(id, formats[id]))
		must(t, "GetOrCreatePerson", err)
	}
	// Paging through every person below format 3 with a small limit
	// visits each once, in ID order, and none of format 0 or above.
	var seen []string
	after := ""
	for {
		page, err := s.ListPersonsByIdentityFormat(ctx, 3, after, 4)
		must(t, "ListPersonsByIdentityFormat", err)
		if len(page) > 4 {
			t.Fatalf("a page of %d persons for limit 4", len(page))
		}
		for _, p := range page {
			assertEqual(t, "listed person", p, formatPerson(p.ID, formats[p.ID]))
			seen = append(seen, p.ID)
			after = p.ID
		}
		if len(page) < 4 {
			break
		}
	}
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("p%02d", i)
		if f := formats[id]; f >= 1 && f < 3 {
			want = append(want, id)
		}
	}
	if !slices.Equal(seen, want) {
		t.Errorf("listed %v, want %v", seen, want)
	}
	only1, err := s.ListPersonsByIdentityFormat(ctx, 2, "", 100)
	must(t, "ListPersonsByIdentityFormat below 2", err)
	for _, p := range only1 {
		if p.IdentityFormat != 1 {
			t.Errorf("below 2: listed %s of format %d", p.ID, p.IdentityFormat)
		}
	}
	if len(only1) != 10 {
		t.Errorf("below 2: %d persons, want 10", len(only1))
	}
	none, err := s.ListPersonsByIdentityFormat(ctx, 3, "", 0)
	must(t, "ListPersonsByIdentityFormat limit 0", err)
	if none != nil {
		t.Errorf("limit 0: %v", none)
	}
	none, err = s.ListPersonsByIdentityFormat(ctx, 1, "", 10)
	must(t, "ListPersonsByIdentityFormat below 1", err)
	if none != nil {
		t.Errorf("below 1: %v", none)
	}
}
