package suite

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	for _, s := range All() {
		got, err := Parse(string(s.Name()))
		if err != nil || got != s || !got.Valid() || got.String() != string(s.Name()) {
			t.Errorf("Parse(%q) = %v, %v", s.Name(), got, err)
		}
	}
	for _, bad := range []string{"", "SM", "ES256", "sm2", "es256 ", "rs256"} {
		if s, err := Parse(bad); !errors.Is(err, ErrUnknown) || s.Valid() {
			t.Errorf("Parse(%q) = %v, %v, want ErrUnknown", bad, s, err)
		}
	}
	if (Suite{}).Valid() || (Suite{}).Name() != "" {
		t.Error("the zero Suite is valid")
	}
}

// TestSM3Vectors: the examples of GB/T 32905-2016 Annex A, through the
// SM suite's hash.
func TestSM3Vectors(t *testing.T) {
	for _, v := range []struct{ in, want string }{
		{"abc", "66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0"},
		{strings.Repeat("abcd", 16), "debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732"},
	} {
		if got := SM.Sum([]byte(v.in)); !bytes.Equal(got, unhex(t, v.want)) {
			t.Errorf("SM3(%q) = %x", v.in, got)
		}
	}
	if SM.SDAlg() != "sm3" || ES256.SDAlg() != "sha-256" {
		t.Error("_sd_alg names")
	}
	if got, want := ES256.Sum([]byte("abc")), sha256.Sum256([]byte("abc")); !bytes.Equal(got, want[:]) {
		t.Error("ES256 suite's hash is not SHA-256")
	}
}

// TestSM4Vectors: the example of GB/T 32907-2016 Annex A, once and
// 1,000,000 times.
func TestSM4Vectors(t *testing.T) {
	key := unhex(t, "0123456789abcdeffedcba9876543210")
	block, err := sm4.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	buf := bytes.Clone(key) // the plaintext is the key
	block.Encrypt(buf, buf)
	if want := unhex(t, "681edf34d206965e86b3e94f536e4246"); !bytes.Equal(buf, want) {
		t.Fatalf("SM4 example = %x", buf)
	}
	if testing.Short() {
		t.Skip("the 1,000,000-iteration example in -short")
	}
	copy(buf, key)
	for range 1_000_000 {
		block.Encrypt(buf, buf)
	}
	if want := unhex(t, "595298c7c6fd271f0402f804c33d3f66"); !bytes.Equal(buf, want) {
		t.Fatalf("SM4 after 1,000,000 encryptions = %x", buf)
	}
}

// TestSM4GCMVectors: GB/T 36624-2018 Annex C.5, through the SM suite's
// sealing cipher.
func TestSM4GCMVectors(t *testing.T) {
	for _, v := range []struct{ key, nonce, pt, aad, out string }{
		{"00000000000000000000000000000000", "000000000000000000000000", "", "", "232f0cfe308b49ea6fc88229b5dc858d"},
		{"00000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "",
			"7de2aa7f1110188218063be1bfeb6d89 b851b5f39493752be508f1bb4482c557"},
	} {
		aead, err := SM.NewAEAD(unhex(t, v.key))
		if err != nil {
			t.Fatal(err)
		}
		got := aead.Seal(nil, unhex(t, v.nonce), unhex(t, v.pt), unhex(t, v.aad))
		if !bytes.Equal(got, unhex(t, v.out)) {
			t.Errorf("SM4-GCM = %x, want %s", got, v.out)
		}
	}
}

func TestAEAD(t *testing.T) {
	for _, s := range All() {
		key := make([]byte, s.AEADKeySize())
		rand.Read(key)
		aead, err := s.NewAEAD(key)
		if err != nil {
			t.Fatal(err)
		}
		if aead.NonceSize() != 12 || aead.Overhead() != 16 {
			t.Fatalf("%s: nonce %d, tag %d", s, aead.NonceSize(), aead.Overhead())
		}
		nonce := make([]byte, 12)
		ct := aead.Seal(nil, nonce, []byte("personal data"), []byte("person:1"))
		if pt, err := aead.Open(nil, nonce, ct, []byte("person:1")); err != nil || string(pt) != "personal data" {
			t.Fatalf("%s: Open = %q, %v", s, pt, err)
		}
		for i := range ct {
			bad := bytes.Clone(ct)
			bad[i] ^= 0x80
			if _, err := aead.Open(nil, nonce, bad, []byte("person:1")); err == nil {
				t.Fatalf("%s: byte %d changed opens", s, i)
			}
		}
		if _, err := aead.Open(nil, nonce, ct, []byte("person:2")); err == nil {
			t.Fatalf("%s: other additional data opens", s)
		}
		if _, err := s.NewAEAD(key[1:]); err == nil {
			t.Fatalf("%s: a short key is accepted", s)
		}
	}
	if SM.AEAD() != "SM4-GCM" || SM.AEADKeySize() != 16 || ES256.AEAD() != "AES-256-GCM" || ES256.AEADKeySize() != 32 {
		t.Error("sealing cipher names or key sizes")
	}
}

