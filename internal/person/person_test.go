package person

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/storage"
)

// fakeStore keeps persons and credentials in memory; UpdatePerson holds a
// lock like a row lock, so racing updates are serialised.
type fakeStore struct {
	mu      sync.Mutex
	persons map[string]storage.Person
	creds   []storage.Credential
}

func (f *fakeStore) GetPerson(_ context.Context, id string) (storage.Person, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.persons[id]
	if !ok {
		return p, storage.ErrNotFound
	}
	return p, nil
}

func (f *fakeStore) UpdatePerson(_ context.Context, id string, fn func(storage.Person) (storage.Person, error)) (storage.Person, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.persons[id]
	if !ok {
		return p, storage.ErrNotFound
	}
	p, err := fn(p)
	if err != nil {
		return storage.Person{}, err
	}
	f.persons[id] = p
	return p, nil
}

func (f *fakeStore) ListCredentials(_ context.Context, personID string) ([]storage.Credential, error) {
	var out []storage.Credential
	for _, c := range f.creds {
		if c.PersonID == personID {
			out = append(out, c)
		}
	}
	return out, nil
}

var testParams = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newPasswords(t *testing.T, secret string) (*Passwords, *fakeStore, *clock) {
	t.Helper()
	h, err := password.Hash(secret, testParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	st := &fakeStore{persons: map[string]storage.Person{"p1": {ID: "p1", PasswordHash: h}}}
	clk := &clock{t: time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)}
	return &Passwords{Store: st, Now: clk.Now}, st, clk
}

func TestPasswordsLockout(t *testing.T) {
	ctx := context.Background()
	pw, st, clk := newPasswords(t, "27418596")
	if err := pw.Verify(ctx, "p1", "27418596"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	var wrong *password.WrongPasswordError
	for i := 1; i <= 4; i++ {
		err := pw.Verify(ctx, "p1", "11112222")
		if !errors.As(err, &wrong) || wrong.Remaining != 5-i {
			t.Fatalf("wrong password %d: %v, want %d attempts left", i, err, 5-i)
		}
	}
	if err := pw.Verify(ctx, "p1", "11112222"); !errors.Is(err, password.ErrLocked) {
		t.Fatalf("fifth wrong password: %v, want locked", err)
	}
	if err := pw.Verify(ctx, "p1", "27418596"); !errors.Is(err, password.ErrLocked) {
		t.Fatalf("right password while locked: %v, want locked", err)
	}
	clk.add(time.Hour)
	if err := pw.Verify(ctx, "p1", "27418596"); err != nil {
		t.Fatalf("right password after the lock: %v", err)
	}
	if p := st.persons["p1"]; p.PasswordFailures != 0 || !p.PasswordLockedUntil.IsZero() {
		t.Fatalf("success left failures %d, lock %v", p.PasswordFailures, p.PasswordLockedUntil)
	}
	if err := pw.Verify(ctx, "nobody", "27418596"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
}

// TestPasswordsRacingGuesses: guesses sent at once are all counted; none
// gets past the lock.
func TestPasswordsRacingGuesses(t *testing.T) {
	ctx := context.Background()
	pw, st, _ := newPasswords(t, "27418596")
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			guess := "11112222"
			if i == 11 {
				guess = "27418596"
			}
			errs <- pw.Verify(ctx, "p1", guess)
		}(i)
	}
	wg.Wait()
	close(errs)
	accepted := 0
	for err := range errs {
		if err == nil {
			accepted++
		}
	}
	p := st.persons["p1"]
	if p.PasswordLockedUntil.IsZero() {
		t.Fatalf("11 racing wrong guesses did not lock (failures %d)", p.PasswordFailures)
	}
	if accepted > 1 {
		t.Fatalf("%d guesses accepted", accepted)
	}
}

