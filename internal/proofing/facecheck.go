package proofing

import (
	"context"

	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/storage"
)

// FaceCheck returns what the liveness attestation of application id must
// be bound to (its face challenge, its ID and the document's face image),
// when its token is right and the application is at the face step. The
// platform relays a wallet page's face check to the liveness provider only
// then; SubmitFace still verifies the attestation the wallet sends.
func (s *Service) FaceCheck(ctx context.Context, id, token string) (liveness.Expect, error) {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return liveness.Expect{}, err
	}
	if a.State != storage.StateFace {
		return liveness.Expect{}, wrongState(a.State, storage.StateFace)
	}
	p, err := s.openProofed(a)
	if err != nil {
		return liveness.Expect{}, err
	}
	want := liveness.Expect{Challenge: string(a.FaceChallenge), ApplicationID: a.ID}
	copy(want.FaceImageHash[:], p.FaceHash)
	return want, nil
}
