package sms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// Errors returned by Codes. Each is returned wrapped or as a typed error
// matching it under errors.Is.
var (
	// ErrTooSoon: a code was sent to the subject less than
	// Policy.ResendAfter ago. The concrete error is a *TooSoonError.
	ErrTooSoon = errors.New("sms: a code was sent too recently")
	// ErrDailyCap: the phone number received Policy.DailyCap codes today
	// (UTC).
	ErrDailyCap = errors.New("sms: daily code limit reached for this number")
	// ErrNoCode: no code was sent to the subject for this phone.
	ErrNoCode = errors.New("sms: no code was sent")
	// ErrCodeExpired: the latest code is past its lifetime.
	ErrCodeExpired = errors.New("sms: code expired")
	// ErrCodeUsed: the latest code was already used.
	ErrCodeUsed = errors.New("sms: code already used")
	// ErrWrongCode: the code does not match. The concrete error is a
	// *WrongCodeError.
	ErrWrongCode = errors.New("sms: wrong code")
	// ErrTooManyAttempts: Policy.MaxAttempts wrong codes were entered; the
	// code is dead and a new one must be requested.
	ErrTooManyAttempts = errors.New("sms: too many wrong attempts")
)

// TooSoonError is returned by Send before the resend interval has passed.
type TooSoonError struct {
	// RetryAfter is how long until a new code may be requested.
	RetryAfter time.Duration
}

func (e *TooSoonError) Error() string {
	return fmt.Sprintf("%v (retry after %v)", ErrTooSoon, e.RetryAfter)
}

// Is reports whether target is ErrTooSoon.
func (e *TooSoonError) Is(target error) bool { return target == ErrTooSoon }

// WrongCodeError is returned by Verify for a wrong code.
type WrongCodeError struct {
	// Remaining is how many more attempts the code allows; at 0 the code
	// is dead and later attempts get ErrTooManyAttempts.
	Remaining int
}

func (e *WrongCodeError) Error() string {
	return fmt.Sprintf("%v (%d attempts left)", ErrWrongCode, e.Remaining)
}

// Is reports whether target is ErrWrongCode.
func (e *WrongCodeError) Is(target error) bool { return target == ErrWrongCode }

// Store is the part of storage.Storage that Codes uses.
type Store interface {
	CreateCode(ctx context.Context, c storage.Code) error
	LatestCode(ctx context.Context, subject string) (storage.Code, error)
	UpdateCode(ctx context.Context, id string, fn func(storage.Code) (storage.Code, error)) (storage.Code, error)
	Increment(ctx context.Context, key string, expiresAt time.Time) (int64, error)
	UseNonce(ctx context.Context, key string, expiresAt time.Time) error
}

var _ Store = storage.Storage(nil)

// Policy limits codes. Zero fields take the defaults shown.
type Policy struct {
	// TTL is a code's lifetime (5 minutes).
	TTL time.Duration
	// MaxAttempts is how many wrong codes kill a code (5).
	MaxAttempts int
	// ResendAfter is the minimum interval between codes for one subject
	// (60 seconds).
	ResendAfter time.Duration
	// DailyCap is how many codes one phone number may receive per UTC day
	// (10).
	DailyCap int
}

// Policy defaults.
const (
	DefaultTTL         = 5 * time.Minute
	DefaultMaxAttempts = 5
	DefaultResendAfter = 60 * time.Second
	DefaultDailyCap    = 10
)

