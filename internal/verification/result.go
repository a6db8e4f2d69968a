package verification

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// ResultType is the JWS typ of a signed verification result.
const ResultType = "netid-result+jwt"

// Age bands, the age_band claim: an age marker without the birth date.
const (
	BandUnder14 = "under_14"
	Band14To17  = "14_17"
	BandAdult   = "18_59"
	Band60Plus  = "60_plus"
)

// AgeBand is the band of an age.
func AgeBand(age int) string {
	switch {
	case age < 14:
		return BandUnder14
	case age < 18:
		return Band14To17
	case age < 60:
		return BandAdult
	}
	return Band60Plus
}

func (s *Service) today() document.Date { return document.Today(s.now()) }

// ClaimValues computes the values of the provided claims for a person at
// a relying party. Plaintext values come from the sealed proofing record
// and only for claims in provided, which minimum provision already
// filtered.
func (s *Service) claimValues(rp storage.RelyingParty, p storage.Person, pr person.Proofed, provided []string) (map[string]any, error) {
	id := pr.Identity
	age := id.Birth.AgeOn(s.today())
	v := map[string]any{}
	for _, c := range provided {
		switch c {
		case "verified":
			v[c] = true
		case "sub":
			v[c] = s.Subject(rp, p.ID)
		case "wanghao":
			v[c] = p.Wanghao
		case "age_over_14", "age_over_16", "age_over_18", "age_over_60":
			n, _ := strconv.Atoi(c[len("age_over_"):])
			v[c] = age >= n
		case "age_band":
			v[c] = AgeBand(age)
		case "name":
			v[c] = id.Name
		case "sex":
			v[c] = string(id.Sex)
		case "birthdate":
			v[c] = id.Birth.String()
		case "document_type":
			v[c] = string(id.Type)
		case "document_number":
			v[c] = id.Number
		case "document_valid_until":
			if !id.ValidUntil.IsZero() {
				v[c] = id.ValidUntil.String()
			}
		case "nationality":
			if id.Nationality != "" {
				v[c] = id.Nationality
			}
		default:
			return nil, fmt.Errorf("verification: no value for claim %q", c)
		}
	}
	return v, nil
}

// signResult signs the result a relying party keeps as evidence.
func (s *Service) signResult(rp storage.RelyingParty, sess storage.Session, reached Level, values map[string]any, now time.Time) (string, error) {
	claims := map[string]any{}
	for k, v := range values {
		claims[k] = v
	}
	claims["iss"] = s.Issuer
	claims["aud"] = rp.ID
	claims["iat"] = now.Unix()
	claims["jti"] = sess.ID
	claims["acr"] = reached.ACR()
	claims["level"] = string(reached)
	claims["purpose"] = sess.Purpose
	if sess.Nonce != "" {
		claims["nonce"] = sess.Nonce
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("verification: encoding result: %w", err)
	}
	// The platform's key of its suite: ES256, or SM2 (docs/sm-profile.md).
	key, kid := s.Keys.Signer()
	tok, err := jws.Sign(key, ResultType, kid, payload)
	if err != nil {
		return "", fmt.Errorf("verification: signing result: %w", err)
	}
	return tok, nil
}
