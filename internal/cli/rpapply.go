package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/rpapply"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/rp"
)

// rpCmd is "netid rp": an organisation's side of the platform, over its
// API: applying to become a relying party, and its own daily counts.
func rpCmd(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "rp", args, map[string]func(context.Context, Env, []string) error{
		"apply": rpApply,
		"stats": rpStats,
	})
}

// applicationFile is what netid rp apply keeps of an application: where,
// which, and its bearer token (the file is the applicant's credential).
type applicationFile struct {
	Server string `json:"server"`
	ID     string `json:"id"`
	Token  string `json:"token"`
}

const defaultApplicationFile = "rp-application.json"

// rpApply is "netid rp apply [flags]" (apply) or "netid rp apply
// show|check|credentials [--application FILE]".
func rpApply(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "show", "check", "credentials":
			return rpApplication(ctx, env, args[0], args[1:])
		}
	}
	fs := flagsWithNote(env, "rp apply", "", "Applies to the platform (--server) to become a relying party, and keeps the application's\n"+
		"ID and token in --out (mode 0600). Then: netid rp apply show|check|credentials.")
	var r registrationFlags
	server := fs.String("server", "", "the platform's base URL (required)")
	out := fs.String("out", defaultApplicationFile, "file to keep the application's ID and token in")
	fs.StringVar(&r.id, "client-id", "", "the client ID asked for: 3 to 64 of a-z 0-9 . _ - (required)")
	fs.StringVar(&r.name, "name", "", "the organisation's name as people see it (required)")
	fs.StringVar(&r.category, "category", "", "internet_service (default) or in_person")
	fs.StringVar(&r.legalBasis, "legal-basis", "", "the law requiring plaintext identity data (needed for plaintext claims)")
	fs.Var(&r.domains, "domain", "a domain of the organisation, to be proved (repeatable, at least one)")
	fs.Var(&r.redirectURIs, "redirect-uri", "an OIDC redirect URI on one of the domains (repeatable)")
	fs.StringVar(&r.claims, "claims", "", "claims asked for, comma-separated")
	fs.StringVar(&r.altURL, "alt-url", "", "https address of the way in for people without a 网号")
	fs.StringVar(&r.altText, "alt-text", "", "description of the way in for people without a 网号")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "netid rp apply: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *server == "" {
		return errors.New("--server is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: it may hold another application's token; give another --out", *out)
	}
	req := rpapply.ApplicationRequest{
		ClientID: r.id, Name: r.name, Category: r.category, LegalBasis: r.legalBasis,
		Domains: r.domains, RedirectURIs: r.redirectURIs, Claims: splitClaims(r.claims),
		AltURL: r.altURL, AltText: r.altText,
	}
	c := applicantClient{base: strings.TrimRight(*server, "/")}
	var v rpapply.View
	if err := c.call(ctx, env, http.MethodPost, rpapply.ApplicationsPath, "", req, http.StatusCreated, &v); err != nil {
		return err
	}
	b, err := json.MarshalIndent(applicationFile{Server: c.base, ID: v.ID, Token: v.Token}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("the application %s was made, but its token could not be kept: %w", v.ID, err)
	}
	fmt.Fprintf(env.Stdout, "application %s for client ID %s: %s (kept in %s)\n", v.ID, v.ClientID, v.State, *out)
	if r.altURL == "" && r.altText == "" {
		fmt.Fprintln(env.Stderr, "warning: the application names no way in for people without a network ID (--alt-url or --alt-text); "+
			"a public service must serve those who do not use it")
	}
	printProofs(env, v)
	fmt.Fprintln(env.Stdout, "then: netid rp apply check --application "+*out)
	return nil
}

