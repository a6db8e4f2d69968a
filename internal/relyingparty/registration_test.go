package relyingparty

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// fields returns the field part ("domains[1]") of each problem of err.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v does not wrap ErrInvalid", err)
	}
	ve, ok := errors.AsType[*ValidationError](err)
	if !ok {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	var out []string
	for _, p := range ve.Problems {
		f, _, _ := strings.Cut(p, ":")
		out = append(out, f)
	}
	return out
}

func TestValidate(t *testing.T) {
	key := newKey(t)
	good := Registration{
		ID: "shop.example", Name: "Shop 商城", Category: storage.CategoryInternetService,
		Domains: []string{"shop.example", "www.shop.example"}, RedirectURIs: []string{"https://shop.example/cb"},
		AllowedClaims: []string{"age_over_18", "wanghao"}, AuthMethod: storage.AuthClientSecret,
	}
	jwt := good
	jwt.AuthMethod, jwt.JWKS = storage.AuthPrivateKeyJWT, jwksOf(t, key)
	public := good
	public.AuthMethod = storage.AuthNone

	tests := []struct {
		name string
		base Registration
		edit func(r *Registration)
		want []string // fields with problems; nil = valid
	}{
		{"valid secret client", good, func(r *Registration) {}, nil},
		{"valid jwt client", jwt, func(r *Registration) {}, nil},
		{"valid public client", public, func(r *Registration) {}, nil},
		{"valid in person, no domains", good, func(r *Registration) {
			r.Category, r.Domains, r.RedirectURIs = storage.CategoryInPerson, nil, nil
		}, nil},
		{"valid sector", good, func(r *Registration) { r.Sector = "shop-group" }, nil},
		{"valid given secret", good, func(r *Registration) { r.Secret = strings.Repeat("A", 43) }, nil},
		{"valid plaintext with legal basis", good, func(r *Registration) {
			r.LegalBasis, r.AllowedClaims = "Cybersecurity Law art. 24", []string{"name", "document_number", "nationality"}
		}, nil},
		{"valid IDN domain", good, func(r *Registration) {
			r.Domains = []string{"xn--fsqu00a.xn--fiqs8s"}
			r.RedirectURIs = []string{"https://xn--fsqu00a.xn--fiqs8s/cb?x=1"}
		}, nil},
		{"valid loopback redirects", good, func(r *Registration) {
			r.RedirectURIs = []string{"http://127.0.0.1:8080/cb", "http://[::1]/cb", "http://localhost:3000/cb", "https://localhost/cb"}
		}, nil},
		{"valid photo for an in-person verifier", good, func(r *Registration) {
			r.Category, r.Domains, r.RedirectURIs = storage.CategoryInPerson, nil, nil
			r.LegalBasis, r.AllowedClaims = "hotel: 旅馆业治安管理办法", []string{"name", "photo"}
		}, nil},
		{"photo for an internet service", good, func(r *Registration) {
			r.LegalBasis, r.AllowedClaims = "Cybersecurity Law art. 24", []string{"name", "photo"}
		}, []string{"allowed_claims"}},
		{"valid always claims listed", good, func(r *Registration) { r.AllowedClaims = []string{"verified", "sub"} }, nil},

		{"id empty", good, func(r *Registration) { r.ID = "" }, []string{"id"}},
		{"id too short", good, func(r *Registration) { r.ID = "ab" }, []string{"id"}},
		{"id too long", good, func(r *Registration) { r.ID = strings.Repeat("a", 65) }, []string{"id"}},
		{"id 64 ok", good, func(r *Registration) { r.ID = strings.Repeat("a", 64) }, nil},
		{"id upper case", good, func(r *Registration) { r.ID = "Shop" }, []string{"id"}},
		{"id leading dot", good, func(r *Registration) { r.ID = ".shop" }, []string{"id"}},
		{"id slash", good, func(r *Registration) { r.ID = "shop/x" }, []string{"id"}},
		{"sector invalid", good, func(r *Registration) { r.Sector = "A B" }, []string{"sector"}},
		{"name empty", good, func(r *Registration) { r.Name = "" }, []string{"name"}},
		{"name 100 runes ok", good, func(r *Registration) { r.Name = strings.Repeat("网", 100) }, nil},
		{"name 101 runes", good, func(r *Registration) { r.Name = strings.Repeat("网", 101) }, []string{"name"}},
		{"name control", good, func(r *Registration) { r.Name = "a\nb" }, []string{"name"}},
		{"name padded", good, func(r *Registration) { r.Name = " Shop" }, []string{"name"}},
		{"name invalid utf-8", good, func(r *Registration) { r.Name = "\xff" }, []string{"name"}},
		{"category empty", good, func(r *Registration) { r.Category = "" }, []string{"category"}},
		{"category unknown", good, func(r *Registration) { r.Category = "bank" }, []string{"category"}},
		{"legal basis control", good, func(r *Registration) { r.LegalBasis = "law\x00" }, []string{"legal_basis"}},
		{"domain with scheme", good, func(r *Registration) { r.Domains = []string{"https://shop.example"} }, []string{"domains[0]", "redirect_uris[0]"}},
		{"domain upper case", good, func(r *Registration) { r.Domains = []string{"shop.example", "WWW.shop.example"} }, []string{"domains[1]"}},
		{"domain port", good, func(r *Registration) { r.Domains = []string{"shop.example", "shop.example:443"} }, []string{"domains[1]"}},
		{"domain single label", good, func(r *Registration) { r.Domains = []string{"shop.example", "localhost"} }, []string{"domains[1]"}},
		{"domain ip", good, func(r *Registration) { r.Domains = []string{"shop.example", "10.0.0.1"} }, []string{"domains[1]"}},
		{"domain trailing dot", good, func(r *Registration) { r.Domains = []string{"shop.example", "shop.example."} }, []string{"domains[1]"}},
		{"domain duplicate", good, func(r *Registration) { r.Domains = []string{"shop.example", "shop.example"} }, []string{"domains[1]"}},
		{"domain underscore", good, func(r *Registration) { r.Domains = []string{"shop.example", "a_b.example"} }, []string{"domains[1]"}},
		{"domain u-label", good, func(r *Registration) { r.Domains = []string{"shop.example", "例子.中国"} }, []string{"domains[1]"}},
		{"domain bad punycode", good, func(r *Registration) { r.Domains = []string{"shop.example", "xn--a.example"} }, []string{"domains[1]"}},
		{"domain reserved --", good, func(r *Registration) { r.Domains = []string{"shop.example", "ab--cd.example"} }, []string{"domains[1]"}},
		{"domain hyphen end", good, func(r *Registration) { r.Domains = []string{"shop.example", "shop-.example"} }, []string{"domains[1]"}},
		{"domain empty label", good, func(r *Registration) { r.Domains = []string{"shop.example", "a..example"} }, []string{"domains[1]"}},
		{"domain long label", good, func(r *Registration) { r.Domains = []string{"shop.example", strings.Repeat("a", 64) + ".example"} }, []string{"domains[1]"}},
		{"too many domains", good, func(r *Registration) {
			r.Domains = nil
			for i := range MaxDomains + 1 {
				r.Domains = append(r.Domains, "d"+strings.Repeat("x", i)+".example")
			}
			r.RedirectURIs = nil
		}, []string{"domains"}},
		{"redirect http", good, func(r *Registration) { r.RedirectURIs = []string{"http://shop.example/cb"} }, []string{"redirect_uris[0]"}},
		{"redirect other host", good, func(r *Registration) { r.RedirectURIs = []string{"https://evil.example/cb"} }, []string{"redirect_uris[0]"}},
		{"redirect subdomain not listed", good, func(r *Registration) { r.RedirectURIs = []string{"https://a.shop.example/cb"} }, []string{"redirect_uris[0]"}},
		{"redirect fragment", good, func(r *Registration) { r.RedirectURIs = []string{"https://shop.example/cb#x"} }, []string{"redirect_uris[0]"}},
		{"redirect empty fragment", good, func(r *Registration) { r.RedirectURIs = []string{"https://shop.example/cb#"} }, []string{"redirect_uris[0]"}},
		{"redirect relative", good, func(r *Registration) { r.RedirectURIs = []string{"/cb"} }, []string{"redirect_uris[0]"}},
		{"redirect custom scheme", good, func(r *Registration) { r.RedirectURIs = []string{"com.shop:/cb"} }, []string{"redirect_uris[0]"}},
		{"redirect userinfo", good, func(r *Registration) { r.RedirectURIs = []string{"https://u@shop.example/cb"} }, []string{"redirect_uris[0]"}},
		{"redirect upper host", good, func(r *Registration) { r.RedirectURIs = []string{"https://SHOP.example/cb"} }, []string{"redirect_uris[0]"}},
		{"redirect bad port", good, func(r *Registration) { r.RedirectURIs = []string{"https://shop.example:99999/cb"} }, []string{"redirect_uris[0]"}},
		{"redirect space", good, func(r *Registration) { r.RedirectURIs = []string{"https://shop.example/c b"} }, []string{"redirect_uris[0]"}},
		{"redirect duplicate", good, func(r *Registration) {
			r.RedirectURIs = []string{"https://shop.example/cb", "https://shop.example/cb"}
		}, []string{"redirect_uris[1]"}},
		{"redirect http loopback lookalike", good, func(r *Registration) { r.RedirectURIs = []string{"http://127.0.0.2/cb"} }, []string{"redirect_uris[0]"}},
		{"claim unknown", good, func(r *Registration) { r.AllowedClaims = []string{"age_over_21"} }, []string{"allowed_claims[0]"}},
		{"claim duplicate", good, func(r *Registration) { r.AllowedClaims = []string{"age_band", "age_band"} }, []string{"allowed_claims[1]"}},
		{"plaintext without legal basis", good, func(r *Registration) { r.AllowedClaims = []string{"age_band", "birthdate"} }, []string{"allowed_claims[1]"}},
		{"auth method empty", good, func(r *Registration) { r.AuthMethod = "" }, []string{"auth_method"}},
		{"auth method post", good, func(r *Registration) { r.AuthMethod = "client_secret_post" }, []string{"auth_method"}},
		{"jwt without jwks", jwt, func(r *Registration) { r.JWKS = nil }, []string{"jwks"}},
		{"jwt with secret", jwt, func(r *Registration) { r.Secret = strings.Repeat("A", 43) }, []string{"secret"}},
		{"jwt bad jwks", jwt, func(r *Registration) { r.JWKS = json.RawMessage(`{"keys":[]}`) }, []string{"jwks"}},
		{"secret client with jwks", good, func(r *Registration) { r.JWKS = jwksOf(t, key) }, []string{"jwks"}},
		{"secret short", good, func(r *Registration) { r.Secret = strings.Repeat("A", 42) }, []string{"secret"}},
		{"secret not base64url", good, func(r *Registration) { r.Secret = strings.Repeat("+", 44) }, []string{"secret"}},
		{"public without redirect", public, func(r *Registration) { r.RedirectURIs = nil }, []string{"redirect_uris"}},
		{"public with jwks and secret", public, func(r *Registration) {
			r.JWKS, r.Secret = jwksOf(t, key), strings.Repeat("A", 43)
		}, []string{"jwks", "secret"}},
		{"every problem at once", good, func(r *Registration) {
			*r = Registration{ID: "X", AllowedClaims: []string{"name"}, RedirectURIs: []string{"ftp://x"}}
		}, []string{"id", "name", "category", "redirect_uris[0]", "allowed_claims[0]", "auth_method"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.base
			r.Domains = slices.Clone(r.Domains)
			r.RedirectURIs = slices.Clone(r.RedirectURIs)
			tc.edit(&r)
			got := fields(t, r.Validate())
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems in %v, want %v (%v)", got, tc.want, r.Validate())
			}
		})
	}
}

