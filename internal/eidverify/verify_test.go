package eidverify

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

var adultBirth = document.Date{Year: 1985, Month: 6, Day: 15}

func TestVerifyFieldsPerKind(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name  string
		rp    storage.RelyingParty
		birth document.Date
		want  []Field
		adult *bool
	}{
		{"hotel sees all", inPerson("hotel1", "hotel: 《旅馆业治安管理办法》第六条", allClaims...), adultBirth,
			[]Field{FieldName, FieldNumber, FieldPhoto, FieldSex, FieldAdult, FieldValidUntil}, &yes},
		{"station: no sex or age", inPerson("station1", "transport：铁路旅客实名制", allClaims...), adultBirth,
			[]Field{FieldName, FieldNumber, FieldPhoto, FieldValidUntil}, nil},
		{"counter", inPerson("counter1", "counter: 政务服务", allClaims...), adultBirth,
			[]Field{FieldName, FieldNumber, FieldPhoto, FieldSex, FieldAdult, FieldValidUntil}, &yes},
		{"age check only the age marker, even registered for more", inPerson("shop1", "age_check: 未成年人保护法", allClaims...),
			document.Date{Year: 2010, Month: 1, Day: 1}, []Field{FieldAdult}, &no},
		{"no legal basis is an age check", inPerson("shop2", "", "age_over_18"), adultBirth, []Field{FieldAdult}, &yes},
		{"hotel registered narrowly", inPerson("hotel2", "hotel: x", "name", "age_over_18"), adultBirth,
			[]Field{FieldName, FieldAdult}, &yes},
		{"hotel registered for the photo alone", inPerson("hotel4", "hotel: x", "photo"), adultBirth,
			[]Field{FieldPhoto}, nil},
		{"registered for nothing: verdict only", inPerson("hotel3", "hotel: x"), adultBirth, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.birth)
			res, err := f.svc.Verify(context.Background(), tt.rp, f.payload(t, f.now.Add(-10*time.Second)))
			if err != nil {
				t.Fatal(err)
			}
			if !res.Verified || !slices.Equal(res.Provided, tt.want) || !res.CheckedAt.Equal(f.now) {
				t.Fatalf("verified %v, provided %v, want %v", res.Verified, res.Provided, tt.want)
			}
			check := func(f Field, got string, want string) {
				t.Helper()
				if !res.Has(f) {
					want = ""
				}
				if got != want {
					t.Errorf("%s = %q, want %q", f, got, want)
				}
			}
			check(FieldName, res.NameMasked, "张*三")
			check(FieldNumber, res.NumberPartial, f.id.Number[:6]+"********"+f.id.Number[14:])
			check(FieldPhoto, res.Photo, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(f.photo))
			check(FieldSex, res.Sex, "M")
			check(FieldValidUntil, res.DocumentValidUntil, "2040-01-01")
			if (res.AgeOver18 == nil) != (tt.adult == nil) || (tt.adult != nil && *res.AgeOver18 != *tt.adult) {
				t.Errorf("age_over_18 %v, want %v", res.AgeOver18, tt.adult)
			}
			recs := f.log.all()
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			r := recs[0]
			var names []string
			for _, f := range tt.want {
				names = append(names, string(f))
			}
			if r.PersonID != f.person || r.RPID != tt.rp.ID || r.RPName != tt.rp.Name || r.Channel != Channel ||
				r.Outcome != OutcomeApproved || !slices.Equal(r.Provided, names) || !r.Time.Equal(f.now) {
				t.Fatalf("record %+v", r)
			}
		})
	}
}