// printProofs says how to prove each domain.
func printProofs(env Env, v rpapply.View) {
	for _, p := range v.Proofs {
		if p.Proved {
			fmt.Fprintf(env.Stdout, "  %s: proved\n", p.Domain)
			continue
		}
		fmt.Fprintf(env.Stdout, "  %s: serve %s with the content %s\n", p.Domain, p.FileURL, p.Value)
		fmt.Fprintf(env.Stdout, "  %s  or publish the DNS TXT record %s = %s\n", strings.Repeat(" ", len(p.Domain)), p.DNSName, p.Value)
	}
}

func rpApplication(ctx context.Context, env Env, action string, args []string) error {
	fs := flags(env, "rp apply "+action)
	file := fs.String("application", defaultApplicationFile, "the file netid rp apply kept the application in")
	var secretOut *string
	if action == "credentials" {
		secretOut = fs.String("secret-out", "", "write the client secret to this file (mode 0600) instead of standard output")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "netid rp apply %s: unexpected argument %q\n", action, fs.Arg(0))
		return errUsage
	}
	b, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("reading the application: %w", err)
	}
	var a applicationFile
	if err := json.Unmarshal(b, &a); err != nil || a.Server == "" || a.ID == "" || a.Token == "" {
		return fmt.Errorf("%s is not an application kept by netid rp apply", *file)
	}
	c := applicantClient{base: a.Server}
	path := rpapply.ApplicationsPath + "/" + url.PathEscape(a.ID)
	switch action {
	case "show":
		var v rpapply.View
		if err := c.call(ctx, env, http.MethodGet, path, a.Token, nil, http.StatusOK, &v); err != nil {
			return err
		}
		printApplication(env, v)
		printProofs(env, v)
	case "check":
		var v rpapply.View
		if err := c.call(ctx, env, http.MethodPost, path+"/check", a.Token, nil, http.StatusOK, &v); err != nil {
			return err
		}
		for _, f := range v.Findings {
			if f.Proved {
				how := ""
				if f.Method != "" {
					how = " (" + f.Method + ")"
				}
				fmt.Fprintf(env.Stdout, "%s: proved%s\n", f.Domain, how)
			} else {
				fmt.Fprintf(env.Stdout, "%s: not proved: %s\n", f.Domain, f.Problem)
			}
		}
		all := true
		for _, p := range v.Proofs {
			all = all && p.Proved
		}
		if all {
			fmt.Fprintln(env.Stdout, "every domain is proved; an operator decides next")
		}
	case "credentials":
		var cr rpapply.Credentials
		if err := c.call(ctx, env, http.MethodPost, path+"/credentials", a.Token, nil, http.StatusOK, &cr); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "client_id: %s\n", cr.ClientID)
		if *secretOut != "" {
			if err := os.WriteFile(*secretOut, []byte(cr.ClientSecret+"\n"), 0o600); err != nil {
				fmt.Fprintf(env.Stdout, "client_secret: %s\n", cr.ClientSecret)
				return fmt.Errorf("writing the secret (shown above instead): %w", err)
			}
			fmt.Fprintf(env.Stdout, "client_secret: written to %s\n", *secretOut)
		} else {
			fmt.Fprintf(env.Stdout, "client_secret: %s\n", cr.ClientSecret)
		}
		fmt.Fprintln(env.Stderr, "warning: the client secret is given only this once; keep it safe (an operator can rotate it)")
	}
	return nil
}

func printApplication(env Env, v rpapply.View) {
	fmt.Fprintf(env.Stdout, "application %s: %s\n", v.ID, v.State)
	fmt.Fprintf(env.Stdout, "  client ID %s, %s (%s)\n", v.ClientID, v.Name, v.Category)
	if len(v.Claims) > 0 {
		fmt.Fprintf(env.Stdout, "  claims %s\n", strings.Join(v.Claims, ","))
	}
	if v.LegalBasis != "" {
		fmt.Fprintf(env.Stdout, "  legal basis %s\n", v.LegalBasis)
	}
	if len(v.RedirectURIs) > 0 {
		fmt.Fprintf(env.Stdout, "  redirect URIs %s\n", strings.Join(v.RedirectURIs, " "))
	}
	if alt := v.Alternative; alt != nil {
		fmt.Fprintf(env.Stdout, "  without a 网号: %s\n", strings.Join(nonEmpty(alt.Text, alt.URL), " · "))
	}
	if v.Reason != "" {
		fmt.Fprintf(env.Stdout, "  reason: %s\n", v.Reason)
	}
	if v.CredentialsGiven {
		fmt.Fprintln(env.Stdout, "  credentials given")
	}
}

