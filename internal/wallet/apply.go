package wallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/suite"
)

// ApplyOptions configure Apply and Resume.
type ApplyOptions struct {
	// Server is the platform's base URL; empty means the client's. It must
	// equal the client's BaseURL.
	Server string
	// Dir is the wallet directory the credential (and pending.json) go to.
	Dir string
	// DocumentPath is the file with the document's chip container JSON.
	DocumentPath string
	// Phone is the phone number to bind.
	Phone string
	// Replace lets Apply (and a Reproof that issues a credential) save the
	// new credential in a Dir that already holds one; without it they
	// refuse with ErrCredentialExists before starting. (Applying again
	// makes the platform revoke the old credential.)
	Replace bool
	// Prompter asks the person: the credential password (网证口令; Apply
	// asks for a NewCredentialPassword, Resume for the CredentialPassword,
	// once per run when the password step or the locking of the wallet
	// first needs it, again only if the platform rejects it after a
	// resume), the SMS code sent to Phone, and reports each step (lines
	// without personal data).
	Prompter Prompter
	// Liveness attests the live face check; for a development server
	// DevLiveness(client).
	Liveness liveness.Provider
	// Guardian is the guardian's 网号, for an applicant aged 14 to 17.
	Guardian string
	// Evidence returns relationship evidence that guardianWanghao is the
	// guardian of the child childRef names (a minor's application); for a
	// development server DevEvidence(client).
	Evidence func(ctx context.Context, applicationID, childRef, guardianWanghao string) (string, error)
	// OnBehalfOf is the unlocked wallet of a guardian applying for a child
	// under 14; Apply starts the application with the guardian's holder
	// proof. The child's credential goes to Dir.
	OnBehalfOf *Unlocked
	// Wait is how long to wait for a guardian's confirmation, polling every
	// Poll (default 5 s). Zero means not to wait: the application is saved
	// and Apply returns ErrWaitingForGuardian.
	Wait time.Duration
	Poll time.Duration
	// Now is the clock (nil: time.Now); Rand the randomness of keys, proofs
	// and the wallet file (nil: crypto/rand).
	Now  func() time.Time
	Rand io.Reader
	// KDF are the Argon2id parameters that seal the wallet; zero means
	// DefaultKDF.
	KDF KDFParams
}

// Result is an issued credential, saved in the wallet.
type Result struct {
	Wanghao      string
	CredentialID string
	ExpiresAt    time.Time
}

// maxSteps bounds the state loop: a normal application takes at most nine
// steps, so more means the platform makes no progress.
const maxSteps = 24

// defaultPoll is the guardian polling interval when ApplyOptions.Poll is 0.
const defaultPoll = 5 * time.Second

// maxCodeTries bounds how often a wrong SMS code is asked again in one run.
const maxCodeTries = 3

// maxPasswordTries bounds how often the password is asked again when the
// platform rejects it after a resume.
const maxPasswordTries = 3

// Apply starts a new application for the document in o.DocumentPath and
// drives it to issuance, saving the credential in o.Dir. The application is
// saved in pending.json as soon as it starts, so that if Apply fails or
// returns ErrWaitingForGuardian, Resume can continue it. Any earlier
// pending application in o.Dir is forgotten.
func Apply(ctx context.Context, c *Client, o ApplyOptions) (*Result, error) {
	if err := o.check(c); err != nil {
		return nil, err
	}
	if err := o.checkReplace(); err != nil {
		return nil, err
	}
	doc, err := readDocument(o.DocumentPath)
	if err != nil {
		return nil, err
	}
	r := &run{c: c, o: o, doc: doc, secret: NewCredentialPassword}
	p := Pending{Server: c.base(), DocumentPath: o.DocumentPath, Phone: o.Phone}
	if o.Guardian != "" {
		if p.Guardian, err = netnum.Parse(o.Guardian); err != nil {
			return nil, fmt.Errorf("%w: the guardian's 网号 is invalid: %w", ErrOptions, err)
		}
	}
	if o.OnBehalfOf != nil {
		p.OnBehalf, p.Guardian = true, o.OnBehalfOf.Wallet.Wanghao
	}
	started, err := c.StartApplication(ctx, doc.Identity.Type, o.OnBehalfOf)
	if err != nil {
		return nil, fmt.Errorf("wallet: starting the application: %w", err)
	}
	p.ApplicationID, p.Token = started.ID, started.Token
	if err := SavePending(o.Dir, p); err != nil {
		return nil, err
	}
	r.p = p
	r.progress(stepOf(i18n.KeyStepStarted))
	return r.loop(ctx, &started.Application)
}

