package verification

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// Channels of a session.
const (
	ChannelSession      = "session"
	ChannelOIDC         = "oidc"
	ChannelPresentation = "presentation"
)

// Request is what a relying party asks.
type Request struct {
	// Level is the minimum assurance level.
	Level Level
	// Claims are the claims asked for beyond the result and the pairwise
	// subject, which every answer carries.
	Claims []string
	// Purpose is shown to the holder.
	Purpose string
	// CallbackURL, if set, is told when the session ends.
	CallbackURL string
	// Nonce is echoed in the result.
	Nonce string
	// Subject, if set, names the only holder (by pairwise subject) who may
	// answer.
	Subject string
	// Channel is ChannelSession (default) or ChannelOIDC; Data the
	// channel's own state.
	Channel string
	Data    []byte
}

// Created is a new session: the code goes into the QR code and the link.
type Created struct {
	Session storage.Session
	// Code is the session code, shown once.
	Code string
	// Link is the netid:// link carrying the code.
	Link deeplink.Link
}

// CreateSession starts a verification for a relying party.
func (s *Service) CreateSession(ctx context.Context, rp storage.RelyingParty, req Request) (Created, error) {
	if rp.Disabled {
		return Created{}, fmt.Errorf("%w: the relying party is disabled", ErrInvalidRequest)
	}
	if req.Level == "" {
		req.Level = LevelPossession
	}
	if req.Level.Rank() == 0 {
		return Created{}, fmt.Errorf("%w: unknown assurance level", ErrInvalidRequest)
	}
	if err := checkClaims(rp, req.Claims); err != nil {
		return Created{}, err
	}
	req.Purpose = strings.TrimSpace(req.Purpose)
	if n := utf8.RuneCountInString(req.Purpose); n == 0 || n > 200 {
		return Created{}, fmt.Errorf("%w: a purpose of 1 to 200 characters is required: the holder is shown it", ErrInvalidRequest)
	}
	if len(req.Nonce) > 256 {
		return Created{}, fmt.Errorf("%w: nonce longer than 256 bytes", ErrInvalidRequest)
	}
	if req.CallbackURL != "" {
		if err := checkCallback(rp, req.CallbackURL); err != nil {
			return Created{}, err
		}
	}
	if req.Channel == "" {
		req.Channel = ChannelSession
	}
	code, err := s.random(32)
	if err != nil {
		return Created{}, err
	}
	now := s.now()
	sess := storage.Session{
		ID:          uuid.NewString(),
		RPID:        rp.ID,
		Channel:     req.Channel,
		CodeHash:    s.codeHash(code),
		Level:       string(req.Level),
		Claims:      dedupe(req.Claims),
		Purpose:     req.Purpose,
		CallbackURL: req.CallbackURL,
		Nonce:       req.Nonce,
		Subject:     req.Subject,
		State:       storage.SessionPending,
		Data:        req.Data,
		CreatedAt:   now,
		UpdatedAt:   now,
		ExpiresAt:   now.Add(s.sessionTTL()),
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return Created{}, fmt.Errorf("verification: storing session: %w", err)
	}
	return Created{Session: sess, Code: code, Link: deeplink.Link{Action: "verify", Platform: s.Issuer, Code: code}}, nil
}

func (s *Service) codeHash(code string) []byte { return s.MAC.MAC("session-code", []byte(code)) }

