package wallet

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/httpx"
)

// Errors a caller tells apart. Each is wrapped with detail that never holds
// personal data; test with errors.Is.
var (
	// ErrNoWallet: the directory holds no wallet.json.
	ErrNoWallet = errors.New("wallet: no credential in this wallet")
	// ErrNoPending: the directory holds no application in progress.
	ErrNoPending = errors.New("wallet: no application in progress")
	// ErrMalformed: wallet.json or pending.json is not a file this package
	// wrote (bad JSON, unknown version, out-of-range parameters,
	// inconsistent fields).
	ErrMalformed = errors.New("wallet: malformed wallet file")
	// ErrWrongPassword: the wallet could not be opened with the password:
	// the password is wrong or the file was altered (AES-GCM cannot tell
	// the two apart).
	ErrWrongPassword = errors.New("wallet: wrong credential password, or the wallet file was altered")
	// ErrCredentialExists: the wallet directory already holds a credential
	// and the options do not say to replace it.
	ErrCredentialExists = errors.New("wallet: the wallet already holds a credential")
	// ErrOptions: ApplyOptions lack something the application needs.
	ErrOptions = errors.New("wallet: incomplete apply options")
	// ErrWaitingForGuardian: the application waits for the guardian's
	// confirmation; it was saved and can be resumed.
	ErrWaitingForGuardian = errors.New("wallet: waiting for the guardian to confirm the application")
	// ErrGuardianMissing: the applicant is a minor and no guardian 网号 was
	// given; resume with one.
	ErrGuardianMissing = errors.New("wallet: a minor's application needs the guardian's 网号")
	// ErrDeclined: the guardian declined the application.
	ErrDeclined = errors.New("wallet: the guardian declined the application")
	// ErrApplicationExpired: the application's time ran out (or too many
	// face checks failed); apply again.
	ErrApplicationExpired = errors.New("wallet: the application expired; apply again")
	// ErrAlreadyIssued: the application was issued but this wallet does not
	// hold the credential (it was interrupted while saving); apply again,
	// which revokes the lost credential.
	ErrAlreadyIssued = errors.New("wallet: the application was already issued; apply again")
	// ErrUnexpectedState: the platform reported a state this wallet does
	// not know, or an application made no progress.
	ErrUnexpectedState = errors.New("wallet: unexpected application state")
	// ErrDocument: the document file is not usable chip data.
	ErrDocument = errors.New("wallet: unusable document file")
	// ErrCredentialMismatch: the issued credential does not verify, is not
	// bound to this device's key or names another 网号 or id than the
	// platform said.
	ErrCredentialMismatch = errors.New("wallet: the issued credential does not match the application")
	// ErrPasswordNotConfirmed: after issuance, the password given to lock
	// the wallet is not the credential password the platform holds.
	ErrPasswordNotConfirmed = errors.New("wallet: the password is not the credential password")
	// ErrResponse: the platform's answer is not what the API promises
	// (malformed JSON, too large, unexpected status).
	ErrResponse = errors.New("wallet: unexpected response from the platform")
	// ErrServerMismatch: the client's base URL is not the server the
	// wallet or the pending application belongs to.
	ErrServerMismatch = errors.New("wallet: the client's server is not this wallet's server")
)

// APIError is a problem document (RFC 9457) the platform answered with, or,
// for an error response that is not one, its status with a generic title.
type APIError struct {
	Status     int
	Type       string
	Title      string
	Detail     string
	Extensions map[string]any
}

// Error is one line: "title: detail", followed by the attempts left if the
// problem counts them and the detail does not already say so.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Title)
	if b.Len() == 0 {
		b.WriteString(http.StatusText(e.Status))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if n, ok := e.RemainingAttempts(); ok && !strings.Contains(e.Detail, "attempt") {
		fmt.Fprintf(&b, " (%d attempts left)", n)
	}
	return strings.ReplaceAll(b.String(), "\n", " ")
}

// Slug is the last part of the problem type URI ("wrong-password"), or the
// whole type if it is not a netid problem type.
func (e *APIError) Slug() string { return strings.TrimPrefix(e.Type, httpx.ProblemTypeBase) }

// RemainingAttempts returns the remaining_attempts extension, if present.
func (e *APIError) RemainingAttempts() (int, bool) {
	switch v := e.Extensions[api.ExtRemainingAttempts].(type) {
	case float64:
		return int(v), v >= 0 && v == float64(int(v))
	case int:
		return v, v >= 0
	}
	return 0, false
}

// hasSlug reports whether err is an *APIError of the problem type slug.
func hasSlug(err error, slug string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Slug() == slug
}
