package verification

import (
	"context"
	"errors"
	"fmt"

	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// FaceCheck returns what a liveness attestation for session id must be
// bound to (the session's face challenge, its ID and the holder's proofed
// face image), when the face check is due: the session asks for the face
// level and this holder's wallet has opened it and not yet answered. The
// platform relays a wallet page's face check to the liveness provider only
// then; Answer still verifies the attestation the wallet sends.
func (s *Service) FaceCheck(ctx context.Context, h Holder, id string) (liveness.Expect, error) {
	sess, err := s.Store.GetSession(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return liveness.Expect{}, ErrSessionNotFound
	}
	if err != nil {
		return liveness.Expect{}, fmt.Errorf("verification: loading session: %w", err)
	}
	if sess, err = s.expireIfDue(ctx, sess); err != nil {
		return liveness.Expect{}, err
	}
	switch {
	case sess.CredentialID != h.CredentialID:
		// Not opened by this wallet: said as if it did not exist, so
		// session IDs cannot be probed.
		return liveness.Expect{}, ErrSessionNotFound
	case sess.State == storage.SessionExpired:
		return liveness.Expect{}, ErrSessionExpired
	case final(sess.State):
		return liveness.Expect{}, fmt.Errorf("%w: it is %s", ErrSessionClosed, sess.State)
	case sess.State != storage.SessionClaimed || Level(sess.Level) != LevelFace || len(sess.FaceChallenge) == 0:
		return liveness.Expect{}, ErrNoFaceCheck
	}
	pr, err := person.Open(s.Sealer, h.Person)
	if err != nil {
		return liveness.Expect{}, err
	}
	want := liveness.Expect{Challenge: string(sess.FaceChallenge), ApplicationID: sess.ID}
	copy(want.FaceImageHash[:], pr.FaceHash)
	return want, nil
}