// hmacByHand is RFC 2104 written out, independent of crypto/hmac.
func hmacByHand(newHash func() hash.Hash, key, msg []byte) []byte {
	const block = 64 // SHA-256 and SM3 both
	if len(key) > block {
		h := newHash()
		h.Write(key)
		key = h.Sum(nil)
	}
	k := make([]byte, block)
	copy(k, key)
	inner, outer := newHash(), newHash()
	for i := range k {
		inner.Write([]byte{k[i] ^ 0x36})
		outer.Write([]byte{k[i] ^ 0x5c})
	}
	inner.Write(msg)
	outer.Write(inner.Sum(nil))
	return outer.Sum(nil)
}

// TestHMACSM3: no national standard publishes HMAC-SM3 examples. The MAC
// is checked against RFC 2104 written out with SM3, for keys shorter than,
// as long as and longer than SM3's 64-byte block, and against values
// computed independently with OpenSSL 3.0's SM3 (Python's hmac over
// hashlib.new("sm3")) for RFC 4231 test case 2's message.
func TestHMACSM3(t *testing.T) {
	msg := []byte("what do ya want for nothing?")
	for _, v := range []struct {
		key  []byte
		want string
	}{
		{[]byte("Jefe"), "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882"},
		{bytes.Repeat([]byte{0xaa}, 32), "c76f898d5663588f539767541545893bc1c7dde3627202a521b7588a0dbaabfe"},
		{bytes.Repeat([]byte{0xaa}, 64), "f531e3c1225a972e096cc5232c91568140403951725de31a4dcd2be4857e2337"},
		{bytes.Repeat([]byte{0xaa}, 65), "b142652e92db2c325e64c56191eff2c2bc57679d2033c0e54b9434d27db0ab0a"},
		{bytes.Repeat([]byte{0xaa}, 131), "ef33db025d64cfc09aaeb9597d235612cd7fde238538aa6353ff4e2644124e9f"},
	} {
		m := SM.NewMAC(v.key)
		m.Write(msg)
		got := m.Sum(nil)
		if !bytes.Equal(got, hmacByHand(sm3.New, v.key, msg)) {
			t.Errorf("HMAC-SM3 with a %d-byte key differs from RFC 2104 by hand", len(v.key))
		}
		if hex.EncodeToString(got) != v.want {
			t.Errorf("HMAC-SM3 with a %d-byte key = %x, want %s", len(v.key), got, v.want)
		}
	}
	// The ES256 suite's MAC is HMAC-SHA256: RFC 4231 test case 2.
	e := ES256.NewMAC([]byte("Jefe"))
	e.Write(msg)
	if got := hex.EncodeToString(e.Sum(nil)); got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Errorf("HMAC-SHA256 = %s", got)
	}
}

func TestDerive(t *testing.T) {
	master := bytes.Repeat([]byte{1}, 32)
	for _, s := range All() {
		a, b := s.Derive(master, "a", 32), s.Derive(master, "b", 32)
		if bytes.Equal(a, b) || len(a) != 32 || !bytes.Equal(a, s.Derive(master, "a", 32)) {
			t.Errorf("%s: Derive not a function of purpose", s)
		}
		if k := s.Derive(master, "a", s.AEADKeySize()); len(k) != s.AEADKeySize() {
			t.Errorf("%s: Derive length", s)
		}
	}
	if bytes.Equal(SM.Derive(master, "a", 32), ES256.Derive(master, "a", 32)) {
		t.Error("the suites derive the same key")
	}
}

