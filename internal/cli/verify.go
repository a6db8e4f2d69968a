package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/rp"
)

// verify checks a presentation read from stdin, offline: the platform's
// keys and status list are fetched once, then the verification is local.
func verify(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "eid" {
		return verifyEID(ctx, env, args[1:]) // verifyeid.go
	}
	fs := flags(env, "verify")
	server := fs.String("server", env.Getenv("NETID_SERVER"), "the platform's base URL (issuer)")
	audience := fs.String("audience", "", "your relying-party identifier, as given to the wallet")
	nonce := fs.String("nonce", "", "the nonce you gave the wallet")
	maxAge := fs.Duration("max-age", 5*time.Minute, "maximum age of the holder's signature")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *server == "" || *audience == "" || *nonce == "" {
		return fmt.Errorf("--server, --audience and --nonce are required")
	}
	b, err := io.ReadAll(io.LimitReader(env.Stdin, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the presentation: %w", err)
	}
	presentation := strings.TrimSpace(string(b))
	if presentation == "" {
		return fmt.Errorf("no presentation on standard input")
	}
	v, err := rp.New(ctx, *server)
	if err != nil {
		return err
	}
	p, err := v.VerifyPresentation(ctx, presentation, rp.Expect{Audience: *audience, Nonce: *nonce, MaxAge: *maxAge})
	if errors.Is(err, rp.ErrGuardianConsent) {
		fmt.Fprintf(env.Stdout, "INVALID: 未满十四周岁，缺少监护人对本平台的同意 the holder is under 14 and their guardian's consent for %s is missing or invalid (%s)\n", *audience, oneLine(err))
		return verdictError{err}
	}
	if err != nil {
		fmt.Fprintf(env.Stdout, "INVALID: %s\n", oneLine(err))
		return verdictError{err}
	}
	wh := "not disclosed"
	if p.Wanghao != "" {
		wh = netnum.Mask(p.Wanghao)
	}
	fmt.Fprintf(env.Stdout, "VALID: 网号 %s, credential active until %s\n", wh, p.ExpiresAt.Format(time.DateOnly))
	names := make([]string, 0, len(p.Claims))
	for n := range p.Claims {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(env.Stdout, "  %s: %v\n", n, p.Claims[n])
	}
	if len(names) == 0 {
		fmt.Fprintln(env.Stdout, "  (no claims disclosed)")
	}
	if p.GuardianConsent {
		fmt.Fprintln(env.Stdout, "  未满十四周岁，监护人已同意 under 14: the guardian consented to this relying party")
	}
	return nil
}
