package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// MaxReason is the longest status reason, in characters.
const MaxReason = 200

// ReasonHolder is the status reason of a holder's suspension when they
// give none.
const ReasonHolder = "suspended by the holder"

// ReasonUnderOperator is the reason left when an operator lifts a hold laid
// over an earlier suspension (by the holder, or by a recovery when the
// device was reported lost): that suspension stands again.
const ReasonUnderOperator = "suspended before the operator's hold"

// checkReason trims a status reason and checks it: at most MaxReason
// characters of printable text (it is shown to the holder and to
// operators; it must not hold personal data, which cannot be checked).
func checkReason(reason string, required bool) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" && required {
		return "", fmt.Errorf("%w: a reason is required", ErrReason)
	}
	if !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > MaxReason {
		return "", fmt.Errorf("%w: at most %d characters of text", ErrReason, MaxReason)
	}
	for _, r := range reason {
		if !unicode.IsPrint(r) {
			return "", fmt.Errorf("%w: control characters are not allowed", ErrReason)
		}
	}
	return reason, nil
}

// SuspendByHolder suspends the holder's credential credentialID after
// checking their credential password. reason is optional (ReasonHolder
// by default). An operator's suspension is left as it is
// (person.ErrOperatorHold).
func (s *Service) SuspendByHolder(ctx context.Context, personID, credentialID, pw, reason string) (storage.Credential, error) {
	reason, err := checkReason(reason, false)
	if err != nil {
		return storage.Credential{}, err
	}
	if reason == "" {
		reason = ReasonHolder
	}
	return s.holderStatus(ctx, personID, credentialID, pw, person.HolderMaySuspend, func(c *storage.Credential) {
		c.Status, c.StatusBy, c.StatusReason = storage.CredentialSuspended, storage.StatusByHolder, reason
	}, OutcomeSuspendedByHolder)
}

// ResumeByHolder lifts the holder's own suspension of credentialID after
// checking their credential password. An operator's suspension stays
// (person.ErrOperatorHold); an active credential has nothing to resume
// (person.ErrNothingToResume).
func (s *Service) ResumeByHolder(ctx context.Context, personID, credentialID, pw string) (storage.Credential, error) {
	return s.holderStatus(ctx, personID, credentialID, pw, person.HolderMayResume, func(c *storage.Credential) {
		c.Status, c.StatusBy, c.StatusReason = storage.CredentialActive, "", ""
	}, OutcomeResumedByHolder)
}