func dedupe(in []string) []string {
	var out []string
	for _, c := range in {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// Always are the claims every answer carries.
var Always = []string{"verified", "sub"}

func checkClaims(rp storage.RelyingParty, claims []string) error {
	var errs []error
	for _, c := range claims {
		switch {
		case slices.Contains(Always, c):
		case !relyingparty.Known(c):
			errs = append(errs, fmt.Errorf("%w: unknown claim %q", ErrInvalidRequest, c))
		case relyingparty.InPersonOnly(c):
			errs = append(errs, fmt.Errorf("%w: %q is shown only in person (the electronic ID card)", ErrNotAllowed, c))
		case !slices.Contains(rp.AllowedClaims, c):
			errs = append(errs, fmt.Errorf("%w: %q", ErrNotAllowed, c))
		case relyingparty.IsPlaintext(c) && rp.LegalBasis == "":
			errs = append(errs, fmt.Errorf("%w: %q is plaintext and the relying party has no legal basis", ErrNotAllowed, c))
		}
	}
	return errors.Join(errs...)
}

func checkCallback(rp storage.RelyingParty, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%w: callback_url must be an absolute URL", ErrInvalidRequest)
	}
	host := u.Hostname()
	loopback := host == "127.0.0.1" || host == "::1" || host == "localhost"
	switch {
	case u.Scheme == "https" && (slices.Contains(rp.Domains, host) || loopback):
	case u.Scheme == "http" && loopback:
	default:
		return fmt.Errorf("%w: callback_url must be https on one of the relying party's verified domains", ErrInvalidRequest)
	}
	return nil
}

// Get returns a relying party's session, expiring it if its time ran out.
func (s *Service) Get(ctx context.Context, rpID, id string) (storage.Session, error) {
	sess, err := s.Store.GetSession(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && sess.RPID != rpID) {
		return storage.Session{}, ErrSessionNotFound
	}
	if err != nil {
		return storage.Session{}, fmt.Errorf("verification: loading session: %w", err)
	}
	return s.expireIfDue(ctx, sess)
}

// ResultJWT returns the signed result of an approved session.
func (s *Service) ResultJWT(sess storage.Session) (string, error) {
	if sess.State != storage.SessionApproved || len(sess.Result) == 0 {
		return "", nil
	}
	b, err := s.Sealer.Open(sess.Result, sessionAAD(sess.ID, "result"))
	if err != nil {
		return "", fmt.Errorf("verification: opening result: %w", err)
	}
	return string(b), nil
}

func sessionAAD(id, field string) []byte { return []byte("session:" + id + ":" + field) }

func final(st storage.SessionState) bool {
	switch st {
	case storage.SessionPending, storage.SessionClaimed, storage.SessionAwaitingGuardian:
		return false
	}
	return true
}

// expireIfDue marks a live session past its expiry expired and records it.
func (s *Service) expireIfDue(ctx context.Context, sess storage.Session) (storage.Session, error) {
	if final(sess.State) || s.now().Before(sess.ExpiresAt) {
		return sess, nil
	}
	return s.end(ctx, sess.ID, storage.SessionExpired, "", func(*storage.Session) error { return nil })
}

// end moves a live session to a final state and records the outcome. If
// someone else ended the session first, it reports the session as it is
// now, without error.
func (s *Service) end(ctx context.Context, id string, state storage.SessionState, errType string, fn func(*storage.Session) error) (storage.Session, error) {
	return s.endSession(ctx, id, state, errType, fn, false, "", nil)
}

// endOnce is end for a holder's answer: of racing answers exactly one
// ends the session; the others get ErrSessionClosed.
func (s *Service) endOnce(ctx context.Context, id string, state storage.SessionState, errType string, fn func(*storage.Session) error) (storage.Session, error) {
	return s.endSession(ctx, id, state, errType, fn, true, "", nil)
}

// endSession ends the session and writes its verification record in one
// transaction, with also (if set) in between: an ended session always has
// its record (whose ID is the session's), and a record that cannot be
// written leaves the session as it was.
func (s *Service) endSession(ctx context.Context, id string, state storage.SessionState, errType string, fn func(*storage.Session) error, once bool, rpName string, also func(tx storage.Storage, ended storage.Session) error) (storage.Session, error) {
	var ended storage.Session
	err := s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		var err error
		ended, err = tx.UpdateSession(ctx, id, func(x storage.Session) (storage.Session, error) {
			if final(x.State) {
				return x, errClosed{x.State}
			}
			if err := fn(&x); err != nil {
				return x, err
			}
			x.State, x.Error, x.UpdatedAt = state, errType, s.now()
			return x, nil
		})
		if err != nil {
			return err
		}
		if also != nil {
			if err := also(tx, ended); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, ended, rpName)
	})
	var closed errClosed
	if errors.As(err, &closed) && once {
		return storage.Session{}, fmt.Errorf("%w: it is %s", ErrSessionClosed, closed.state)
	}
	if errors.As(err, &closed) {
		// Someone else ended it first: report what it is now.
		cur, gerr := s.Store.GetSession(ctx, id)
		if gerr != nil {
			return storage.Session{}, gerr
		}
		return cur, nil
	}
	if err != nil {
		return storage.Session{}, err
	}
	s.notify(ctx, ended)
	return ended, nil
}

