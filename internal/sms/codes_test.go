package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// fakeStore is an in-memory Store. UpdateCode holds a per-code lock while fn
// runs and writes nothing when fn fails, like a backend's transaction.
type fakeStore struct {
	now func() time.Time

	mu       sync.Mutex
	codes    map[string]*fakeCode
	order    []string
	counters map[string]fakeCounter
	nonces   map[string]time.Time
	// retry makes UpdateCode run fn twice, as a serialisation retry would.
	retry bool
}

type fakeCode struct {
	mu sync.Mutex
	c  storage.Code
}

type fakeCounter struct {
	n         int64
	expiresAt time.Time
}

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{now: now, codes: map[string]*fakeCode{}, counters: map[string]fakeCounter{}}
}

func (s *fakeStore) CreateCode(ctx context.Context, c storage.Code) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.codes[c.ID]; ok {
		return storage.ErrAlreadyExists
	}
	c.Hash = bytes.Clone(c.Hash)
	s.codes[c.ID] = &fakeCode{c: c}
	s.order = append(s.order, c.ID)
	return nil
}

func (s *fakeStore) LatestCode(ctx context.Context, subject string) (storage.Code, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.order) - 1; i >= 0; i-- {
		fc := s.codes[s.order[i]]
		fc.mu.Lock()
		c := fc.c
		fc.mu.Unlock()
		if c.Subject == subject {
			return c, nil
		}
	}
	return storage.Code{}, storage.ErrNotFound
}

func (s *fakeStore) UpdateCode(ctx context.Context, id string, fn func(storage.Code) (storage.Code, error)) (storage.Code, error) {
	s.mu.Lock()
	fc, ok := s.codes[id]
	retry := s.retry
	s.mu.Unlock()
	if !ok {
		return storage.Code{}, storage.ErrNotFound
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if retry {
		if _, err := fn(fc.c); err != nil {
			return storage.Code{}, err
		}
	}
	c, err := fn(fc.c)
	if err != nil {
		return storage.Code{}, err
	}
	fc.c = c
	return c, nil
}

func (s *fakeStore) Increment(ctx context.Context, key string, expiresAt time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counters[key]
	if !c.expiresAt.IsZero() && !s.now().Before(c.expiresAt) {
		c = fakeCounter{}
	}
	if c.n == 0 {
		c.expiresAt = expiresAt
	}
	c.n++
	s.counters[key] = c
	return c.n, nil
}

func (s *fakeStore) UseNonce(ctx context.Context, key string, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nonces == nil {
		s.nonces = map[string]time.Time{}
	}
	if until, ok := s.nonces[key]; ok && s.now().Before(until) {
		return storage.ErrAlreadyExists
	}
	s.nonces[key] = expiresAt
	return nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	phone   = "+8613812345678"
	subject = "application:a1"
)

type env struct {
	codes  *Codes
	store  *fakeStore
	outbox *Outbox
	clock  *clock
}

func newEnv(t testing.TB) *env {
	t.Helper()
	clk := &clock{t: time.Date(2025, 7, 15, 9, 0, 0, 0, time.UTC)}
	store := newFakeStore(clk.Now)
	outbox := NewOutbox(10)
	key := []byte("test platform key")
	mac := func(domain string, secret []byte) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(domain))
		m.Write([]byte{0})
		m.Write(secret)
		return m.Sum(nil)
	}
	var ids atomic.Int64
	return &env{
		codes: &Codes{
			Store:  store,
			Sender: outbox,
			MAC:    mac,
			Now:    clk.Now,
			NewID:  func() string { return fmt.Sprintf("code-%d", ids.Add(1)) },
			Index:  func(p string) string { return hex.EncodeToString(mac("phone", []byte(p)))[:24] },
		},
		store:  store,
		outbox: outbox,
		clock:  clk,
	}
}

var codeRE = regexp.MustCompile(`验证码 (\d{6})，`)

