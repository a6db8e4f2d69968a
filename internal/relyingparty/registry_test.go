package relyingparty

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

func TestRegister(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)

	t.Run("client secret", func(t *testing.T) {
		rp, err := f.registry.Get(ctx, secretClient)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(f.secret)
		if err != nil || len(raw) != SecretBytes {
			t.Fatalf("secret is not base64url of %d bytes: %d bytes, %v", SecretBytes, len(raw), err)
		}
		if rp.SecretHash != SecretHash(testMAC, secretClient, f.secret) {
			t.Fatalf("stored hash %q is not the keyed hash of the secret", rp.SecretHash)
		}
		if strings.Contains(rp.SecretHash, f.secret) {
			t.Fatal("secret stored in clear")
		}
		if rp.Sector != secretClient {
			t.Errorf("Sector = %q, want the ID", rp.Sector)
		}
		if !slices.Equal(rp.AllowedClaims, []string{"verified", "sub"}) {
			t.Errorf("AllowedClaims = %v", rp.AllowedClaims)
		}
		if !rp.CreatedAt.Equal(f.clock.Now()) || !rp.UpdatedAt.Equal(f.clock.Now()) {
			t.Errorf("times %v %v, want %v", rp.CreatedAt, rp.UpdatedAt, f.clock.Now())
		}
	})

	t.Run("private key jwt", func(t *testing.T) {
		rp, err := f.registry.Get(ctx, jwtClient)
		if err != nil {
			t.Fatal(err)
		}
		if rp.SecretHash != "" {
			t.Error("jwt client has a secret hash")
		}
		if !slices.Equal(rp.AllowedClaims, []string{"verified", "sub", "name", "document_number"}) {
			t.Errorf("AllowedClaims = %v (want canonical order)", rp.AllowedClaims)
		}
		if _, err := ParseJWKS(rp.JWKS); err != nil {
			t.Errorf("stored JWKS: %v", err)
		}
	})

	t.Run("given secret and sector", func(t *testing.T) {
		given := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 40))
		rp, secret, err := f.registry.Register(ctx, Registration{ID: "given.example", Name: "G", Sector: "group",
			Category: storage.CategoryInPerson, AuthMethod: storage.AuthClientSecret, Secret: given})
		if err != nil {
			t.Fatal(err)
		}
		if secret != given || rp.Sector != "group" {
			t.Errorf("secret %q sector %q", secret, rp.Sector)
		}
	})

	t.Run("no secret for jwt and public", func(t *testing.T) {
		_, secret, err := f.registry.Register(ctx, Registration{ID: "p2.example", Name: "P", Category: storage.CategoryInternetService,
			RedirectURIs: []string{"http://localhost/cb"}, AuthMethod: storage.AuthNone})
		if err != nil || secret != "" {
			t.Fatalf("secret %q, err %v", secret, err)
		}
	})

	t.Run("exists", func(t *testing.T) {
		_, _, err := f.registry.Register(ctx, Registration{ID: secretClient, Name: "Again",
			Category: storage.CategoryInPerson, AuthMethod: storage.AuthClientSecret})
		if !errors.Is(err, ErrExists) || !errors.Is(err, storage.ErrAlreadyExists) {
			t.Fatalf("err = %v, want ErrExists", err)
		}
	})

	t.Run("invalid stores nothing", func(t *testing.T) {
		_, _, err := f.registry.Register(ctx, Registration{ID: "bad.example", Name: "B", Category: "x", AuthMethod: storage.AuthClientSecret})
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
		if _, err := f.registry.Get(ctx, "bad.example"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get = %v, want ErrNotFound", err)
		}
	})

	t.Run("randomness fails", func(t *testing.T) {
		g := &Registry{Store: f.store, Now: f.clock.Now, Rand: errReader{}, MAC: testMAC}
		_, _, err := g.Register(ctx, Registration{ID: "rand.example", Name: "R", Category: storage.CategoryInPerson, AuthMethod: storage.AuthClientSecret})
		if err == nil {
			t.Fatal("no error without randomness")
		}
		if _, err := f.registry.Get(ctx, "rand.example"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get = %v, want ErrNotFound", err)
		}
	})

	t.Run("store fails", func(t *testing.T) {
		boom := errors.New("disk on fire")
		s := newFakeStore(f.clock.Now)
		s.err = boom
		g := &Registry{Store: s, MAC: testMAC}
		_, _, err := g.Register(ctx, Registration{ID: "x.example", Name: "X", Category: storage.CategoryInPerson, AuthMethod: storage.AuthClientSecret})
		if !errors.Is(err, boom) || errors.Is(err, ErrExists) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	errStop := errors.New("stop")
	tests := []struct {
		name    string
		id      string
		edit    func(r *Registration) error
		wantErr error
		check   func(t *testing.T, before, after storage.RelyingParty)
	}{
		{"name", secretClient, func(r *Registration) error { r.Name = "New Shop"; return nil }, nil,
			func(t *testing.T, before, after storage.RelyingParty) {
				if after.Name != "New Shop" || after.SecretHash != before.SecretHash || !after.CreatedAt.Equal(before.CreatedAt) {
					t.Errorf("after = %+v", after)
				}
				if !after.UpdatedAt.After(before.UpdatedAt) {
					t.Error("UpdatedAt not advanced")
				}
			}},
		{"claims stay canonical", secretClient, func(r *Registration) error {
			r.AllowedClaims = []string{"age_band", "age_over_18"}
			return nil
		}, nil, func(t *testing.T, _, after storage.RelyingParty) {
			if !slices.Equal(after.AllowedClaims, []string{"verified", "sub", "age_over_18", "age_band"}) {
				t.Errorf("AllowedClaims = %v", after.AllowedClaims)
			}
		}},
		{"keeps disabled", offClient, func(r *Registration) error { r.Name = "Older"; return nil }, nil,
			func(t *testing.T, _, after storage.RelyingParty) {
				if !after.Disabled {
					t.Error("update enabled the relying party")
				}
			}},
		{"to client secret leaves no secret", jwtClient, func(r *Registration) error {
			Patch{AuthMethod: ptr(storage.AuthClientSecret)}.Apply(r)
			return nil
		}, nil, func(t *testing.T, _, after storage.RelyingParty) {
			if after.SecretHash != "" || after.JWKS != nil || after.AuthMethod != storage.AuthClientSecret {
				t.Errorf("after = %+v", after)
			}
		}},
		{"away from client secret drops the hash", secretClient, func(r *Registration) error {
			r.AuthMethod, r.RedirectURIs = storage.AuthNone, []string{"https://shop.example/cb"}
			return nil
		}, nil, func(t *testing.T, _, after storage.RelyingParty) {
			if after.SecretHash != "" {
				t.Error("public client kept the secret hash")
			}
		}},
		{"id cannot change", secretClient, func(r *Registration) error { r.ID = "other.example"; return nil }, ErrInvalid, nil},
		{"sector cannot change", secretClient, func(r *Registration) error { r.Sector = "other"; return nil }, ErrInvalid, nil},
		{"secret cannot be set", secretClient, func(r *Registration) error { r.Secret = strings.Repeat("A", 43); return nil }, ErrInvalid, nil},
		{"invalid", secretClient, func(r *Registration) error { r.Category = "x"; return nil }, ErrInvalid, nil},
		{"plaintext without basis", secretClient, func(r *Registration) error { r.AllowedClaims = []string{"name"}; return nil }, ErrInvalid, nil},
		{"fn error unchanged", secretClient, func(r *Registration) error { r.Name = "X"; return errStop }, errStop, nil},
		{"not found", "none.example", func(r *Registration) error { return nil }, ErrNotFound, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			before, _ := f.store.GetRelyingParty(ctx, tc.id)
			f.clock.Add(time.Minute)
			got, err := f.registry.Update(ctx, tc.id, tc.edit)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			after, _ := f.store.GetRelyingParty(ctx, tc.id)
			if tc.wantErr != nil {
				if !rpEqual(before, after) {
					t.Errorf("failed update wrote: %+v", after)
				}
				return
			}
			if !rpEqual(got, after) {
				t.Errorf("returned %+v, stored %+v", got, after)
			}
			tc.check(t, before, after)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func rpEqual(a, b storage.RelyingParty) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Sector == b.Sector && a.Category == b.Category &&
		a.LegalBasis == b.LegalBasis && slices.Equal(a.Domains, b.Domains) && slices.Equal(a.RedirectURIs, b.RedirectURIs) &&
		slices.Equal(a.AllowedClaims, b.AllowedClaims) && a.AuthMethod == b.AuthMethod && bytes.Equal(a.JWKS, b.JWKS) &&
		a.SecretHash == b.SecretHash && a.Disabled == b.Disabled && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func TestRotateSecret(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	secret, err := f.registry.RotateSecret(ctx, secretClient)
	if err != nil {
		t.Fatal(err)
	}
	if secret == f.secret {
		t.Fatal("rotation returned the old secret")
	}
	rp, _ := f.store.GetRelyingParty(ctx, secretClient)
	if rp.SecretHash != SecretHash(testMAC, secretClient, secret) {
		t.Error("new secret does not verify")
	}
	if rp.SecretHash == SecretHash(testMAC, secretClient, f.secret) {
		t.Error("old secret still verifies")
	}
	for _, tc := range []struct {
		id   string
		want error
	}{
		{jwtClient, ErrInvalid},
		{publicClient, ErrInvalid},
		{"none.example", ErrNotFound},
	} {
		if _, err := f.registry.RotateSecret(ctx, tc.id); !errors.Is(err, tc.want) {
			t.Errorf("RotateSecret(%s) = %v, want %v", tc.id, err, tc.want)
		}
	}
	g := &Registry{Store: f.store, Rand: errReader{}, MAC: testMAC}
	if _, err := g.RotateSecret(ctx, secretClient); err == nil {
		t.Error("rotation without randomness succeeded")
	}
}

func TestDisableEnable(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, step := range []struct {
		op   func(context.Context, string) error
		id   string
		want bool
		err  error
	}{
		{f.registry.Disable, secretClient, true, nil},
		{f.registry.Disable, secretClient, true, nil}, // idempotent
		{f.registry.Enable, secretClient, false, nil},
		{f.registry.Disable, "none.example", false, ErrNotFound},
		{f.registry.Enable, "none.example", false, ErrNotFound},
	} {
		if err := step.op(ctx, step.id); !errors.Is(err, step.err) {
			t.Fatalf("err = %v, want %v", err, step.err)
		}
		if step.err != nil {
			continue
		}
		rp, _ := f.registry.Get(ctx, step.id)
		if rp.Disabled != step.want {
			t.Fatalf("Disabled = %v, want %v", rp.Disabled, step.want)
		}
	}
}

func TestList(t *testing.T) {
	f := newFixture(t)
	rps, err := f.registry.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, rp := range rps {
		ids = append(ids, rp.ID)
	}
	if want := []string{publicClient, jwtClient, offClient, secretClient}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
}

// TestInPersonBasis: an in-person relying party's legal basis must name
// its kind, at registration and update; other categories' need not.
func TestInPersonBasis(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	reg := func(id, category, basis string) Registration {
		return Registration{ID: id, Name: "核验点 " + id, Category: category, LegalBasis: basis, AuthMethod: storage.AuthClientSecret}
	}
	if _, _, err := f.registry.Register(ctx, reg("hotel-ok", storage.CategoryInPerson, "hotel: 旅馆业治安管理办法")); err != nil {
		t.Fatalf("a named kind: %v", err)
	}
	_, _, err := f.registry.Register(ctx, reg("hotel-bad", storage.CategoryInPerson, "旅馆业治安管理办法"))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || !strings.HasPrefix(ve.Problems[0], "legal_basis: ") {
		t.Fatalf("no kind: %v", err)
	}
	if _, _, err := f.registry.Register(ctx, Registration{ID: "web-x", Name: "Web", Category: storage.CategoryInternetService,
		LegalBasis: "网络安全法", Domains: []string{"web.example"}, RedirectURIs: []string{"https://web.example/cb"}, AuthMethod: storage.AuthClientSecret}); err != nil {
		t.Fatalf("an internet service's legal basis is not a kind: %v", err)
	}
	if _, err := f.registry.Update(ctx, "hotel-ok", func(r *Registration) error { r.LegalBasis = "随便"; return nil }); !errors.As(err, &ve) {
		t.Fatalf("update to no kind: %v", err)
	}
}

func TestInPersonKindOf(t *testing.T) {
	tests := []struct {
		name     string
		category string
		basis    string
		want     InPersonKind
		err      error
	}{
		{"hotel", storage.CategoryInPerson, "hotel: 《旅馆业治安管理办法》", KindHotel, nil},
		{"full-width colon", storage.CategoryInPerson, "transport：铁路旅客实名制", KindTransport, nil},
		{"spaces", storage.CategoryInPerson, "  counter :政务", KindCounter, nil},
		{"age check", storage.CategoryInPerson, "age_check: 未成年人保护法", KindAgeCheck, nil},
		{"no legal basis", storage.CategoryInPerson, "", KindAgeCheck, nil},
		{"unknown kind", storage.CategoryInPerson, "casino: x", "", ErrNotInPerson},
		{"no kind", storage.CategoryInPerson, "旅馆业治安管理办法", "", ErrNotInPerson},
		{"case matters", storage.CategoryInPerson, "Hotel: x", "", ErrNotInPerson},
		{"internet service", storage.CategoryInternetService, "hotel: x", "", ErrNotInPerson},
		{"no category", "", "", "", ErrNotInPerson},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := InPersonKindOf(storage.RelyingParty{Category: tt.category, LegalBasis: tt.basis})
			if k != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("InPersonKindOf = %q, %v; want %q, %v", k, err, tt.want, tt.err)
			}
		})
	}
}

func FuzzInPersonKindOf(f *testing.F) {
	for _, s := range []string{"", "hotel: x", "transport：y", "age_check", ":", "：", "\xff:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, basis string) {
		k, err := InPersonKindOf(storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: basis})
		if err != nil {
			if !errors.Is(err, ErrNotInPerson) || k != "" {
				t.Fatalf("InPersonKindOf(%q) = %q, %v", basis, k, err)
			}
			return
		}
		if !slices.Contains(InPersonKinds, k) {
			t.Fatalf("InPersonKindOf(%q) = unknown kind %q", basis, k)
		}
	})
}
