package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/proofing"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/sms"
	"github.com/netid-project/netid/internal/status"
	"github.com/netid-project/netid/internal/verification"
)

// ErrSMSUnavailable: no SMS gateway is configured.
var ErrSMSUnavailable = errors.New("no SMS gateway is configured on this platform")

// The server's own problem types, beside those of the tables.
var (
	typeInvalidDecision = httpx.NewType(http.StatusBadRequest, "invalid-decision")
	typeInvalidFaceHash = httpx.NewType(http.StatusBadRequest, "invalid-face-hash")
	typeInvalidPaging   = httpx.NewType(http.StatusBadRequest, "invalid-paging")
	typeInvalidTreeSize = httpx.NewType(http.StatusBadRequest, "invalid-tree-size")
	typeMintFailed      = httpx.NewType(http.StatusUnprocessableEntity, "mint-failed")
	typeNoAuditHead     = httpx.NewType(http.StatusNotFound, "no-audit-head")
	typeNoMessage       = httpx.NewType(http.StatusNotFound, "no-message")
	typeNotReady        = httpx.NewType(http.StatusServiceUnavailable, "not-ready")
)

// mapping maps a domain error to a problem type; the type's title is the
// message catalogue's (i18n.ProblemTitle of its slug).
type mapping struct {
	err error
	typ httpx.Type
}

