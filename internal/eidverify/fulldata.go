package eidverify

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// Full-data checks (实名登记). A hotel or a service counter must register a
// guest's full name and document number; everyone else gets masked
// fields. After a successful check, such a verifier may ask for the full
// data ([CheckOptions.FullData]); the platform then keeps a request that
// the holder answers on their own device, seeing exactly what the
// verifier will receive ([Service.PendingFullData], [Service.AnswerFullData],
// with the credential password: a separate consent for each check). The
// verifier collects the data once ([Service.CollectFullData]); the record
// of that delivery names the full fields. Without the holder's consent the
// masked check stands as it was.

// FullDataTTL is how long the holder has to answer a full-data request.
const FullDataTTL = 2 * time.Minute

// Record fields of a full-data delivery: the full name and document
// number, as the claims of a plaintext verification name them.
const (
	FullName   = relyingparty.ClaimName
	FullNumber = relyingparty.ClaimDocumentNumber
)

// OutcomeDeclined is the record outcome of a full-data request the holder
// declined.
const OutcomeDeclined = "declined"

// Errors of full-data checks.
var (
	// ErrFullDataNotAllowed: the verifier's kind or registration does not
	// allow full-data checks (FullDataAllowed).
	ErrFullDataNotAllowed = errors.New("eidverify: this verifier may not ask for the full name and document number")
	// ErrFullDataNotFound: no such request (for this holder or verifier).
	ErrFullDataNotFound = errors.New("eidverify: no such full-data request")
	// ErrFullDataAnswered: the request was already answered, or its time
	// ran out.
	ErrFullDataAnswered = errors.New("eidverify: the full-data request was already answered or has expired")
)

// FullStore is what full-data checks read and write (storage.Storage).
type FullStore interface {
	GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error)
	GetVerifierDevice(ctx context.Context, id string) (storage.VerifierDevice, error)
	GetPerson(ctx context.Context, id string) (storage.Person, error)
	GetEIDFullRequest(ctx context.Context, id string) (storage.EIDFullRequest, error)
	ListEIDFullRequests(ctx context.Context, personID string, state storage.EIDFullState) ([]storage.EIDFullRequest, error)
	InTransaction(ctx context.Context, fn func(tx storage.Storage) error) error
}

// CheckOptions are a check's options (Service.VerifyWith).
type CheckOptions struct {
	// FullData asks for a full-data check after the check succeeds.
	FullData bool
	// DeviceID is the verifier terminal that checks ("" for a relying
	// party's server): only it collects the full data.
	DeviceID string
}

// FullDataRequest is the full-data request a check started.
type FullDataRequest struct {
	ID        string
	ExpiresAt time.Time
}

// FullDataPrompt is a full-data request as the holder sees it: who asks,
// under what law, from which terminal, and exactly the data it will
// receive.
type FullDataPrompt struct {
	Request    storage.EIDFullRequest
	RPName     string
	Kind       relyingparty.InPersonKind
	LegalBasis string
	Device     string
	Name       string
	Number     string
}

// FullData is what the verifier collects: the request's state, and the
// name and number in the one answer that delivers them.
type FullData struct {
	State  FullDataState
	Name   string
	Number string
}

// FullDataState is a full-data request's state as the verifier sees it.
type FullDataState string

// Full-data states for the verifier.
const (
	FullDataPending         FullDataState = "pending"
	FullDataDeclined        FullDataState = "declined"
	FullDataExpired         FullDataState = "expired"
	FullDataProvided        FullDataState = "provided"
	FullDataAlreadyProvided FullDataState = "already_provided"
)

// newFullRequest is the request a successful check with FullData starts.
func (s *Service) newFullRequest(personID, credentialID string, rp storage.RelyingParty, opt CheckOptions, now time.Time) (storage.EIDFullRequest, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return storage.EIDFullRequest{}, fmt.Errorf("eidverify: randomness: %w", err)
	}
	return storage.EIDFullRequest{
		ID: "fd_" + base64.RawURLEncoding.EncodeToString(b), PersonID: personID, CredentialID: credentialID,
		RPID: rp.ID, DeviceID: opt.DeviceID, State: storage.EIDFullPending, CreatedAt: now, ExpiresAt: now.Add(FullDataTTL),
	}, nil
}