// applicantClient calls the applications' API.
type applicantClient struct{ base string }

// call makes one request and decodes a want answer into out; a problem
// document becomes a one-line error (and its rule list, on stderr).
func (c applicantClient) call(ctx context.Context, env Env, method, path, token string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("the server address: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("the platform cannot be reached: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode == want {
		if err := json.Unmarshal(b, out); err != nil {
			return errors.New("the platform's answer is not the expected JSON")
		}
		return nil
	}
	var p struct {
		Title  string   `json:"title"`
		Detail string   `json:"detail"`
		Errors []string `json:"errors"`
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/problem+json" || json.Unmarshal(b, &p) != nil {
		return fmt.Errorf("the platform answered %d", resp.StatusCode)
	}
	for _, e := range p.Errors {
		fmt.Fprintln(env.Stderr, "  "+e)
	}
	return fmt.Errorf("%s: %s", p.Title, p.Detail)
}

// rpStats is "netid rp stats": the relying party's own daily counts.
func rpStats(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "rp stats")
	server := fs.String("server", "", "the platform's base URL (required)")
	clientID := fs.String("client-id", "", "your client ID (required)")
	secretFile := fs.String("client-secret-file", "", "file holding your client secret (required)")
	from := fs.String("from", "", "first day, YYYY-MM-DD (default: six days before --to)")
	to := fs.String("to", "", "last day, YYYY-MM-DD (default: today, in Beijing time)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "netid rp stats: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *server == "" || *clientID == "" || *secretFile == "" {
		return errors.New("--server, --client-id and --client-secret-file are required")
	}
	var f, t time.Time
	for _, d := range []struct {
		name, v string
		dst     *time.Time
	}{{"--from", *from, &f}, {"--to", *to, &t}} {
		if d.v == "" {
			continue
		}
		var err error
		if *d.dst, err = time.Parse(time.DateOnly, d.v); err != nil {
			return fmt.Errorf("%s must be a date, YYYY-MM-DD", d.name)
		}
	}
	if !f.IsZero() && t.IsZero() {
		t = f.AddDate(0, 0, 6)
	}
	b, err := os.ReadFile(*secretFile)
	if err != nil {
		return fmt.Errorf("reading the client secret: %w", err)
	}
	c, err := rp.NewClient(*server, *clientID, rp.ClientSecret(strings.TrimSpace(string(b))))
	if err != nil {
		return err
	}
	s, err := c.Stats(ctx, f, t)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "verifications of %s, %s to %s (%s)\n", s.ClientID, s.From, s.To, s.TimeZone)
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tLEVEL\tOUTCOME\tCOUNT")
	for _, d := range s.Days {
		if len(d.Counts) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t0\n", d.Date)
		}
		for _, n := range d.Counts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", d.Date, n.Level, n.Outcome, n.Count)
		}
	}
	return tw.Flush()
}

// adminRPApplications is "netid admin rp applications": the operators'
// queue of applications, worked on directly in the data directory's
// database.
func adminRPApplications(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "admin rp applications", args, map[string]func(context.Context, Env, []string) error{
		"list": rpApplicationsList,
		"show": func(ctx context.Context, env Env, args []string) error {
			return rpApplicationsAct(ctx, env, "show", args)
		},
		"approve": func(ctx context.Context, env Env, args []string) error {
			return rpApplicationsAct(ctx, env, "approve", args)
		},
		"refuse": func(ctx context.Context, env Env, args []string) error {
			return rpApplicationsAct(ctx, env, "refuse", args)
		},
	})
}