// notify hands an ended session with a callback URL to the Notifier.
func (s *Service) notify(ctx context.Context, ended storage.Session) {
	if s.Notifier == nil || ended.CallbackURL == "" {
		return
	}
	rp, err := s.Store.GetRelyingParty(ctx, ended.RPID)
	if err != nil {
		return
	}
	result, err := s.ResultJWT(ended)
	if err != nil {
		return // the relying party still polls for the outcome
	}
	s.Notifier.Notify(rp, ended, result)
}

type errClosed struct{ state storage.SessionState }

func (e errClosed) Error() string { return "session already " + string(e.state) }

// record writes the verification record of an ended session, in tx. The
// record's ID is the session's: every ended session can be matched with
// its record (storage.Storage.ListUnrecordedSessions). rpName is the
// relying party's name as the caller read it in this request; empty reads
// it in tx.
func (s *Service) record(ctx context.Context, tx storage.Storage, sess storage.Session, rpName string) error {
	if rpName == "" {
		rpName = sess.RPID
		if rp, err := tx.GetRelyingParty(ctx, sess.RPID); err == nil {
			rpName = rp.Name
		}
	}
	level := sess.LevelReached
	if level == "" {
		level = sess.Level
	}
	_, err := s.Records.AppendIn(ctx, tx, storage.Record{
		ID:         sess.ID,
		PersonID:   sess.PersonID,
		RPID:       sess.RPID,
		RPName:     rpName,
		Channel:    sess.Channel,
		Level:      level,
		Provided:   sess.Provided,
		Outcome:    string(sess.State),
		GuardianID: sess.GuardianID,
	})
	if err != nil {
		return fmt.Errorf("verification: writing the record: %w", err)
	}
	return nil
}

// Cancel ends a relying party's live session.
func (s *Service) Cancel(ctx context.Context, rpID, id string) (storage.Session, error) {
	sess, err := s.Get(ctx, rpID, id)
	if err != nil {
		return sess, err
	}
	if final(sess.State) {
		return sess, fmt.Errorf("%w: it is %s", ErrSessionClosed, sess.State)
	}
	return s.end(ctx, id, storage.SessionCancelled, "", func(*storage.Session) error { return nil })
}

// Holder is the authenticated holder answering (holder.Holder's parts).
type Holder struct {
	CredentialID string
	Person       storage.Person
	// Proof, if set, is the request's holder proof, verified but not yet
	// recorded as used (holder.Verifier.VerifyDeferred): Open and Answer
	// record it in the transaction of the change they make, or on its own
	// when they refuse before one, so a replayed proof changes nothing.
	Proof *holder.Proof
}

// spend records h's proof as used now, on its own, and returns h without
// it; holder.ErrReplay if it was used already.
func (s *Service) spend(ctx context.Context, h Holder) (Holder, error) {
	if h.Proof == nil {
		return h, nil
	}
	p := h.Proof
	h.Proof = nil
	return h, p.Use(ctx, s.Store)
}