// Resume continues the application saved in o.Dir's pending.json. Fields
// of o left empty (document path, phone, guardian) are taken from it; the
// client must be for the server it was started with.
func Resume(ctx context.Context, c *Client, o ApplyOptions) (*Result, error) {
	p, err := LoadPending(o.Dir)
	if err != nil {
		return nil, err
	}
	if p.Server != c.base() {
		return nil, fmt.Errorf("%w: the application was started with another server", ErrServerMismatch)
	}
	if o.Server == "" {
		o.Server = p.Server
	}
	if o.DocumentPath == "" {
		o.DocumentPath = p.DocumentPath
	}
	if o.Phone == "" {
		o.Phone = p.Phone
	}
	changed := o.DocumentPath != p.DocumentPath || o.Phone != p.Phone
	if o.Guardian != "" && !p.OnBehalf {
		g, err := netnum.Parse(o.Guardian)
		if err != nil {
			return nil, fmt.Errorf("%w: the guardian's 网号 is invalid: %w", ErrOptions, err)
		}
		changed = changed || g != p.Guardian
		p.Guardian = g
	}
	if err := o.check(c); err != nil {
		return nil, err
	}
	doc, err := readDocument(o.DocumentPath)
	if err != nil {
		return nil, err
	}
	if changed {
		p.DocumentPath, p.Phone = o.DocumentPath, o.Phone
		if err := SavePending(o.Dir, p); err != nil {
			return nil, err
		}
	}
	r := &run{c: c, o: o, p: p, doc: doc, secret: CredentialPassword}
	r.progress(stepOf(i18n.KeyStepResuming))
	return r.loop(ctx, nil)
}

func (o *ApplyOptions) check(c *Client) error { return o.checkFor(c, true) }

// checkFor checks the options; document says whether the flow reads a
// document's chip (an application, a recovery) or not (the re-proofing
// that starts from the 网号).
func (o *ApplyOptions) checkFor(c *Client, document bool) error {
	var missing []error
	need := func(ok bool, what string) {
		if !ok {
			missing = append(missing, fmt.Errorf("%w: %s", ErrOptions, what))
		}
	}
	need(c != nil && c.BaseURL != "", "no client or base URL")
	if c != nil {
		need(checkServer(c.base()) == nil, "the base URL is not an http(s) URL")
		need(o.Server == "" || trimSlash(o.Server) == c.base(), "the server differs from the client's base URL")
	}
	need(o.Dir != "", "no wallet directory")
	need(!document || o.DocumentPath != "", "no document file")
	need(o.Prompter != nil, "no prompter")
	need(o.Liveness != nil, "no liveness provider")
	if g := o.OnBehalfOf; g != nil {
		need(g.Wallet != nil && g.DeviceKey != nil, "the guardian's wallet is not unlocked")
		need(g.Wallet == nil || c == nil || g.Wallet.Server == c.base(), "the guardian's credential is from another server")
	}
	return errors.Join(missing...)
}

// checkReplace refuses to start a run that would save a credential over
// the one in o.Dir, unless o.Replace.
func (o *ApplyOptions) checkReplace() error {
	if Exists(o.Dir) && !o.Replace {
		return fmt.Errorf("%w: %s", ErrCredentialExists, o.Dir)
	}
	return nil
}

func trimSlash(s string) string { return strings.TrimRight(s, "/") }

// chipDocument is the document file: its container JSON, parsed, and the
// DG1 fields the wallet needs.
type chipDocument struct {
	JSON     []byte
	Data     chip.Data
	Identity document.Identity // Type and Number only
}

