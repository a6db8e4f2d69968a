// Package proof is the wallet's side of holder proofs: the short JWS a
// wallet signs with the credential's device key for each request to the
// platform's holder routes. Package holder checks them on the platform; it
// is apart so that a wallet signs proofs without linking the platform's
// storage.
package proof

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	"github.com/netid-project/netid/internal/jws"
)

// Type is the JWS typ of a holder proof.
const Type = "netid-holder+jwt"

// Header is the HTTP header that carries a holder proof.
const Header = "Netid-Holder-Proof"

// Claims are a holder proof's claims: the request's method and absolute
// URL, when it was made, and a one-time ID. Unlike DPoP (RFC 9449), whose
// htu leaves the query out, htu here includes the query exactly as sent:
// holder routes read parameters from it (a history page's limit, a ward's
// filter), and a proof must not authorize a request its signer did not
// make.
type Claims struct {
	Method string `json:"htm"`
	URL    string `json:"htu"`
	Iat    int64  `json:"iat"`
	JTI    string `json:"jti"`
}

// Sign makes a holder proof for one request: ES256 with key, kid the
// credential ID, a random jti from rnd (nil: crypto/rand).
func Sign(key crypto.Signer, credentialID, method, url string, now time.Time, rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	id := make([]byte, 16)
	if _, err := io.ReadFull(rnd, id); err != nil {
		return "", fmt.Errorf("holder proof: randomness: %w", err)
	}
	tok, err := jws.SignClaims(key, Type, credentialID, Claims{Method: method, URL: url, Iat: now.Unix(), JTI: base64.RawURLEncoding.EncodeToString(id)})
	if err != nil {
		return "", fmt.Errorf("holder proof: signing: %w", err)
	}
	return tok, nil
}