// mappings is the one table from domain errors to problem types. The
// detail of a problem is the error's message, which by the packages'
// contracts never carries personal data.
var mappings = []mapping{
	{proofing.ErrNotFound, httpx.NewType(http.StatusNotFound, "application-not-found")},
	{proofing.ErrExpired, httpx.NewType(http.StatusGone, "application-expired")},
	{proofing.ErrDeclined, httpx.NewType(http.StatusGone, "application-declined")},
	{proofing.ErrWrongState, httpx.NewType(http.StatusConflict, "wrong-state")},
	{proofing.ErrDocumentType, httpx.NewType(http.StatusUnprocessableEntity, "document-type-mismatch")},
	{proofing.ErrGuardianRequired, httpx.NewType(http.StatusForbidden, "guardian-required")},
	{proofing.ErrNotAChild, httpx.NewType(http.StatusUnprocessableEntity, "not-a-child")},
	{proofing.ErrGuardianIneligible, httpx.NewType(http.StatusUnprocessableEntity, "guardian-ineligible")},
	{proofing.ErrFaceAttempts, httpx.NewType(http.StatusForbidden, "face-attempts-exhausted")},
	{proofing.ErrDeviceProof, httpx.NewType(http.StatusBadRequest, "invalid-device-proof")},
	{proofing.ErrBatchLimit, httpx.NewType(http.StatusTooManyRequests, "batch-limit")},
	{proofing.ErrNotGuardian, httpx.NewType(http.StatusNotFound, "guardian-request-not-found")},
	{proofing.ErrNoPhone, httpx.NewType(http.StatusConflict, "no-phone")},
	{proofing.ErrKind, httpx.NewType(http.StatusUnprocessableEntity, "application-kind")},
	{proofing.ErrNoSuchHolder, httpx.NewType(http.StatusNotFound, "no-such-holder")},
	{proofing.ErrPhoneNotLinked, httpx.NewType(http.StatusUnprocessableEntity, "phone-not-linked")},
	{proofing.ErrPhoneMisses, httpx.NewType(http.StatusTooManyRequests, "phone-misses")},
	{proofing.ErrPasswordTries, httpx.NewType(http.StatusForbidden, "password-tries-exhausted")},
	{proofing.ErrTriesFromClient, httpx.NewType(http.StatusTooManyRequests, "password-tries-client")},
	{proofing.ErrTriesForHolder, httpx.NewType(http.StatusTooManyRequests, "password-tries-holder")},
	{proofing.ErrCodeLimit, httpx.NewType(http.StatusTooManyRequests, "sms-holder-limit")},
	{proofing.ErrCounterFace, httpx.NewType(http.StatusUnprocessableEntity, "counter-face-binding")},
	{proofing.ErrCounterMinor, httpx.NewType(http.StatusForbidden, "counter-minor")},
	{person.ErrSamePhone, httpx.NewType(http.StatusUnprocessableEntity, "same-phone")},
	{person.ErrOperatorHold, httpx.NewType(http.StatusForbidden, "operator-suspension")},
	{proofing.ErrDocumentExpired, httpx.NewType(http.StatusUnprocessableEntity, "document-expired-reapply")},
	{person.ErrNothingToResume, httpx.NewType(http.StatusConflict, "nothing-to-resume")},
	{person.ErrNoCredential, httpx.NewType(http.StatusConflict, "no-active-credential")},

	{chip.ErrMalformed, httpx.NewType(http.StatusBadRequest, "malformed-chip-data")},
	{chip.ErrUntrusted, httpx.NewType(http.StatusUnprocessableEntity, "untrusted-document-signer")},
	{chip.ErrBadSignature, httpx.NewType(http.StatusUnprocessableEntity, "chip-signature-invalid")},
	{chip.ErrHashMismatch, httpx.NewType(http.StatusUnprocessableEntity, "chip-data-altered")},
	{chip.ErrCertificateInvalid, httpx.NewType(http.StatusUnprocessableEntity, "document-signer-certificate-invalid")},
	{chip.ErrDocumentExpired, httpx.NewType(http.StatusUnprocessableEntity, "document-expired")},
	{chip.ErrDocumentNotYetValid, httpx.NewType(http.StatusUnprocessableEntity, "document-not-yet-valid")},
	{document.ErrInvalidNumber, httpx.NewType(http.StatusUnprocessableEntity, "invalid-document-number")},
	{document.ErrInvalidIdentity, httpx.NewType(http.StatusUnprocessableEntity, "invalid-identity-data")},
	{document.ErrIdentityMismatch, httpx.NewType(http.StatusUnprocessableEntity, "document-number-mismatch")},

	{liveness.ErrUntrusted, httpx.NewType(http.StatusUnprocessableEntity, "untrusted-liveness-provider")},
	{liveness.ErrInvalid, httpx.NewType(http.StatusBadRequest, "invalid-liveness-attestation")},
	{liveness.ErrMismatch, httpx.NewType(http.StatusUnprocessableEntity, "liveness-binding-mismatch")},
	{liveness.ErrNotLive, httpx.NewType(http.StatusUnprocessableEntity, "not-live")},
	{liveness.ErrBelowThreshold, httpx.NewType(http.StatusUnprocessableEntity, "face-mismatch")},
	{liveness.ErrExpired, httpx.NewType(http.StatusUnprocessableEntity, "liveness-attestation-expired")},

	{sms.ErrInvalidPhone, httpx.NewType(http.StatusUnprocessableEntity, "invalid-phone")},
	{sms.ErrTooSoon, httpx.NewType(http.StatusTooManyRequests, "sms-too-soon")},
	{sms.ErrDailyCap, httpx.NewType(http.StatusTooManyRequests, "sms-daily-cap")},
	{sms.ErrCodeExpired, httpx.NewType(http.StatusUnprocessableEntity, "code-expired")},
	{sms.ErrCodeUsed, httpx.NewType(http.StatusConflict, "code-used")},
	{sms.ErrWrongCode, httpx.NewType(http.StatusUnprocessableEntity, "wrong-code")},
	{sms.ErrTooManyAttempts, httpx.NewType(http.StatusTooManyRequests, "code-attempts-exhausted")},
	{sms.ErrNoCode, httpx.NewType(http.StatusConflict, "no-code")},
	{ErrSMSUnavailable, httpx.NewType(http.StatusServiceUnavailable, "sms-unavailable")},

	{ErrLivenessUnavailable, httpx.NewType(http.StatusServiceUnavailable, "liveness-unavailable")},
	{ErrLivenessUnauthenticated, httpx.NewType(http.StatusUnauthorized, "liveness-unauthenticated")},
	{ErrLivenessProvider, httpx.NewType(http.StatusBadGateway, "liveness-provider-failed")},
	{ErrInvalidCapture, httpx.NewType(http.StatusBadRequest, "invalid-face-capture")},
	{verification.ErrNoFaceCheck, httpx.NewType(http.StatusConflict, "no-face-check-due")},

	{password.ErrWeak, httpx.NewType(http.StatusUnprocessableEntity, "weak-password")},
	{password.ErrWrongPassword, httpx.NewType(http.StatusForbidden, "wrong-password")},
	{password.ErrLocked, httpx.NewType(http.StatusLocked, "password-locked")},

	{guardian.ErrUntrusted, httpx.NewType(http.StatusUnprocessableEntity, "untrusted-relationship-authority")},
	{guardian.ErrInvalid, httpx.NewType(http.StatusBadRequest, "invalid-relationship-evidence")},
	{guardian.ErrMismatch, httpx.NewType(http.StatusUnprocessableEntity, "relationship-mismatch")},
	{guardian.ErrExpired, httpx.NewType(http.StatusUnprocessableEntity, "relationship-evidence-expired")},
	{guardian.ErrInvalidClaim, httpx.NewType(http.StatusUnprocessableEntity, "invalid-relationship-claim")},

	{holder.ErrUnauthenticated, httpx.NewType(http.StatusUnauthorized, "holder-unauthenticated")},
	{holder.ErrReplay, httpx.NewType(http.StatusUnauthorized, "holder-proof-replayed")},
	{holder.ErrInactive, httpx.NewType(http.StatusForbidden, "credential-inactive")},

	{status.ErrUnknownList, httpx.NewType(http.StatusNotFound, "status-list-not-found")},

	{verification.ErrInvalidRequest, httpx.NewType(http.StatusBadRequest, "invalid-verification-request")},
	{verification.ErrNotAllowed, httpx.NewType(http.StatusForbidden, "claim-not-allowed")},
	{verification.ErrSessionNotFound, httpx.NewType(http.StatusNotFound, "session-not-found")},
	{verification.ErrSessionExpired, httpx.NewType(http.StatusGone, "session-expired")},
	{verification.ErrSessionClosed, httpx.NewType(http.StatusConflict, "session-closed")},
	{verification.ErrNoLongerUsable, httpx.NewType(http.StatusConflict, "no-longer-usable")},
	{verification.ErrSessionClaimed, httpx.NewType(http.StatusConflict, "session-claimed")},
	{verification.ErrWrongHolder, httpx.NewType(http.StatusForbidden, "wrong-holder")},
	{verification.ErrLevel, httpx.NewType(http.StatusUnprocessableEntity, "level-not-reached")},
	{verification.ErrNotGuardian, httpx.NewType(http.StatusNotFound, "guardian-request-not-found")},
	{verification.ErrNotUnder14, httpx.NewType(http.StatusUnprocessableEntity, "not-under-14")},
	{verification.ErrNoSuchRelyingParty, httpx.NewType(http.StatusNotFound, "relying-party-not-found")},
	{verification.ErrTooManyReports, httpx.NewType(http.StatusTooManyRequests, "too-many-reports")},
	{relyingparty.ErrUnauthenticated, httpx.NewType(http.StatusUnauthorized, "client-unauthenticated")},
	{relyingparty.ErrDisabled, httpx.NewType(http.StatusForbidden, "client-disabled")},
}

