package verification

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/storage"
)

// ScanLink returns the link a session's QR code carries, for whoever holds
// both the session's id and its code (the relying party, which was given
// them when it created the session, or the page it shows them on). The
// code is what makes the pair unguessable: a wrong code is answered as if
// the session did not exist. Only a live session has a link worth
// scanning; an expired one gives ErrSessionExpired, one that has ended
// ErrSessionClosed.
func (s *Service) ScanLink(ctx context.Context, id, code string) (storage.Session, deeplink.Link, error) {
	if id == "" || code == "" {
		return storage.Session{}, deeplink.Link{}, ErrSessionNotFound
	}
	sess, err := s.Store.GetSession(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Session{}, deeplink.Link{}, ErrSessionNotFound
	}
	if err != nil {
		return storage.Session{}, deeplink.Link{}, fmt.Errorf("verification: loading session: %w", err)
	}
	if subtle.ConstantTimeCompare(sess.CodeHash, s.codeHash(code)) != 1 {
		return storage.Session{}, deeplink.Link{}, ErrSessionNotFound
	}
	if sess, err = s.expireIfDue(ctx, sess); err != nil {
		return storage.Session{}, deeplink.Link{}, err
	}
	switch {
	case sess.State == storage.SessionExpired:
		return storage.Session{}, deeplink.Link{}, ErrSessionExpired
	case final(sess.State):
		return storage.Session{}, deeplink.Link{}, fmt.Errorf("%w: it is %s", ErrSessionClosed, sess.State)
	}
	return sess, deeplink.Link{Action: "verify", Platform: s.Issuer, Code: code}, nil
}