// send sends a code for subject to phone and returns it, read from the
// outbox.
func (e *env) send(t testing.TB, subject, to string) string {
	t.Helper()
	if err := e.codes.Send(context.Background(), subject, to); err != nil {
		t.Fatalf("Send: %v", err)
	}
	n, err := NormalizePhone(to)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := e.outbox.Latest(n)
	if !ok {
		t.Fatal("no message in outbox")
	}
	sub := codeRE.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("no code in %q", m.Text)
	}
	return sub[1]
}

func wrongOf(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestSendVerify(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code := e.send(t, subject, "138 1234 5678")
	m, _ := e.outbox.Latest(phone)
	if want := "【netid】验证码 " + code + "，5分钟内有效。请勿告诉他人。"; m.Text != want {
		t.Fatalf("text = %q, want %q", m.Text, want)
	}
	e.clock.Advance(4 * time.Minute)
	if err := e.codes.Verify(ctx, subject, "+86 138-1234-5678", code); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	last, err := e.store.LatestCode(ctx, subject)
	if err != nil || !last.ConsumedAt.Equal(e.clock.Now()) {
		t.Fatalf("ConsumedAt = %v (%v), want now", last.ConsumedAt, err)
	}
	if err := e.codes.Verify(ctx, subject, phone, code); !errors.Is(err, ErrCodeUsed) {
		t.Fatalf("second Verify = %v, want ErrCodeUsed", err)
	}
}

func TestVerifyErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, e *env) (subject, phone, code string)
		want  error
	}{
		{"no code", func(t *testing.T, e *env) (string, string, string) {
			return subject, phone, "123456"
		}, ErrNoCode},
		{"other subject", func(t *testing.T, e *env) (string, string, string) {
			code := e.send(t, subject, phone)
			return "application:other", phone, code
		}, ErrNoCode},
		{"other phone", func(t *testing.T, e *env) (string, string, string) {
			code := e.send(t, subject, phone)
			return subject, "13912345678", code
		}, ErrNoCode},
		{"invalid phone", func(t *testing.T, e *env) (string, string, string) {
			code := e.send(t, subject, phone)
			return subject, "12345", code
		}, ErrInvalidPhone},
		{"expired", func(t *testing.T, e *env) (string, string, string) {
			code := e.send(t, subject, phone)
			e.clock.Advance(DefaultTTL)
			return subject, phone, code
		}, ErrCodeExpired},
		{"wrong", func(t *testing.T, e *env) (string, string, string) {
			code := e.send(t, subject, phone)
			return subject, phone, wrongOf(code)
		}, ErrWrongCode},
		{"empty code", func(t *testing.T, e *env) (string, string, string) {
			e.send(t, subject, phone)
			return subject, phone, ""
		}, ErrWrongCode},
		{"used", func(t *testing.T, e *env) (string, string, string) {
			code := e.send(t, subject, phone)
			if err := e.codes.Verify(ctx, subject, phone, code); err != nil {
				t.Fatal(err)
			}
			return subject, phone, code
		}, ErrCodeUsed},
		{"superseded by a newer code", func(t *testing.T, e *env) (string, string, string) {
			old := e.send(t, subject, phone)
			e.clock.Advance(DefaultResendAfter)
			if newer := e.send(t, subject, phone); newer == old {
				t.Skip("the two random codes are equal")
			}
			return subject, phone, old
		}, ErrWrongCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			s, p, c := tt.setup(t, e)
			if err := e.codes.Verify(ctx, s, p, c); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAttemptsCounting(t *testing.T) {
	for _, retry := range []bool{false, true} {
		t.Run(fmt.Sprintf("retry=%v", retry), func(t *testing.T) {
			e := newEnv(t)
			e.store.retry = retry
			ctx := context.Background()
			code := e.send(t, subject, phone)
			for want := DefaultMaxAttempts - 1; want >= 0; want-- {
				err := e.codes.Verify(ctx, subject, phone, wrongOf(code))
				var wrong *WrongCodeError
				if !errors.As(err, &wrong) || wrong.Remaining != want {
					t.Fatalf("Verify = %v, want WrongCodeError{Remaining: %d}", err, want)
				}
			}
			if err := e.codes.Verify(ctx, subject, phone, code); !errors.Is(err, ErrTooManyAttempts) {
				t.Fatalf("right code after %d wrong = %v, want ErrTooManyAttempts", DefaultMaxAttempts, err)
			}
			last, _ := e.store.LatestCode(ctx, subject)
			if last.Attempts != DefaultMaxAttempts || !last.ConsumedAt.IsZero() {
				t.Fatalf("stored code = %+v", last)
			}
		})
	}
}

func TestWrongThenRight(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code := e.send(t, subject, phone)
	for range DefaultMaxAttempts - 1 {
		if err := e.codes.Verify(ctx, subject, phone, wrongOf(code)); !errors.Is(err, ErrWrongCode) {
			t.Fatal(err)
		}
	}
	if err := e.codes.Verify(ctx, subject, phone, code); err != nil {
		t.Fatalf("right code on the last attempt: %v", err)
	}
}

func TestResendInterval(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.send(t, subject, phone)
	e.clock.Advance(20 * time.Second)
	err := e.codes.Send(ctx, subject, phone)
	var tooSoon *TooSoonError
	if !errors.Is(err, ErrTooSoon) || !errors.As(err, &tooSoon) || tooSoon.RetryAfter != 40*time.Second {
		t.Fatalf("Send = %v, want TooSoonError{40s}", err)
	}
	// Another subject is not held up.
	e.send(t, "application:a2", "13912345678")
	e.clock.Advance(40 * time.Second)
	e.send(t, subject, phone)
}

func TestDailyCap(t *testing.T) {
	e := newEnv(t)
	e.codes.Policy = Policy{DailyCap: 3}
	ctx := context.Background()
	e.clock.t = time.Date(2025, 7, 15, 20, 0, 0, 0, time.UTC)
	// Different subjects, same number: the cap is per number.
	for i := range 3 {
		e.send(t, fmt.Sprintf("application:%d", i), phone)
	}
	if err := e.codes.Send(ctx, "application:x", "13812345678"); !errors.Is(err, ErrDailyCap) {
		t.Fatalf("4th Send = %v, want ErrDailyCap", err)
	}
	// Another number is not capped.
	e.send(t, "application:y", "13912345678")
	// The next UTC day starts a new count.
	e.clock.t = time.Date(2025, 7, 16, 0, 0, 0, 0, time.UTC)
	e.send(t, "application:x", phone)
}

type failingSender struct{ err error }

func (f failingSender) Send(context.Context, Message) error { return f.err }

func TestSendFailureWithdrawsCode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	gatewayDown := errors.New("gateway down")
	e.codes.Sender = failingSender{gatewayDown}
	if err := e.codes.Send(ctx, subject, phone); !errors.Is(err, gatewayDown) {
		t.Fatalf("Send = %v, want the sender's error", err)
	}
	last, err := e.store.LatestCode(ctx, subject)
	if err != nil || !last.ExpiresAt.Equal(last.CreatedAt) {
		t.Fatalf("code not withdrawn: %+v, %v", last, err)
	}
	// A retry right away is allowed, and delivers a working code.
	e.codes.Sender = e.outbox
	code := e.send(t, subject, phone)
	if err := e.codes.Verify(ctx, subject, phone, code); err != nil {
		t.Fatal(err)
	}
}

func TestCodeNeverStoredInPlaintext(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := range 50 {
		subj, to := fmt.Sprintf("application:%d", i), fmt.Sprintf("+86139%08d", i)
		code := e.send(t, subj, to)
		rec, err := e.store.LatestCode(ctx, subj)
		if err != nil {
			t.Fatal(err)
		}
		// Every field of the record, and the day counter's key, as the
		// database would hold them.
		e.store.mu.Lock()
		dayKey := DayKey(rec.PhoneIndex, rec.CreatedAt)
		_, counted := e.store.counters[dayKey]
		e.store.mu.Unlock()
		if !counted {
			t.Fatalf("no day counter %q", dayKey)
		}
		fields := [][]byte{rec.Hash, []byte(rec.ID), []byte(rec.Subject), []byte(rec.PhoneIndex), []byte(dayKey)}
		for j, f := range fields {
			if bytes.Contains(f, []byte(code)) {
				t.Fatalf("record %d field %d contains the code", i, j)
			}
			if bytes.Contains(f, []byte(to[3:])) {
				t.Fatalf("record %d field %d contains the phone number", i, j)
			}
		}
	}
}

func TestVerifyRace(t *testing.T) {
	e := newEnv(t)
	code := e.send(t, subject, phone)
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- e.codes.Verify(context.Background(), subject, phone, code) })
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrCodeUsed):
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d verifications succeeded, want exactly 1", ok)
	}
}

