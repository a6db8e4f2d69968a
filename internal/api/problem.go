package api

// Errors are RFC 9457 problem documents (application/problem+json, package
// httpx): type, title, status, detail, and these extension members where
// they apply.
const (
	// ExtRemainingAttempts is the number of tries left before a lockout
	// (a wrong credential password or SMS code).
	ExtRemainingAttempts = "remaining_attempts"
	// ExtLockedUntil is when a locked credential password unlocks
	// (RFC 3339).
	ExtLockedUntil = "locked_until"
	// ExtRetryAfter is how many seconds to wait before asking for another
	// SMS code.
	ExtRetryAfter = "retry_after"
	// ExtState is the ApplicationState an application is in, when a step
	// does not fit it.
	ExtState = "state"
	// ExtCode is the PhoneCode that failed in a phone number change.
	ExtCode = "code"
)

// PhoneCode names one of the two codes of a phone number change.
type PhoneCode string

// Phone codes.
const (
	// PhoneCodeOld went to the linked number (PhoneConfirmRequest.OldCode).
	PhoneCodeOld PhoneCode = "old"
	// PhoneCodeNew went to the new number (PhoneConfirmRequest.NewCode).
	PhoneCodeNew PhoneCode = "new"
)

// Valid reports whether c is old or new.
func (c PhoneCode) Valid() bool { return c == PhoneCodeOld || c == PhoneCodeNew }
