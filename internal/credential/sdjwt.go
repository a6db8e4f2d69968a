package credential

import (
	"fmt"
	"strings"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/suite"
)

// Media types and identifiers of this profile.
const (
	// TypSDJWT is the typ of the issuer-signed JWT (SD-JWT VC §3.2.1).
	TypSDJWT = "dc+sd-jwt"
	// TypKB is the typ of the key-binding JWT (RFC 9901 §4.3).
	TypKB = "kb+jwt"
	// VCTWangzheng is the vct of the 网证.
	VCTWangzheng = "urn:netid:wangzheng:1"
)

// Limits on outside input, so a hostile SD-JWT cannot make a verifier do
// unbounded work.
const (
	// MaxLength is the longest SD-JWT (with key binding) Parse accepts.
	MaxLength = 1 << 20
	// MaxDisclosures is the most disclosures Parse accepts.
	MaxDisclosures = 1024
)

// SDJWT is the structure of an SD-JWT or SD-JWT+KB (RFC 9901 §4), split
// into its parts and with its disclosures decoded, but not verified.
type SDJWT struct {
	// JWT is the issuer-signed JWT in compact serialization.
	JWT string
	// Disclosures in the order they appear.
	Disclosures []Disclosure
	// KeyBinding is the key-binding JWT, or "" if there is none.
	KeyBinding string
}

// Disclosure is one decoded disclosure (RFC 9901 §4.2).
type Disclosure struct {
	// Encoded is the base64url form exactly as it appears in the SD-JWT.
	Encoded string
	// Digest is base64url(H(Encoded)), H the hash of the SD-JWT's
	// _sd_alg (SHA-256, or SM3 on the SM suite). Parse leaves it empty
	// (the hash is known only from the issuer-signed JWT); verification
	// and Present set it.
	Digest string
	// Salt is the disclosure's salt.
	Salt string
	// Name is the claim name; empty for an array element.
	Name string
	// ArrayElement reports a two-element [salt, value] disclosure.
	ArrayElement bool
	// Value is the disclosed value, decoded.
	Value any
}

// Parse splits an SD-JWT (`<jwt>~<d1>~…~<dn>~`) or SD-JWT+KB
// (`<jwt>~<d1>~…~<dn>~<kb-jwt>`) into its parts and decodes every
// disclosure. It rejects anything malformed with an error wrapping
// ErrMalformed, but checks no signature and no digest references; see
// Verify and VerifyPresentation for that.
func Parse(s string) (*SDJWT, error) {
	if len(s) > MaxLength {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLength)
	}
	parts := strings.Split(s, "~")
	if len(parts) < 2 {
		return nil, fmt.Errorf("%w: no '~' separator", ErrMalformed)
	}
	if len(parts)-2 > MaxDisclosures {
		return nil, fmt.Errorf("%w: more than %d disclosures", ErrMalformed, MaxDisclosures)
	}
	out := &SDJWT{JWT: parts[0], KeyBinding: parts[len(parts)-1]}
	if err := checkCompact(out.JWT); err != nil {
		return nil, fmt.Errorf("%w: issuer-signed JWT: %w", ErrMalformed, err)
	}
	if out.KeyBinding != "" {
		if err := checkCompact(out.KeyBinding); err != nil {
			return nil, fmt.Errorf("%w: key-binding JWT: %w", ErrMalformed, err)
		}
	}
	out.Disclosures = make([]Disclosure, 0, len(parts)-2)
	var seen map[string]bool // the digests so far, once there are many
	for i, p := range parts[1 : len(parts)-1] {
		if p == "" {
			return nil, fmt.Errorf("%w: disclosure %d is empty", ErrMalformed, i)
		}
		d, err := decodeDisclosure(p)
		if err != nil {
			return nil, fmt.Errorf("%w: disclosure %d: %w", ErrMalformed, i, err)
		}
		if repeats(out.Disclosures, &seen, d.Encoded) {
			return nil, fmt.Errorf("%w: disclosure %d repeats an earlier disclosure", ErrMalformed, i)
		}
		out.Disclosures = append(out.Disclosures, d)
	}
	return out, nil
}