func TestVerifyRefusals(t *testing.T) {
	hotel := inPerson("hotel1", "hotel: x", allClaims...)
	tests := []struct {
		name string
		// prepare changes the fixture and returns the payload and relying
		// party to submit.
		prepare func(t *testing.T, f *fixture) (string, storage.RelyingParty)
		want    error
		also    error
		// recorded: a failed record is written (the holder is known).
		recorded bool
	}{
		{"internet service", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			rp := hotel
			rp.Category = storage.CategoryInternetService
			return f.payload(t, f.now), rp
		}, relyingparty.ErrNotInPerson, nil, false},
		{"legal basis without a kind", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			return f.payload(t, f.now), inPerson("x1", "旅馆业治安管理办法", allClaims...)
		}, relyingparty.ErrNotInPerson, nil, false},
		{"garbage", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			return "hello", hotel
		}, ErrMalformed, eid.ErrMalformed, false},
		{"another platform", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			p, err := eid.SignOnline(f.key, "https://other.test", f.cid, f.now, nil)
			if err != nil {
				t.Fatal(err)
			}
			return p, hotel
		}, ErrMalformed, nil, false},
		{"unknown credential", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			p, err := eidSign(f.key, "cred-nope", f.now)
			if err != nil {
				t.Fatal(err)
			}
			return p, hotel
		}, ErrSignature, nil, false},
		{"another device's key", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			p, err := eidSign(newKey(t), f.cid, f.now)
			if err != nil {
				t.Fatal(err)
			}
			return p, hotel
		}, ErrSignature, eid.ErrSignature, false},
		{"tampered signature", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			p := f.payload(t, f.now)
			i := strings.LastIndexByte(p, '.') + 5
			c := byte('A')
			if p[i] == 'A' {
				c = 'B'
			}
			return p[:i] + string(c) + p[i+1:], hotel
		}, ErrSignature, eid.ErrSignature, false},
		{"window passed", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			return f.payload(t, f.now.Add(-eid.Window-time.Second)), hotel
		}, ErrWindow, eid.ErrExpired, true},
		{"dated ahead", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			return f.payload(t, f.now.Add(eid.Skew+time.Second)), hotel
		}, ErrWindow, eid.ErrNotYetValid, true},
		{"suspended", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			f.setStatus(storage.CredentialSuspended)
			return f.payload(t, f.now), hotel
		}, ErrSuspended, nil, true},
		{"revoked", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			f.setStatus(storage.CredentialRevoked)
			return f.payload(t, f.now), hotel
		}, ErrRevoked, nil, true},
		{"credential expired", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			c := f.store.creds[f.cid]
			c.ExpiresAt = f.now
			f.store.creds[f.cid] = c
			return f.payload(t, f.now), hotel
		}, ErrExpired, nil, true},
		{"document expired", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			p := f.store.people[f.person]
			id := f.id
			id.ValidUntil = document.Date{Year: 2026, Month: 2, Day: 28}
			sealPerson(t, f.sealer, &p, id, nil)
			f.store.people[f.person] = p
			return f.payload(t, f.now), hotel
		}, ErrExpired, nil, true},
		{"cancelled", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			p := f.store.people[f.person]
			p.State, p.CancelledAt = storage.PersonCancelled, f.now
			f.store.people[f.person] = p
			return f.payload(t, f.now), hotel
		}, ErrCancelled, nil, true},
		{"replay", func(t *testing.T, f *fixture) (string, storage.RelyingParty) {
			p := f.payload(t, f.now)
			if _, err := f.svc.Verify(context.Background(), hotel, p); err != nil {
				t.Fatal(err)
			}
			f.log.records = nil
			f.now = f.now.Add(30 * time.Second) // still in the window
			return p, hotel
		}, ErrReplay, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, adultBirth)
			payload, rp := tt.prepare(t, f)
			res, err := f.svc.Verify(context.Background(), rp, payload)
			if !errors.Is(err, tt.want) || (tt.also != nil && !errors.Is(err, tt.also)) {
				t.Fatalf("error %v, want %v (and %v)", err, tt.want, tt.also)
			}
			if res.Verified || res.NameMasked != "" || res.Photo != "" {
				t.Fatalf("a refusal carries data: %+v", res)
			}
			if strings.Contains(err.Error(), f.id.Name) || strings.Contains(err.Error(), f.id.Number) || strings.Contains(err.Error(), payload) && len(payload) > 10 {
				t.Fatalf("error leaks data: %v", err)
			}
			recs := f.log.all()
			switch {
			case !tt.recorded && len(recs) != 0:
				t.Fatalf("records %+v for an unidentified holder", recs)
			case tt.recorded && (len(recs) != 1 || recs[0].Outcome != OutcomeFailed || recs[0].PersonID != f.person || recs[0].Provided != nil || recs[0].RPID != rp.ID):
				t.Fatalf("records %+v, want one failed", recs)
			}
		})
	}
}

