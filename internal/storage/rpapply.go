package storage

import (
	"context"
	"time"
)

// RPApplicationStore keeps organisations' applications to become relying
// parties, and counts a relying party's verification records by day. The
// rules of Storage hold (sentinels, Update methods in a transaction holding
// the row lock, fn's error returned unchanged with nothing written, UTC
// times with microsecond precision, empty string slices read back nil).
type RPApplicationStore interface {
	// CreateRPApplication stores a new application; ErrAlreadyExists if
	// its ID is taken.
	CreateRPApplication(ctx context.Context, a RPApplication) error
	GetRPApplication(ctx context.Context, id string) (RPApplication, error)
	// ListRPApplications returns the applications in state (every
	// application for ""), oldest first (by CreatedAt, a zero CreatedAt
	// first, then ID).
	ListRPApplications(ctx context.Context, state RPApplicationState) ([]RPApplication, error)
	UpdateRPApplication(ctx context.Context, id string, fn func(RPApplication) (RPApplication, error)) (RPApplication, error)

	// CountRPRecords counts the verification records of relying party
	// rpID whose Time is in [from, to), by the day of Time in zone (as
	// "2006-01-02"), Level and Outcome; ordered by day, level, outcome.
	// Nothing found is a nil slice.
	CountRPRecords(ctx context.Context, rpID string, from, to time.Time, zone *time.Location) ([]RecordCount, error)
}

// RPApplicationState is where an application of a relying party stands.
type RPApplicationState string

// States of a relying party's application.
const (
	// RPApplicationPending: submitted; its domains are proved one by one;
	// an operator has not decided yet.
	RPApplicationPending RPApplicationState = "pending"
	// RPApplicationApproved: an operator approved it and the relying party
	// is registered under ClientID.
	RPApplicationApproved RPApplicationState = "approved"
	// RPApplicationRefused: an operator refused it, for Reason.
	RPApplicationRefused RPApplicationState = "refused"
)

// RPApplication is an organisation's application to become a relying
// party. It holds no personal data: an organisation's registration.
type RPApplication struct {
	ID    string
	State RPApplicationState
	// TokenHash is the MAC of the applicant's bearer token.
	TokenHash []byte
	// ClientID is the client ID asked for (and given once approved).
	ClientID     string
	Name         string
	Category     string
	LegalBasis   string
	Domains      []string
	RedirectURIs []string
	Claims       []string
	// AltURL and AltText are the way in it offers people without a 网号.
	AltURL  string
	AltText string
	// Challenge is the value each domain publishes to prove it is the
	// applicant's (a freshness value, not a secret).
	Challenge string
	// Proved are the domains the platform found the challenge at.
	Proved []string
	// Reason is the operator's reason for the decision.
	Reason string
	// CredentialsAt is when the applicant received its client secret;
	// zero before.
	CredentialsAt time.Time
	DecidedAt     time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RecordCount is how many records of one relying party share a day, level
// and outcome.
type RecordCount struct {
	Day     string
	Level   string
	Outcome string
	Count   int64
}