func (p Policy) withDefaults() Policy {
	if p.TTL <= 0 {
		p.TTL = DefaultTTL
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.ResendAfter <= 0 {
		p.ResendAfter = DefaultResendAfter
	}
	if p.DailyCap <= 0 {
		p.DailyCap = DefaultDailyCap
	}
	return p
}

// CodeMACDomain is the domain Codes passes to MAC for code hashes.
const CodeMACDomain = "netid/sms-code/v1"

// codeDigits is the length of a code; codeSpace is 10^codeDigits.
const (
	codeDigits = 6
	codeSpace  = 1_000_000
)

// Codes sends and verifies one-time codes. Store, Sender, MAC and Index are
// required; the others default to crypto/rand, time.Now and random IDs.
type Codes struct {
	Store  Store
	Sender Sender
	// MAC is the platform's keyed MAC (e.g. HMAC-SHA256 under a key
	// derived for domain); codes are stored only as MAC output.
	MAC    func(domain string, secret []byte) []byte
	Policy Policy
	Rand   io.Reader
	Now    func() time.Time
	// NewID returns a fresh code record ID.
	NewID func() string
	// Index returns the blind index of an E.164 phone number.
	Index func(phone string) string
}

func (c *Codes) check() error {
	if c.Store == nil || c.Sender == nil || c.MAC == nil || c.Index == nil {
		return errors.New("sms: Codes needs Store, Sender, MAC and Index")
	}
	return nil
}

func (c *Codes) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Codes) rand() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}

func (c *Codes) newID() (string, error) {
	if c.NewID != nil {
		return c.NewID(), nil
	}
	var b [16]byte
	if _, err := io.ReadFull(c.rand(), b[:]); err != nil {
		return "", fmt.Errorf("sms: code ID: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// hash is what is stored for code: a MAC bound to the record, the subject
// and the phone, so a hash cannot be moved to another record.
func (c *Codes) hash(id, subject, phoneIndex, code string) []byte {
	msg := make([]byte, 0, len(id)+len(subject)+len(phoneIndex)+len(code)+16)
	for _, part := range []string{id, subject, phoneIndex, code} {
		msg = binary.BigEndian.AppendUint32(msg, uint32(len(part)))
		msg = append(msg, part...)
	}
	return c.MAC(CodeMACDomain, msg)
}

// generateCode returns a uniformly random code of codeDigits digits,
// rejecting the top of the uint32 range so the modulo has no bias.
func generateCode(r io.Reader) (string, error) {
	const limit = (1 << 32) / codeSpace * codeSpace
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("sms: code randomness: %w", err)
		}
		if v := binary.BigEndian.Uint32(b[:]); v < limit {
			return fmt.Sprintf("%0*d", codeDigits, v%codeSpace), nil
		}
	}
}

// DayKey is the Increment key counting codes sent to a phone (by blind
// index) on now's UTC day.
func DayKey(phoneIndex string, now time.Time) string {
	return "sms:day:" + phoneIndex + ":" + now.UTC().Format(time.DateOnly)
}

// endOfDay is the start of the UTC day after now's.
func endOfDay(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// Send sends a new code for subject (e.g. "application:<id>") to phone.
//
// It refuses with a *TooSoonError before Policy.ResendAfter has passed since
// the subject's last code, and with ErrDailyCap when the number has had
// Policy.DailyCap codes today (every send attempt past the resend check
// counts). phone must be valid for NormalizePhone (else ErrInvalidPhone).
// If the sender fails, the stored code is withdrawn (expired at once, so it
// does not hold up a retry) and the sender's error is returned wrapped.
func (c *Codes) Send(ctx context.Context, subject, phone string) error {
	if err := c.check(); err != nil {
		return err
	}
	if subject == "" {
		return errors.New("sms: send: empty subject")
	}
	to, err := NormalizePhone(phone)
	if err != nil {
		return err
	}
	p := c.Policy.withDefaults()
	now := c.now()

	last, err := c.Store.LatestCode(ctx, subject)
	lastID := "none"
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return fmt.Errorf("sms: send: latest code: %w", err)
	case withdrawn(last):
		lastID = last.ID
	default:
		if wait := last.CreatedAt.Add(p.ResendAfter).Sub(now); wait > 0 {
			return &TooSoonError{RetryAfter: wait}
		}
		lastID = last.ID
	}
	// Claim the right to send after the latest code, so two racing sends
	// for one subject cannot both go out.
	if err := c.Store.UseNonce(ctx, "sms-send:"+subject+":"+lastID, now.Add(p.ResendAfter)); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return &TooSoonError{RetryAfter: p.ResendAfter}
		}
		return fmt.Errorf("sms: send: %w", err)
	}

	phoneIndex := c.Index(to)
	n, err := c.Store.Increment(ctx, DayKey(phoneIndex, now), endOfDay(now))
	if err != nil {
		return fmt.Errorf("sms: send: daily count: %w", err)
	}
	if n > int64(p.DailyCap) {
		return ErrDailyCap
	}

	code, err := generateCode(c.rand())
	if err != nil {
		return err
	}
	id, err := c.newID()
	if err != nil {
		return err
	}
	rec := storage.Code{
		ID:         id,
		Subject:    subject,
		PhoneIndex: phoneIndex,
		Hash:       c.hash(id, subject, phoneIndex, code),
		CreatedAt:  now,
		ExpiresAt:  now.Add(p.TTL),
	}
	if err := c.Store.CreateCode(ctx, rec); err != nil {
		return fmt.Errorf("sms: send: store code: %w", err)
	}
	if err := c.Sender.Send(ctx, Message{To: to, Text: codeText(code, p.TTL)}); err != nil {
		// Withdraw the undelivered code even if ctx was cancelled.
		_, _ = c.Store.UpdateCode(context.WithoutCancel(ctx), id, func(old storage.Code) (storage.Code, error) {
			old.ExpiresAt = old.CreatedAt
			return old, nil
		})
		return fmt.Errorf("sms: send: %w", err)
	}
	return nil
}