// readDocument reads and parses the chip container file.
func readDocument(path string) (chipDocument, error) {
	f, err := os.Open(path)
	if err != nil {
		return chipDocument{}, fmt.Errorf("%w: %w", ErrDocument, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, chip.MaxContainerSize+1))
	if err != nil {
		return chipDocument{}, fmt.Errorf("%w: reading: %w", ErrDocument, err)
	}
	d, err := chip.Parse(b)
	if err != nil {
		return chipDocument{}, fmt.Errorf("%w: %w", ErrDocument, err)
	}
	// DG1 is a document.Identity as JSON; only the type and number are
	// needed (the platform verifies the rest), and the other members are
	// left alone because a document valid for life writes valid_until as
	// "0000-00-00", which document.Date does not parse.
	var dg1 struct {
		Type   document.Type `json:"type"`
		Number string        `json:"number"`
	}
	if err := json.Unmarshal(d.DG1, &dg1); err != nil {
		return chipDocument{}, fmt.Errorf("%w: DG1 is not identity JSON", ErrDocument)
	}
	if !dg1.Type.Valid() || dg1.Number == "" {
		return chipDocument{}, fmt.Errorf("%w: DG1 lacks a legal document type or number", ErrDocument)
	}
	canonical, err := d.MarshalJSON()
	if err != nil {
		return chipDocument{}, fmt.Errorf("%w: %w", ErrDocument, err)
	}
	return chipDocument{JSON: canonical, Data: d, Identity: document.Identity{Type: dg1.Type, Number: dg1.Number}}, nil
}

// run is one Apply or Resume.
type run struct {
	c   *Client
	o   ApplyOptions
	p   Pending
	doc chipDocument

	// reproof: a re-proofing application (Reproof); action is a recover
	// application's action.
	reproof bool
	action  api.RecoverAction
	// handover: an application another party started (Finish); it has no
	// pending.json of its own.
	handover bool

	// secret is the password the run asks for: a new one, or the one the
	// platform holds.
	secret       Secret
	password     string
	haveP        bool
	pwConfirmed  bool // the platform accepted password in this run
	passwordAsks int
}

func (r *run) now() time.Time {
	if r.o.Now != nil {
		return r.o.Now()
	}
	return time.Now()
}

func (r *run) rand() io.Reader {
	if r.o.Rand != nil {
		return r.o.Rand
	}
	return rand.Reader
}

func (r *run) progress(s Step) { r.o.Prompter.Progress(s) }

func (r *run) askPassword(ctx context.Context) (string, error) {
	if r.haveP {
		return r.password, nil
	}
	pw, err := r.o.Prompter.Secret(ctx, r.secret)
	if err != nil {
		return "", fmt.Errorf("wallet: reading the password: %w", err)
	}
	r.password, r.haveP = pw, true
	r.passwordAsks++
	return pw, nil
}

// loop drives the application from view v (nil: fetch it) to issuance.
func (r *run) loop(ctx context.Context, v *api.Application) (*Result, error) {
	id, tok := r.p.ApplicationID, r.p.Token
	var cur api.Application
	if v != nil {
		cur = *v
	}
	for step := 0; step < maxSteps; step++ {
		if v == nil {
			got, err := r.c.GetApplication(ctx, id, tok)
			if err != nil {
				return nil, r.fail(err)
			}
			cur = got
		}
		var next api.Application
		var err error
		switch cur.State {
		case api.StateDocument:
			next, err = r.c.SubmitDocument(ctx, id, tok, r.doc.JSON)
			r.stepDone(err, stepOf(i18n.KeyStepDocument))
		case api.StateRelationship:
			next, err = r.relationship(ctx, cur)
		case api.StateFace:
			next, err = r.face(ctx, cur)
		case api.StatePhone:
			next, err = r.phone(ctx)
		case api.StatePassword:
			next, err = r.setPassword(ctx)
		case api.StateGuardian:
			next, err = r.waitGuardian(ctx)
		case api.StateAction:
			next, err = r.act(ctx)
		case api.StateDevice:
			return r.device(ctx, cur)
		case api.StateCompleted:
			return nil, nil
		case api.StateIssued:
			r.forgetPending()
			return nil, ErrAlreadyIssued
		case api.StateDeclined:
			r.forgetPending()
			return nil, ErrDeclined
		default:
			return nil, fmt.Errorf("%w: %q", ErrUnexpectedState, cur.State)
		}
		if err != nil {
			return nil, r.fail(err)
		}
		if next.State == "" { // a step that answers no view: ask
			v = nil
			continue
		}
		cur, v = next, &next
	}
	return nil, fmt.Errorf("%w: no progress after %d steps", ErrUnexpectedState, maxSteps)
}