func TestWrongGuessRace(t *testing.T) {
	e := newEnv(t)
	code := e.send(t, subject, phone)
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- e.codes.Verify(context.Background(), subject, phone, wrongOf(code)) })
	}
	wg.Wait()
	close(errs)
	remaining := map[int]bool{}
	tooMany := 0
	for err := range errs {
		var wrong *WrongCodeError
		switch {
		case errors.As(err, &wrong):
			remaining[wrong.Remaining] = true
		case errors.Is(err, ErrTooManyAttempts):
			tooMany++
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if len(remaining) != DefaultMaxAttempts || tooMany != n-DefaultMaxAttempts {
		t.Fatalf("remaining %v, too many %d: every wrong guess must be counted once", remaining, tooMany)
	}
}

func TestGenerateCodeRejectsBiasedValues(t *testing.T) {
	// 0xFFFFFFFF is above the largest multiple of 10^6 and must be
	// rejected; 1_000_007 gives 7.
	r := bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x0f, 0x42, 0x47})
	code, err := generateCode(r)
	if err != nil || code != "000007" {
		t.Fatalf("generateCode = %q, %v; want 000007", code, err)
	}
	if _, err := generateCode(bytes.NewReader(nil)); err == nil {
		t.Fatal("generateCode with no randomness succeeded")
	}
}