// TestSigning: each suite's keys sign tokens that verify under its
// allow-list and not under the other's.
func TestSigning(t *testing.T) {
	for _, s := range All() {
		key, err := s.GenerateSigningKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.SigningPublicKey(key); !ok {
			t.Fatalf("%s: its own key is not a signing key", s)
		}
		tok, err := jws.Sign(key, "netid-test+jwt", "k", []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := jws.Verify(tok, jws.Expect{Typ: "netid-test+jwt", Algorithms: s.Algorithms(), Keys: jws.PublicKey(key.Public())})
		if err != nil || h.Alg != s.SignatureAlgorithm() {
			t.Fatalf("%s: Verify = %+v, %v", s, h, err)
		}
		for _, other := range All() {
			if other == s {
				continue
			}
			if _, _, err := jws.Verify(tok, jws.Expect{Typ: "netid-test+jwt", Algorithms: other.Algorithms(), Keys: jws.PublicKey(key.Public())}); !errors.Is(err, jws.ErrAlgorithm) {
				t.Errorf("%s token under %s: %v, want ErrAlgorithm", s, other, err)
			}
			if _, ok := other.SigningPublicKey(key.Public()); ok {
				t.Errorf("%s key is a %s signing key", s, other)
			}
			if _, err := other.Thumbprint(key.Public()); err == nil {
				t.Errorf("%s thumbprints a %s key", other, s)
			}
		}
		kid, err := s.KeyID(key.Public())
		if err != nil || len(kid) != 43 {
			t.Fatalf("%s: KeyID = %q, %v", s, kid, err)
		}
	}
	// The ES256 thumbprint is go-jose's RFC 7638 SHA-256 one.
	key, _ := ES256.GenerateSigningKey(rand.Reader)
	want, _ := (&jose.JSONWebKey{Key: key.Public()}).Thumbprint(crypto.SHA256)
	if got, _ := ES256.Thumbprint(key.Public()); !bytes.Equal(got, want) {
		t.Error("ES256 thumbprint differs from go-jose's")
	}
}

// Each suite's holder keys are its own: generated, accepted, parsed from a
// JWK, and the other suite's refused.
func TestSuiteHolderKeys(t *testing.T) {
	keys := map[Name]*ecdsa.PrivateKey{}
	for _, st := range All() {
		k, err := st.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys[st.Name()] = k
	}
	for _, st := range All() {
		for name, k := range keys {
			own := name == st.Name()
			jwk, err := jws.JWK{Key: &k.PublicKey}.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			for what, key := range map[string]any{
				"public": &k.PublicKey, "private": k, "JWK": &jose.JSONWebKey{Key: &k.PublicKey}, "jws.JWK": jws.JWK{Key: &k.PublicKey},
			} {
				if pub, ok := st.PublicKey(key); ok != own || (own && !pub.Equal(&k.PublicKey)) {
					t.Errorf("%s.PublicKey(%s %s key) = %v", st, what, name, ok)
				}
			}
			_, pub, err := st.ParsePublicJWK(jwk)
			switch {
			case own && (err != nil || !pub.Equal(&k.PublicKey)):
				t.Errorf("%s.ParsePublicJWK(its own key): %v", st, err)
			case !own && !errors.Is(err, ErrKey):
				t.Errorf("%s.ParsePublicJWK(a %s key) = %v, want ErrKey", st, name, err)
			}
			if got, ok := OfKey(k); !ok || got.Name() != name {
				t.Errorf("OfKey(%s key) = %s", name, got)
			}
		}
		// The key signs in the suite's algorithm.
		tok, err := jws.Sign(keys[st.Name()], "t", "", []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := jws.Verify(tok, jws.Expect{Typ: "t", Algorithms: st.Algorithms(), Keys: jws.PublicKey(&keys[st.Name()].PublicKey)})
		if err != nil || h.Alg != st.SignatureAlgorithm() {
			t.Errorf("%s key signs %s: %v", st, h.Alg, err)
		}
	}
	if _, ok := OfKey(nil); ok {
		t.Error("OfKey(nil)")
	}
	if (Suite{}).Or(SM) != SM || ES256.Or(SM) != ES256 {
		t.Error("Or")
	}
}

// KeyID names a key in its own suite's hash, whatever the caller's suite.
func TestKeyIDOfKey(t *testing.T) {
	for _, st := range All() {
		k, err := st.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.KeyID(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []any{k, &k.PublicKey, &jose.JSONWebKey{Key: &k.PublicKey}} {
			if got, err := KeyID(key); err != nil || got != want {
				t.Errorf("%s: KeyID = %q, %v, want %q", st, got, err, want)
			}
		}
	}
	if _, err := KeyID(&jose.JSONWebKey{Key: []byte("k")}); !errors.Is(err, ErrKey) {
		t.Errorf("KeyID(a symmetric key) = %v", err)
	}
}

// TestLookups: each suite is found by its signature algorithm and its
// _sd_alg, and nothing else is.
func TestLookups(t *testing.T) {
	for _, s := range All() {
		if got, ok := ForAlgorithm(s.SignatureAlgorithm()); !ok || got != s {
			t.Errorf("ForAlgorithm(%s) = %v, %v", s.SignatureAlgorithm(), got, ok)
		}
		if got, ok := ForSDAlg(s.SDAlg()); !ok || got != s {
			t.Errorf("ForSDAlg(%s) = %v, %v", s.SDAlg(), got, ok)
		}
	}
	for _, bad := range []string{"", "SHA-256", "sha256", "SM3", "sha-384", "sm2"} {
		if s, ok := ForSDAlg(bad); ok || s.Valid() {
			t.Errorf("ForSDAlg(%q) = %v", bad, s)
		}
	}
	for _, bad := range []jws.Algorithm{"", "RS256", "sm2", "ES384", "none"} {
		if s, ok := ForAlgorithm(bad); ok || s.Valid() {
			t.Errorf("ForAlgorithm(%q) = %v", bad, s)
		}
	}
}

// TestSumString: SumString is Sum, for inputs shorter than, equal to and
// longer than its buffer, and is SHA-256 or SM3 themselves.
func TestSumString(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 513, 4000} {
		in := strings.Repeat("a~b.", n/4+1)[:n]
		for _, s := range All() {
			got := s.SumString(in)
			if !bytes.Equal(got[:], s.Sum([]byte(in))) {
				t.Errorf("%s: SumString of %d bytes differs from Sum", s, n)
			}
		}
		if got, want := ES256.SumString(in), sha256.Sum256([]byte(in)); got != want {
			t.Errorf("es256 SumString of %d bytes is not SHA-256", n)
		}
		if got, want := SM.SumString(in), sm3.Sum([]byte(in)); got != want {
			t.Errorf("sm SumString of %d bytes is not SM3", n)
		}
	}
}
