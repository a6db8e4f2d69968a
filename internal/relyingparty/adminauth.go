package relyingparty

import (
	"net/http"

	"github.com/netid-project/netid/internal/httpx"
)

// The admin token guards every operators' API (relying parties here,
// counters in package counter): these let another API check it the same
// way.

// Enabled reports whether the admin API is on: an admin token is
// configured.
func (a *AdminAPI) Enabled() bool { return len(a.TokenMAC) > 0 && a.MAC != nil }

// Authorized reports whether r carries the admin token (compared by its
// MAC, in constant time).
func (a *AdminAPI) Authorized(r *http.Request) bool { return a.Enabled() && a.authorized(r) }

// AdminUnauthorized is the problem a request without a valid admin token
// gets.
func AdminUnauthorized() error {
	return httpx.New(TypeAdminUnauthorized, "A valid admin bearer token is required.")
}