func TestSealOpen(t *testing.T) {
	sealer, err := keys.NewSealer(bytes.Repeat([]byte{7}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pr := Proofed{
		Identity: document.Identity{Name: "张三", Type: document.ResidentIDCard, Number: "110105198506150013"},
		FaceHash: []byte{1, 2, 3}, Minor: MinorNone, PersonKey: Key(document.ResidentIDCard, "110105198506150013"),
		Photo: []byte("jpeg"),
	}
	sealed, format, err := SealIdentity(sealer, "p1", pr)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("110105198506150013")) {
		t.Fatal("sealed identity holds the number in the clear")
	}
	if format != FormatKept {
		t.Fatalf("sealed in format %d", format)
	}
	got, err := Open(sealer, storage.Person{ID: "p1", Identity: sealed})
	if err != nil {
		t.Fatal(err)
	}
	if got.Identity.Name != "张三" || got.PersonKey != pr.PersonKey || got.Photo != nil {
		t.Fatalf("opened %+v", got)
	}
	// Bound to its person and field: another person's record cannot use it.
	if _, err := Open(sealer, storage.Person{ID: "p2", Identity: sealed}); err == nil {
		t.Fatal("identity opened under another person")
	}
	phone, err := SealField(sealer, "p1", FieldPhone, []byte("+8613800000000"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenField(sealer, storage.Person{ID: "p1", Photo: phone}, FieldPhoto); err == nil {
		t.Fatal("a phone opened as a photo")
	}
	if b, err := OpenField(sealer, storage.Person{ID: "p1", Phone: phone}, FieldPhone); err != nil || string(b) != "+8613800000000" {
		t.Fatalf("phone: %q, %v", b, err)
	}
}

func TestMinorBand(t *testing.T) {
	today := document.Date{Year: 2026, Month: 3, Day: 1}
	tests := []struct {
		birth document.Date
		want  string
	}{
		{document.Date{Year: 2012, Month: 3, Day: 2}, MinorUnder14},
		{document.Date{Year: 2012, Month: 3, Day: 1}, Minor14To17},
		{document.Date{Year: 2008, Month: 3, Day: 2}, Minor14To17},
		{document.Date{Year: 2008, Month: 3, Day: 1}, MinorNone},
	}
	for _, tt := range tests {
		if got := MinorBand(tt.birth, today); got != tt.want {
			t.Errorf("MinorBand(%v) = %q, want %q", tt.birth, got, tt.want)
		}
	}
}

func TestStanding(t *testing.T) {
	now := time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)
	cred := func(status storage.CredentialStatus, by string) storage.Credential {
		return storage.Credential{ID: "c", PersonID: "p1", Status: status, StatusBy: by, ExpiresAt: now.Add(time.Hour)}
	}
	tests := []struct {
		name            string
		c               storage.Credential
		person          string
		suspend, resume error
	}{
		{"active", cred(storage.CredentialActive, ""), "p1", nil, ErrNothingToResume},
		{"another's", cred(storage.CredentialActive, ""), "p2", ErrNoCredential, ErrNoCredential},
		{"revoked", cred(storage.CredentialRevoked, storage.StatusByPlatform), "p1", ErrNoCredential, ErrNoCredential},
		{"expired", storage.Credential{PersonID: "p1", Status: storage.CredentialActive, ExpiresAt: now}, "p1", ErrNoCredential, ErrNoCredential},
		{"suspended by the holder", cred(storage.CredentialSuspended, storage.StatusByHolder), "p1", ErrAlreadySuspended, nil},
		{"suspended by a recovery", cred(storage.CredentialSuspended, storage.StatusByRecovery), "p1", ErrAlreadySuspended, ErrNothingToResume},
		{"an operator's hold", cred(storage.CredentialSuspended, storage.StatusByOperator), "p1", ErrOperatorHold, ErrOperatorHold},
		{"an operator's hold over the holder's", cred(storage.CredentialSuspended, storage.OperatorOver(storage.StatusByHolder)), "p1", ErrOperatorHold, ErrOperatorHold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := HolderMaySuspend(tt.c, tt.person, now); !errors.Is(err, tt.suspend) || (tt.suspend == nil) != (err == nil) {
				t.Errorf("HolderMaySuspend = %v, want %v", err, tt.suspend)
			}
			if err := HolderMayResume(tt.c, tt.person, now); !errors.Is(err, tt.resume) || (tt.resume == nil) != (err == nil) {
				t.Errorf("HolderMayResume = %v, want %v", err, tt.resume)
			}
		})
	}
	for by, want := range map[string]bool{
		storage.StatusByHolder: true, storage.StatusByRecovery: true, storage.StatusByOperator: false,
		storage.OperatorOver(storage.StatusByHolder): false, storage.StatusByPlatform: false,
	} {
		if got := LiftableAfterReproof(by); got != want {
			t.Errorf("LiftableAfterReproof(%q) = %v", by, got)
		}
	}
	st := &fakeStore{creds: []storage.Credential{cred(storage.CredentialRevoked, storage.StatusByPlatform), cred(storage.CredentialSuspended, storage.OperatorOver(storage.StatusByRecovery))}}
	if err := OperatorHoldOn(context.Background(), st, "p1"); !errors.Is(err, ErrOperatorHold) {
		t.Fatalf("OperatorHoldOn = %v", err)
	}
	if err := OperatorHoldOn(context.Background(), st, "p2"); err != nil {
		t.Fatalf("OperatorHoldOn(no credentials) = %v", err)
	}
}
