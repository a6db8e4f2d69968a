package person

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/storage"
)

// jsonMembers lists the JSON member names of struct type t.
func jsonMembers(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// retentionTables reads docs/retention.md's two tables of identity fields:
// the kept and the dropped, each by its first column's `member`.
func retentionTables(t *testing.T) (kept, dropped []string) {
	t.Helper()
	f, err := os.Open("../../docs/retention.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cell := regexp.MustCompile("^\\| `([a-z_]+)`")
	var into *[]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "### Kept":
			into = &kept
		case line == "### Not kept after issuance":
			into = &dropped
		case strings.HasPrefix(line, "#"):
			into = nil
		case into != nil:
			if m := cell.FindStringSubmatch(line); m != nil {
				*into = append(*into, m[1])
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(kept)
	sort.Strings(dropped)
	return kept, dropped
}

// TestRetentionDocumented: every field the platform keeps of a person's
// identity is in docs/retention.md's table of kept fields with its reason,
// and nothing else is; every field of the chip's identity and of a
// proofing is kept or listed as not kept.
func TestRetentionDocumented(t *testing.T) {
	kept, dropped := retentionTables(t)
	var want []string
	for _, m := range jsonMembers(reflect.TypeFor[KeptIdentity]()) {
		if m != "format" {
			want = append(want, m)
		}
	}
	if !slices.Equal(kept, want) {
		t.Errorf("docs/retention.md lists as kept %v; KeptIdentity keeps %v", kept, want)
	}
	for _, m := range dropped {
		if slices.Contains(want, m) {
			t.Errorf("docs/retention.md lists %q as not kept, but KeptIdentity keeps it", m)
		}
	}
	read := append(jsonMembers(reflect.TypeFor[document.Identity]()), jsonMembers(reflect.TypeFor[Proofed]())...)
	for _, m := range read {
		switch m {
		case "identity", "photo":
			continue // the group itself; the photo is sealed apart (persons.photo)
		}
		if !slices.Contains(want, m) && !slices.Contains(dropped, m) {
			t.Errorf("field %q of a proofing is neither kept nor listed as not kept in docs/retention.md", m)
		}
	}
}

func fullProofed() Proofed {
	return Proofed{
		Identity: document.Identity{
			Type: document.ResidentIDCard, Number: "110105198506150013", Name: "张三", NameLatin: "ZHANG SAN",
			Sex: document.Male, Ethnicity: "汉", Birth: document.Date{Year: 1985, Month: 6, Day: 15},
			Address: "北京市朝阳区测试路1号", IssuingAuthority: "北京市公安局朝阳分局",
			ValidFrom: document.Date{Year: 2020, Month: 1, Day: 1}, ValidUntil: document.Date{Year: 2040, Month: 1, Day: 1},
		},
		FaceHash: []byte{1, 2, 3}, Minor: MinorNone, PersonKey: Key(document.ResidentIDCard, "110105198506150013"),
		Photo: []byte("jpeg"),
	}
}

// droppedValues are fullProofed's values of the fields not kept.
var droppedValues = []string{"ZHANG SAN", "汉", "北京市朝阳区测试路1号", "北京市公安局朝阳分局", "2020-01-01", `"minor"`, `"person_key"`, `"photo"`}

func newSealer(t *testing.T) *keys.Sealer {
	t.Helper()
	s, err := keys.NewSealer(bytes.Repeat([]byte{7}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sealLegacy seals pr as persons issued before KeptIdentity hold it.
func sealLegacy(t *testing.T, sealer Sealer, personID string, pr Proofed) []byte {
	t.Helper()
	pr.Photo = nil
	b, err := json.Marshal(pr)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := sealer.Seal(b, AAD(personID, FieldIdentity))
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

// TestKeptIdentity: a sealed identity holds the kept fields only, and
// opens to them; one in the older format still opens whole.
func TestKeptIdentity(t *testing.T) {
	sealer := newSealer(t)
	pr := fullProofed()
	sealed, format, err := SealIdentity(sealer, "p1", pr)
	if err != nil || format != FormatCurrent {
		t.Fatal(format, err)
	}
	plain, err := sealer.Open(sealed, AAD("p1", FieldIdentity))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range droppedValues {
		if bytes.Contains(plain, []byte(v)) {
			t.Errorf("the sealed identity holds %s: %s", v, plain)
		}
	}
	got, err := Open(sealer, storage.Person{ID: "p1", Identity: sealed, IdentityFormat: format})
	if err != nil {
		t.Fatal(err)
	}
	want := Proofed{
		Identity: document.Identity{
			Type: pr.Identity.Type, Number: pr.Identity.Number, Name: pr.Identity.Name, Sex: pr.Identity.Sex,
			Birth: pr.Identity.Birth, ValidUntil: pr.Identity.ValidUntil,
		},
		FaceHash: pr.FaceHash, PersonKey: pr.PersonKey,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("opened %+v\nwant %+v", got, want)
	}

	legacy := sealLegacy(t, sealer, "p1", pr)
	old, err := Open(sealer, storage.Person{ID: "p1", Identity: legacy, IdentityFormat: FormatProofed})
	if err != nil {
		t.Fatal(err)
	}
	if old.Identity.Address != pr.Identity.Address || old.Minor != MinorNone {
		t.Fatalf("legacy identity opened as %+v", old)
	}

	// A format this version does not know is an error, not an empty identity.
	future, err := sealer.Seal([]byte(`{"format":9,"name":"张三"}`), AAD("p1", FieldIdentity))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(sealer, storage.Person{ID: "p1", Identity: future}); err == nil {
		t.Fatal("an unknown format opened")
	}
}

// resealStore is an in-memory ResealStore that lists persons as the
// storage contract says.
type resealStore struct {
	fakeStore
	// listed runs after a listing, before Reseal updates what it listed
	// (a write racing the reseal).
	listed func()
}

func (r *resealStore) ListPersonsByIdentityFormat(_ context.Context, format int, after string, limit int) ([]storage.Person, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []storage.Person
	for _, p := range r.persons {
		if p.IdentityFormat >= 1 && p.IdentityFormat < format && p.ID > after {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b storage.Person) int { return strings.Compare(a.ID, b.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	if r.listed != nil {
		r.mu.Unlock()
		r.listed()
		r.listed = nil
		r.mu.Lock()
	}
	return out, nil
}

// TestResealRacingIssuance: a person issued again (or cancelled) between
// Reseal's listing and its update keeps what the issuance (or the
// cancellation) wrote: the format is checked again under the row's lock.
func TestResealRacingIssuance(t *testing.T) {
	sealer := newSealer(t)
	st := &resealStore{fakeStore: fakeStore{persons: map[string]storage.Person{}}}
	st.persons["a"] = storage.Person{ID: "a", Identity: sealLegacy(t, sealer, "a", fullProofed()), IdentityFormat: FormatProofed}
	st.persons["b"] = storage.Person{ID: "b", Identity: sealLegacy(t, sealer, "b", fullProofed()), IdentityFormat: FormatProofed}
	issued, _, err := SealIdentity(sealer, "a", fullProofed())
	if err != nil {
		t.Fatal(err)
	}
	st.listed = func() {
		ctx := context.Background()
		st.UpdatePerson(ctx, "a", func(p storage.Person) (storage.Person, error) {
			p.Identity, p.IdentityFormat = issued, FormatCurrent
			return p, nil
		})
		st.UpdatePerson(ctx, "b", func(p storage.Person) (storage.Person, error) {
			p.Identity, p.IdentityFormat = nil, FormatNone
			return p, nil
		})
	}
	n, err := Reseal(context.Background(), st, sealer)
	if err != nil || n != 0 {
		t.Fatalf("resealed %d, %v; want 0 (both changed meanwhile)", n, err)
	}
	if a := st.persons["a"]; !bytes.Equal(a.Identity, issued) || a.IdentityFormat != FormatCurrent {
		t.Error("the reseal overwrote an issuance made meanwhile")
	}
	if b := st.persons["b"]; b.Identity != nil || b.IdentityFormat != FormatNone {
		t.Error("the reseal brought back a cancelled identity")
	}
}

// TestReseal: persons in the older format are rewritten with the kept
// fields only (in batches), cancelled persons lose their format, and a
// person already current is left as it is.
func TestReseal(t *testing.T) {
	sealer := newSealer(t)
	st := &resealStore{fakeStore: fakeStore{persons: map[string]storage.Person{}}}
	ids := make([]string, 0, 2*resealBatch+5)
	for i := range 2*resealBatch + 5 {
		id := "p" + strings.Repeat("0", 4-len(itoa(i))) + itoa(i)
		ids = append(ids, id)
		st.persons[id] = storage.Person{ID: id, Identity: sealLegacy(t, sealer, id, fullProofed()), IdentityFormat: FormatProofed}
	}
	current, _, err := SealIdentity(sealer, "q", fullProofed())
	if err != nil {
		t.Fatal(err)
	}
	st.persons["q"] = storage.Person{ID: "q", Identity: current, IdentityFormat: FormatCurrent}
	st.persons["c"] = storage.Person{ID: "c", IdentityFormat: FormatProofed} // cancelled before the format column

	n, err := Reseal(context.Background(), st, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ids)+1 {
		t.Fatalf("resealed %d, want %d", n, len(ids)+1)
	}
	for _, id := range ids {
		p := st.persons[id]
		plain, err := sealer.Open(p.Identity, AAD(id, FieldIdentity))
		if err != nil {
			t.Fatal(err)
		}
		if p.IdentityFormat != FormatCurrent {
			t.Fatalf("%s: format %d", id, p.IdentityFormat)
		}
		for _, v := range droppedValues {
			if bytes.Contains(plain, []byte(v)) {
				t.Fatalf("%s still holds %s", id, v)
			}
		}
		pr, err := Open(sealer, p)
		if err != nil || pr.Identity.Name != "张三" || pr.Identity.Number != "110105198506150013" {
			t.Fatalf("%s opens as %+v, %v", id, pr, err)
		}
	}
	if !bytes.Equal(st.persons["q"].Identity, current) {
		t.Error("a current identity was rewritten")
	}
	if st.persons["c"].IdentityFormat != FormatNone {
		t.Error("a person without an identity kept a format")
	}
	if n, err := Reseal(context.Background(), st, sealer); err != nil || n != 0 {
		t.Fatalf("second run: %d, %v", n, err)
	}

	// An identity that does not open is an error naming the person, left
	// as it is; the others are resealed all the same.
	st.persons["y"] = storage.Person{ID: "y", Identity: []byte("garbage"), IdentityFormat: FormatProofed}
	st.persons["z"] = storage.Person{ID: "z", Identity: sealLegacy(t, sealer, "z", fullProofed()), IdentityFormat: FormatProofed}
	if n, err := Reseal(context.Background(), st, sealer); err == nil || !strings.Contains(err.Error(), "resealing y") || n != 1 {
		t.Fatalf("garbage: %d, %v", n, err)
	}
	if st.persons["z"].IdentityFormat != FormatCurrent {
		t.Error("a bad row stopped the others")
	}
	if !bytes.Equal(st.persons["y"].Identity, []byte("garbage")) {
		t.Error("a failed reseal wrote")
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// BenchmarkDecodeIdentity decodes an identity in the current format, as
// every step that reads a person's claims does after opening it.
func BenchmarkDecodeIdentity(b *testing.B) {
	plain, err := json.Marshal(Keep(fullProofed()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeIdentity(plain); err != nil {
			b.Fatal(err)
		}
	}
}
