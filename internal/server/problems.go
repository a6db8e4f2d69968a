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

type mapping struct {
	err    error
	status int
	slug   string
	title  string
}

// mappings is the one table from domain errors to problem types. The
// detail of a problem is the error's message, which by the packages'
// contracts never carries personal data.
var mappings = []mapping{
	{proofing.ErrNotFound, http.StatusNotFound, "application-not-found", "Application not found"},
	{proofing.ErrExpired, http.StatusGone, "application-expired", "Application expired"},
	{proofing.ErrDeclined, http.StatusGone, "application-declined", "Application declined by the guardian"},
	{proofing.ErrWrongState, http.StatusConflict, "wrong-state", "Step not allowed now"},
	{proofing.ErrDocumentType, http.StatusUnprocessableEntity, "document-type-mismatch", "Document type does not match"},
	{proofing.ErrGuardianRequired, http.StatusForbidden, "guardian-required", "A guardian must apply for this person"},
	{proofing.ErrNotAChild, http.StatusUnprocessableEntity, "not-a-child", "Only children under 14 are applied for by a guardian"},
	{proofing.ErrGuardianIneligible, http.StatusUnprocessableEntity, "guardian-ineligible", "Guardian not eligible"},
	{proofing.ErrFaceAttempts, http.StatusForbidden, "face-attempts-exhausted", "Too many failed face checks"},
	{proofing.ErrDeviceProof, http.StatusBadRequest, "invalid-device-proof", "Invalid device key proof"},
	{proofing.ErrBatchLimit, http.StatusTooManyRequests, "batch-limit", "Too many new batches today"},
	{proofing.ErrNotGuardian, http.StatusNotFound, "guardian-request-not-found", "No such guardian request"},
	{proofing.ErrNoPhone, http.StatusConflict, "no-phone", "No phone number given yet"},
	{proofing.ErrKind, http.StatusUnprocessableEntity, "application-kind", "Unknown or unsuitable kind of application"},
	{proofing.ErrNoSuchHolder, http.StatusNotFound, "no-such-holder", "No network identity in use for this 网号 or document"},
	{proofing.ErrPhoneNotLinked, http.StatusUnprocessableEntity, "phone-not-linked", "Not the phone number linked to the network identity"},
	{proofing.ErrPhoneMisses, http.StatusTooManyRequests, "phone-misses", "Too many wrong phone numbers today"},
	{proofing.ErrPasswordTries, http.StatusForbidden, "password-tries-exhausted", "Too many wrong passwords in this application"},
	{proofing.ErrTriesFromClient, http.StatusTooManyRequests, "password-tries-client", "Too many password tries from this address"},
	{proofing.ErrTriesForHolder, http.StatusTooManyRequests, "password-tries-holder", "Too many password tries for this network identity today"},
	{proofing.ErrCodeLimit, http.StatusTooManyRequests, "sms-holder-limit", "Too many codes sent to the linked phone"},
	{person.ErrSamePhone, http.StatusUnprocessableEntity, "same-phone", "The new phone number is the one already linked"},
	{person.ErrOperatorHold, http.StatusForbidden, "operator-suspension", "The network credential is suspended by an operator"},
	{proofing.ErrDocumentExpired, http.StatusUnprocessableEntity, "document-expired-reapply", "The identity document has expired: apply with the renewed document"},
	{person.ErrNothingToResume, http.StatusConflict, "nothing-to-resume", "No credential suspended by its holder"},
	{person.ErrNoCredential, http.StatusConflict, "no-active-credential", "No active network credential"},

	{chip.ErrMalformed, http.StatusBadRequest, "malformed-chip-data", "Malformed chip data"},
	{chip.ErrUntrusted, http.StatusUnprocessableEntity, "untrusted-document-signer", "Document signer not trusted"},
	{chip.ErrBadSignature, http.StatusUnprocessableEntity, "chip-signature-invalid", "Chip data signature invalid"},
	{chip.ErrHashMismatch, http.StatusUnprocessableEntity, "chip-data-altered", "Chip data altered"},
	{chip.ErrCertificateInvalid, http.StatusUnprocessableEntity, "document-signer-certificate-invalid", "Document signer certificate invalid"},
	{chip.ErrDocumentExpired, http.StatusUnprocessableEntity, "document-expired", "Document expired"},
	{chip.ErrDocumentNotYetValid, http.StatusUnprocessableEntity, "document-not-yet-valid", "Document not yet valid"},
	{document.ErrInvalidNumber, http.StatusUnprocessableEntity, "invalid-document-number", "Invalid document number"},
	{document.ErrInvalidIdentity, http.StatusUnprocessableEntity, "invalid-identity-data", "Identity data in the chip is missing or impossible"},
	{document.ErrIdentityMismatch, http.StatusUnprocessableEntity, "document-number-mismatch", "Document number disagrees with the chip data"},

	{liveness.ErrUntrusted, http.StatusUnprocessableEntity, "untrusted-liveness-provider", "Liveness provider not trusted"},
	{liveness.ErrInvalid, http.StatusBadRequest, "invalid-liveness-attestation", "Invalid liveness attestation"},
	{liveness.ErrMismatch, http.StatusUnprocessableEntity, "liveness-binding-mismatch", "Liveness attestation is for another check"},
	{liveness.ErrNotLive, http.StatusUnprocessableEntity, "not-live", "Liveness not confirmed"},
	{liveness.ErrBelowThreshold, http.StatusUnprocessableEntity, "face-mismatch", "Face does not match the document"},
	{liveness.ErrExpired, http.StatusUnprocessableEntity, "liveness-attestation-expired", "Liveness attestation expired"},

	{sms.ErrInvalidPhone, http.StatusUnprocessableEntity, "invalid-phone", "Invalid phone number"},
	{sms.ErrTooSoon, http.StatusTooManyRequests, "sms-too-soon", "Code requested too soon"},
	{sms.ErrDailyCap, http.StatusTooManyRequests, "sms-daily-cap", "Daily code limit reached for this number"},
	{sms.ErrCodeExpired, http.StatusUnprocessableEntity, "code-expired", "Code expired"},
	{sms.ErrCodeUsed, http.StatusConflict, "code-used", "Code already used"},
	{sms.ErrWrongCode, http.StatusUnprocessableEntity, "wrong-code", "Wrong code"},
	{sms.ErrTooManyAttempts, http.StatusTooManyRequests, "code-attempts-exhausted", "Too many wrong codes"},
	{sms.ErrNoCode, http.StatusConflict, "no-code", "No code was sent"},
	{ErrSMSUnavailable, http.StatusServiceUnavailable, "sms-unavailable", "SMS unavailable"},

	{password.ErrWeak, http.StatusUnprocessableEntity, "weak-password", "Credential password too weak"},
	{password.ErrWrongPassword, http.StatusForbidden, "wrong-password", "Wrong credential password"},
	{password.ErrLocked, http.StatusLocked, "password-locked", "Credential password locked"},

	{guardian.ErrUntrusted, http.StatusUnprocessableEntity, "untrusted-relationship-authority", "Relationship authority not trusted"},
	{guardian.ErrInvalid, http.StatusBadRequest, "invalid-relationship-evidence", "Invalid relationship evidence"},
	{guardian.ErrMismatch, http.StatusUnprocessableEntity, "relationship-mismatch", "Relationship evidence is for someone else"},
	{guardian.ErrExpired, http.StatusUnprocessableEntity, "relationship-evidence-expired", "Relationship evidence expired"},
	{guardian.ErrInvalidClaim, http.StatusUnprocessableEntity, "invalid-relationship-claim", "Invalid relationship claim"},

	{holder.ErrUnauthenticated, http.StatusUnauthorized, "holder-unauthenticated", "Holder proof invalid"},
	{holder.ErrReplay, http.StatusUnauthorized, "holder-proof-replayed", "Holder proof already used"},
	{holder.ErrInactive, http.StatusForbidden, "credential-inactive", "Network credential not active"},

	{status.ErrUnknownList, http.StatusNotFound, "status-list-not-found", "No such status list"},

	{verification.ErrInvalidRequest, http.StatusBadRequest, "invalid-verification-request", "Invalid verification request"},
	{verification.ErrNotAllowed, http.StatusForbidden, "claim-not-allowed", "Claim not allowed for this relying party"},
	{verification.ErrSessionNotFound, http.StatusNotFound, "session-not-found", "Verification session not found"},
	{verification.ErrSessionExpired, http.StatusGone, "session-expired", "Verification session expired"},
	{verification.ErrSessionClosed, http.StatusConflict, "session-closed", "Verification session already ended"},
	{verification.ErrNoLongerUsable, http.StatusConflict, "no-longer-usable", "Credential or relying party no longer usable for this verification"},
	{verification.ErrSessionClaimed, http.StatusConflict, "session-claimed", "Verification session belongs to another wallet"},
	{verification.ErrWrongHolder, http.StatusForbidden, "wrong-holder", "This verification is for another person"},
	{verification.ErrLevel, http.StatusUnprocessableEntity, "level-not-reached", "Assurance level not reached"},
	{verification.ErrNotGuardian, http.StatusNotFound, "guardian-request-not-found", "No such guardian request"},
	{verification.ErrNotUnder14, http.StatusUnprocessableEntity, "not-under-14", "The ward is 14 or older: no guardian consent applies"},
	{verification.ErrNoSuchRelyingParty, http.StatusNotFound, "relying-party-not-found", "No such relying party"},
	{verification.ErrTooManyReports, http.StatusTooManyRequests, "too-many-reports", "Too many reported presentations today"},
	{relyingparty.ErrUnauthenticated, http.StatusUnauthorized, "client-unauthenticated", "Relying party not authenticated"},
	{relyingparty.ErrDisabled, http.StatusForbidden, "client-disabled", "Relying party disabled"},
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
			pr := httpx.New(m.status, m.slug, m.title, err.Error())
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
