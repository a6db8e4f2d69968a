package proofing

import (
	"context"
	"crypto"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// Issued is the result of a successful application.
type Issued struct {
	Wanghao      string
	CredentialID string
	Credential   string
	// Batch are the batch credentials, one per batch proof, in the order
	// of the proofs: the same claims as Credential, each bound to its own
	// device key and pointing at its own status list index.
	Batch     []string
	ExpiresAt time.Time
}

// Issue checks the device key's proof of possession, allocates (or finds
// again) the person's 网号 and issues the 网证 bound to the device key. Any
// earlier credential of the person is revoked in the same transaction.
//
// batch holds proofs of possession of further device keys (at most
// BatchSize, each a distinct key, with the same nonce): for each, a batch
// credential is issued with the same claims, bound to that key, at its own
// random status index and carrying the credential's status. A wallet
// presents a different one to each relying party, so that relying parties
// comparing what they received cannot link the holder by key, signature
// or status index.
func (s *Service) Issue(ctx context.Context, id, token, proof string, batch []string) (Issued, error) {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return Issued{}, err
	}
	if a.State != storage.StateDevice {
		return Issued{}, wrongState(a.State, storage.StateDevice)
	}
	now := s.now()
	deviceKey, err := s.verifyDeviceProof(proof, string(a.DeviceNonce), now)
	if err != nil {
		return Issued{}, err
	}
	members, err := s.verifyBatchProofs(batch, deviceKey.jwk, string(a.DeviceNonce), now)
	if err != nil {
		return Issued{}, err
	}
	p, err := s.openProofed(a)
	if err != nil {
		return Issued{}, err
	}
	if isReproof(a) {
		if err := s.canReissue(ctx, a.PersonID, p); err != nil {
			return Issued{}, err
		}
	} else if err := s.checkNoOperatorHold(ctx, a.PersonIndex); err != nil {
		return Issued{}, err
	}
	credID := uuid.NewString()
	issued, err := s.issue(ctx, a, p, credID, deviceKey, members, now)
	var claim claimError
	if err != nil && !errors.As(err, &claim) {
		// Nothing was issued: the application is still at the device
		// step, with the nonce these proofs used. Give it a new one, so
		// that the proofs of a failed issuance cannot be used again.
		nonce, nerr := s.randomToken(24)
		if nerr == nil {
			_, _ = s.Store.UpdateApplication(ctx, id, func(a storage.Application) (storage.Application, error) {
				if a.State == storage.StateDevice && subtle.ConstantTimeCompare(a.DeviceNonce, []byte(deviceKey.nonce)) == 1 {
					a.DeviceNonce = []byte(nonce)
				}
				return a, nil
			})
		}
	}
	if err != nil {
		return Issued{}, err
	}
	return issued, nil
}

// claimError is the failure to claim the application for issuance: it
// has moved on (a racing request issued) or its nonce was used.
type claimError struct{ err error }

func (e claimError) Error() string { return e.err.Error() }
func (e claimError) Unwrap() error { return e.err }

