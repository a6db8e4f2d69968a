package wallet

import (
	"context"
	"errors"
	"time"

	"golang.org/x/text/language"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
)

// Prompter is what the holder flows of this package (Apply, Resume,
// Reproof, Approve, ShowEIDCodes, AddEID, ChangePhone, Cancel) ask of the
// person using the wallet. The command line implements it with the
// terminal, flags and files; a web wallet implements it with its pages;
// development tools and tests with PromptFuncs.
//
// A method returns an error when it cannot ask (no terminal, a page
// closed): the flow stops with that error, wrapped.
type Prompter interface {
	// Secret returns the secret s: asked of the person, or read from
	// where they keep it.
	Secret(ctx context.Context, s Secret) (string, error)
	// Code returns the one-time code the platform sent by SMS to to.
	Code(ctx context.Context, to SMS) (string, error)
	// Confirm asks the person to agree to q; true goes ahead.
	Confirm(ctx context.Context, q Question) (bool, error)
	// ShowEIDCode shows an electronic ID card code for a verifier to scan,
	// replacing the one shown before.
	ShowEIDCode(ctx context.Context, c EIDCode) error
	// Progress reports a step the flow finished or waits on: a message
	// of the catalogue, in whatever language the Prompter speaks. It holds
	// no personal data.
	Progress(step Step)
}

// Step is a step a flow finished or waits on: a message of the catalogue
// (package i18n) and its arguments.
type Step struct {
	Key  i18n.Key
	Args []any
}

// In returns the step's text in language lang.
func (s Step) In(lang language.Tag) string { return i18n.Lookup(lang, s.Key, s.Args...) }

// String returns the step's text in English.
func (s Step) String() string { return s.In(i18n.English) }

func stepOf(key i18n.Key, args ...any) Step { return Step{Key: key, Args: args} }

// Secret names a secret a flow needs.
type Secret int

// The secrets a flow asks for.
const (
	// CredentialPassword is the credential password (网证口令) the
	// platform holds: it unlocks the wallet and confirms actions.
	CredentialPassword Secret = iota + 1
	// NewCredentialPassword is a credential password being chosen (an
	// application, a forgotten password, a change): a terminal asks for
	// it twice.
	NewCredentialPassword
	// UsagePassword is the six-digit usage password of the electronic ID
	// card.
	UsagePassword
	// NewUsagePassword is a usage password being chosen.
	NewUsagePassword
)

func (s Secret) String() string {
	switch s {
	case CredentialPassword:
		return "credential password"
	case NewCredentialPassword:
		return "new credential password"
	case UsagePassword:
		return "eID usage password"
	case NewUsagePassword:
		return "new eID usage password"
	}
	return "unknown secret"
}

// SMS names the phone a one-time code was sent to.
type SMS struct {
	// Number is the number the person gave, if the wallet knows it.
	Number string
	// Linked: the code went to the number linked to the person's 网号,
	// which the wallet does not hold in the clear (Number is empty).
	Linked bool
}

// QuestionKind names what a Question asks.
type QuestionKind int

// The questions a flow asks.
const (
	// QuestionVerification: approve a relying party's verification
	// request (Question.Verification says who asks, why, at what level and
	// for which claims). False declines it.
	QuestionVerification QuestionKind = iota + 1
	// QuestionPlaintext: share the plaintext identity fields the request
	// asks for apart (Question.Verification.Plaintext) — the person's
	// separate consent (单独同意). False still approves the verification,
	// without them.
	QuestionPlaintext
	// QuestionCancel: cancel (注销) the network identity: every
	// credential stops working, consents are withdrawn and the platform
	// deletes the identity data. False keeps everything.
	QuestionCancel
)

// Question is what Confirm asks.
type Question struct {
	Kind QuestionKind
	// Verification is the relying party's request (QuestionVerification
	// and QuestionPlaintext).
	Verification api.Prompt
}

// EIDCode is an electronic ID card code to show.
type EIDCode struct {
	// Payload is the text the QR code carries.
	Payload string
	// Offline: an SD-JWT presentation a verifier checks without the
	// platform; else an online code the platform checks.
	Offline bool
	// ValidUntil is when a verifier stops accepting it.
	ValidUntil time.Time
	// Next is when the flow shows the next code; zero if this is the last.
	Next time.Time
	// Seq counts the codes of one run from 0.
	Seq int
}

// ErrNoAnswer: a PromptFuncs has no function for what the flow asks.
var ErrNoAnswer = errors.New("wallet: nobody to answer")

// PromptFuncs is a Prompter made of functions, for development tools and
// tests. A nil function refuses with ErrNoAnswer (a nil ProgressFunc
// ignores the progress).
type PromptFuncs struct {
	SecretFunc   func(ctx context.Context, s Secret) (string, error)
	CodeFunc     func(ctx context.Context, to SMS) (string, error)
	ConfirmFunc  func(ctx context.Context, q Question) (bool, error)
	ShowFunc     func(ctx context.Context, c EIDCode) error
	ProgressFunc func(step Step)
}

var _ Prompter = PromptFuncs{}

// Secret calls SecretFunc.
func (p PromptFuncs) Secret(ctx context.Context, s Secret) (string, error) {
	if p.SecretFunc == nil {
		return "", ErrNoAnswer
	}
	return p.SecretFunc(ctx, s)
}

// Code calls CodeFunc.
func (p PromptFuncs) Code(ctx context.Context, to SMS) (string, error) {
	if p.CodeFunc == nil {
		return "", ErrNoAnswer
	}
	return p.CodeFunc(ctx, to)
}

// Confirm calls ConfirmFunc.
func (p PromptFuncs) Confirm(ctx context.Context, q Question) (bool, error) {
	if p.ConfirmFunc == nil {
		return false, ErrNoAnswer
	}
	return p.ConfirmFunc(ctx, q)
}

// ShowEIDCode calls ShowFunc.
func (p PromptFuncs) ShowEIDCode(ctx context.Context, c EIDCode) error {
	if p.ShowFunc == nil {
		return ErrNoAnswer
	}
	return p.ShowFunc(ctx, c)
}

// Progress calls ProgressFunc, if set.
func (p PromptFuncs) Progress(step Step) {
	if p.ProgressFunc != nil {
		p.ProgressFunc(step)
	}
}

// OneSecret returns a PromptFuncs.SecretFunc that answers every secret
// with s (a development holder's one password).
func OneSecret(s string) func(context.Context, Secret) (string, error) {
	return func(context.Context, Secret) (string, error) { return s, nil }
}