// step runs fn in one transaction that also records proof as used (if
// set): the proof's record and the change commit together. If the
// transaction fails but for a replay, the proof is recorded on its own, so
// that it cannot serve again either way.
func (s *Service) step(ctx context.Context, proof *holder.Proof, fn func(tx storage.Storage) error) error {
	err := s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		if proof != nil {
			if err := proof.Use(ctx, tx); err != nil {
				return err
			}
		}
		return fn(tx)
	})
	s.spendAfter(ctx, proof, err)
	return err
}

// spendAfter records proof (if set) on its own after its step failed
// with err (if not nil) for a reason other than a replay: the step's
// change, which was to record it, did not, and the proof must not serve
// again either way.
func (s *Service) spendAfter(ctx context.Context, proof *holder.Proof, err error) {
	if err != nil && proof != nil && !errors.Is(err, holder.ErrReplay) {
		_ = proof.Use(ctx, s.Store)
	}
}

// Prompt is what the holder's wallet shows before approving.
type Prompt struct {
	SessionID string
	RP        struct {
		ID         string
		Name       string
		Domains    []string
		Category   string
		LegalBasis string
		// AltURL and AltText are the other way in it offers people who
		// do not use a 网号 (empty if it named none).
		AltURL  string
		AltText string
	}
	Purpose string
	Level   Level
	// Claims are shared on approval: the result, the pairwise identifier,
	// and the identifiers and age markers asked for.
	Claims []string
	// Plaintext are plaintext fields asked for: shared only with the
	// holder's separate consent; declining them still allows a
	// result-only verification.
	Plaintext []string
	// FaceChallenge and FaceImageHash are set at the face level.
	FaceChallenge string
	FaceImageHash string
	ExpiresAt     time.Time
	// GuardianConsent says a guardian must consent before the result is
	// given (an under-14 holder's first use of this relying party).
	GuardianConsent bool
}

// Open is a holder's wallet opening a session code: it claims the session
// for this wallet (a code opened by one wallet cannot be answered by
// another) and returns what to show.
func (s *Service) Open(ctx context.Context, h Holder, code string) (Prompt, error) {
	if code == "" {
		if _, err := s.spend(ctx, h); err != nil {
			return Prompt{}, err
		}
		return Prompt{}, ErrSessionNotFound
	}
	// A face challenge is drawn for every open; the claim keeps it only
	// for a session at the face level that has none yet.
	challenge, err := s.random(32)
	if err != nil {
		return Prompt{}, err
	}
	// The claim and the proof's record commit together; the claim is one
	// conditional UPDATE … RETURNING: of two wallets opening one code, one
	// claims it. A session it does not match (unknown code, expired,
	// ended, another wallet's) is read afterwards to say which.
	var sess storage.Session
	var rp storage.RelyingParty
	claimed := false
	claim := storage.SessionClaim{
		CodeHash: s.codeHash(code), CredentialID: h.CredentialID, PersonID: h.Person.ID,
		ChallengeLevel: string(LevelFace), Challenge: []byte(challenge), Now: s.now(),
	}
	// A session any holder may open is claimed by the statement that
	// records the proof, without a transaction around it (on PostgreSQL
	// one round trip where a transaction takes four). A session for one
	// holder only is claimed in the transaction below, which compares the
	// holder with it before it commits; the proof is spent by then.
	if h.Proof != nil {
		open := claim
		open.OpenOnly, open.Nonce = true, h.Proof.Nonce()
		sess, err = s.Store.ClaimSession(ctx, open)
		switch {
		case err == nil:
			claimed = true
		case errors.Is(err, storage.ErrAlreadyExists):
			return Prompt{}, holder.ErrReplay
		case errors.Is(err, storage.ErrNotFound):
			h.Proof = nil
		default:
			s.spendAfter(ctx, h.Proof, err)
			return Prompt{}, fmt.Errorf("verification: claiming session: %w", err)
		}
	}
	if !claimed {
		err = s.step(ctx, h.Proof, func(tx storage.Storage) error {
			var err error
			sess, rp, claimed, err = s.claimFor(ctx, tx, h, claim)
			return err
		})
	}
	if err != nil {
		return Prompt{}, err
	}
	if !claimed {
		cur, err := s.byCode(ctx, code)
		if err != nil {
			return Prompt{}, err
		}
		if cur.CredentialID != h.CredentialID {
			return Prompt{}, ErrSessionClaimed
		}
		return Prompt{}, fmt.Errorf("%w: it is %s", ErrSessionClosed, cur.State)
	}
	if rp.ID == "" {
		if rp, err = s.relyingParty(ctx, sess.RPID); err != nil {
			return Prompt{}, fmt.Errorf("verification: loading relying party: %w", err)
		}
	}
	return s.prompt(ctx, h, sess, rp)
}

