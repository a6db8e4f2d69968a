package audit

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
)

// signRaw signs payload under an arbitrary protected header.
func signRaw(t testing.TB, key jose.SigningKey, typ, kid, payload string) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	signer, err := jose.NewSigner(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseHead(t *testing.T) {
	key, other := newTestKey(t), newTestKey(t)
	keys := jwks(key)
	es := jose.SigningKey{Algorithm: jose.ES256, Key: cryptosigner.Opaque(key.priv)}
	hash := strings.Repeat("A", 43) // 32 zero bytes
	good := `{"seq":5,"hash":"` + hash + `","iat":1772352000}`
	// A key published under the signing key's kid but not its own.
	impostor := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &other.priv.PublicKey, KeyID: key.kid}}}

	for _, tc := range []struct {
		name string
		jws  string
		keys jose.JSONWebKeySet
		want error
	}{
		{"valid", signRaw(t, es, HeadType, key.kid, good), keys, nil},
		{"typ with application/", signRaw(t, es, "application/"+HeadType, key.kid, good), keys, nil},
		{"typ case", signRaw(t, es, "Netid-Log-Head+JWT", key.kid, good), keys, nil},
		{"wrong typ", signRaw(t, es, "JWT", key.kid, good), keys, ErrMalformedHead},
		{"no typ", signRaw(t, es, "", key.kid, good), keys, ErrMalformedHead},
		{"no kid", signRaw(t, es, HeadType, "", good), keys, ErrMalformedHead},
		{"unknown kid", signRaw(t, es, HeadType, "nope", good), keys, ErrUnknownKey},
		{"no keys", signRaw(t, es, HeadType, key.kid, good), jose.JSONWebKeySet{}, ErrUnknownKey},
		{"encryption key", signRaw(t, es, HeadType, key.kid, good),
			jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.priv.PublicKey, KeyID: key.kid, Use: "enc"}}}, ErrUnknownKey},
		{"other key, same kid", signRaw(t, es, HeadType, key.kid, good), impostor, ErrHeadSignature},
		{"HS256", signRaw(t, jose.SigningKey{Algorithm: jose.HS256, Key: bytes.Repeat([]byte{1}, 32)}, HeadType, key.kid, good), keys, ErrMalformedHead},
		{"unknown field", signRaw(t, es, HeadType, key.kid, `{"seq":5,"hash":"`+hash+`","iat":1,"x":1}`), keys, ErrMalformedHead},
		{"no iat", signRaw(t, es, HeadType, key.kid, `{"seq":5,"hash":"`+hash+`"}`), keys, ErrMalformedHead},
		{"no seq", signRaw(t, es, HeadType, key.kid, `{"hash":"`+hash+`","iat":1}`), keys, ErrMalformedHead},
		{"seq 0", signRaw(t, es, HeadType, key.kid, `{"seq":0,"hash":"`+hash+`","iat":1}`), keys, ErrMalformedHead},
		{"seq text", signRaw(t, es, HeadType, key.kid, `{"seq":"5","hash":"`+hash+`","iat":1}`), keys, ErrMalformedHead},
		{"short hash", signRaw(t, es, HeadType, key.kid, `{"seq":5,"hash":"AAAA","iat":1}`), keys, ErrMalformedHead},
		{"padded hash", signRaw(t, es, HeadType, key.kid, `{"seq":5,"hash":"`+hash+`=","iat":1}`), keys, ErrMalformedHead},
		{"non-canonical hash", signRaw(t, es, HeadType, key.kid, `{"seq":5,"hash":"`+strings.Repeat("A", 42)+`B","iat":1}`), keys, ErrMalformedHead},
		{"trailing data", signRaw(t, es, HeadType, key.kid, good+`{}`), keys, ErrMalformedHead},
		{"duplicate seq", signRaw(t, es, HeadType, key.kid, `{"seq":5,"hash":"`+hash+`","iat":1,"seq":9}`), keys, ErrMalformedHead},
		{"duplicate seq in other case", signRaw(t, es, HeadType, key.kid, `{"seq":5,"hash":"`+hash+`","iat":1,"SEQ":9}`), keys, ErrMalformedHead},
		{"not an object", signRaw(t, es, HeadType, key.kid, `[]`), keys, ErrMalformedHead},
		{"empty payload", signRaw(t, es, HeadType, key.kid, ``), keys, ErrMalformedHead},
		{"two parts", "a.b", keys, ErrMalformedHead},
		{"empty", "", keys, ErrMalformedHead},
		{"too long", strings.Repeat("a", maxHeadSize) + ".b.c", keys, ErrMalformedHead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHead(tc.jws, tc.keys)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ParseHead: %v", err)
				}
				if h.Seq != 5 || !bytes.Equal(h.Hash, make([]byte, HashSize)) || h.Time.Unix() != 1772352000 || h.Signature != tc.jws {
					t.Errorf("ParseHead = %+v", h)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("ParseHead error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSignedHeadShape(t *testing.T) {
	l, _, _ := newTestLog(t, 3, 100)
	h, err := l.SignHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	obj, err := jose.ParseSignedCompact(h.Signature, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	hdr := obj.Signatures[0].Protected
	if hdr.Algorithm != "ES256" || hdr.ExtraHeaders[jose.HeaderType] != HeadType || hdr.KeyID != l.Keys.(*testKey).kid {
		t.Errorf("header %+v", hdr)
	}
	payload := string(obj.UnsafePayloadWithoutVerification())
	want := `{"seq":3,"hash":"` + b64.EncodeToString(h.Hash) + `","iat":` + strconv.FormatInt(h.Time.Unix(), 10) + `}`
	if payload != want {
		t.Errorf("payload %s, want %s", payload, want)
	}
}

func FuzzParseHead(f *testing.F) {
	key := newTestKey(f)
	keys := jwks(key)
	l := &Log{Store: &fakeStore{}, Keys: key}
	if _, err := l.Append(context.Background(), testRecord(1)); err != nil {
		f.Fatal(err)
	}
	h, err := l.SignHead(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(h.Signature)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(h.Signature[:len(h.Signature)-2])
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHead(s, keys)
		if err != nil {
			if !errors.Is(err, ErrMalformedHead) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrHeadSignature) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		again, err := ParseHead(h.Signature, keys)
		if err != nil || again.Seq != h.Seq || !bytes.Equal(again.Hash, h.Hash) || !again.Time.Equal(h.Time) {
			t.Fatalf("re-parse: %+v, %v; want %+v", again, err, h)
		}
	})
}
