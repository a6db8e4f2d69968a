package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/qr"
	"github.com/netid-project/netid/internal/wallet"
)

// terminal is the wallet.Prompter of the wallet commands. Each command
// says where its answers come from: secrets from a file, an environment
// variable or the terminal; SMS codes from a flag, the development outbox
// or the terminal; questions answered by flags (--yes, --decline,
// --plaintext) or on the terminal. Progress goes to stderr, eID codes are
// drawn on stdout (and into a PNG file).
type terminal struct {
	env     Env
	secrets map[wallet.Secret]*secretSource
	// code returns an SMS code (nil: asked on the terminal).
	code func(ctx context.Context, to wallet.SMS) (string, error)
	// answers are the flags' answers; a question not in it is asked on the
	// terminal, and hints say which flag answers it instead.
	answers map[wallet.QuestionKind]bool
	hints   map[wallet.QuestionKind]string
	qr      qrDisplay
}

var _ wallet.Prompter = (*terminal)(nil)

// newTerminal is a terminal that reads the credential password from
// file, $NETID_PASSWORD or the terminal.
func newTerminal(env Env, file string) *terminal {
	return &terminal{env: env, secrets: map[wallet.Secret]*secretSource{
		wallet.CredentialPassword: {env: env, file: file, envVar: "NETID_PASSWORD", prompt: env.tr(i18n.KeyCLIPassword)},
	}}
}

func (t *terminal) Secret(_ context.Context, s wallet.Secret) (string, error) {
	src, ok := t.secrets[s]
	if !ok {
		return "", fmt.Errorf("this command has no way to read the %s", s)
	}
	return src.get()
}

func (t *terminal) Code(ctx context.Context, to wallet.SMS) (string, error) {
	if t.code != nil {
		return t.code(ctx, to)
	}
	return promptLine(t.env, t.env.tr(i18n.KeyCLISMSCode))
}

func (t *terminal) Confirm(_ context.Context, q wallet.Question) (bool, error) {
	answer, given := t.answers[q.Kind]
	var prompt string
	switch q.Kind {
	case wallet.QuestionVerification:
		printRequest(t.env, q.Verification)
		prompt = t.env.tr(i18n.KeyCLIApprove)
	case wallet.QuestionPlaintext:
		prompt = t.env.tr(i18n.KeyCLISharePlaintext, strings.Join(q.Verification.Plaintext, ", "))
	case wallet.QuestionCancel:
		if given {
			return answer, nil
		}
		t.env.println(t.env.Stderr, i18n.KeyCLICancelWarning)
		ans, err := promptLine(t.env, t.env.tr(i18n.KeyCLICancelConfirm))
		if err != nil {
			return false, t.hinted(q.Kind, err)
		}
		// Either language's word confirms, whatever the prompt's.
		return ans == i18n.Lookup(i18n.Chinese, i18n.KeyCLICancelWord) || ans == i18n.Lookup(i18n.English, i18n.KeyCLICancelWord), nil
	default:
		return false, fmt.Errorf("unknown question %d", q.Kind)
	}
	if given {
		return answer, nil
	}
	ans, err := promptLine(t.env, prompt)
	if err != nil {
		return false, t.hinted(q.Kind, err)
	}
	ans = strings.ToLower(ans)
	return ans == "y" || ans == "yes" || ans == i18n.Lookup(i18n.Chinese, i18n.KeyCLIYes), nil
}

// hinted adds to err the flag that answers question k without a
// terminal.
func (t *terminal) hinted(k wallet.QuestionKind, err error) error {
	if h := t.hints[k]; h != "" {
		return fmt.Errorf("%w (%s)", err, h)
	}
	return err
}

func (t *terminal) ShowEIDCode(_ context.Context, c wallet.EIDCode) error {
	return t.qr.show(t.env, c)
}

func (t *terminal) Progress(step wallet.Step) { fmt.Fprintln(t.env.Stderr, "  "+step.In(t.env.Lang)) }