// claimFor claims a session for h in tx and reports whether it did
// (false: no session matched). For a session for one holder only it reads
// the relying party and checks that h is that holder: ErrWrongHolder, on
// which the transaction rolls the claim back.
func (s *Service) claimFor(ctx context.Context, tx storage.Storage, h Holder, claim storage.SessionClaim) (storage.Session, storage.RelyingParty, bool, error) {
	var rp storage.RelyingParty
	sess, err := tx.ClaimSession(ctx, claim)
	if errors.Is(err, storage.ErrNotFound) {
		return sess, rp, false, nil
	}
	if err != nil {
		return sess, rp, false, fmt.Errorf("verification: claiming session: %w", err)
	}
	if sess.Subject == "" {
		return sess, rp, true, nil
	}
	// A session for one holder only: anyone else's claim rolls back.
	// (Read in the transaction: on SQLite it holds the one writer.)
	if rp, err = tx.GetRelyingParty(ctx, sess.RPID); err != nil {
		return sess, rp, true, fmt.Errorf("verification: loading relying party: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(sess.Subject), []byte(s.Subject(rp, h.Person.ID))) != 1 {
		return sess, rp, true, ErrWrongHolder
	}
	return sess, rp, true, nil
}

// prompt is what h's wallet shows for the session it claimed.
func (s *Service) prompt(ctx context.Context, h Holder, sess storage.Session, rp storage.RelyingParty) (Prompt, error) {
	pr, err := person.Open(s.Sealer, h.Person)
	if err != nil {
		return Prompt{}, err
	}
	p := Prompt{SessionID: sess.ID, Purpose: sess.Purpose, Level: Level(sess.Level), ExpiresAt: sess.ExpiresAt}
	p.RP.ID, p.RP.Name, p.RP.Domains, p.RP.Category, p.RP.LegalBasis = rp.ID, rp.Name, rp.Domains, rp.Category, rp.LegalBasis
	p.RP.AltURL, p.RP.AltText = rp.AltURL, rp.AltText
	p.Claims = append([]string(nil), Always...)
	for _, c := range sess.Claims {
		if relyingparty.IsPlaintext(c) {
			p.Plaintext = append(p.Plaintext, c)
		} else if !slices.Contains(p.Claims, c) {
			p.Claims = append(p.Claims, c)
		}
	}
	if len(sess.FaceChallenge) > 0 {
		p.FaceChallenge = string(sess.FaceChallenge)
		p.FaceImageHash = base64.RawURLEncoding.EncodeToString(pr.FaceHash)
	}
	need, err := s.needsGuardian(ctx, h.Person, pr, rp.ID)
	if err != nil {
		return Prompt{}, err
	}
	p.GuardianConsent = need
	return p, nil
}

// byCode finds a live session by its code.
func (s *Service) byCode(ctx context.Context, code string) (storage.Session, error) {
	if code == "" {
		return storage.Session{}, ErrSessionNotFound
	}
	sess, err := s.Store.GetSessionByCode(ctx, s.codeHash(code))
	if errors.Is(err, storage.ErrNotFound) {
		return sess, ErrSessionNotFound
	}
	if err != nil {
		return sess, fmt.Errorf("verification: loading session: %w", err)
	}
	sess, err = s.expireIfDue(ctx, sess)
	if err != nil {
		return sess, err
	}
	switch {
	case sess.State == storage.SessionExpired:
		return sess, ErrSessionExpired
	case final(sess.State):
		return sess, fmt.Errorf("%w: it is %s", ErrSessionClosed, sess.State)
	}
	return sess, nil
}

// needsGuardian reports whether the person is under 14 and their guardian
// has not yet consented to this relying party.
func (s *Service) needsGuardian(ctx context.Context, p storage.Person, pr person.Proofed, rpID string) (bool, error) {
	if pr.Identity.Birth.AgeOn(s.today()) >= 14 {
		return false, nil
	}
	c, err := s.Store.GetConsent(ctx, p.ID, rpID)
	if errors.Is(err, storage.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("verification: loading consent: %w", err)
	}
	return c.GuardianAt.IsZero(), nil
}

// Answer is the holder's decision.
type Answer struct {
	Approve bool
	// Password is the credential password (password and face levels).
	Password string
	// FaceAttestation is the liveness attestation (face level).
	FaceAttestation string
	// Plaintext is the holder's separate consent to the plaintext fields
	// asked for; without it the answer is result-only.
	Plaintext bool
}

// Answer records the holder's decision on a session their wallet opened.
func (s *Service) Answer(ctx context.Context, h Holder, code string, a Answer) (storage.Session, error) {
	sess, err := s.byCode(ctx, code)
	// A possession-level approval records the holder's proof in the
	// transaction that ends the session; every other answer, and a
	// refusal, records it first.
	fast := err == nil && a.Approve && Level(sess.Level) == LevelPossession && a.Password == "" &&
		sess.State == storage.SessionClaimed && sess.CredentialID == h.CredentialID
	if !fast {
		var serr error
		if h, serr = s.spend(ctx, h); serr != nil {
			return storage.Session{}, serr
		}
	}
	if err != nil {
		return sess, err
	}
	if sess.State != storage.SessionClaimed || sess.CredentialID != h.CredentialID {
		if sess.State == storage.SessionPending {
			return sess, fmt.Errorf("%w: open the session first", ErrSessionNotFound)
		}
		return sess, ErrSessionClaimed
	}
	if !a.Approve {
		return s.endOnce(ctx, sess.ID, storage.SessionDeclined, "", func(x *storage.Session) error {
			if x.State != storage.SessionClaimed {
				return fmt.Errorf("%w: it is %s", ErrSessionClosed, x.State)
			}
			return nil
		})
	}
	pr, err := person.Open(s.Sealer, h.Person)
	if err != nil {
		return sess, err
	}
	reached := LevelPossession
	want := Level(sess.Level)
	if want.AtLeast(LevelPassword) || a.Password != "" {
		if a.Password == "" {
			return sess, fmt.Errorf("%w: the credential password is required", ErrLevel)
		}
		if err := s.Passwords.Verify(ctx, h.Person.ID, a.Password); err != nil {
			return sess, err
		}
		reached = LevelPassword
	}
	if want == LevelFace {
		if a.FaceAttestation == "" {
			return sess, fmt.Errorf("%w: a live face check is required", ErrLevel)
		}
		expect := liveness.Expect{Challenge: string(sess.FaceChallenge), ApplicationID: sess.ID}
		copy(expect.FaceImageHash[:], pr.FaceHash)
		if _, err := s.Liveness.Verify(a.FaceAttestation, expect, s.now()); err != nil {
			return sess, err
		}
		reached = LevelFace
	}
	provided := append([]string(nil), Always...)
	for _, c := range sess.Claims {
		if relyingparty.IsPlaintext(c) && !a.Plaintext {
			continue
		}
		if !slices.Contains(provided, c) {
			provided = append(provided, c)
		}
	}
	rp, err := s.relyingParty(ctx, sess.RPID)
	if err != nil {
		return sess, fmt.Errorf("verification: loading relying party: %w", err)
	}
	need, err := s.needsGuardian(ctx, h.Person, pr, rp.ID)
	if err != nil {
		return sess, err
	}
	if need {
		if h, err = s.spend(ctx, h); err != nil {
			return sess, err
		}
		if h.Person.GuardianID == "" {
			return s.end(ctx, sess.ID, storage.SessionFailed, "guardian-unknown", func(*storage.Session) error { return nil })
		}
		return s.Store.UpdateSession(ctx, sess.ID, func(x storage.Session) (storage.Session, error) {
			if x.State != storage.SessionClaimed {
				return x, fmt.Errorf("%w: it is %s", ErrSessionClosed, x.State)
			}
			x.State, x.GuardianID = storage.SessionAwaitingGuardian, h.Person.GuardianID
			x.LevelReached, x.Provided, x.UpdatedAt = string(reached), provided, s.now()
			return x, nil
		})
	}
	// At the possession level nothing slow ran since this request read the
	// session, authenticated the holder (an active credential of an active
	// person) and read the relying party: approve need not read them again.
	// A password or face check takes time, in which a suspension or a
	// relying party's disabling may have landed.
	var fresh *storage.Session
	if reached == LevelPossession {
		fresh = &sess
	}
	return s.approve(ctx, sess.ID, fresh, h.Proof, rp, h.Person, pr, reached, provided, a.Plaintext, storage.SessionClaimed)
}

// approve signs the result and ends the session approved. fresh is the
// session as read in this request, with its holder and relying party
// checked since; nil reads the session again and checks that the
// credential, the person and the relying party are still usable. proof,
// if set, is recorded in the approval's transaction.
func (s *Service) approve(ctx context.Context, id string, fresh *storage.Session, proof *holder.Proof, rp storage.RelyingParty, p storage.Person, pr person.Proofed, reached Level, provided []string, plaintextConsent bool, from storage.SessionState) (storage.Session, error) {
	var sess storage.Session
	if fresh != nil {
		sess = *fresh
	} else {
		var err error
		if sess, err = s.Store.GetSession(ctx, id); err != nil {
			return sess, err
		}
		// Time may have passed since the holder answered (a guardian's
		// consent, a password's hash): the credential, the person and the
		// relying party must still be usable now, when the result is
		// signed.
		if err := s.stillUsable(ctx, sess, rp); err != nil {
			if _, eerr := s.end(ctx, id, storage.SessionFailed, "no-longer-usable", func(*storage.Session) error { return nil }); eerr != nil {
				return sess, eerr
			}
			return sess, err
		}
	}
	values, err := s.claimValues(rp, p, pr, provided)
	if err != nil {
		return sess, err
	}
	now := s.now()
	jwt, err := s.signResult(rp, sess, reached, values, now)
	if err != nil {
		return sess, err
	}
	sealed, err := s.Sealer.Seal([]byte(jwt), sessionAAD(id, "result"))
	if err != nil {
		return sess, fmt.Errorf("verification: sealing result: %w", err)
	}
	// The approval (one conditional UPDATE … RETURNING: of racing
	// answers, one ends the session), the consent it gives, its record and
	// the holder's proof commit together. The proof is recorded by the
	// approval's own statement (SessionEnd.Nonce); if the transaction
	// fails but for a replay, on its own (spendAfter).
	end := storage.SessionEnd{
		State: storage.SessionApproved, LevelReached: string(reached), Provided: provided, Result: sealed,
	}
	if proof != nil {
		end.Nonce = proof.Nonce()
	}
	var ended storage.Session
	notFrom := false
	err = s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		// The end's time is read in the transaction that writes the
		// record, as endSession's is: the record follows it within
		// storage.RecordWindow however long the transaction waited to begin.
		end.UpdatedAt = s.now()
		var err error
		ended, err = tx.FinishSession(ctx, id, from, sess.CredentialID, end)
		if errors.Is(err, storage.ErrNotFound) {
			notFrom = true
			return err
		}
		if errors.Is(err, storage.ErrAlreadyExists) && proof != nil {
			return holder.ErrReplay
		}
		if err != nil {
			return fmt.Errorf("verification: ending session: %w", err)
		}
		if err := s.remember(ctx, tx, p.ID, rp.ID, provided, plaintextConsent, "", time.Time{}); err != nil {
			return err
		}
		return s.record(ctx, tx, ended, rp.Name)
	})
	s.spendAfter(ctx, proof, err)
	if notFrom {
		cur, gerr := s.Store.GetSession(ctx, id)
		if gerr != nil {
			return storage.Session{}, fmt.Errorf("verification: loading session: %w", gerr)
		}
		return storage.Session{}, fmt.Errorf("%w: it is %s", ErrSessionClosed, cur.State)
	}
	if err != nil {
		return storage.Session{}, err
	}
	s.notify(ctx, ended)
	return ended, nil
}

