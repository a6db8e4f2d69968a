package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/rp"
)

// verifyEID is "netid verify eid": an in-person verifier checks electronic
// ID card codes read from standard input, one per line (a scanner in
// keyboard mode types one line per scan). Online codes go to the
// platform's eID API as the relying party; with --offline, offline codes
// are checked locally with the platform's keys and status list only, and
// a code scanned twice in one run is refused.
func verifyEID(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "verify eid")
	server := fs.String("server", env.Getenv("NETID_SERVER"), "the platform's base URL (env NETID_SERVER)")
	clientID := fs.String("client-id", "", "your relying party's client ID (online)")
	secretFile := fs.String("client-secret-file", "", "file holding your client secret (online)")
	offline := fs.Bool("offline", false, "verify offline codes locally (keys and status list only; no client credentials)")
	photo := fs.String("photo", "", "save the holder's photo of the last accepted online code to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(env.Stderr, "usage: netid verify eid --server URL (--client-id ID --client-secret-file F | --offline) < codes")
		return errUsage
	}
	if *server == "" {
		return errors.New("--server is required")
	}
	// check verifies one code the way this run was set up for; a code of
	// the other way is refused with what to do instead.
	var check func(payload string) error
	if *offline {
		v, err := rp.New(ctx, *server)
		if err != nil {
			return err
		}
		check = func(payload string) error {
			if strings.HasPrefix(payload, eid.PrefixOnline) {
				fmt.Fprintln(env.Stdout, "INVALID: an online code: verify it without --offline (with --client-id and --client-secret-file)")
				return verdictError{errors.New("online code")}
			}
			return verifyEIDOffline(ctx, env, v, payload)
		}
	} else {
		if *clientID == "" || *secretFile == "" {
			return errors.New("--client-id and --client-secret-file are required (or --offline)")
		}
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			return fmt.Errorf("reading the client secret: %w", err)
		}
		c := eidClient{
			endpoint: strings.TrimRight(*server, "/") + "/v1/eid/verify",
			id:       *clientID, secret: strings.TrimSpace(string(b)),
			http: &http.Client{Timeout: 20 * time.Second},
		}
		check = func(payload string) error { return c.verify(ctx, env, payload, *photo) }
	}

	sc := bufio.NewScanner(io.LimitReader(env.Stdin, 64<<20))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	n, failed := 0, 0
	for sc.Scan() {
		payload := strings.TrimSpace(sc.Text())
		if payload == "" {
			continue
		}
		n++
		if err := check(payload); err != nil {
			var v verdictError
			if !errors.As(err, &v) {
				return err
			}
			failed++
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the codes: %w", err)
	}
	if n == 0 {
		return errors.New("no code on standard input")
	}
	if failed > 0 {
		return verdictError{fmt.Errorf("%d of %d codes not accepted", failed, n)}
	}
	return nil
}

// eidClient calls the platform's eID API as a relying party.
type eidClient struct {
	endpoint, id, secret string
	http                 *http.Client
}

// verify submits one online code and prints the verdict.
func (c eidClient) verify(ctx context.Context, env Env, payload, photoFile string) error {
	if strings.HasPrefix(payload, eid.PrefixOffline) {
		fmt.Fprintln(env.Stdout, "INVALID: an offline code: verify it with --offline")
		return verdictError{errors.New("offline code")}
	}
	body, err := json.Marshal(api.EIDVerifyRequest{Payload: payload})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", i18n.Match(env.Lang).String()) // the problem's title, for the person checking
	req.SetBasicAuth(url.QueryEscape(c.id), url.QueryEscape(c.secret))
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("calling the platform: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("reading the platform's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var p struct {
			Type, Title, Detail string
			Help                any `json:"help"`
		}
		if json.Unmarshal(b, &p) != nil || p.Title == "" {
			return fmt.Errorf("the platform answered %s", resp.Status)
		}
		if resp.StatusCode >= 500 || p.Type == "" {
			return fmt.Errorf("the platform answered %s: %s", resp.Status, p.Title)
		}
		if strings.HasSuffix(p.Type, "/client-unauthenticated") || strings.HasSuffix(p.Type, "/client-disabled") {
			return fmt.Errorf("the platform refused the client credentials: %s", p.Detail)
		}
		fmt.Fprintf(env.Stdout, "INVALID: %s\n", p.Title)
		if h, ok := helpMember(p.Help); ok {
			printHelp(env, env.Stdout, "  ", h)
		}
		return verdictError{errors.New(p.Title)}
	}
	var res api.EIDResult
	if err := json.Unmarshal(b, &res); err != nil || !res.Verified {
		return fmt.Errorf("the platform's answer is not a verification result")
	}
	fmt.Fprintf(env.Stdout, "VALID: in-person check (%s) at %s\n", res.Kind, res.CheckedAt.Local().Format(time.DateTime))
	for _, f := range res.Provided {
		switch f {
		case api.EIDName:
			fmt.Fprintf(env.Stdout, "  %s: %s\n", f, res.NameMasked)
		case api.EIDNumber:
			fmt.Fprintf(env.Stdout, "  %s: %s\n", f, res.NumberPartial)
		case api.EIDSex:
			fmt.Fprintf(env.Stdout, "  %s: %s\n", f, res.Sex)
		case api.EIDAdult:
			fmt.Fprintf(env.Stdout, "  %s: %v\n", f, res.AgeOver18 != nil && *res.AgeOver18)
		case api.EIDValidUntil:
			fmt.Fprintf(env.Stdout, "  %s: %s\n", f, res.DocumentValidUntil)
		case api.EIDPhoto:
			img, err := photoBytes(res.Photo)
			if err != nil {
				return err
			}
			note := "--photo FILE saves it"
			if photoFile != "" {
				if err := os.WriteFile(photoFile, img, 0o600); err != nil {
					return fmt.Errorf("saving the photo: %w", err)
				}
				note = "saved to " + photoFile
			}
			fmt.Fprintf(env.Stdout, "  %s: %s, %d bytes (%s)\n", f, res.PhotoMediaType(), len(img), note)
		}
	}
	if len(res.Provided) == 0 {
		fmt.Fprintln(env.Stdout, "  (no fields for this relying party)")
	}
	return nil
}

// photoBytes decodes a base64 data: URI.
func photoBytes(uri string) ([]byte, error) {
	_, data, ok := strings.Cut(uri, ";base64,")
	if !ok || !strings.HasPrefix(uri, "data:") {
		return nil, errors.New("the platform's photo is not a data: URI")
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("decoding the photo: %w", err)
	}
	return b, nil
}

// verifyEIDOffline checks one offline code and prints the verdict.
func verifyEIDOffline(ctx context.Context, env Env, v *rp.Verifier, payload string) error {
	p, err := eidverify.VerifyOffline(ctx, v, payload, time.Now())
	if errors.Is(err, rp.ErrStatusUnavailable) {
		return err
	}
	if err != nil {
		fmt.Fprintf(env.Stdout, "INVALID: %s\n", oneLine(err))
		return verdictError{err}
	}
	fmt.Fprintf(env.Stdout, "VALID (offline): credential active until %s\n", p.ExpiresAt.Format(time.DateOnly))
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
	return nil
}