func (f *fixture) setStatus(st storage.CredentialStatus) {
	c := f.store.creds[f.cid]
	c.Status = st
	f.store.creds[f.cid] = c
}

// TestReplayAfterWindow: the jti is kept until the payload is dead anyway.
func TestReplayAfterWindow(t *testing.T) {
	f := newFixture(t, adultBirth)
	hotel := inPerson("hotel1", "hotel: x", allClaims...)
	p := f.payload(t, f.now)
	if _, err := f.svc.Verify(context.Background(), hotel, p); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{time.Second, eid.Window, eid.Window + time.Second, eid.Window + eid.Skew + time.Second} {
		f.now = t0.Add(d)
		if _, err := f.svc.Verify(context.Background(), hotel, p); !errors.Is(err, ErrReplay) && !errors.Is(err, ErrWindow) {
			t.Fatalf("at +%v: %v, want a refusal", d, err)
		}
	}
}

func TestNoPhotoKept(t *testing.T) {
	f := newFixture(t, adultBirth)
	p := f.store.people[f.person]
	p.Photo = nil
	f.store.people[f.person] = p
	res, err := f.svc.Verify(context.Background(), inPerson("hotel1", "hotel: x", allClaims...), f.payload(t, f.now))
	if err != nil {
		t.Fatal(err)
	}
	if res.Has(FieldPhoto) || res.Photo != "" || !res.Has(FieldName) {
		t.Fatalf("provided %v", res.Provided)
	}
}

func TestCheck(t *testing.T) {
	err := (&Service{}).Check()
	for _, name := range []string{"Store", "Sealer", "Records", "Issuer"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Check does not report %s: %v", name, err)
		}
	}
}

// FuzzVerify: any submitted text is refused with a sentinel or verifies
// (the seed payload, once), and never panics.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f, adultBirth)
	f.Add(fx.payload(f, fx.now))
	f.Add("NETIDEID1.")
	f.Add("NETIDEID1.a.b.c")
	f.Add("NETIDEID1SD.x~y~")
	hotel := inPerson("hotel1", "hotel: x", allClaims...)
	f.Fuzz(func(t *testing.T, payload string) {
		_, err := fx.svc.Verify(context.Background(), hotel, payload)
		if err == nil {
			return
		}
		for _, s := range []error{ErrMalformed, ErrSignature, ErrWindow, ErrReplay} {
			if errors.Is(err, s) {
				return
			}
		}
		t.Fatalf("error %v wraps no sentinel", err)
	})
}

// TestNoCheckWithoutRecord: when the record log cannot be written, a check
// that would pass fails, and its code stays unused: once the log is back,
// the same code passes, with its record.
func TestNoCheckWithoutRecord(t *testing.T) {
	f := newFixture(t, document.Date{Year: 1990, Month: 5, Day: 1})
	rp := inPerson("hotel", "hotel: 旅馆业治安管理办法", relyingparty.ClaimName)
	p := f.payload(t, f.now)
	errLog := errors.New("record log unavailable")
	f.log.fail = errLog
	if _, err := f.svc.Verify(context.Background(), rp, p); !errors.Is(err, errLog) {
		t.Fatalf("Verify without a record log: %v", err)
	}
	f.log.fail = nil
	if len(f.log.all()) != 0 {
		t.Fatal("a record was kept from the failed check")
	}
	if _, err := f.svc.Verify(context.Background(), rp, p); err != nil {
		t.Fatalf("the code after the log is back: %v", err)
	}
	if recs := f.log.all(); len(recs) != 1 || recs[0].Outcome != OutcomeApproved {
		t.Fatalf("records: %+v", recs)
	}
	if _, err := f.svc.Verify(context.Background(), rp, p); !errors.Is(err, ErrReplay) {
		t.Fatalf("the code used twice: %v", err)
	}
}