// consents is where remember keeps consents: the Store, or a transaction.
type consents interface {
	UpdateConsent(ctx context.Context, personID, rpID string, fn func(storage.Consent, bool) (storage.Consent, bool, error)) (storage.Consent, error)
}

// remember records what the person agreed the relying party may receive,
// holding the consent while it changes it (storage.UpdateConsent), so that
// two approvals adding claims, or a guardian's consent beside the ward's
// approval, do not undo each other. A consent that already covers
// everything is left as it is (no write: most approvals repeat an earlier
// consent), so its UpdatedAt is when it last changed.
func (s *Service) remember(ctx context.Context, st consents, personID, rpID string, provided []string, plaintext bool, guardianID string, guardianAt time.Time) error {
	now := s.now()
	_, err := st.UpdateConsent(ctx, personID, rpID, func(c storage.Consent, found bool) (storage.Consent, bool, error) {
		changed := !found
		if !found {
			c = storage.Consent{PersonID: personID, RPID: rpID, GrantedAt: now}
		}
		for _, p := range provided {
			if relyingparty.IsPlaintext(p) {
				if plaintext && !slices.Contains(c.Plaintext, p) {
					c.Plaintext, changed = append(c.Plaintext, p), true
				}
			} else if !slices.Contains(c.Claims, p) {
				c.Claims, changed = append(c.Claims, p), true
			}
		}
		if guardianID != "" {
			c.GuardianID, c.GuardianAt, changed = guardianID, guardianAt, true
		}
		if changed {
			c.UpdatedAt = now
		}
		return c, changed, nil
	})
	if err != nil {
		return fmt.Errorf("verification: storing consent: %w", err)
	}
	return nil
}

// stillUsable checks, at approval, the session's credential (active and
// unexpired), its person (not cancelled) and the relying party (enabled),
// reading them afresh.
func (s *Service) stillUsable(ctx context.Context, sess storage.Session, rp storage.RelyingParty) error {
	c, p, err := s.Store.GetCredentialHolder(ctx, sess.CredentialID)
	if err != nil {
		return fmt.Errorf("verification: loading the credential and its person: %w", err)
	}
	cur, err := s.Store.GetRelyingParty(ctx, rp.ID)
	if err != nil {
		return fmt.Errorf("verification: loading relying party: %w", err)
	}
	switch {
	case c.Status != storage.CredentialActive || !s.now().Before(c.ExpiresAt):
		return fmt.Errorf("%w: the credential is %s", ErrNoLongerUsable, c.Status)
	case p.State != storage.PersonActive:
		return fmt.Errorf("%w: the network identity was cancelled", ErrNoLongerUsable)
	case cur.Disabled:
		return fmt.Errorf("%w: the relying party is disabled", ErrNoLongerUsable)
	}
	return nil
}
