package lifecycle

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/sms"
	"github.com/netid-project/netid/internal/storage"
)

// Changing the phone number takes two SMS codes, one to the linked number
// and one to the new number, both required:
//
//	StartPhoneChange    password → a code to each number
//	ConfirmPhoneChange  both codes → the new number is linked
//
// The codes are sms.Codes codes, with their limits: one code per subject
// per resend interval, a daily cap per number, a few attempts per code.
// Their subjects name the person and the new number's blind index, so a
// code proves consent to this change only. The code to the linked number
// is checked first; once it has verified, later confirmations (say after a
// mistyped code for the new number) accept it as long as it has not
// expired, so one typo does not cost both codes.

// Which names the phone number a code went to.
type Which string

// The two codes of a phone change.
const (
	CodeOld Which = "old"
	CodeNew Which = "new"
)

// CodeError says which of the two codes failed; it wraps the sms error
// (errors.Is(err, sms.ErrWrongCode) and the like still hold).
type CodeError struct {
	Which Which
	Err   error
}

func (e *CodeError) Error() string {
	if e.Which == CodeOld {
		return "the code sent to the linked phone number: " + e.Err.Error()
	}
	return "the code sent to the new phone number: " + e.Err.Error()
}

// Unwrap returns the sms error.
func (e *CodeError) Unwrap() error { return e.Err }

func phoneSubject(personID, newIndex string, w Which) string {
	return "phone-change:" + personID + ":" + newIndex + ":" + string(w)
}

// phoneChange is what both steps work out.
type phoneChange struct {
	person   storage.Person
	old, new string // E.164
	newIndex string
}

func (s *Service) preparePhoneChange(ctx context.Context, personID, newPhone string) (phoneChange, error) {
	var pc phoneChange
	phone, err := sms.NormalizePhone(newPhone)
	if err != nil {
		return pc, err
	}
	p, err := s.activePerson(ctx, personID)
	if err != nil {
		return pc, err
	}
	if len(p.Phone) == 0 {
		return pc, ErrNoPhone
	}
	pc = phoneChange{person: p, new: phone, newIndex: s.Index.Index("phone", phone)}
	if subtle.ConstantTimeCompare([]byte(pc.newIndex), []byte(p.PhoneIndex)) == 1 {
		return pc, person.ErrSamePhone
	}
	old, err := person.OpenField(s.Sealer, p, person.FieldPhone)
	if err != nil {
		return pc, fmt.Errorf("lifecycle: opening phone: %w", err)
	}
	pc.old = string(old)
	return pc, nil
}

// StartPhoneChange checks the credential password and sends a code to the
// linked phone number and one to newPhone.
func (s *Service) StartPhoneChange(ctx context.Context, personID, pw, newPhone string) error {
	pc, err := s.preparePhoneChange(ctx, personID, newPhone)
	if err != nil {
		return err
	}
	if err := s.Passwords.Verify(ctx, personID, pw); err != nil {
		return err
	}
	if err := s.Codes.Send(ctx, phoneSubject(personID, pc.newIndex, CodeOld), pc.old); err != nil {
		return &CodeError{Which: CodeOld, Err: err}
	}
	if err := s.Codes.Send(ctx, phoneSubject(personID, pc.newIndex, CodeNew), pc.new); err != nil {
		return &CodeError{Which: CodeNew, Err: err}
	}
	return nil
}

// oldConfirmed reports whether the latest code to the linked number for
// this change already verified and has not expired.
func (s *Service) oldConfirmed(ctx context.Context, pc phoneChange) (bool, error) {
	c, err := s.Store.LatestCode(ctx, phoneSubject(pc.person.ID, pc.newIndex, CodeOld))
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lifecycle: loading code: %w", err)
	}
	return !c.ConsumedAt.IsZero() && s.now().Before(c.ExpiresAt) && c.PhoneIndex == pc.person.PhoneIndex, nil
}

// ConfirmPhoneChange checks the code sent to the linked number (oldCode)
// and the one sent to newPhone (newCode) and links newPhone: its blind
// index replaces the old one and the sealed number is replaced. A failing
// code is a *CodeError naming it.
func (s *Service) ConfirmPhoneChange(ctx context.Context, personID, newPhone, oldCode, newCode string) error {
	pc, err := s.preparePhoneChange(ctx, personID, newPhone)
	if err != nil {
		return err
	}
	done, err := s.oldConfirmed(ctx, pc)
	if err != nil {
		return err
	}
	if !done {
		if err := s.Codes.Verify(ctx, phoneSubject(personID, pc.newIndex, CodeOld), pc.old, oldCode); err != nil {
			return &CodeError{Which: CodeOld, Err: err}
		}
	}
	if err := s.Codes.Verify(ctx, phoneSubject(personID, pc.newIndex, CodeNew), pc.new, newCode); err != nil {
		return &CodeError{Which: CodeNew, Err: err}
	}
	sealed, err := person.SealField(s.Sealer, personID, person.FieldPhone, []byte(pc.new))
	if err != nil {
		return fmt.Errorf("lifecycle: sealing phone: %w", err)
	}
	return s.commit(ctx, personID, OutcomePhoneChanged, nil, func(tx storage.Storage) error {
		_, err := tx.UpdatePerson(ctx, personID, func(p storage.Person) (storage.Person, error) {
			if p.State != storage.PersonActive {
				return p, ErrCancelled
			}
			if p.PhoneIndex != pc.person.PhoneIndex {
				return p, ErrPhoneChanged
			}
			p.Phone, p.PhoneIndex, p.UpdatedAt = sealed, pc.newIndex, s.now()
			return p, nil
		})
		if err != nil {
			return fmt.Errorf("lifecycle: linking the new phone: %w", err)
		}
		return nil
	})
}
