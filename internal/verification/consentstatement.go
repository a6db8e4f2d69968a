package verification

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/guardianconsent"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// OutcomeGuardianConsented is the outcome of the record (channel
// lifecycle, in the ward's history) of a guardian consenting ahead to an
// under-14 ward's use of a relying party.
const OutcomeGuardianConsented = "guardian_consented"

// ErrNotUnder14: the guardian consent asked for concerns a holder who is
// 14 or older, whose use of the credential is their own.
var ErrNotUnder14 = errors.New("the holder is 14 or older: no guardian consent applies")

// ErrNoSuchRelyingParty: consent was asked for an audience that is neither
// a registered, enabled relying party nor the offline in-person checks.
var ErrNoSuchRelyingParty = errors.New("no such relying party")

// ConsentStatement is a signed guardian consent statement for one
// audience and one of the holder's credentials.
type ConsentStatement struct {
	Audience     string
	CredentialID string
	// KeyThumbprint names the credential's holder key (cnf.jkt).
	KeyThumbprint string
	Statement     string
	ExpiresAt     time.Time
}

// GuardianConsentAhead records guardian guardianID's consent, confirmed
// with their credential password, to under-14 ward wardID's use of
// audience: a relying party's ID, or guardianconsent.AudienceOfflineInPerson
// for in-person checks without the network. The consent is kept as the
// one a waiting verification records (per relying party) and written to
// the ward's history in the same transaction; the ward's wallet then
// fetches the statements its offline presentations carry.
func (s *Service) GuardianConsentAhead(ctx context.Context, guardianID, wardID, audience, password string) error {
	ward, err := s.Store.GetPerson(ctx, wardID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && ward.GuardianID != guardianID) {
		return ErrNotGuardian
	}
	if err != nil {
		return fmt.Errorf("verification: loading ward: %w", err)
	}
	pr, err := person.Open(s.Sealer, ward)
	if err != nil {
		return err
	}
	if pr.Identity.Birth.AgeOn(s.today()) >= 14 {
		return ErrNotUnder14
	}
	rpName := "线下核验 in-person checks offline"
	if audience != guardianconsent.AudienceOfflineInPerson {
		rp, err := s.Store.GetRelyingParty(ctx, audience)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && rp.Disabled) {
			return fmt.Errorf("%w: %q", ErrNoSuchRelyingParty, audience)
		}
		if err != nil {
			return fmt.Errorf("verification: loading relying party: %w", err)
		}
		rpName = rp.Name
	}
	if err := s.Passwords.Verify(ctx, guardianID, password); err != nil {
		return err
	}
	now := s.now()
	return s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		if err := s.remember(ctx, tx, ward.ID, audience, nil, false, guardianID, now); err != nil {
			return err
		}
		r := storage.Record{
			Time: now, PersonID: ward.ID, RPID: audience, RPName: rpName, Channel: audit.ChannelLifecycle,
			Outcome: OutcomeGuardianConsented, GuardianID: guardianID,
		}
		if _, err := s.Records.AppendIn(ctx, tx, r); err != nil {
			return fmt.Errorf("verification: writing the record: %w", err)
		}
		return nil
	})
}

// ConsentStatements signs, for an under-14 holder, a guardian consent
// statement per audience their guardian consented to and per usable
// credential of theirs (one per holder key: see package guardianconsent),
// valid until the credential expires and at most guardianconsent.MaxTTL.
// A holder of 14 or more needs none and gets none.
func (s *Service) ConsentStatements(ctx context.Context, h Holder) ([]ConsentStatement, error) {
	pr, err := person.Open(s.Sealer, h.Person)
	if err != nil {
		return nil, err
	}
	out := []ConsentStatement{}
	if pr.Identity.Birth.AgeOn(s.today()) >= 14 {
		return out, nil
	}
	consents, err := s.Store.ListConsents(ctx, h.Person.ID)
	if err != nil {
		return nil, fmt.Errorf("verification: listing consents: %w", err)
	}
	creds, err := s.Store.ListCredentials(ctx, h.Person.ID)
	if err != nil {
		return nil, fmt.Errorf("verification: listing credentials: %w", err)
	}
	now := s.now()
	signer, kid := s.Keys.Signer()
	for _, c := range consents {
		if c.GuardianAt.IsZero() || c.GuardianID == "" || c.GuardianID != h.Person.GuardianID {
			continue
		}
		for _, cred := range creds {
			if cred.Status != storage.CredentialActive || !now.Before(cred.ExpiresAt) {
				continue
			}
			jkts, err := s.holderKeys(ctx, cred)
			if err != nil {
				return nil, err
			}
			iat := now.Truncate(time.Second)
			exp := iat.Add(guardianconsent.MaxTTL)
			if cred.ExpiresAt.Before(exp) {
				exp = cred.ExpiresAt.Truncate(time.Second)
			}
			if !exp.After(iat) {
				continue
			}
			for _, jkt := range jkts {
				tok, err := guardianconsent.Sign(signer, kid, guardianconsent.Statement{
					Issuer: s.Issuer, Audience: c.RPID, KeyThumbprint: jkt, IssuedAt: iat, Expiry: exp,
				})
				if err != nil {
					return nil, err
				}
				out = append(out, ConsentStatement{Audience: c.RPID, CredentialID: cred.ID, KeyThumbprint: jkt, Statement: tok, ExpiresAt: exp})
			}
		}
	}
	return out, nil
}

// holderKeys are the thumbprints of the keys cred's holder presents with:
// the device key and the key of each member of its batch (a statement
// names one key, and an offline presentation may come from any of them).
func (s *Service) holderKeys(ctx context.Context, cred storage.Credential) ([]string, error) {
	k, err := jws.ParsePublicJWK(cred.DeviceKey)
	if err != nil {
		return nil, fmt.Errorf("verification: the credential's device key: %w", err)
	}
	jkt, err := guardianconsent.Thumbprint(k)
	if err != nil {
		return nil, err
	}
	out := []string{jkt}
	slots, err := s.Store.ListStatusSlots(ctx, cred.ID)
	if err != nil {
		return nil, fmt.Errorf("verification: listing the credential's batch: %w", err)
	}
	for _, sl := range slots {
		if sl.Member > 0 && sl.DeviceKeyID != "" {
			out = append(out, sl.DeviceKeyID)
		}
	}
	return out, nil
}