// forgetPending removes pending.json once the application it saved is dead.
// A re-proofing run saves none, so it leaves an application's alone.
func (r *run) forgetPending() {
	if !r.reproof && !r.handover {
		_ = RemovePending(r.o.Dir)
	}
}

// retryStep reports a wrong answer the person may give again: key with
// the attempts left, or the problem's title when the platform did not say.
func retryStep(ae *APIError, key i18n.Key) Step {
	if n, ok := ae.RemainingAttempts(); ok {
		return stepOf(key, n)
	}
	return stepOf(i18n.ProblemTitle(ae.Slug()))
}

func (r *run) stepDone(err error, s Step) {
	if err == nil {
		r.progress(s)
	}
}

// fail translates the platform's terminal answers to this package's
// sentinels and forgets a dead application.
func (r *run) fail(err error) error {
	switch {
	case hasSlug(err, "application-declined"):
		r.forgetPending()
		return fmt.Errorf("%w: %w", ErrDeclined, err)
	case hasSlug(err, "application-expired"):
		r.forgetPending()
		return fmt.Errorf("%w: %w", ErrApplicationExpired, err)
	}
	return err
}

func (r *run) relationship(ctx context.Context, v api.Application) (api.Application, error) {
	g := r.p.Guardian
	if g == "" {
		return api.Application{}, ErrGuardianMissing
	}
	if r.o.Evidence == nil {
		return api.Application{}, fmt.Errorf("%w: no relationship evidence source", ErrOptions)
	}
	today := document.Today(r.now())
	info, err := document.ValidateNumber(r.doc.Identity.Type, r.doc.Identity.Number, today)
	if err != nil {
		return api.Application{}, fmt.Errorf("%w: %w", ErrDocument, err)
	}
	ref := guardian.ChildRef(r.p.ApplicationID, r.doc.Identity.Type, info.Normalized)
	ev, err := r.o.Evidence(ctx, r.p.ApplicationID, ref, g)
	if err != nil {
		return api.Application{}, fmt.Errorf("wallet: relationship evidence: %w", err)
	}
	next, err := r.c.SubmitRelationship(ctx, r.p.ApplicationID, r.p.Token, g, ev)
	r.stepDone(err, stepOf(i18n.KeyStepRelationship))
	return next, err
}

func (r *run) face(ctx context.Context, v api.Application) (api.Application, error) {
	if v.FaceChallenge == "" {
		return api.Application{}, fmt.Errorf("%w: no face challenge", ErrResponse)
	}
	hash, err := r.faceHash(v)
	if err != nil {
		return api.Application{}, err
	}
	att, err := r.o.Liveness.Attest(ctx, liveness.Request{
		Challenge:     v.FaceChallenge,
		ApplicationID: r.p.ApplicationID,
		FaceImageHash: hash,
	})
	if err != nil {
		return api.Application{}, fmt.Errorf("wallet: liveness check: %w", err)
	}
	next, err := r.c.SubmitFace(ctx, r.p.ApplicationID, r.p.Token, att)
	r.stepDone(err, stepOf(i18n.KeyStepFace))
	return next, err
}

func (r *run) phone(ctx context.Context) (api.Application, error) {
	if r.o.Phone == "" {
		return api.Application{}, fmt.Errorf("%w: no phone number", ErrOptions)
	}
	err := r.c.SendPhoneCode(ctx, r.p.ApplicationID, r.p.Token, r.o.Phone)
	switch {
	case hasSlug(err, "sms-too-soon"):
		// A code was sent moments ago (an interrupted run): use it.
		r.progress(stepOf(i18n.KeyStepCodeAlreadySent))
	case err != nil:
		return api.Application{}, err
	default:
		r.progress(stepOf(i18n.KeyStepCodeSent))
	}
	for try := 1; ; try++ {
		code, err := r.o.Prompter.Code(ctx, SMS{Number: r.o.Phone})
		if err != nil {
			return api.Application{}, fmt.Errorf("wallet: reading the SMS code: %w", err)
		}
		next, err := r.c.VerifyPhone(ctx, r.p.ApplicationID, r.p.Token, code)
		var ae *APIError
		if errors.As(err, &ae) && ae.Slug() == "wrong-code" && try < maxCodeTries {
			if n, ok := ae.RemainingAttempts(); !ok || n > 0 {
				r.progress(retryStep(ae, i18n.KeyStepWrongCode))
				continue
			}
		}
		r.stepDone(err, stepOf(i18n.KeyStepPhoneVerified))
		return next, err
	}
}

