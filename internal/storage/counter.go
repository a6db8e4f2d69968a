package storage

import (
	"context"
	"time"
)

// CounterStore is the register of counters (柜台): police stations and
// service halls an operator registered, whose terminals read a person's
// document chip, check the face with their own equipment and submit an
// application signed by the counter's key. Storage embeds it; the rules of
// Storage hold (sentinels, UpdateCounter in a transaction holding the row,
// fn's error returned unchanged with nothing written, UTC times with
// microsecond precision).
type CounterStore interface {
	// CreateCounter registers c; ErrAlreadyExists if its ID is taken.
	CreateCounter(ctx context.Context, c Counter) error
	GetCounter(ctx context.Context, id string) (Counter, error)
	// ListCounters returns every counter ordered by ID (bytewise); nil if
	// there are none.
	ListCounters(ctx context.Context) ([]Counter, error)
	UpdateCounter(ctx context.Context, id string, fn func(Counter) (Counter, error)) (Counter, error)
}

// CounterState is whether a counter's submissions are accepted.
type CounterState string

// Counter states.
const (
	CounterActive   CounterState = "active"
	CounterDisabled CounterState = "disabled"
)

// Counter is an operator-registered counter (柜台): a police station or a
// government service hall whose terminal applies on a person's behalf.
type Counter struct {
	ID   string
	Name string
	// Kind is what sort of counter it is (police_station, service_hall).
	Kind string
	// LegalBasis is the law or act that lets it proof people.
	LegalBasis string
	// PublicKey is the counter's public key as a JWK (JSON, ES256 on
	// P-256); KeyID is its RFC 7638 thumbprint.
	PublicKey []byte
	KeyID     string
	// Certificate is the DER certificate the key was registered with, if
	// it was registered with one (empty for a bare JWK).
	Certificate []byte
	State       CounterState
	// DisabledReason says why an operator disabled it.
	DisabledReason string
	CreatedAt      time.Time
	DisabledAt     time.Time
	UpdatedAt      time.Time
}
