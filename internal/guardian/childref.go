package guardian

import (
	"crypto/sha256"
	"encoding/base64"

	"github.com/netid-project/netid/internal/document"
)

// ChildRef is the reference a relationship attestation (Claim.ChildRef) names for
// the child: a digest bound to the application, so it identifies the child
// only within this application and is no reusable identifier.
func ChildRef(applicationID string, t document.Type, number string) string {
	h := sha256.New()
	for _, part := range []string{"netid/child-ref/v1", applicationID, string(t), number} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