// printRequest shows a relying party's verification request.
func printRequest(env Env, p api.Prompt) {
	out := env.Stdout
	env.println(out, i18n.KeyCLIRequestAsks, p.RelyingParty.Name, strings.Join(p.RelyingParty.Domains, ", "))
	env.println(out, i18n.KeyCLIRequestPurpose, p.Purpose)
	env.println(out, i18n.KeyCLIRequestLevel, string(p.Level))
	env.println(out, i18n.KeyCLIRequestShares, strings.Join(p.Claims, ", "))
	if len(p.Plaintext) > 0 {
		env.println(out, i18n.KeyCLIRequestPlaintext, strings.Join(p.Plaintext, ", "))
		env.println(out, i18n.KeyCLIRequestLegal, p.RelyingParty.LegalBasis)
	}
	if p.GuardianConsent {
		env.println(out, i18n.KeyCLIRequestGuardian)
	}
	if alt := p.RelyingParty.Alternative; alt != nil {
		env.println(out, i18n.KeyCLIRequestAlt, strings.Join(nonEmpty(alt.Text, alt.URL), " · "))
	}
}

// nonEmpty returns the values that are not empty.
func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// qrDisplay draws eID codes: on the terminal (Unicode blocks, or ## with
// ascii) and, with png, into that file, rewritten at every renewal.
type qrDisplay struct {
	png   string
	scale int
	ascii bool
}

func (d qrDisplay) show(env Env, c wallet.EIDCode) error {
	r, px := qr.Standard, 8
	if c.Offline {
		r, px = qr.Dense, 4
	}
	if d.scale != 0 {
		px = d.scale
	}
	render := r.Terminal
	if d.ascii {
		render = r.TerminalASCII
	}
	text, err := render(c.Payload)
	if err != nil {
		return err
	}
	if d.png != "" {
		b, err := r.PNG(c.Payload, px)
		if err != nil {
			return err
		}
		if err := os.WriteFile(d.png, b, 0o600); err != nil {
			return fmt.Errorf("writing the PNG: %w", err)
		}
	}
	if c.Seq > 0 {
		if f, ok := env.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			fmt.Fprint(env.Stdout, "\x1b[H\x1b[2J") // clear: the old code must not stay on screen
		} else {
			fmt.Fprintln(env.Stdout, strings.Repeat("─", 20))
		}
	}
	fmt.Fprint(env.Stdout, text)
	fmt.Fprintln(env.Stdout, c.Payload)
	env.println(env.Stderr, i18n.KeyCLIEIDValidUntil, c.ValidUntil.Local().Format("15:04:05"))
	if c.Seq == 0 && !c.Next.IsZero() {
		env.println(env.Stderr, i18n.KeyCLIEIDRenewing, wallet.EIDRefresh.String())
	}
	return nil
}

// secretSource reads a secret from a file, an environment variable or the
// terminal, in that order, once.
type secretSource struct {
	env    Env
	file   string
	envVar string
	prompt string
	// confirm asks twice on the terminal (a new password).
	confirm bool
	cached  string
	fetched bool
}

func (s *secretSource) get() (string, error) {
	if s.fetched {
		return s.cached, nil
	}
	var v string
	switch {
	case s.file != "":
		b, err := os.ReadFile(s.file)
		if err != nil {
			return "", fmt.Errorf("reading the password file: %w", err)
		}
		v = strings.TrimSpace(string(b))
	case s.env.Getenv(s.envVar) != "":
		v = s.env.Getenv(s.envVar)
	default:
		var err error
		if v, err = promptSecret(s.env, s.prompt); err != nil {
			return "", fmt.Errorf("%w (or give --password-file or %s)", err, s.envVar)
		}
		if s.confirm {
			again, err := promptSecret(s.env, s.env.tr(i18n.KeyCLIPasswordAgain))
			if err != nil {
				return "", err
			}
			if again != v {
				return "", errors.New(s.env.tr(i18n.KeyCLIPasswordsDiffer))
			}
		}
	}
	s.cached, s.fetched = v, true
	return v, nil
}

// promptSecret asks on the terminal without echo.
func promptSecret(env Env, prompt string) (string, error) {
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to ask for the password on")
	}
	fmt.Fprint(env.Stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// promptLine asks for a line on the terminal.
func promptLine(env Env, prompt string) (string, error) {
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to ask on")
	}
	fmt.Fprint(env.Stderr, prompt)
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}
