package wallet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Pending is an application in progress, saved in pending.json so that
// Resume can continue it. It holds the application's bearer token and the
// applicant's phone number, so it is written with mode 0600 like the
// wallet.
type Pending struct {
	Server        string `json:"server"`
	ApplicationID string `json:"application_id"`
	Token         string `json:"token"`
	DocumentPath  string `json:"document_path"`
	Phone         string `json:"phone,omitempty"`
	// Guardian is the guardian's 网号: named by a 14–17 applicant, or the
	// applying guardian's own for a child under 14.
	Guardian string `json:"guardian,omitempty"`
	// OnBehalf is set when a guardian applies for a child under 14.
	OnBehalf bool `json:"on_behalf,omitempty"`
}

// SavePending writes p to dir's pending.json, replacing any earlier one.
func SavePending(dir string, p Pending) error {
	if err := p.check(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("wallet: encoding pending application: %w", err)
	}
	return writeAtomic(dir, PendingFile, append(b, '\n'))
}

// LoadPending reads dir's pending.json; ErrNoPending if there is none.
func LoadPending(dir string) (Pending, error) {
	b, err := readBounded(filepath.Join(dir, PendingFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Pending{}, ErrNoPending
	}
	if err != nil {
		return Pending{}, err
	}
	return parsePending(b)
}

func parsePending(b []byte) (Pending, error) {
	var p Pending
	if err := decodeStrict(b, &p); err != nil {
		return Pending{}, fmt.Errorf("%w: pending application: %w", ErrMalformed, err)
	}
	if err := p.check(); err != nil {
		return Pending{}, err
	}
	return p, nil
}

func (p Pending) check() error {
	if err := checkServer(p.Server); err != nil {
		return err
	}
	if p.ApplicationID == "" || p.Token == "" || p.DocumentPath == "" {
		return fmt.Errorf("%w: pending application lacks its id, token or document path", ErrMalformed)
	}
	return nil
}

// RemovePending deletes dir's pending.json; no error if there is none.
func RemovePending(dir string) error {
	err := os.Remove(filepath.Join(dir, PendingFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("wallet: removing pending application: %w", err)
	}
	return nil
}