// issue finds or creates the person and then, in one transaction, claims
// the application (still at the device step with the nonce of the proofs:
// of racing requests, one issues and the others fail with a claimError),
// clearing its personal data, draws the status indices of the credential
// and of its batch members, signs them, stores the credential (revoking
// the person's earlier ones), gives the person what the application proved
// and, for a re-issue to a new device, records it in the holder's history
// (the first issuance is the wallet's own). If it fails, the transaction
// changed nothing (a person it created before stays, as a racing issuance
// would find them).
func (s *Service) issue(ctx context.Context, a storage.Application, p person.Proofed, credID string, device deviceProof, members []member, now time.Time) (Issued, error) {
	deviceKey := device.jwk
	holder, err := s.findPerson(ctx, a, now)
	if err != nil {
		return Issued{}, err
	}
	proved, err := s.proved(a, p, holder.ID, now)
	if err != nil {
		return Issued{}, err
	}
	exp := s.expiry(p.Identity, now)
	today := s.today()
	signer, kid := s.Keys.Signer()
	claims := credential.Claims{
		Issuer:      s.Issuer,
		VCT:         credential.VCTWangzheng,
		Wanghao:     holder.Wanghao,
		IssuedAt:    now,
		NotBefore:   now,
		ExpiresAt:   exp,
		Holder:      deviceKey,
		Disclosable: disclosable(p.Identity, today),
		// Under 14 for its whole validity (it ends by the 14th birthday):
		// verifiers require the guardian's consent statement.
		GuardianConsentRequired: person.MinorBand(p.Identity.Birth, today) == person.MinorUnder14,
	}
	jwk, err := jws.JWK(*deviceKey).MarshalJSON()
	if err != nil {
		return Issued{}, fmt.Errorf("proofing: encoding device key: %w", err)
	}
	thumb, err := thumbprint(deviceKey)
	if err != nil {
		return Issued{}, err
	}
	outcome := map[storage.ApplicationKind]string{storage.KindDevice: OutcomeDeviceChanged, storage.KindRecover: OutcomeReissued}[a.Kind]
	var sdjwt string
	var batch []string
	// The credential's own slot (member 0) and its members' slots.
	want := append([]storage.StatusSlot{{CredentialID: credID, DeviceKeyID: thumb, CreatedAt: now}},
		memberSlots(credID, 1, members, now)...)
	err = s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		// The claim comes first: on PostgreSQL it locks the application's
		// row, so a racing request waits here, before any other work.
		_, err := s.updateIn(ctx, tx, a.ID, []storage.ApplicationState{storage.StateDevice}, func(a *storage.Application) error {
			if subtle.ConstantTimeCompare(a.DeviceNonce, []byte(device.nonce)) != 1 {
				return fmt.Errorf("%w: the nonce was already used", ErrDeviceProof)
			}
			a.DeviceNonce = nil
			a.State = storage.StateIssued
			a.CredentialID = credID
			// The person now holds what the application proved: the
			// application keeps no personal data (the sealed identity and
			// photo, the phone and the password hash), so cancelling the
			// person wipes it everywhere.
			a.Identity, a.Phone, a.PasswordHash, a.FaceChallenge = nil, nil, "", nil
			return nil
		})
		if err != nil {
			return claimError{err}
		}
		// The photo goes from the application to the person (below).
		photo, err := s.applicationPhoto(ctx, a, p, tx.TakeApplicationPhoto)
		if err != nil {
			return err
		}
		sealedPhoto, err := s.personPhoto(holder.ID, photo)
		if err != nil {
			return err
		}
		slots, err := s.Indices.AllocateAll(ctx, tx, want)
		if err != nil {
			return fmt.Errorf("proofing: allocating status indices: %w", err)
		}
		slot := slots[0]
		claims.Status = credential.Status{URI: s.StatusURI(slot.List), Index: slot.Index}
		if sdjwt, err = (credential.Issuer{Key: signer, KeyID: kid, Rand: s.rand()}).Issue(claims); err != nil {
			return fmt.Errorf("proofing: signing credential: %w", err)
		}
		if batch, err = s.signBatch(claims, members, slots[1:], signer, kid); err != nil {
			return err
		}
		c := storage.Credential{
			ID:           credID,
			PersonID:     holder.ID,
			Status:       storage.CredentialActive,
			StatusList:   slot.List,
			StatusIndex:  slot.Index,
			DeviceKey:    jwk,
			DeviceKeyID:  thumb,
			SigningKeyID: kid,
			IssuedAt:     now,
			ExpiresAt:    exp,
			UpdatedAt:    now,
		}
		if err := tx.IssueCredential(ctx, c); err != nil {
			return fmt.Errorf("proofing: storing credential: %w", err)
		}
		_, err = tx.UpdatePerson(ctx, holder.ID, func(q storage.Person) (storage.Person, error) {
			q, err := proved(q)
			if err == nil && sealedPhoto != nil {
				q.Photo = sealedPhoto
			}
			return q, err
		})
		if err != nil {
			return fmt.Errorf("proofing: recording the proofing on the person: %w", err)
		}
		if outcome == "" {
			return nil
		}
		return s.record(ctx, tx, holder.ID, outcome)
	})
	if err != nil {
		return Issued{}, err
	}
	// Issuing revoked the person's earlier credentials and their batches:
	// publish that.
	if earlier, err := s.Store.ListCredentials(ctx, holder.ID); err == nil {
		for _, e := range earlier {
			if e.ID != credID && e.Status == storage.CredentialRevoked {
				s.credentialChanged(ctx, e)
			}
		}
	}
	return Issued{Wanghao: holder.Wanghao, CredentialID: credID, Credential: sdjwt, Batch: batch, ExpiresAt: exp}, nil
}