func TestCodesMisconfigured(t *testing.T) {
	c := &Codes{}
	if err := c.Send(context.Background(), subject, phone); err == nil {
		t.Fatal("Send without dependencies succeeded")
	}
	if err := c.Verify(context.Background(), subject, phone, "123456"); err == nil {
		t.Fatal("Verify without dependencies succeeded")
	}
}

func BenchmarkVerify(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	idx := e.codes.Index(phone)
	now := e.clock.Now()
	codes := make([]string, b.N)
	for i := range b.N {
		id := fmt.Sprintf("bench-%d", i)
		subj := fmt.Sprintf("application:%d", i)
		codes[i] = fmt.Sprintf("%06d", i%codeSpace)
		if err := e.store.CreateCode(ctx, storage.Code{
			ID: id, Subject: subj, PhoneIndex: idx,
			Hash:      e.codes.hash(id, subj, idx, codes[i]),
			CreatedAt: now, ExpiresAt: now.Add(DefaultTTL),
		}); err != nil {
			b.Fatal(err)
		}
	}
	// LatestCode of the fake store is linear; look codes up by subject.
	e.codes.Store = latestByID{e.store}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := e.codes.Verify(ctx, fmt.Sprintf("application:%d", i), phone, codes[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// latestByID answers LatestCode for the benchmark's subjects directly.
type latestByID struct{ *fakeStore }

func (s latestByID) LatestCode(ctx context.Context, subject string) (storage.Code, error) {
	id := "bench-" + strings.TrimPrefix(subject, "application:")
	s.mu.Lock()
	fc, ok := s.codes[id]
	s.mu.Unlock()
	if !ok {
		return storage.Code{}, storage.ErrNotFound
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.c, nil
}

// Racing sends for one subject: exactly one code goes out, the others are
// told to wait.
func TestSendRace(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	var sent, tooSoon atomic.Int64
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := e.codes.Send(context.Background(), "application:race", "13800138000")
			switch {
			case err == nil:
				sent.Add(1)
			case errors.Is(err, ErrTooSoon):
				tooSoon.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(e.outbox.Messages("+8613800138000")); sent.Load() != 1 || tooSoon.Load() != 19 || n != 1 {
		t.Fatalf("sent %d, too soon %d, messages %d", sent.Load(), tooSoon.Load(), n)
	}
}