func (r *run) setPassword(ctx context.Context) (api.Application, error) {
	pw, err := r.askPassword(ctx)
	if err != nil {
		return api.Application{}, err
	}
	next, err := r.c.SetPassword(ctx, r.p.ApplicationID, r.p.Token, pw)
	if err != nil {
		r.haveP = false // ask again on resume or retry
		return api.Application{}, err
	}
	r.pwConfirmed = true
	if r.reproof {
		r.progress(stepOf(i18n.KeyStepPasswordAccepted))
	} else {
		r.progress(stepOf(i18n.KeyStepPasswordSet))
	}
	return next, nil
}

// waitGuardian polls until the guardian decided or o.Wait elapsed.
func (r *run) waitGuardian(ctx context.Context) (api.Application, error) {
	if r.o.Wait <= 0 {
		r.progress(stepOf(i18n.KeyStepWaitingGuardian))
		return api.Application{}, ErrWaitingForGuardian
	}
	poll := r.o.Poll
	if poll <= 0 {
		poll = defaultPoll
	}
	r.progress(stepOf(i18n.KeyStepWaitingGuardian))
	deadline := r.now().Add(r.o.Wait)
	for {
		if !r.now().Before(deadline) {
			return api.Application{}, ErrWaitingForGuardian
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return api.Application{}, ctx.Err()
		case <-t.C:
		}
		v, err := r.c.GetApplication(ctx, r.p.ApplicationID, r.p.Token)
		if err != nil {
			return api.Application{}, err
		}
		if v.State != api.StateGuardian {
			if v.State == api.StateDevice {
				r.progress(stepOf(i18n.KeyStepGuardianDone))
			}
			return v, nil
		}
	}
}

// device makes the device key, proves its possession, receives and checks
// the credential, and saves it.
func (r *run) device(ctx context.Context, v api.Application) (*Result, error) {
	if v.DeviceNonce == "" {
		return nil, fmt.Errorf("%w: no device nonce", ErrResponse)
	}
	// The password is asked before the credential is issued, so that a
	// failure to read it cannot lose an issued credential.
	pw, err := r.askPassword(ctx)
	if err != nil {
		return nil, err
	}
	// The device key is a key of the platform's crypto suite, which its
	// discovery document names.
	st, err := r.c.Suite(ctx)
	if err != nil {
		return nil, err
	}
	key, err := st.GenerateKey(r.rand())
	if err != nil {
		return nil, fmt.Errorf("wallet: generating the device key: %w", err)
	}
	issuer := r.c.base()
	now := r.now()
	proof, err := DeviceProof(key, issuer, v.DeviceNonce, now)
	if err != nil {
		return nil, err
	}
	batchKeys, batchProofs, err := batchKeys(st, r.rand(), v.BatchSize, issuer, v.DeviceNonce, now)
	if err != nil {
		return nil, err
	}
	issued, err := r.c.IssueCredential(ctx, r.p.ApplicationID, r.p.Token, proof, batchProofs)
	if err != nil {
		return nil, r.fail(err)
	}
	keys, err := r.c.JWKS(ctx)
	if err != nil {
		return nil, fmt.Errorf("wallet: fetching the platform's keys: %w", err)
	}
	main, err := checkIssued(issued, keys, key, issuer, r.now())
	if err != nil {
		return nil, err
	}
	batch, err := checkBatch(issued, main, keys, batchKeys, r.now())
	if err != nil {
		return nil, err
	}
	r.progress(stepOf(i18n.KeyStepIssued))

	if !r.pwConfirmed {
		if pw, err = r.confirmPassword(ctx, issued, key, pw); err != nil {
			return nil, err
		}
	}
	w, err := Save(r.o.Dir, issuer, issued.Credential, key, pw, SaveOptions{KDF: r.o.KDF, Rand: r.o.Rand, CredentialID: issued.CredentialID, Batch: batch})
	if err != nil {
		return nil, err
	}
	if !r.reproof && !r.handover {
		if err := RemovePending(r.o.Dir); err != nil {
			return nil, err
		}
	}
	r.progress(stepOf(i18n.KeyStepSaved))
	return &Result{Wanghao: w.Wanghao, CredentialID: w.CredentialID, ExpiresAt: w.ExpiresAt}, nil
}