// personPhoto seals the chip's face image for person personID; nil (and
// no error) if there is none.
func (s *Service) personPhoto(personID string, photo []byte) ([]byte, error) {
	if len(photo) == 0 {
		return nil, nil
	}
	sealed, err := person.SealField(s.Sealer, personID, person.FieldPhoto, photo)
	if err != nil {
		return nil, fmt.Errorf("proofing: %w", err)
	}
	return sealed, nil
}

// member is a batch member's device key, its proof checked, and the key's
// RFC 7638 thumbprint.
type member struct {
	key   *jose.JSONWebKey
	thumb string
}

// memberSlots are the status slots, to be allocated, of the members of
// the credential credID, numbered from first.
func memberSlots(credID string, first int, members []member, now time.Time) []storage.StatusSlot {
	out := make([]storage.StatusSlot, len(members))
	for i, m := range members {
		out[i] = storage.StatusSlot{CredentialID: credID, Member: first + i, DeviceKeyID: m.thumb, CreatedAt: now}
	}
	return out
}

// signBatch signs one batch credential per member: the claims of the
// credential with the member's key and its slot (slots[i] is members[i]'s,
// allocated). Their issuance and expiry times are cut to the day (Beijing
// time), so that the times they carry are shared by everyone issued that
// day rather than naming the second of this issuance.
func (s *Service) signBatch(claims credential.Claims, members []member, slots []storage.StatusSlot, signer crypto.Signer, kid string) ([]string, error) {
	if len(members) == 0 {
		return nil, nil
	}
	if len(slots) != len(members) {
		return nil, fmt.Errorf("proofing: %d status slots for %d batch keys", len(slots), len(members))
	}
	claims.IssuedAt, claims.NotBefore = dayStart(claims.IssuedAt), time.Time{}
	if exp := dayStart(claims.ExpiresAt); exp.After(claims.IssuedAt) {
		claims.ExpiresAt = exp
	}
	out := make([]string, 0, len(members))
	for i, m := range members {
		slot := slots[i]
		c := claims
		c.Holder = m.key
		c.Status = credential.Status{URI: s.StatusURI(slot.List), Index: slot.Index}
		sdjwt, err := (credential.Issuer{Key: signer, KeyID: kid, Rand: s.rand()}).Issue(c)
		if err != nil {
			return nil, fmt.Errorf("proofing: signing batch credential: %w", err)
		}
		out = append(out, sdjwt)
	}
	return out, nil
}

// dayStart is the start of t's day in Beijing time.
func dayStart(t time.Time) time.Time {
	b := t.In(document.Zone)
	return time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, document.Zone).UTC()
}

// thumbprint is the device key's RFC 7638 thumbprint under its suite's
// hash (SHA-256 of a P-256 key, SM3 of an SM2 key).
func thumbprint(k *jose.JSONWebKey) (string, error) {
	thumb, err := suite.KeyID(k)
	if err != nil {
		return "", fmt.Errorf("proofing: device key thumbprint: %w", err)
	}
	return thumb, nil
}

// credentialChanged tells Status that the entries of c changed: in its own
// list and in its batch members' lists.
func (s *Service) credentialChanged(ctx context.Context, c storage.Credential) {
	s.statusChanged(c.StatusList)
	slots, err := s.Store.ListStatusSlots(ctx, c.ID)
	if err != nil {
		return // the lists are signed afresh within one ttl anyway
	}
	for _, sl := range slots {
		if sl.List != c.StatusList {
			s.statusChanged(sl.List)
		}
	}
}