// problem maps err to a problem document; errors it does not know stay as
// they are and WriteError answers them with a generic 500.
func problem(err error) error {
	var p *httpx.Problem
	if errors.As(err, &p) {
		return p
	}
	if limited, ok := errors.AsType[*relyingparty.RateLimitError](err); ok {
		return httpx.RateLimited(limited.RetryAfter)
	}
	for _, m := range mappings {
		if errors.Is(err, m.err) {
			pr := httpx.New(m.typ, err.Error())
			var wrong *password.WrongPasswordError
			if errors.As(err, &wrong) {
				pr = pr.With(api.ExtRemainingAttempts, wrong.Remaining)
			}
			var wrongCode *sms.WrongCodeError
			if errors.As(err, &wrongCode) {
				pr = pr.With(api.ExtRemainingAttempts, wrongCode.Remaining)
			}
			var locked *password.LockedError
			if errors.As(err, &locked) {
				pr = pr.With(api.ExtLockedUntil, locked.Until.UTC().Format(time.RFC3339))
			}
			var soon *sms.TooSoonError
			if errors.As(err, &soon) {
				pr = pr.With(api.ExtRetryAfter, int64(soon.RetryAfter.Round(time.Second)/time.Second))
			}
			var reports *verification.ReportLimitError
			if errors.As(err, &reports) {
				pr = pr.With(api.ExtRetryAfter, int64((reports.RetryAfter+time.Second-1)/time.Second))
			}
			var st *proofing.StateError
			if errors.As(err, &st) {
				pr = pr.With(api.ExtState, toAPI(applicationStates, st.Have))
			}
			return pr
		}
	}
	return err
}
