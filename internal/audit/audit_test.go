package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/storage"
)

var errBoom = errors.New("boom")

type finding struct {
	seq  int64
	kind Kind
}

// findings lists the hash chain's findings (the tree's are checked
// apart, by treeFindings).
func findings(rep Report) []finding {
	var out []finding
	for _, p := range rep.Problems {
		if !p.Tree {
			out = append(out, finding{p.Seq, p.Kind})
		}
	}
	return out
}

// treeFindings lists the Merkle tree's findings.
func treeFindings(rep Report) []finding {
	var out []finding
	for _, p := range rep.Problems {
		if p.Tree {
			out = append(out, finding{p.Seq, p.Kind})
		}
	}
	return out
}

func sameFindings(a, b []finding) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func mustVerify(t *testing.T, s Store, keys jose.JSONWebKeySet) Report {
	t.Helper()
	rep, err := Verify(context.Background(), s, keys)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func TestHashGolden(t *testing.T) {
	r := storage.Record{
		Seq: 7, ID: "rec-7", Time: time.Date(2026, 3, 1, 8, 0, 0, 123456000, time.UTC),
		PersonID: "person-1", RPID: "rp-1", RPName: "示例平台", Channel: "session", Level: "face",
		Provided: []string{"result", "age_over_18"}, Outcome: "approved", GuardianID: "guardian-1",
		PrevHash: bytes.Repeat([]byte{0xab}, 32),
	}
	// Frozen: every log ever written depends on this encoding. The value
	// was cross-checked with an independent implementation of the encoding
	// documented on Hash (a dozen lines of Python's hashlib and struct).
	const want = "e77a99401b7d829ec36dbab3c988ccb215888ebd3c19d827892fab2779ce37c5"
	if got := hex.EncodeToString(Hash(r)); got != want {
		t.Errorf("Hash = %s, want %s (the v1 encoding must never change)", got, want)
	}
	r.Hash = []byte("ignored")
	if got := hex.EncodeToString(Hash(r)); got != want {
		t.Errorf("Hash depends on the Hash field")
	}
}

func TestHashUnambiguous(t *testing.T) {
	base := storage.Record{Seq: 1, RPID: "ab", RPName: "c", Provided: []string{"a", "b"}}
	variants := map[string]func(*storage.Record){
		"field boundary":     func(r *storage.Record) { r.RPID, r.RPName = "a", "bc" },
		"element boundary":   func(r *storage.Record) { r.Provided = []string{"ab"} },
		"extra empty":        func(r *storage.Record) { r.Provided = []string{"a", "", "b"} },
		"element into field": func(r *storage.Record) { r.Provided = []string{"a"}; r.Outcome = "b" },
		"seq":                func(r *storage.Record) { r.Seq = 2 },
		"time micro":         func(r *storage.Record) { r.Time = r.Time.Add(time.Microsecond) },
		"prev hash":          func(r *storage.Record) { r.PrevHash = []byte{0} },
	}
	h := Hash(base)
	for name, mutate := range variants {
		r := base
		mutate(&r)
		if bytes.Equal(Hash(r), h) {
			t.Errorf("%s: same hash", name)
		}
	}
	// What storage does not keep must not matter: nil or empty Provided,
	// the time zone, sub-microsecond time.
	same := map[string]func(*storage.Record){
		"empty provided": func(r *storage.Record) { r.Provided = []string{} },
		"zone":           func(r *storage.Record) { r.Time = r.Time.In(time.FixedZone("CST", 8*3600)) },
		"nanoseconds":    func(r *storage.Record) { r.Time = r.Time.Add(999) },
	}
	base.Provided = nil
	h = Hash(base)
	for name, mutate := range same {
		r := base
		mutate(&r)
		if !bytes.Equal(Hash(r), h) {
			t.Errorf("%s: different hash", name)
		}
	}
}

func TestAppend(t *testing.T) {
	ctx := context.Background()
	store := &fakeStore{}
	clock := &tick{}
	l := &Log{Store: store, Keys: newTestKey(t), Now: clock.now, Rand: rand.NewChaCha8([32]byte{1})}

	in := testRecord(3)
	in.Seq, in.PrevHash, in.Hash, in.Time = 99, []byte("x"), []byte("y"), time.Unix(5, 0)
	r1, err := l.Append(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Seq != 1 || r1.ID == "" || !r1.Time.Equal(epoch.Add(time.Second).Truncate(time.Microsecond)) || r1.Time.Location() != time.UTC {
		t.Errorf("first record stamped Seq %d ID %q Time %v", r1.Seq, r1.ID, r1.Time)
	}
	if !bytes.Equal(r1.PrevHash, make([]byte, HashSize)) || !bytes.Equal(r1.Hash, Hash(r1)) {
		t.Errorf("first record not chained from the zero hash")
	}
	in = testRecord(4)
	in.ID = "given-id"
	r2, err := l.Append(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Seq != 2 || r2.ID != "given-id" || !bytes.Equal(r2.PrevHash, r1.Hash) || !bytes.Equal(r2.Hash, Hash(r2)) {
		t.Errorf("second record: Seq %d ID %q, chained %v", r2.Seq, r2.ID, bytes.Equal(r2.PrevHash, r1.Hash))
	}
	stored, _ := store.ListRecords(ctx, 0, 10)
	if len(stored) != 2 || !bytes.Equal(stored[1].Hash, r2.Hash) {
		t.Errorf("store holds %d records", len(stored))
	}
}

func TestAppendErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("store", func(t *testing.T) {
		l := &Log{Store: &fakeStore{appendErr: errBoom}, Keys: newTestKey(t)}
		r, err := l.Append(ctx, testRecord(1))
		if !errors.Is(err, errBoom) || r.Seq != 0 {
			t.Errorf("Append = %d, %v; want errBoom", r.Seq, err)
		}
	})
	t.Run("rand", func(t *testing.T) {
		l := &Log{Store: &fakeStore{}, Keys: newTestKey(t), Rand: strings.NewReader("short")}
		if _, err := l.Append(ctx, testRecord(1)); err == nil {
			t.Error("Append with a failing Rand succeeded")
		}
	})
	// A head that cannot be signed or stored fails the append (which a
	// database then rolls back; the fake store keeps what was written).
	for name, tc := range map[string]struct {
		keys    Signer
		putErr  error
		wantErr error
	}{
		"no signer":    {noKey{}, nil, ErrNoSigner},
		"no key set":   {nil, nil, ErrNoSigner},
		"put head":     {newTestKey(t), errBoom, errBoom},
		"head present": {newTestKey(t), storage.ErrAlreadyExists, nil},
	} {
		t.Run(name, func(t *testing.T) {
			store := &fakeStore{putHeadErr: tc.putErr}
			l := &Log{Store: store, Keys: tc.keys, HeadEvery: 1}
			r, err := l.Append(ctx, testRecord(1))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("Append error %v, want %v", err, tc.wantErr)
			}
			switch {
			case tc.wantErr == nil && (r.Seq != 1 || len(store.recs) != 1):
				t.Errorf("record not appended: Seq %d, %d stored", r.Seq, len(store.recs))
			case tc.wantErr != nil && r.Seq != 0:
				t.Errorf("failed Append returned record %d", r.Seq)
			case errors.Is(tc.wantErr, ErrNoSigner) && len(store.recs) != 0:
				t.Errorf("Append without a signing key stored %d records", len(store.recs))
			}
		})
	}
}

func TestHeadEvery(t *testing.T) {
	for _, tc := range []struct {
		n, every int
		want     []int64
	}{
		{7, 3, []int64{3, 6}},
		{250, 0, []int64{100, 200}},
		{3, 1, []int64{1, 2, 3}},
		{2, 5, nil},
	} {
		_, store, _ := newTestLog(t, tc.n, tc.every)
		heads, _ := store.ListHeads(context.Background())
		var got []int64
		for _, h := range heads {
			got = append(got, h.Seq)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%d records, every %d: heads at %v, want %v", tc.n, tc.every, got, tc.want)
		}
	}
}

func TestSignHead(t *testing.T) {
	ctx := context.Background()
	t.Run("empty", func(t *testing.T) {
		l := &Log{Store: &fakeStore{}, Keys: newTestKey(t)}
		if _, err := l.SignHead(ctx); !errors.Is(err, ErrEmptyLog) {
			t.Errorf("SignHead = %v, want ErrEmptyLog", err)
		}
	})
	t.Run("no signer", func(t *testing.T) {
		l, _, _ := newTestLog(t, 3, 100)
		l.Keys = noKey{}
		if _, err := l.SignHead(ctx); !errors.Is(err, ErrNoSigner) {
			t.Errorf("SignHead = %v, want ErrNoSigner", err)
		}
	})
	t.Run("store", func(t *testing.T) {
		l, store, _ := newTestLog(t, 3, 100)
		store.putHeadErr = errBoom
		if _, err := l.SignHead(ctx); !errors.Is(err, errBoom) {
			t.Errorf("SignHead = %v, want errBoom", err)
		}
		store.putHeadErr, store.listErr = nil, errBoom
		if _, err := l.SignHead(ctx); !errors.Is(err, errBoom) {
			t.Errorf("SignHead = %v, want errBoom", err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		l, store, _ := newTestLog(t, 10, 4)
		store.remove(5, 10)
		if _, err := l.SignHead(ctx); !errors.Is(err, ErrTruncated) {
			t.Errorf("SignHead = %v, want ErrTruncated", err)
		}
	})
	for _, n := range []int{1, 8, 10, 2500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			l, store, keys := newTestLog(t, n, 4)
			h, err := l.SignHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tail := store.recs[len(store.recs)-1]
			if h.Seq != tail.Seq || !bytes.Equal(h.Hash, tail.Hash) {
				t.Errorf("head %d, want the tail %d", h.Seq, tail.Seq)
			}
			parsed, err := ParseHead(h.Signature, keys)
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Seq != h.Seq || !bytes.Equal(parsed.Hash, h.Hash) || !parsed.Time.Equal(h.Time) || parsed.Signature != h.Signature {
				t.Errorf("ParseHead = %+v, want %+v", parsed, h)
			}
			// Again, nothing appended since: fine, one head for the Seq.
			if _, err := l.SignHead(ctx); err != nil {
				t.Errorf("second SignHead: %v", err)
			}
			if rep := mustVerify(t, store, keys); !rep.OK() || rep.Heads != n/4+boolInt(n%4 != 0) {
				t.Errorf("after SignHead: %v, %d heads", rep.Problems, rep.Heads)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestVerifyClean(t *testing.T) {
	for _, tc := range []struct{ n, every, heads int }{
		{0, 100, 0}, {1, 100, 0}, {1, 1, 1}, {2, 100, 0}, {2, 2, 1}, {250, 0, 2}, {2345, 1000, 2},
	} {
		t.Run(fmt.Sprintf("%d/%d", tc.n, tc.every), func(t *testing.T) {
			_, store, keys := newTestLog(t, tc.n, tc.every)
			rep := mustVerify(t, store, keys)
			if !rep.OK() || rep.Err() != nil {
				t.Fatalf("clean log reported %v", rep.Problems)
			}
			if rep.Records != int64(tc.n) || rep.LastSeq != int64(tc.n) || rep.Heads != tc.heads {
				t.Errorf("Records %d LastSeq %d Heads %d, want %d %d %d", rep.Records, rep.LastSeq, rep.Heads, tc.n, tc.n, tc.heads)
			}
			if tc.n > 0 && !bytes.Equal(rep.LastHash, store.recs[tc.n-1].Hash) {
				t.Error("LastHash is not the tail's hash")
			}
		})
	}
}

func TestVerifyStoreErrors(t *testing.T) {
	_, store, keys := newTestLog(t, 3, 100)
	store.listErr = errBoom
	if _, err := Verify(context.Background(), store, keys); !errors.Is(err, errBoom) {
		t.Errorf("Verify = %v, want errBoom", err)
	}
}

// TestVerifyTampered tampers with a log of 10 records, heads at 4 and 8.
func TestVerifyTampered(t *testing.T) {
	other := newTestKey(t)
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, s *fakeStore)
		want   []finding
	}{
		{"field changed", func(t *testing.T, s *fakeStore) { s.rec(t, 3).RPID = "rp-x" },
			[]finding{{3, KindAltered}}},
		{"provided changed", func(t *testing.T, s *fakeStore) { s.rec(t, 7).Provided = nil },
			[]finding{{7, KindAltered}}},
		{"field changed and rehashed", func(t *testing.T, s *fakeStore) {
			s.rec(t, 3).Outcome = "approved"
			s.rec(t, 3).Level = "face"
			s.rehash(t, 3)
		}, []finding{{3, KindAltered}}},
		{"first record's prev hash changed and rehashed", func(t *testing.T, s *fakeStore) {
			s.rec(t, 1).PrevHash = bytes.Repeat([]byte{1}, HashSize)
			s.rehash(t, 1)
		}, []finding{{1, KindAltered}}},
		{"field changed, rest of the log rewritten", func(t *testing.T, s *fakeStore) {
			s.rec(t, 3).RPID = "rp-tampered"
			s.rechainFrom(t, 3)
		}, []finding{{4, KindHeadMismatch}, {8, KindHeadMismatch}}},
		{"one removed", func(t *testing.T, s *fakeStore) { s.remove(5, 5) },
			[]finding{{5, KindRemoved}}},
		{"first removed", func(t *testing.T, s *fakeStore) { s.remove(1, 1) },
			[]finding{{1, KindRemoved}}},
		{"several removed", func(t *testing.T, s *fakeStore) { s.remove(2, 3); s.remove(6, 6) },
			[]finding{{2, KindRemoved}, {6, KindRemoved}}},
		{"record at a head removed", func(t *testing.T, s *fakeStore) { s.remove(4, 4) },
			[]finding{{4, KindRemoved}, {4, KindHeadMismatch}}},
		{"one removed, the rest renumbered", func(t *testing.T, s *fakeStore) {
			s.remove(5, 5)
			for i := range s.recs {
				if s.recs[i].Seq > 5 {
					s.recs[i].Seq--
				}
			}
		}, []finding{{5, KindRemoved}, {8, KindHeadMismatch}}},
		{"one removed, the rest renumbered and rechained", func(t *testing.T, s *fakeStore) {
			s.remove(5, 5)
			for i := range s.recs {
				if s.recs[i].Seq > 5 {
					s.recs[i].Seq--
				}
			}
			s.rechainFrom(t, 5)
		}, []finding{{8, KindHeadMismatch}}},
		{"two swapped", func(t *testing.T, s *fakeStore) {
			a, b := s.rec(t, 5), s.rec(t, 6)
			a.Seq, b.Seq = 6, 5
		}, []finding{{5, KindReordered}, {6, KindReordered}}},
		{"two distant swapped", func(t *testing.T, s *fakeStore) {
			a, b := s.rec(t, 2), s.rec(t, 9)
			a.Seq, b.Seq = 9, 2
		}, []finding{{2, KindReordered}, {9, KindReordered}}},
		{"last two swapped", func(t *testing.T, s *fakeStore) {
			a, b := s.rec(t, 9), s.rec(t, 10)
			a.Seq, b.Seq = 10, 9
		}, []finding{{9, KindReordered}, {10, KindReordered}}},
		{"swapped at a head", func(t *testing.T, s *fakeStore) {
			a, b := s.rec(t, 4), s.rec(t, 5)
			a.Seq, b.Seq = 5, 4
		}, []finding{{4, KindReordered}, {4, KindHeadMismatch}, {5, KindReordered}}},
		{"one duplicated", func(t *testing.T, s *fakeStore) {
			s.recs = append(s.recs, cloneRecord(*s.rec(t, 5)))
		}, []finding{{5, KindReordered}}},
		{"listed out of order", func(t *testing.T, s *fakeStore) {
			s.unsorted = true
			s.recs[4], s.recs[5] = s.recs[5], s.recs[4]
		}, []finding{{5, KindRemoved}, {5, KindReordered}}},
		{"truncated below a head", func(t *testing.T, s *fakeStore) { s.remove(7, 10) },
			[]finding{{7, KindTruncated}}},
		{"emptied", func(t *testing.T, s *fakeStore) { s.remove(1, 10) },
			[]finding{{1, KindTruncated}}},
		{"head signature changed", func(t *testing.T, s *fakeStore) {
			sig := []byte(s.heads[0].Signature)
			i := len(sig) - 20
			sig[i] = map[bool]byte{true: 'A', false: 'B'}[sig[i] != 'A']
			s.heads[0].Signature = string(sig)
		}, []finding{{4, KindBadHeadSignature}}},
		{"head hash changed", func(t *testing.T, s *fakeStore) { s.heads[1].Hash[0] ^= 1 },
			[]finding{{8, KindBadHeadSignature}}},
		{"head seq changed", func(t *testing.T, s *fakeStore) { s.heads[0].Seq = 5 },
			[]finding{{5, KindBadHeadSignature}}},
		{"head signed by an unknown key", func(t *testing.T, s *fakeStore) {
			rec := s.rec(t, 6)
			l := &Log{Store: s, Keys: other}
			if _, err := l.signHead(context.Background(), l.Store, rec.Seq, rec.Hash); err != nil {
				t.Fatal(err)
			}
		}, []finding{{6, KindBadHeadSignature}}},
		{"head not a JWS", func(t *testing.T, s *fakeStore) { s.heads[0].Signature = "garbage" },
			[]finding{{4, KindBadHeadSignature}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, store, keys := newTestLog(t, 10, 4)
			if rep := mustVerify(t, store, keys); !rep.OK() {
				t.Fatalf("clean log reported %v", rep.Problems)
			}
			tc.tamper(t, store)
			rep := mustVerify(t, store, keys)
			if got := findings(rep); !sameFindings(got, tc.want) {
				t.Errorf("findings %v, want %v\n%v", got, tc.want, rep.Problems)
			}
			if err := rep.Err(); !errors.Is(err, ErrTampered) {
				t.Errorf("Err() = %v, want ErrTampered", err)
			}
			for _, p := range rep.Problems {
				if p.Last < p.Seq {
					t.Errorf("problem %v: Last below Seq", p)
				}
			}
		})
	}
}

func TestVerifyAgainst(t *testing.T) {
	ctx := context.Background()
	other := newTestKey(t)
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, s *fakeStore)
		head   func(h storage.Head) storage.Head
		want   []finding
	}{
		{"clean", nil, nil, nil},
		{"parsed head only", nil, func(h storage.Head) storage.Head { return storage.Head{Signature: h.Signature} }, nil},
		{"newest removed", func(t *testing.T, s *fakeStore) { s.remove(9, 10) }, nil,
			[]finding{{9, KindTruncated}}},
		{"newest rewritten", func(t *testing.T, s *fakeStore) {
			s.rec(t, 9).RPID = "rp-tampered"
			s.rechainFrom(t, 9)
		}, nil, []finding{{10, KindHeadMismatch}}},
		{"stored heads deleted and log rewritten", func(t *testing.T, s *fakeStore) {
			s.heads = nil
			s.rec(t, 2).RPID = "rp-tampered"
			s.rechainFrom(t, 2)
		}, nil, []finding{{10, KindHeadMismatch}}},
		{"head's seq differs from its signature", nil,
			func(h storage.Head) storage.Head { h.Seq = 9; return h },
			[]finding{{9, KindBadHeadSignature}}},
		{"head's hash differs from its signature", nil,
			func(h storage.Head) storage.Head { h.Hash = bytes.Repeat([]byte{1}, HashSize); return h },
			[]finding{{10, KindBadHeadSignature}}},
		{"head without signature", nil,
			func(h storage.Head) storage.Head { h.Signature = ""; return h },
			[]finding{{10, KindBadHeadSignature}}},
		{"head by another key", nil, func(h storage.Head) storage.Head {
			s := &fakeStore{}
			l := &Log{Store: s, Keys: other}
			h, _ = l.signHead(ctx, l.Store, h.Seq, h.Hash)
			return h
		}, []finding{{10, KindBadHeadSignature}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, store, keys := newTestLog(t, 10, 4)
			head, err := l.SignHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The relying party kept the head; the stored copy is gone.
			store.heads = store.heads[:2]
			if rep := mustVerify(t, store, keys); !rep.OK() {
				t.Fatalf("clean log reported %v", rep.Problems)
			}
			if tc.tamper != nil {
				tc.tamper(t, store)
			}
			if tc.head != nil {
				head = tc.head(head)
			}
			rep, err := VerifyAgainst(ctx, store, keys, head)
			if err != nil {
				t.Fatal(err)
			}
			if got := findings(rep); !sameFindings(got, tc.want) {
				t.Errorf("findings %v, want %v\n%v", got, tc.want, rep.Problems)
			}
		})
	}
}

// TestVerifyTailCutDetected: the newest records, after the last chain
// head, removed or rewritten, left no trace in the chain heads; the tree
// head signed with every append now shows both.
func TestVerifyTailCutDetected(t *testing.T) {
	for name, tc := range map[string]struct {
		tamper func(t *testing.T, s *fakeStore)
		want   []finding
	}{
		"newest removed": {func(t *testing.T, s *fakeStore) { s.remove(9, 10) }, []finding{{9, KindTruncated}}},
		"newest rewritten": {func(t *testing.T, s *fakeStore) {
			s.rec(t, 9).RPID = "rp-tampered"
			s.rechainFrom(t, 9)
		}, []finding{{10, KindTreeMismatch}}}, // the first head over it, the newest
	} {
		_, store, keys := newTestLog(t, 10, 4)
		tc.tamper(t, store)
		rep := mustVerify(t, store, keys)
		if got := treeFindings(rep); !sameFindings(got, tc.want) {
			t.Errorf("%s: tree findings %v, want %v\n%v", name, got, tc.want, rep.Problems)
		}
	}
}

// TestVerifyEveryByteFlip flips, one at a time, every byte of every field
// of every stored record (with two masks) and checks Verify notices.
func TestVerifyEveryByteFlip(t *testing.T) {
	_, store, keys := newTestLog(t, 6, 3)
	recs, heads := store.snapshot()
	flips := 0
	for i := range recs {
		for field, n := range fieldSizes(recs[i]) {
			for b := range n {
				for _, mask := range []byte{0x01, 0x80} {
					store.restore(recs, heads)
					flipByte(&store.recs[i], field, b, mask)
					flips++
					if rep := mustVerify(t, store, keys); rep.OK() {
						t.Errorf("record %d field %s byte %d ^%#x: not detected", recs[i].Seq, field, b, mask)
					}
				}
			}
		}
	}
	if flips < 1000 {
		t.Errorf("only %d flips tried", flips)
	}
}

// fieldSizes names every field of r with its size in bytes (a Provided
// element is "Provided[i]"; Seq and Time are 8 bytes).
func fieldSizes(r storage.Record) map[string]int {
	m := map[string]int{
		"Seq": 8, "Time": 8, "ID": len(r.ID), "PersonID": len(r.PersonID), "RPID": len(r.RPID),
		"RPName": len(r.RPName), "Channel": len(r.Channel), "Level": len(r.Level), "Outcome": len(r.Outcome),
		"GuardianID": len(r.GuardianID), "PrevHash": len(r.PrevHash), "Hash": len(r.Hash),
	}
	for i, p := range r.Provided {
		m[fmt.Sprintf("Provided[%d]", i)] = len(p)
	}
	return m
}

func flipByte(r *storage.Record, field string, i int, mask byte) {
	flipStr := func(s *string) {
		b := []byte(*s)
		b[i] ^= mask
		*s = string(b)
	}
	switch field {
	case "Seq":
		r.Seq ^= int64(mask) << (8 * i)
	case "Time":
		r.Time = time.UnixMicro(r.Time.UnixMicro() ^ int64(mask)<<(8*i)).UTC()
	case "ID":
		flipStr(&r.ID)
	case "PersonID":
		flipStr(&r.PersonID)
	case "RPID":
		flipStr(&r.RPID)
	case "RPName":
		flipStr(&r.RPName)
	case "Channel":
		flipStr(&r.Channel)
	case "Level":
		flipStr(&r.Level)
	case "Outcome":
		flipStr(&r.Outcome)
	case "GuardianID":
		flipStr(&r.GuardianID)
	case "PrevHash":
		r.PrevHash[i] ^= mask
	case "Hash":
		r.Hash[i] ^= mask
	default:
		var j int
		fmt.Sscanf(field, "Provided[%d]", &j)
		flipStr(&r.Provided[j])
	}
}

func TestConcurrentAppend(t *testing.T) {
	ctx := context.Background()
	store := &fakeStore{}
	key := newTestKey(t)
	clock := &tick{}
	l := &Log{Store: store, Keys: key, Now: clock.now, HeadEvery: 7}
	const workers, each = 20, 30
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := l.Append(ctx, testRecord(w*each+i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rep := mustVerify(t, store, jwks(key))
	if !rep.OK() || rep.Records != workers*each || rep.Heads != workers*each/7 {
		t.Errorf("after concurrent appends: %d records, %d heads, problems %v", rep.Records, rep.Heads, rep.Problems)
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{Seq: 5, Last: 5, Kind: KindAltered, Detail: "x"}, "seq 5: altered: x"},
		{Problem{Seq: 5, Last: 7, Kind: KindRemoved, Detail: "3 record(s) missing"}, "seq 5-7: removed: 3 record(s) missing"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// TestAppendIn: appending in a caller's transaction signs a due head in it
// too; a missing signing key leaves the head to SignHead instead of
// failing the change, and a head that cannot be stored fails it.
func TestAppendIn(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		keys      Signer
		putErr    error
		wantErr   error
		wantHeads int
	}{
		"head signed":    {newTestKey(t), nil, nil, 1},
		"no signer":      {noKey{}, nil, ErrNoSigner, 0},
		"no key set":     {nil, nil, ErrNoSigner, 0},
		"put head fails": {newTestKey(t), errBoom, errBoom, 0},
	} {
		t.Run(name, func(t *testing.T) {
			own, tx := &fakeStore{}, &fakeStore{putHeadErr: tc.putErr}
			l := &Log{Store: own, Keys: tc.keys, HeadEvery: 1}
			r, err := l.AppendIn(ctx, tx, testRecord(1))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("AppendIn error %v, want %v", err, tc.wantErr)
			}
			if len(own.recs) != 0 || len(own.heads) != 0 {
				t.Fatal("AppendIn wrote to the log's own store, not the transaction")
			}
			wantRecs := 1
			if errors.Is(tc.wantErr, ErrNoSigner) {
				wantRecs = 0
			}
			if len(tx.recs) != wantRecs || len(tx.heads) != tc.wantHeads {
				t.Fatalf("the transaction holds %d records, %d heads", len(tx.recs), len(tx.heads))
			}
			if tc.wantErr == nil && (r.Seq != 1 || r.ID == "") {
				t.Fatalf("AppendIn returned %+v", r)
			}
		})
	}
}