// verifyBatchProofs checks the proofs of possession of the batch keys:
// at most BatchSize, each valid for nonce like the device proof, each key
// distinct from the others and from the device key.
func (s *Service) verifyBatchProofs(proofs []string, device *jose.JSONWebKey, nonce string, now time.Time) ([]member, error) {
	if len(proofs) > s.BatchSize {
		return nil, fmt.Errorf("%w: at most %d batch keys", ErrDeviceProof, s.BatchSize)
	}
	seen := map[string]bool{}
	t, err := thumbprint(device)
	if err != nil {
		return nil, err
	}
	seen[t] = true
	keys := make([]member, 0, len(proofs))
	for i, p := range proofs {
		k, err := s.verifyDeviceProof(p, nonce, now)
		if err != nil {
			return nil, fmt.Errorf("batch key %d: %w", i+1, err)
		}
		t, err := thumbprint(k.jwk)
		if err != nil {
			return nil, err
		}
		if seen[t] {
			return nil, fmt.Errorf("%w: batch key %d is used twice", ErrDeviceProof, i+1)
		}
		seen[t] = true
		keys = append(keys, member{key: k.jwk, thumb: t})
	}
	return keys, nil
}

// findPerson finds the person by blind index or creates them with a fresh
// 网号 (drawn again on the rare collision).
func (s *Service) findPerson(ctx context.Context, a storage.Application, now time.Time) (storage.Person, error) {
	var holder storage.Person
	for attempt := 0; ; attempt++ {
		wh, err := netnum.New(s.rand())
		if err != nil {
			return holder, fmt.Errorf("proofing: drawing 网号: %w", err)
		}
		candidate := storage.Person{
			ID:        uuid.NewString(),
			Index:     a.PersonIndex,
			Wanghao:   wh,
			State:     storage.PersonActive,
			CreatedAt: now,
			UpdatedAt: now,
		}
		holder, _, err = s.Store.GetOrCreatePerson(ctx, candidate)
		if errors.Is(err, storage.ErrAlreadyExists) && attempt < 5 {
			continue // 网号 collision: draw again
		}
		if err != nil {
			return holder, fmt.Errorf("proofing: finding person: %w", err)
		}
		break
	}
	if isReproof(a) && holder.ID != a.PersonID {
		return holder, fmt.Errorf("proofing: the re-proofed person changed: %w", ErrNoSuchHolder)
	}
	return holder, nil
}

// proved returns the change (at now) that gives person personID what
// application a proved: the latest proofing (the identity; the photo is
// the caller's, see personPhoto), the phone, the password and, for a
// minor, the guardian.
func (s *Service) proved(a storage.Application, p person.Proofed, personID string, now time.Time) (func(storage.Person) (storage.Person, error), error) {
	sealedID, format, err := person.SealIdentity(s.Sealer, personID, p)
	if err != nil {
		return nil, fmt.Errorf("proofing: %w", err)
	}
	phone, err := s.Sealer.Open(a.Phone, appAAD(a.ID, "phone"))
	if err != nil {
		return nil, fmt.Errorf("proofing: opening phone: %w", err)
	}
	sealedPhone, err := person.SealField(s.Sealer, personID, person.FieldPhone, phone)
	if err != nil {
		return nil, fmt.Errorf("proofing: %w", err)
	}
	return func(q storage.Person) (storage.Person, error) {
		q.State, q.CancelledAt = storage.PersonActive, time.Time{}
		q.Identity, q.IdentityFormat = sealedID, format
		q.Phone, q.PhoneIndex = sealedPhone, a.PhoneIndex
		if a.PasswordHash != "" {
			// A new password (apply, recover); a device change keeps the
			// person's password, checked during the flow.
			q.PasswordHash = a.PasswordHash
			q.PasswordFailures, q.PasswordLockedUntil = 0, time.Time{}
		}
		if p.Minor != person.MinorNone {
			// The guardian who applied or confirmed: their consent is
			// needed for an under-14 holder's use of the credential.
			q.GuardianID = a.GuardianID
		}
		q.UpdatedAt = now
		return q, nil
	}, nil
}