// PendingFullData returns the full-data requests waiting for personID's
// answer, oldest first, each with the full name and number the verifier
// would receive.
func (s *Service) PendingFullData(ctx context.Context, personID string) ([]FullDataPrompt, error) {
	if s.Full == nil {
		return nil, nil
	}
	list, err := s.Full.ListEIDFullRequests(ctx, personID, storage.EIDFullPending)
	if err != nil {
		return nil, fmt.Errorf("eidverify: listing full-data requests: %w", err)
	}
	now := s.now()
	var out []FullDataPrompt
	for _, r := range list {
		if !now.Before(r.ExpiresAt) {
			continue
		}
		if out == nil {
			out = []FullDataPrompt{}
		}
		p, err := s.prompt(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *Service) prompt(ctx context.Context, r storage.EIDFullRequest) (FullDataPrompt, error) {
	rp, err := s.Full.GetRelyingParty(ctx, r.RPID)
	if err != nil {
		return FullDataPrompt{}, fmt.Errorf("eidverify: loading the relying party: %w", err)
	}
	kind, _ := relyingparty.InPersonKindOf(rp)
	p := FullDataPrompt{Request: r, RPName: rp.Name, Kind: kind, LegalBasis: rp.LegalBasis}
	if r.DeviceID != "" {
		if d, err := s.Full.GetVerifierDevice(ctx, r.DeviceID); err == nil {
			p.Device = d.Name
		}
	}
	person, err := s.Full.GetPerson(ctx, r.PersonID)
	if err != nil {
		return FullDataPrompt{}, fmt.Errorf("eidverify: loading the person: %w", err)
	}
	id, err := s.identity(person)
	if err != nil {
		return FullDataPrompt{}, err
	}
	p.Name, p.Number = id.Name, id.Number
	return p, nil
}

// AnswerFullData records personID's answer to request id: approve lets
// the verifier collect the data once; decline ends the request, and the
// refusal is a record in the holder's history. The caller has checked
// the holder's credential password. Errors: ErrFullDataNotFound,
// ErrFullDataAnswered.
func (s *Service) AnswerFullData(ctx context.Context, personID, id string, approve bool) error {
	if s.Full == nil {
		return ErrFullDataNotFound
	}
	now := s.now()
	return s.Full.InTransaction(ctx, func(tx storage.Storage) error {
		var rpID string
		_, err := tx.UpdateEIDFullRequest(ctx, id, func(r storage.EIDFullRequest) (storage.EIDFullRequest, error) {
			if r.PersonID != personID {
				return r, ErrFullDataNotFound
			}
			if r.State != storage.EIDFullPending || !now.Before(r.ExpiresAt) {
				return r, ErrFullDataAnswered
			}
			r.State, r.AnsweredAt = storage.EIDFullApproved, now
			if !approve {
				r.State = storage.EIDFullDeclined
			}
			rpID = r.RPID
			return r, nil
		})
		if errors.Is(err, storage.ErrNotFound) {
			return ErrFullDataNotFound
		}
		if err != nil || approve {
			return err
		}
		rp, err := tx.GetRelyingParty(ctx, rpID)
		if err != nil {
			return fmt.Errorf("eidverify: loading the relying party: %w", err)
		}
		return s.recordFull(ctx, tx, rp, personID, OutcomeDeclined)
	})
}

// CollectFullData gives the verifier rp (terminal deviceID, "" for its
// server) the state of its request id, and the full name and number in the
// one answer after the holder approved: the delivery and its record
// commit together, so the data is given once and every delivery is
// recorded. Errors: ErrFullDataNotFound.
func (s *Service) CollectFullData(ctx context.Context, rp storage.RelyingParty, deviceID, id string) (FullData, error) {
	if s.Full == nil {
		return FullData{}, ErrFullDataNotFound
	}
	r, err := s.Full.GetEIDFullRequest(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (r.RPID != rp.ID || r.DeviceID != deviceID)) {
		return FullData{}, ErrFullDataNotFound
	}
	if err != nil {
		return FullData{}, fmt.Errorf("eidverify: loading the full-data request: %w", err)
	}
	now := s.now()
	switch r.State {
	case storage.EIDFullPending:
		if !now.Before(r.ExpiresAt) {
			return FullData{State: FullDataExpired}, nil
		}
		return FullData{State: FullDataPending}, nil
	case storage.EIDFullDeclined:
		return FullData{State: FullDataDeclined}, nil
	case storage.EIDFullDelivered:
		return FullData{State: FullDataAlreadyProvided}, nil
	}
	person, err := s.Full.GetPerson(ctx, r.PersonID)
	if err != nil {
		return FullData{}, fmt.Errorf("eidverify: loading the person: %w", err)
	}
	if person.State != storage.PersonActive {
		return FullData{State: FullDataExpired}, nil
	}
	id2, err := s.identity(person)
	if err != nil {
		return FullData{}, err
	}
	errGone := errors.New("delivered")
	err = s.Full.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.UpdateEIDFullRequest(ctx, id, func(cur storage.EIDFullRequest) (storage.EIDFullRequest, error) {
			if cur.State != storage.EIDFullApproved {
				return cur, errGone
			}
			cur.State, cur.DeliveredAt = storage.EIDFullDelivered, now
			return cur, nil
		}); err != nil {
			return err
		}
		return s.recordFull(ctx, tx, rp, r.PersonID, OutcomeApproved)
	})
	if errors.Is(err, errGone) {
		return FullData{State: FullDataAlreadyProvided}, nil
	}
	if err != nil {
		return FullData{}, err
	}
	return FullData{State: FullDataProvided, Name: id2.Name, Number: id2.Number}, nil
}

// recordFull appends the record of a full-data answer: delivered
// (approved, naming the full fields) or declined.
func (s *Service) recordFull(ctx context.Context, tx storage.Storage, rp storage.RelyingParty, personID, outcome string) error {
	r := storage.Record{
		Time: s.now(), PersonID: personID, RPID: rp.ID, RPName: rp.Name,
		Channel: Channel, Level: Level, Provided: []string{FullName, FullNumber}, Outcome: outcome,
	}
	if _, err := s.Records.AppendIn(ctx, tx, r); err != nil {
		return fmt.Errorf("eidverify: writing the record: %w", err)
	}
	return nil
}
