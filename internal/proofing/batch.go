package proofing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// ErrBatchLimit is returned when a holder asks for new batches more often
// than BatchRefreshesPerDay.
var ErrBatchLimit = errors.New("too many new batches today")

// BatchRefreshesPerDay is how many new batches a credential may get in 24
// hours: each takes status list indices, so the number is bounded.
const BatchRefreshesPerDay = 4

// RefreshBatch issues a new batch for the active credential c of person
// p: one batch credential per proof of possession (at most BatchSize, each
// a distinct key, its nonce the credential's ID), with the claims of the
// credential, at random status indices of their own and carrying the
// credential's status. The earlier batch stays valid with the credential;
// the wallet replaces it. Asked for by the holder, whose wallet has
// presented most of its batch.
func (s *Service) RefreshBatch(ctx context.Context, c storage.Credential, p storage.Person, proofs []string) ([]string, error) {
	now := s.now()
	if c.Status != storage.CredentialActive || !now.Before(c.ExpiresAt) || c.PersonID != p.ID {
		return nil, person.ErrNoCredential
	}
	if len(proofs) == 0 {
		return nil, fmt.Errorf("%w: no batch key", ErrDeviceProof)
	}
	// The stored device key is a key of the deployment's suite (an SM2
	// key, which go-jose cannot read, on sm).
	device, err := jws.ParsePublicJWK(c.DeviceKey)
	if err != nil {
		return nil, fmt.Errorf("proofing: stored device key: %w", err)
	}
	members, err := s.verifyBatchProofs(proofs, device, c.ID, now)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.Increment(ctx, "batch-refresh:"+c.ID+":"+now.Format(time.DateOnly), now.Add(48*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("proofing: counting new batches: %w", err)
	}
	if n > BatchRefreshesPerDay {
		return nil, ErrBatchLimit
	}
	pr, err := person.Open(s.Sealer, p)
	if err != nil {
		return nil, fmt.Errorf("proofing: %w", err)
	}
	signer, kid := s.Keys.Signer()
	claims := credential.Claims{
		Issuer:      s.Issuer,
		VCT:         credential.VCTWangzheng,
		Wanghao:     p.Wanghao,
		IssuedAt:    now,
		ExpiresAt:   c.ExpiresAt,
		Disclosable: disclosable(pr.Identity, s.today()),
	}
	var batch []string
	err = s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		slots, err := tx.ListStatusSlots(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("proofing: listing status slots: %w", err)
		}
		first := 1
		for _, sl := range slots {
			first = max(first, sl.Member+1)
		}
		slots, err = s.Indices.AllocateAll(ctx, tx, memberSlots(c.ID, first, members, now))
		if err != nil {
			return fmt.Errorf("proofing: allocating status indices: %w", err)
		}
		batch, err = s.signBatch(claims, members, slots, signer, kid)
		return err
	})
	if err != nil {
		return nil, err
	}
	return batch, nil
}