// expiry is when a credential issued now ends: never beyond the document's
// validity, and no later than the next birthday on which one of its age
// markers would change, so the markers it carries stay true.
func (s *Service) expiry(id document.Identity, now time.Time) time.Time {
	exp := now.Add(orDefault(s.CredentialTTL, 3*365*24*time.Hour))
	if !id.ValidUntil.IsZero() {
		end := time.Date(id.ValidUntil.Year, id.ValidUntil.Month, id.ValidUntil.Day+1, 0, 0, 0, 0, document.Zone)
		if end.Before(exp) {
			exp = end
		}
	}
	for _, age := range ageMarkers {
		b := time.Date(id.Birth.Year+age, id.Birth.Month, id.Birth.Day, 0, 0, 0, 0, document.Zone)
		if b.After(now) && b.Before(exp) {
			exp = b
		}
	}
	return exp.UTC()
}

var ageMarkers = []int{14, 16, 18, 60}

// disclosable are the 网证's selectively disclosable claims: the age
// markers and the identity attributes, of which the credential itself
// carries only salted digests.
func disclosable(id document.Identity, today document.Date) map[string]any {
	age := id.Birth.AgeOn(today)
	d := map[string]any{
		"name":            id.Name,
		"sex":             string(id.Sex),
		"birthdate":       id.Birth.String(),
		"document_type":   string(id.Type),
		"document_number": id.Number,
	}
	for _, m := range ageMarkers {
		d["age_over_"+strconv.Itoa(m)] = age >= m
	}
	if !id.ValidUntil.IsZero() {
		d["document_valid_until"] = id.ValidUntil.String()
	}
	if id.Nationality != "" {
		d["nationality"] = id.Nationality
	}
	return d
}

type deviceProof struct {
	jwk   *jose.JSONWebKey
	nonce string
}

// verifyDeviceProof checks the wallet's proof of possession of its new
// device key: a JWS of type credential.DeviceProofType by a key of the
// deployment's suite (ES256 with a P-256 key, SM2 with an SM2 key),
// carrying the public key in its header, with the platform as audience,
// the application's nonce and a fresh issued-at time.
func (s *Service) verifyDeviceProof(proof, nonce string, now time.Time) (deviceProof, error) {
	// The key that signed is the one the proof carries: proof of
	// possession of the new device key.
	var jwk *jose.JSONWebKey
	keys := jws.KeyFunc(func(t *jws.Token) ([]jose.JSONWebKey, error) {
		k, err := t.Header.JWK()
		if err != nil {
			return nil, fmt.Errorf("%w: the header must carry the public device key (jwk)", ErrDeviceProof)
		}
		if _, err := s.suite().CheckPublicKey(k); err != nil {
			return nil, fmt.Errorf("%w: the device key must be a %s key", ErrDeviceProof, s.suite().KeyName())
		}
		jwk = k
		return []jose.JSONWebKey{*k}, nil
	})
	var c struct {
		Aud   string `json:"aud"`
		Nonce string `json:"nonce"`
		Iat   int64  `json:"iat"`
	}
	_, err := jws.VerifyClaims(proof, jws.Expect{Typ: credential.DeviceProofType, Keys: keys}, &c)
	switch {
	case errors.Is(err, ErrDeviceProof):
		return deviceProof{}, err
	case errors.Is(err, jws.ErrType):
		return deviceProof{}, fmt.Errorf("%w: typ must be %s", ErrDeviceProof, credential.DeviceProofType)
	case errors.Is(err, jws.ErrSignature), errors.Is(err, jws.ErrUnknownKey):
		return deviceProof{}, fmt.Errorf("%w: signature does not verify", ErrDeviceProof)
	case err != nil:
		return deviceProof{}, fmt.Errorf("%w: %w", ErrDeviceProof, err)
	}
	if c.Aud != s.Issuer {
		return deviceProof{}, fmt.Errorf("%w: audience must be the platform", ErrDeviceProof)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(nonce)) != 1 {
		return deviceProof{}, fmt.Errorf("%w: nonce does not match the application", ErrDeviceProof)
	}
	iat := time.Unix(c.Iat, 0)
	maxAge := orDefault(s.DeviceProofMaxAge, 5*time.Minute)
	if iat.Before(now.Add(-maxAge)) || iat.After(now.Add(time.Minute)) {
		return deviceProof{}, fmt.Errorf("%w: issued-at time is not fresh", ErrDeviceProof)
	}
	pubJWK := jwk.Public()
	return deviceProof{jwk: &pubJWK, nonce: c.Nonce}, nil
}