func TestValidationErrorNamesNoValues(t *testing.T) {
	r := Registration{ID: "secret-value-1", Name: "n", Category: "c", Domains: []string{"SECRET.example"},
		RedirectURIs: []string{"https://secret.example/path-value"}, AuthMethod: storage.AuthNone}
	err := r.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, v := range []string{"SECRET", "path-value"} {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error %q repeats the value %q", err, v)
		}
	}
}

func TestClaims(t *testing.T) {
	for _, tc := range []struct {
		claim            string
		known, plaintext bool
	}{
		{"verified", true, false},
		{"sub", true, false},
		{"wanghao", true, false},
		{"age_over_14", true, false},
		{"age_over_16", true, false},
		{"age_over_18", true, false},
		{"age_over_60", true, false},
		{"age_band", true, false},
		{"name", true, true},
		{"sex", true, true},
		{"birthdate", true, true},
		{"document_type", true, true},
		{"document_number", true, true},
		{"document_valid_until", true, true},
		{"nationality", true, true},
		{"photo", true, true},
		{"", false, false},
		{"Name", false, false},
		{"age_over_21", false, false},
		{"address", false, false},
	} {
		if got := Known(tc.claim); got != tc.known {
			t.Errorf("Known(%q) = %v", tc.claim, got)
		}
		if got := IsPlaintext(tc.claim); got != tc.plaintext {
			t.Errorf("IsPlaintext(%q) = %v", tc.claim, got)
		}
	}
	if len(Claims()) != 16 {
		t.Errorf("Claims() has %d names, want 16", len(Claims()))
	}
	if !InPersonOnly("photo") || InPersonOnly("name") {
		t.Error("InPersonOnly")
	}
	c := Claims()
	c[0] = "changed"
	if Claims()[0] != ClaimVerified {
		t.Error("Claims() returned the package's own slice")
	}
	if got := canonicalClaims([]string{"name", "age_band", "bogus", "age_band"}); !slices.Equal(got, []string{"verified", "sub", "age_band", "name"}) {
		t.Errorf("canonicalClaims = %v", got)
	}
}

