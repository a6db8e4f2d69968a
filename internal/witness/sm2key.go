package witness

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// sm2PrivateJWK is the witness's SM2 key as it keeps it in KeyFile: the
// public SM2 JWK of docs/sm-profile.md §3 with the private scalar d added
// as RFC 7518 §6.2.2 adds it to an EC key (32 bytes, big-endian,
// base64url). go-jose writes and reads P-256 private keys but knows no
// SM2 curve; this form exists only in the witness's own state directory,
// never in a public document.
type sm2PrivateJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	D   string `json:"d"`
	KID string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// loadedSM2Key is a key read back from KeyFile.
type loadedSM2Key struct {
	key   *ecdsa.PrivateKey
	KeyID string
}

func marshalSM2PrivateJWK(priv *ecdsa.PrivateKey, kid string) ([]byte, error) {
	pub, err := json.Marshal(jws.SM2JWK{Key: &priv.PublicKey})
	if err != nil {
		return nil, err
	}
	var k sm2PrivateJWK
	if err := json.Unmarshal(pub, &k); err != nil {
		return nil, err
	}
	d, err := sm2Scalar(priv)
	if err != nil {
		return nil, err
	}
	k.D, k.KID, k.Alg, k.Use = base64.RawURLEncoding.EncodeToString(d), kid, string(jws.SM2), "sig"
	return json.Marshal(k)
}

// parseSM2PrivateJWK reads the SM2 private JWK m (strictly decoded): d
// must be a valid SM2 scalar whose public point is exactly x and y.
func parseSM2PrivateJWK(m map[string]any) (loadedSM2Key, error) {
	str := func(name string) (string, error) {
		v, ok := m[name].(string)
		if !ok {
			return "", fmt.Errorf("SM2 key: %s missing or not a string", name)
		}
		return v, nil
	}
	for name := range m {
		switch name {
		case "kty", "crv", "x", "y", "d", "kid", "alg", "use":
		default:
			return loadedSM2Key{}, fmt.Errorf("SM2 key: unexpected member %q", name)
		}
	}
	d64, err := str("d")
	if err != nil {
		return loadedSM2Key{}, err
	}
	d, err := base64.RawURLEncoding.Strict().DecodeString(d64)
	if err != nil || len(d) != 32 {
		return loadedSM2Key{}, errors.New("SM2 key: d is not 32 bytes of base64url")
	}
	priv, err := sm2.NewPrivateKey(d)
	if err != nil {
		return loadedSM2Key{}, errors.New("SM2 key: d is not a valid SM2 private key")
	}
	public := make(map[string]any, len(m))
	for k, v := range m {
		if k != "d" {
			public[k] = v
		}
	}
	pb, err := json.Marshal(public)
	if err != nil {
		return loadedSM2Key{}, err
	}
	pub, err := jws.ParseSM2JWK(pb)
	if err != nil {
		return loadedSM2Key{}, err
	}
	want, _ := json.Marshal(jws.SM2JWK{Key: &priv.PublicKey})
	got, _ := json.Marshal(jws.SM2JWK{Key: pub.Key})
	if !bytes.Equal(want, got) {
		return loadedSM2Key{}, errors.New("SM2 key: x and y are not d's public point")
	}
	// The kid is the key's SM3 thumbprint and alg SM2, as the witness
	// wrote them: a file naming another kid would have co-signatures
	// looked up under a key they were not made with.
	if alg, _ := m["alg"].(string); alg != string(jws.SM2) {
		return loadedSM2Key{}, errors.New("SM2 key: alg is not SM2")
	}
	kid, err := suite.KeyID(&priv.PrivateKey)
	if err != nil {
		return loadedSM2Key{}, err
	}
	if named, _ := m["kid"].(string); named != kid {
		return loadedSM2Key{}, errors.New("SM2 key: kid is not the key's thumbprint")
	}
	return loadedSM2Key{key: &priv.PrivateKey, KeyID: kid}, nil
}

// sm2Scalar is priv's private scalar, 32 bytes big-endian, read from its
// SEC 1 encoding (RFC 5915: the privateKey octet string, of the curve's
// order length) rather than from the deprecated ecdsa.PrivateKey.D.
func sm2Scalar(priv *ecdsa.PrivateKey) ([]byte, error) {
	der, err := smx509.MarshalECPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	var seq cryptobyte.String
	var version int
	var d []byte
	in := cryptobyte.String(der)
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !seq.ReadASN1Integer(&version) || version != 1 ||
		!seq.ReadASN1Bytes(&d, asn1.OCTET_STRING) || len(d) != 32 {
		return nil, errors.New("SM2 key: unreadable SEC 1 encoding")
	}
	return d, nil
}