// openApplications opens the data directory's applications.
func (d *dbFlags) openApplications(ctx context.Context, env Env, name string) (*rpapply.Service, func(), error) {
	cfg, err := config.Parse(name, []string{"--data", d.data, "--db", d.db}, env.Getenv, env.Stderr)
	if err != nil {
		return nil, nil, configError(err)
	}
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{})
	if err != nil {
		return nil, nil, err
	}
	return &rpapply.Service{Store: core.Store, Registry: core.Registry, MAC: core.Indexer.MAC}, func() { core.Close() }, nil
}

func rpApplicationsList(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin rp applications list", "", existingData)
	var d dbFlags
	d.register(fs, env)
	state := fs.String("state", "", "only applications in this state: pending, approved or refused")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "netid admin rp applications list: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	switch storage.RPApplicationState(*state) {
	case "", storage.RPApplicationPending, storage.RPApplicationApproved, storage.RPApplicationRefused:
	default:
		return errors.New("--state must be pending, approved or refused")
	}
	svc, closeStore, err := d.openApplications(ctx, env, "netid admin rp applications list")
	if err != nil {
		return err
	}
	defer closeStore()
	apps, err := svc.List(ctx, storage.RPApplicationState(*state))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tCLIENT ID\tNAME\tDOMAINS\tPROVED\tCREATED")
	for _, a := range apps {
		v := rpapply.NewView(a)
		proved := 0
		for _, p := range v.Proofs {
			if p.Proved {
				proved++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\n", a.ID, a.State, a.ClientID, a.Name, strings.Join(a.Domains, ","),
			proved, len(v.Proofs), a.CreatedAt.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func rpApplicationsAct(ctx context.Context, env Env, action string, args []string) error {
	name := "admin rp applications " + action
	fs := flagsWithNote(env, name, " ID", existingData)
	var d dbFlags
	d.register(fs, env)
	var reason *string
	switch action {
	case "approve":
		reason = fs.String("reason", "", "the reason of the approval (optional)")
	case "refuse":
		reason = fs.String("reason", "", "why the application is refused, as the applicant will read it (required)")
	}
	id, err := oneID(env, fs, name, args)
	if err != nil {
		return err
	}
	if action == "refuse" && *reason == "" {
		return errors.New("--reason is required: the applicant reads why")
	}
	svc, closeStore, err := d.openApplications(ctx, env, "netid "+name)
	if err != nil {
		return err
	}
	defer closeStore()
	var a storage.RPApplication
	switch action {
	case "show":
		a, err = svc.Show(ctx, id)
	case "approve":
		a, err = svc.Approve(ctx, id, *reason)
	case "refuse":
		a, err = svc.Refuse(ctx, id, *reason)
	}
	if err != nil {
		return applicationError(env, err)
	}
	switch action {
	case "show":
		b, err := json.MarshalIndent(rpapply.NewView(a), "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s\n", b)
	case "approve":
		fmt.Fprintf(env.Stdout, "approved %s: relying party %s registered; the applicant fetches its client secret with its token\n", a.ID, a.ClientID)
	case "refuse":
		fmt.Fprintf(env.Stdout, "refused %s\n", a.ID)
	}
	return nil
}

// applicationError says in one line why an operator's action failed.
func applicationError(env Env, err error) error {
	switch {
	case errors.Is(err, rpapply.ErrNotFound):
		return errors.New("no application has this ID")
	case errors.Is(err, rpapply.ErrState):
		return errors.New("the application is already decided")
	case errors.Is(err, rpapply.ErrUnproved):
		return errors.New("not every domain of the application is proved yet")
	case errors.Is(err, rpapply.ErrClientIDTaken):
		return errors.New("a relying party already has the client ID asked for: refuse the application")
	case errors.Is(err, rpapply.ErrReason):
		return errors.New("the reason must be display text of at most 500 characters")
	}
	return invalid(env, err)
}