// confirmPassword checks, after a resume past the password step, that the
// password that will lock the wallet is the credential password the
// platform holds, asking again if it is not.
func (r *run) confirmPassword(ctx context.Context, issued api.IssuedCredential, key *ecdsa.PrivateKey, pw string) (string, error) {
	jwt, _, _ := strings.Cut(issued.Credential, "~")
	u := &Unlocked{Wallet: &Wallet{CredentialID: issued.CredentialID, IssuerJWT: jwt}, DeviceKey: key, Credential: issued.Credential}
	for {
		err := r.c.VerifyPassword(ctx, u, pw)
		if err == nil {
			return pw, nil
		}
		if !hasSlug(err, "wrong-password") || r.passwordAsks >= maxPasswordTries {
			return "", fmt.Errorf("%w: %w", ErrPasswordNotConfirmed, err)
		}
		var ae *APIError
		if errors.As(err, &ae) {
			r.progress(retryStep(ae, i18n.KeyStepWrongPassword))
		}
		r.haveP = false
		if pw, err = r.askPassword(ctx); err != nil {
			return "", err
		}
	}
}

// issuanceLeeway tolerates clock skew between the platform and the wallet
// when the wallet checks a credential it has just been issued.
const issuanceLeeway = time.Minute

// checkIssued verifies the issued credential against the platform's keys
// and checks that it is bound to key and says what the platform said. It
// returns the verified credential, which its batch is checked against.
func checkIssued(issued api.IssuedCredential, keys jose.JSONWebKeySet, key *ecdsa.PrivateKey, issuer string, now time.Time) (*credential.Credential, error) {
	cred, err := credential.VerifyWithLeeway(issued.Credential, keys, now, issuanceLeeway)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentialMismatch, err)
	}
	st, err := issuedSuite(issued.Credential)
	if err != nil {
		return nil, err
	}
	if err := checkKeySuite("device key", key, st); err != nil {
		return nil, err
	}
	cl := cred.Claims
	holderKey, ok := cl.Holder.Key.(*ecdsa.PublicKey)
	switch {
	case !ok || !holderKey.Equal(&key.PublicKey):
		return nil, fmt.Errorf("%w: not bound to this device's key", ErrCredentialMismatch)
	case cl.Issuer != issuer:
		return nil, fmt.Errorf("%w: issued by another issuer", ErrCredentialMismatch)
	case cl.Wanghao != issued.Wanghao:
		return nil, fmt.Errorf("%w: the 网号 differs", ErrCredentialMismatch)
	case issued.CredentialID == "" || (cl.ID != "" && cl.ID != issued.CredentialID):
		return nil, fmt.Errorf("%w: the credential id differs", ErrCredentialMismatch)
	}
	if _, err := netnum.Parse(cl.Wanghao); err != nil {
		return nil, fmt.Errorf("%w: the 网号 is malformed", ErrCredentialMismatch)
	}
	return cred, nil
}

// DeviceProof is the device key's proof of possession for issuance: a JWS
// of type credential.DeviceProofType in the key's algorithm (ES256 for a
// P-256 key, SM2 for an SM2 key), with the public key in its jwk header
// and the claims aud (the platform's issuer identifier), nonce (the
// application's device nonce) and iat.
func DeviceProof(key *ecdsa.PrivateKey, issuer, nonce string, now time.Time) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: no device key", ErrKeySuite)
	}
	payload, err := json.Marshal(map[string]any{"aud": issuer, "nonce": nonce, "iat": now.Unix()})
	if err != nil {
		return "", fmt.Errorf("wallet: device proof claims: %w", err)
	}
	tok, err := jws.SignWithJWK(key, credential.DeviceProofType, payload)
	if err != nil {
		return "", fmt.Errorf("wallet: signing the device proof: %w", err)
	}
	return tok, nil
}

// issuedSuite is the crypto suite of an issued SD-JWT's issuer signature.
func issuedSuite(sdjwt string) (suite.Suite, error) {
	jwt, _, _ := strings.Cut(sdjwt, "~")
	c, err := decodeIssuerJWT(jwt)
	if err != nil {
		return suite.Suite{}, fmt.Errorf("%w: %w", ErrCredentialMismatch, err)
	}
	return c.Suite, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