// holderStatus checks that the change is allowed, then the password, then
// changes the credential in one update that checks again.
func (s *Service) holderStatus(ctx context.Context, personID, credentialID, pw string, allowed func(storage.Credential, string, time.Time) error, change func(*storage.Credential), outcome string) (storage.Credential, error) {
	if _, err := s.activePerson(ctx, personID); err != nil {
		return storage.Credential{}, err
	}
	c, err := s.Store.GetCredential(ctx, credentialID)
	if errors.Is(err, storage.ErrNotFound) {
		return c, person.ErrNoCredential
	}
	if err != nil {
		return c, fmt.Errorf("lifecycle: loading credential: %w", err)
	}
	// Checked before the password, so a password attempt is not spent on
	// a change that cannot happen; checked again inside the update.
	if err := allowed(c, personID, s.now()); err != nil {
		return c, err
	}
	if err := s.Passwords.Verify(ctx, personID, pw); err != nil {
		return c, err
	}
	err = s.commit(ctx, personID, outcome, nil, func(tx storage.Storage) error {
		var err error
		c, err = tx.UpdateCredential(ctx, credentialID, func(c storage.Credential) (storage.Credential, error) {
			now := s.now()
			if err := allowed(c, personID, now); err != nil {
				return c, err
			}
			change(&c)
			c.UpdatedAt = now
			return c, nil
		})
		if err != nil {
			return fmt.Errorf("lifecycle: changing credential status: %w", err)
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	s.invalidate(ctx, c)
	return c, nil
}

// Action is an operator's action on a person's credentials.
type Action string

// Operator actions.
const (
	// ActionSuspend suspends the person's usable credentials (also one the
	// holder suspended: the operator's suspension then holds).
	ActionSuspend Action = "suspend"
	// ActionResume lifts the operators' suspensions (not the holder's).
	ActionResume Action = "resume"
	// ActionRevoke revokes every credential not yet revoked.
	ActionRevoke Action = "revoke"
)

// CredentialView is a credential as an operator sees it.
type CredentialView struct {
	ID string
	// State is active, suspended, revoked or expired.
	State        string
	StatusBy     string
	StatusReason string
	StatusList   string
	StatusIndex  int64
	DeviceKeyID  string
	IssuedAt     time.Time
	ExpiresAt    time.Time
	UpdatedAt    time.Time
}

// PersonView is a person's network identity as an operator sees it: no
// personal data beyond the 网号 the operator already has.
type PersonView struct {
	Wanghao string
	// State is active or cancelled.
	State       string
	CreatedAt   time.Time
	CancelledAt *time.Time
	Guardian    bool
	Credentials []CredentialView
	// Changed lists the IDs of the credentials the action changed.
	Changed []string
}

// personByWanghao finds the person holding wanghao (any spelling
// netnum.Parse accepts).
func (s *Service) personByWanghao(ctx context.Context, wanghao string) (storage.Person, error) {
	wh, err := netnum.Parse(wanghao)
	if err != nil {
		return storage.Person{}, fmt.Errorf("%w: the 网号 is not valid", ErrNoSuchPerson)
	}
	p, err := s.Store.GetPersonByWanghao(ctx, wh)
	if errors.Is(err, storage.ErrNotFound) {
		return p, ErrNoSuchPerson
	}
	if err != nil {
		return p, fmt.Errorf("lifecycle: loading person: %w", err)
	}
	return p, nil
}

// OperatorView returns the person holding wanghao and their credentials,
// newest first.
func (s *Service) OperatorView(ctx context.Context, wanghao string) (PersonView, error) {
	p, err := s.personByWanghao(ctx, wanghao)
	if err != nil {
		return PersonView{}, err
	}
	return s.operatorView(ctx, p)
}

func (s *Service) operatorView(ctx context.Context, p storage.Person) (PersonView, error) {
	creds, err := s.Store.ListCredentials(ctx, p.ID)
	if err != nil {
		return PersonView{}, fmt.Errorf("lifecycle: listing credentials: %w", err)
	}
	v := PersonView{Wanghao: netnum.Format(p.Wanghao), State: string(p.State), CreatedAt: p.CreatedAt, Guardian: p.GuardianID != "", Credentials: []CredentialView{}}
	if !p.CancelledAt.IsZero() {
		at := p.CancelledAt
		v.CancelledAt = &at
	}
	now := s.now()
	for i := len(creds) - 1; i >= 0; i-- {
		c := creds[i]
		v.Credentials = append(v.Credentials, CredentialView{
			ID: c.ID, State: State(c, now), StatusBy: c.StatusBy, StatusReason: c.StatusReason,
			StatusList: c.StatusList, StatusIndex: c.StatusIndex, DeviceKeyID: c.DeviceKeyID,
			IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, UpdatedAt: c.UpdatedAt,
		})
	}
	return v, nil
}

// operatorChange is what action does to c at now, or false if it does not
// apply to c.
func operatorChange(action Action, c *storage.Credential, reason string, now time.Time) bool {
	switch action {
	case ActionSuspend:
		if c.Status == storage.CredentialRevoked || !now.Before(c.ExpiresAt) || storage.OperatorHold(*c) {
			return false
		}
		by := storage.StatusByOperator
		if c.Status == storage.CredentialSuspended {
			// Over the holder's (or a recovery's) suspension, which the
			// operator's resume will give back.
			by = storage.OperatorOver(c.StatusBy)
		}
		c.Status, c.StatusBy, c.StatusReason = storage.CredentialSuspended, by, reason
	case ActionResume:
		if !storage.OperatorHold(*c) {
			return false
		}
		if inner := storage.UnderOperator(*c); inner != "" {
			c.StatusBy, c.StatusReason = inner, ReasonUnderOperator
			break
		}
		c.Status, c.StatusBy, c.StatusReason = storage.CredentialActive, "", ""
	case ActionRevoke:
		if c.Status == storage.CredentialRevoked {
			return false
		}
		c.Status, c.StatusBy, c.StatusReason = storage.CredentialRevoked, storage.StatusByOperator, reason
	default:
		return false
	}
	c.UpdatedAt = now
	return true
}

// Operator carries out an operator's action on the credentials of the
// person holding wanghao, with a reason (required; it is shown to the
// holder, so it must not hold personal data). It returns the person's view
// after the action. Nothing to act on is ErrNoOperatorSuspension (resume)
// or person.ErrNoCredential (suspend, revoke); a cancelled person's
// credentials are already revoked.
func (s *Service) Operator(ctx context.Context, wanghao string, action Action, reason string) (PersonView, error) {
	if action != ActionSuspend && action != ActionResume && action != ActionRevoke {
		return PersonView{}, fmt.Errorf("%w: want suspend, resume or revoke", ErrAction)
	}
	reason, err := checkReason(reason, true)
	if err != nil {
		return PersonView{}, err
	}
	p, err := s.personByWanghao(ctx, wanghao)
	if err != nil {
		return PersonView{}, err
	}
	creds, err := s.Store.ListCredentials(ctx, p.ID)
	if err != nil {
		return PersonView{}, fmt.Errorf("lifecycle: listing credentials: %w", err)
	}
	outcome := map[Action]string{ActionSuspend: OutcomeSuspendedByOperator, ActionResume: OutcomeResumedByOperator, ActionRevoke: OutcomeRevokedByOperator}[action]
	var changed []string
	var changedCreds []storage.Credential
	// The changes and their record commit together: an operator's action
	// is never in force without its record, nor recorded without effect.
	err = s.commit(ctx, p.ID, outcome, nil, func(tx storage.Storage) error {
		changed, changedCreds = changed[:0], changedCreds[:0]
		for _, c := range creds {
			if !operatorChange(action, &c, reason, s.now()) {
				continue
			}
			applied := false
			_, err := tx.UpdateCredential(ctx, c.ID, func(c storage.Credential) (storage.Credential, error) {
				applied = operatorChange(action, &c, reason, s.now())
				return c, nil
			})
			if err != nil {
				return fmt.Errorf("lifecycle: changing credential status: %w", err)
			}
			if applied {
				changed, changedCreds = append(changed, c.ID), append(changedCreds, c)
			}
		}
		switch {
		case len(changed) > 0:
			return nil
		case action == ActionResume:
			return ErrNoOperatorSuspension
		default:
			return person.ErrNoCredential
		}
	})
	if err != nil {
		return PersonView{}, err
	}
	s.invalidate(ctx, changedCreds...)
	v, err := s.operatorView(ctx, p)
	if err != nil {
		return v, err
	}
	v.Changed = changed
	return v, nil
}