func TestPunycode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"fsqu00a", "例子"},
		{"fiqs8s", "中国"},
		{"mnchen-3ya", "münchen"},
		{"bcher-kva", "bücher"},
		{"ihqwcrb4cv8a8dqg056pqjye", "他们为什么不说中文"},
		{"b1abfaaepdrnnbgefbadotcwatmq2g4l", "почемужеонинеговорятпорусски"},
	} {
		got, err := punycodeDecode(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("punycodeDecode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"a-", "99999999999", "a-!", "ü-a", "-"} {
		if got, err := punycodeDecode(bad); err == nil {
			t.Errorf("punycodeDecode(%q) = %q, want an error", bad, got)
		}
	}
}

func TestParseJWKS(t *testing.T) {
	key := newKey(t)
	pub := func(extra string) string {
		set := jwksOf(t, key)
		var m struct{ Keys []map[string]any }
		if err := json.Unmarshal(set, &m); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m.Keys[0])
		return strings.TrimSuffix(string(b), "}") + extra + "}"
	}
	priv, err := json.Marshal(jwkOfPrivate(t, key))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d := `"` + b64(raw) + `"`
	for _, tc := range []struct {
		name, set string
		ok        bool
	}{
		{"good", `{"keys":[` + pub("") + `]}`, true},
		{"two keys", string(jwksOf(t, key, newKey(t))), true},
		{"private key", `{"keys":[` + string(priv) + `]}`, false},
		{"d member", `{"keys":[` + pub(`,"d":`+d) + `]}`, false},
		{"D member", `{"keys":[` + pub(`,"D":`+d) + `]}`, false},
		{"kelvin k member", `{"keys":[` + pub(`,"`+"\u212a"+`":"AAAA"`) + `]}`, false},
		{"no kid", `{"keys":[` + strings.Replace(pub(""), `"kid":"k0"`, `"kid":""`, 1) + `]}`, false},
		{"duplicate kid", `{"keys":[` + pub("") + `,` + pub("") + `]}`, false},
		{"alg RS256", `{"keys":[` + strings.Replace(pub(""), `"alg":"ES256"`, `"alg":"RS256"`, 1) + `]}`, false},
		{"use enc", `{"keys":[` + strings.Replace(pub(""), `"use":"sig"`, `"use":"enc"`, 1) + `]}`, false},
		{"P-384", string(jwksOfP384(t)), false},
		{"symmetric", `{"keys":[{"kty":"oct","kid":"a","k":"AAAA"}]}`, false},
		{"empty", `{"keys":[]}`, false},
		{"not an object", `[]`, false},
		{"other member", `{"keys":[` + pub("") + `],"x":1}`, false},
		{"trailing", `{"keys":[` + pub("") + `]} {}`, false},
		{"repeated x", `{"keys":[` + pub(`,"x":"AAAA"`) + `]}`, false},
		{"repeated keys", `{"keys":[],"keys":[` + pub("") + `]}`, false},
		{"too many", `{"keys":[` + strings.Repeat(pub("")+",", MaxJWKSKeys) + pub("") + `]}`, false},
		{"too large", `{"keys":[` + pub(`,"x5u":"`+strings.Repeat("a", MaxJWKSBytes)+`"`) + `]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := ParseJWKS([]byte(tc.set))
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range set.Keys {
					if !k.IsPublic() {
						t.Error("a private key came through")
					}
				}
				return
			}
			if !errors.Is(err, ErrJWKS) {
				t.Fatalf("err = %v, want ErrJWKS", err)
			}
		})
	}
}
