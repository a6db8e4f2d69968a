package proofing

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// ChannelCounter is the record channel of applications made at a counter
// (柜台); the record names the counter (RPID its ID, RPName its name).
const ChannelCounter = "counter"

// Outcomes of the records of counter applications.
const (
	// OutcomeAppliedAtCounter: the counter proved the person (chip and
	// face); the person finishes in their own wallet.
	OutcomeAppliedAtCounter = "applied_at_counter"
	// OutcomeWanghaoAtCounter: the counter proved the person, who
	// received a 网号 without a 网证.
	OutcomeWanghaoAtCounter = "wanghao_issued_at_counter"
)

// Errors of counter applications.
var (
	// ErrCounterFace: the counter's face check names another face image
	// than the one on the document's chip.
	ErrCounterFace = errors.New("the counter's face check is not bound to this document's face image")
	// ErrCounterMinor: a minor's application needs their guardian, which
	// a counter application alone does not give.
	ErrCounterMinor = errors.New("applicants under 18 apply with their guardian, not alone at a counter")
)

// CounterApplication is what a counter's terminal submitted on a person's
// behalf, once its signature, trust and freshness were checked (package
// counter).
type CounterApplication struct {
	CounterID, CounterName string
	DocumentType           document.Type
	// Chip is the chip container the counter's reader read: it is checked
	// exactly as a wallet's (SubmitDocument).
	Chip []byte
	// FaceImageHash is the SHA-256 of the chip's face image that the
	// counter's face check compared the live face with; FaceScore its
	// score.
	FaceImageHash [32]byte
	FaceScore     float64
	// WanghaoOnly: the person has no smartphone and receives a 网号
	// without a 网证; otherwise they finish in their wallet.
	WanghaoOnly bool
}

// CounterStarted is the outcome of a counter application.
type CounterStarted struct {
	View
	// Token is the application's bearer token, for the person's wallet to
	// finish it (phone, 口令, device key); empty when WanghaoOnly.
	Token string
	// Wanghao is the person's 网号 (set when WanghaoOnly).
	Wanghao string
}

// StartAtCounter runs the steps a counter did for the person: the
// application is started, its chip data verified as SubmitDocument
// verifies a wallet's (passive authentication, validity, number rules,
// an operator's hold), and the counter's face check, bound to the chip's
// face image, takes the place of the liveness attestation. The person is
// found by the document (or created with a new 网号) and holds what the
// counter proved; then, in one transaction with the record of the
// counter application (channel ChannelCounter, naming the counter), the
// application either waits for the person's wallet at the phone step, or,
// WanghaoOnly, ends: the person has a 网号 and no 网证, and may apply again
// later, at a counter or in a wallet, keeping the same 网号.
func (s *Service) StartAtCounter(ctx context.Context, c CounterApplication) (CounterStarted, error) {
	if s.Records == nil {
		return CounterStarted{}, errors.New("proofing: counter applications need the record log")
	}
	started, err := s.Start(ctx, c.DocumentType, "")
	if err != nil {
		return CounterStarted{}, err
	}
	id, token := started.ID, started.Token
	v, err := s.SubmitDocument(ctx, id, token, c.Chip)
	if errors.Is(err, ErrGuardianRequired) {
		err = ErrCounterMinor
	}
	if err == nil && v.Minor != person.MinorNone {
		err = ErrCounterMinor
	}
	if err != nil {
		s.abandon(ctx, id)
		return CounterStarted{}, err
	}
	a, err := s.load(ctx, id, token)
	if err != nil {
		return CounterStarted{}, err
	}
	p, err := s.openProofed(a)
	if err != nil {
		return CounterStarted{}, err
	}
	if subtle.ConstantTimeCompare(p.FaceHash, c.FaceImageHash[:]) != 1 {
		s.abandon(ctx, id)
		return CounterStarted{}, ErrCounterFace
	}
	now := s.now()
	holder, err := s.findPerson(ctx, a, now)
	if err != nil {
		return CounterStarted{}, err
	}
	sealedID, format, err := person.SealIdentity(s.Sealer, holder.ID, p)
	if err != nil {
		return CounterStarted{}, fmt.Errorf("proofing: %w", err)
	}
	photo, err := s.applicationPhoto(ctx, a, p, s.Store.GetApplicationPhoto)
	if err != nil {
		return CounterStarted{}, err
	}
	sealedPhoto, err := s.personPhoto(holder.ID, photo)
	if err != nil {
		return CounterStarted{}, err
	}
	outcome := OutcomeAppliedAtCounter
	if c.WanghaoOnly {
		outcome = OutcomeWanghaoAtCounter
	}
	err = s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		a, err = s.updateIn(ctx, tx, id, []storage.ApplicationState{storage.StateFace}, func(a *storage.Application) error {
			a.FaceChallenge, a.FaceScore = nil, c.FaceScore
			if !c.WanghaoOnly {
				a.State = storage.StatePhone
				return nil
			}
			// Nothing is left to do: the person holds what the
			// counter proved, the application no personal data.
			a.State, a.PersonID, a.Identity = storage.StateCompleted, holder.ID, nil
			return nil
		})
		if err != nil {
			return err
		}
		if c.WanghaoOnly {
			// The application ends here: its photo goes (the person has it).
			if _, err := tx.TakeApplicationPhoto(ctx, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("proofing: deleting the application's photo: %w", err)
			}
		}
		_, err := tx.UpdatePerson(ctx, holder.ID, func(q storage.Person) (storage.Person, error) {
			q.State, q.CancelledAt = storage.PersonActive, time.Time{}
			q.Identity, q.IdentityFormat = sealedID, format
			if sealedPhoto != nil {
				q.Photo = sealedPhoto
			}
			q.UpdatedAt = now
			return q, nil
		})
		if err != nil {
			return fmt.Errorf("proofing: recording the counter's proofing on the person: %w", err)
		}
		r := storage.Record{
			ID: id, PersonID: holder.ID, RPID: c.CounterID, RPName: c.CounterName,
			Channel: ChannelCounter, Outcome: outcome,
		}
		if _, err := s.Records.AppendIn(ctx, tx, r); err != nil {
			return fmt.Errorf("proofing: recording the counter application: %w", err)
		}
		return nil
	})
	if err != nil {
		return CounterStarted{}, err
	}
	out := CounterStarted{View: s.view(a, p)}
	if c.WanghaoOnly {
		out.Wanghao = holder.Wanghao
	} else {
		out.Token = token
	}
	return out, nil
}

// abandon ends an application that cannot go on (its expiry is now).
func (s *Service) abandon(ctx context.Context, id string) {
	_, _ = s.Store.UpdateApplication(ctx, id, func(a storage.Application) (storage.Application, error) {
		a.ExpiresAt = s.now()
		return a, nil
	})
}