// withdrawn reports whether code was withdrawn after a failed delivery.
func withdrawn(code storage.Code) bool { return !code.ExpiresAt.After(code.CreatedAt) }

// codeText is the message carrying code.
func codeText(code string, ttl time.Duration) string {
	minutes := max(int((ttl+time.Minute-1)/time.Minute), 1)
	return fmt.Sprintf("【netid】验证码 %s，%d分钟内有效。请勿告诉他人。", code, minutes)
}

// Verify checks code against the latest code sent for subject, which must
// have gone to phone. It returns nil once for the right code (marking it
// used), or an error matching ErrNoCode, ErrCodeUsed, ErrTooManyAttempts,
// ErrCodeExpired or ErrWrongCode (a *WrongCodeError), checked in that
// order. The check and the attempt count run inside one storage update, so
// of two racing verifications of the right code exactly one succeeds, and
// racing wrong guesses are all counted.
func (c *Codes) Verify(ctx context.Context, subject, phone, code string) error {
	if err := c.check(); err != nil {
		return err
	}
	to, err := NormalizePhone(phone)
	if err != nil {
		return err
	}
	p := c.Policy.withDefaults()
	now := c.now()
	phoneIndex := c.Index(to)

	last, err := c.Store.LatestCode(ctx, subject)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNoCode
	}
	if err != nil {
		return fmt.Errorf("sms: verify: latest code: %w", err)
	}
	if last.PhoneIndex != phoneIndex || last.Subject != subject {
		return ErrNoCode
	}

	// The outcome is decided inside fn, which the store may run more than
	// once (transaction retries): the last run's outcome is the one that
	// was written. A wrong attempt must be written, so fn returns the
	// updated code with a nil error and the wrong-code error is reported
	// after the update.
	var wrong *WrongCodeError
	_, err = c.Store.UpdateCode(ctx, last.ID, func(cur storage.Code) (storage.Code, error) {
		wrong = nil
		switch {
		case !cur.ConsumedAt.IsZero():
			return cur, ErrCodeUsed
		case cur.Attempts >= p.MaxAttempts:
			return cur, ErrTooManyAttempts
		case !now.Before(cur.ExpiresAt):
			return cur, ErrCodeExpired
		}
		if hmac.Equal(c.hash(cur.ID, cur.Subject, cur.PhoneIndex, code), cur.Hash) {
			cur.ConsumedAt = now
			return cur, nil
		}
		cur.Attempts++
		wrong = &WrongCodeError{Remaining: p.MaxAttempts - cur.Attempts}
		return cur, nil
	})
	switch {
	case errors.Is(err, ErrCodeUsed), errors.Is(err, ErrTooManyAttempts), errors.Is(err, ErrCodeExpired):
		return err
	case errors.Is(err, storage.ErrNotFound):
		// Removed (DeleteExpired) since LatestCode read it.
		return ErrNoCode
	case err != nil:
		return fmt.Errorf("sms: verify: update code: %w", err)
	case wrong != nil:
		return wrong
	}
	return nil
}
