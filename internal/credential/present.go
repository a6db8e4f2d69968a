package credential

import (
	"crypto"
	"fmt"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/guardianconsent"
	"github.com/netid-project/netid/internal/jws"
)

// Present turns an issued SD-JWT into a presentation for one relying
// party: it keeps only the disclosures of the named top-level claims
// (together with any disclosures nested inside them; names that are not
// selectively disclosable claims of this credential are an ErrUnknownClaim),
// and appends a key-binding JWT signed with holderKey over audience, nonce,
// now and the sd_hash of the presentation (under the hash of the
// credential's _sd_alg: SHA-256, or SM3 on the SM suite). The 网号 is revealed only when
// disclose names ClaimWanghao; in a credential issued before the 网号 was
// selectively disclosable it is plaintext, always revealed, and naming it
// is accepted.
//
// Present runs on the holder's device and does not check the issuer
// signature (the holder may not have the issuer keys); it does check the
// SD-JWT's structure and that holderKey matches cnf.jwk, so a wrong device
// key fails here rather than at the relying party.
func Present(sdjwt string, disclose []string, holderKey crypto.Signer, audience, nonce string, now time.Time) (string, error) {
	return PresentWithConsent(sdjwt, disclose, holderKey, audience, nonce, "", now)
}

// PresentWithConsent is Present for an under-14 holder: consent, the
// guardian consent statement for audience and this credential's key
// (package guardianconsent), goes into the key-binding JWT, whose
// signature covers it. An empty consent is Present.
func PresentWithConsent(sdjwt string, disclose []string, holderKey crypto.Signer, audience, nonce, consent string, now time.Time) (string, error) {
	if audience == "" {
		return "", fmt.Errorf("%w: empty audience", ErrAudience)
	}
	if nonce == "" {
		return "", fmt.Errorf("%w: empty nonce", ErrNonce)
	}
	if holderKey == nil {
		return "", fmt.Errorf("%w: nil holder key", ErrKeyBinding)
	}
	sd, err := Parse(sdjwt)
	if err != nil {
		return "", err
	}
	if sd.KeyBinding != "" {
		return "", fmt.Errorf("%w: already has a key-binding JWT", ErrMalformed)
	}
	tok, err := jws.Parse(sd.JWT, jws.Expect{Typ: TypSDJWT})
	if err != nil {
		return "", fmt.Errorf("issuer-signed JWT: %w", mapJWSError(err))
	}
	payload := tok.UnverifiedObject()
	st, err := holderSuite(payload)
	if err != nil {
		return "", err
	}
	sd.setDigests(st)
	_, holder, pr, err := decodeIssued(payload, sd.Disclosures, st, true)
	if err != nil {
		return "", err
	}
	if !holder.Equal(holderKey.Public()) {
		return "", fmt.Errorf("%w: holder key does not match cnf.jwk", ErrKeyBinding)
	}

	keep := make(map[string]bool)
	var mark func(dg string)
	mark = func(dg string) {
		if keep[dg] {
			return
		}
		keep[dg] = true
		for _, c := range pr.children[dg] {
			mark(c)
		}
	}
	for _, name := range disclose {
		dg, ok := pr.topLevel[name]
		if !ok {
			if _, plaintext := pr.claims[name]; plaintext && name == ClaimWanghao {
				continue // an older credential: the issuer-signed JWT reveals it
			}
			return "", fmt.Errorf("%w: %q", ErrUnknownClaim, name)
		}
		mark(dg)
	}

	var b strings.Builder
	b.WriteString(sd.JWT)
	b.WriteByte('~')
	for _, d := range sd.Disclosures {
		if keep[d.Digest] {
			b.WriteString(d.Encoded)
			b.WriteByte('~')
		}
	}
	sum := st.SumString(b.String())
	kbClaims := map[string]any{
		"iat":     now.Unix(),
		"aud":     audience,
		"nonce":   nonce,
		"sd_hash": jws.B64.EncodeToString(sum[:]),
	}
	if consent != "" {
		kbClaims[guardianconsent.ClaimInKeyBinding] = consent
	}
	kbBody, err := marshal(kbClaims)
	if err != nil {
		return "", fmt.Errorf("credential: encoding key-binding JWT: %w", err)
	}
	kb, err := jws.Sign(holderKey, TypKB, "", kbBody)
	if err != nil {
		return "", fmt.Errorf("%w: signing: %w", ErrKeyBinding, err)
	}
	b.WriteString(kb)
	return b.String(), nil
}