// String serializes s; for a parsed SD-JWT it returns the parsed string.
func (s *SDJWT) String() string {
	var b strings.Builder
	b.WriteString(s.JWT)
	b.WriteByte('~')
	for _, d := range s.Disclosures {
		b.WriteString(d.Encoded)
		b.WriteByte('~')
	}
	b.WriteString(s.KeyBinding)
	return b.String()
}

// repeats reports whether an earlier disclosure, one of ds, is enc (and
// so has its digest, whatever the hash): it compares with each while there
// are few, then keeps them in *seen.
func repeats(ds []Disclosure, seen *map[string]bool, enc string) bool {
	if len(ds) < smallSet {
		for i := range ds {
			if ds[i].Encoded == enc {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]bool, 4*smallSet)
		for i := range ds {
			(*seen)[ds[i].Encoded] = true
		}
	}
	if (*seen)[enc] {
		return true
	}
	(*seen)[enc] = true
	return false
}

// setDigests sets the Digest of every disclosure of s under the hash of
// st, the suite whose _sd_alg the SD-JWT names.
func (s *SDJWT) setDigests(st suite.Suite) {
	for i := range s.Disclosures {
		s.Disclosures[i].Digest = digest(st, s.Disclosures[i].Encoded)
	}
}

// checkCompact checks the shape of a compact JWS: three non-empty strict
// base64url parts.
func checkCompact(s string) error {
	if s == "" {
		return fmt.Errorf("empty")
	}
	if n := strings.Count(s, ".") + 1; n != 3 {
		return fmt.Errorf("want 3 dot-separated parts, got %d", n)
	}
	for i := range 3 {
		p, rest, _ := strings.Cut(s, ".")
		if p == "" {
			return fmt.Errorf("part %d is empty", i)
		}
		if !validB64(p) {
			return fmt.Errorf("part %d: bad base64url", i)
		}
		s = rest
	}
	return nil
}

// validB64 reports whether jws.B64 decodes s, without decoding it: the
// token's parts are decoded once, when its signature is checked. Strict
// unpadded base64url is characters of its alphabet, a length that is not
// 1 modulo 4, and no bits set past the last whole byte.
func validB64(s string) bool {
	for i := 0; i < len(s); i++ {
		if b64Values[s[i]] < 0 {
			if s[i] == '\r' || s[i] == '\n' {
				// The decoder skips line breaks; leave that to it.
				_, err := jws.B64.DecodeString(s)
				return err == nil
			}
			return false
		}
	}
	switch len(s) % 4 {
	case 1:
		return false
	case 2:
		return b64Values[s[len(s)-1]]&0x0f == 0
	case 3:
		return b64Values[s[len(s)-1]]&0x03 == 0
	}
	return true
}

// b64Values is the value of each byte as a base64url character, or -1.
var b64Values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(alphabet) {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// digest returns base64url(H(ASCII(encoded))) (RFC 9901 §4.2.3), H the
// hash of st: SHA-256 or SM3.
func digest(st suite.Suite, encoded string) string {
	sum := st.SumString(encoded)
	var b [43]byte // unpadded base64url of 32 bytes
	jws.B64.Encode(b[:], sum[:])
	return string(b[:])
}

func decodeDisclosure(encoded string) (Disclosure, error) {
	raw, err := jws.B64.DecodeString(encoded)
	if err != nil {
		return Disclosure{}, fmt.Errorf("bad base64url")
	}
	v, err := strictjson.Decode(raw)
	if err != nil {
		return Disclosure{}, err
	}
	arr, ok := v.([]any)
	if !ok {
		return Disclosure{}, fmt.Errorf("not a JSON array")
	}
	d := Disclosure{Encoded: encoded}
	switch len(arr) {
	case 3:
		if d.Name, ok = arr[1].(string); !ok {
			return Disclosure{}, fmt.Errorf("claim name is not a string")
		}
		if d.Name == "_sd" || d.Name == "..." {
			return Disclosure{}, fmt.Errorf("reserved claim name %q", d.Name)
		}
		d.Value = arr[2]
	case 2:
		d.ArrayElement = true
		d.Value = arr[1]
	default:
		return Disclosure{}, fmt.Errorf("array of %d elements, want 3 (or 2 for an array element)", len(arr))
	}
	if d.Salt, ok = arr[0].(string); !ok {
		return Disclosure{}, fmt.Errorf("salt is not a string")
	}
	return d, nil
}
