package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// adminRP is "netid admin rp": the register of relying parties, worked on
// directly in the database of a data directory (no running server
// needed; a running server sees changes at its next lookup).
func adminRP(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "admin rp", args, map[string]func(context.Context, Env, []string) error{
		"add":           rpAdd,
		"list":          rpList,
		"show":          rpShow,
		"update":        rpUpdate,
		"rotate-secret": rpRotate,
		"disable":       func(ctx context.Context, env Env, args []string) error { return rpSetDisabled(ctx, env, args, true) },
		"enable":        func(ctx context.Context, env Env, args []string) error { return rpSetDisabled(ctx, env, args, false) },
		"applications":  adminRPApplications,
	})
}

// repeatFlag is a repeatable string flag; unlike listFlag it does not
// split at commas (a redirect URI may hold one).
type repeatFlag []string

func (l *repeatFlag) String() string { return strings.Join(*l, " ") }

func (l *repeatFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// dbFlags are the flags that locate the database, defaulting like serve's
// to NETID_DATA and NETID_DB.
type dbFlags struct{ data, db string }

func (d *dbFlags) register(fs *flag.FlagSet, env Env) {
	def := func(name, fallback string) string {
		if v := env.Getenv(config.Env + strings.ToUpper(name)); v != "" {
			return v
		}
		return fallback
	}
	fs.StringVar(&d.data, "data", def("data", "netid-data"), "data directory (env NETID_DATA)")
	fs.StringVar(&d.db, "db", def("db", ""), "database: empty for SQLite in the data directory, sqlite:PATH, or postgres://… (env NETID_DB)")
}

// open opens the core of the platform on the data directory (which must
// hold a database and master key) and returns its register of relying
// parties and a closer.
func (d *dbFlags) open(ctx context.Context, env Env, name string) (*relyingparty.Registry, func(), error) {
	cfg, err := config.Parse(name, []string{"--data", d.data, "--db", d.db}, env.Getenv, env.Stderr)
	if err != nil {
		return nil, nil, configError(err)
	}
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{})
	if err != nil {
		return nil, nil, err
	}
	return core.Registry, func() { core.Close() }, nil
}

// splitClaims parses --claims a,b,c; an empty value is no claims.
func splitClaims(s string) []string {
	var out []string
	for c := range strings.SplitSeq(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// registrationFlags are the flags of add and update.
type registrationFlags struct {
	id, name, sector, category, legalBasis, claims, auth, jwks, idTokenAlg string
	altURL, altText                                                        string
	domains, redirectURIs                                                  repeatFlag
}

func (r *registrationFlags) register(fs *flag.FlagSet, add bool) {
	if add {
		fs.StringVar(&r.id, "id", "", "client ID: 3 to 64 of a-z 0-9 . _ - (required)")
		fs.StringVar(&r.sector, "sector", "", "sector of pairwise identifiers (default: the ID)")
	}
	fs.StringVar(&r.name, "name", "", "display name shown to people")
	cat := "internet_service or in_person"
	if add {
		cat += " (default internet_service)"
	}
	fs.StringVar(&r.category, "category", "", cat)
	fs.StringVar(&r.legalBasis, "legal-basis", "", "the law requiring plaintext identity data (needed for plaintext claims)")
	fs.Var(&r.domains, "domain", "a verified domain, lower case, IDNs as xn-- (repeatable)")
	fs.Var(&r.redirectURIs, "redirect-uri", "an OIDC redirect URI, exact match (repeatable)")
	fs.StringVar(&r.claims, "claims", "", "allowed claims, comma-separated: "+strings.Join(relyingparty.Claims(), ","))
	fs.StringVar(&r.auth, "auth", "", "client authentication: private_key_jwt, client_secret_basic or none")
	fs.StringVar(&r.jwks, "jwks", "", "file with the public JWK set (private_key_jwt)")
	alg := "algorithm of its OpenID Connect ID tokens: ES256 (SM2 on a platform of the SM suite) or RS256"
	if add {
		alg += " (default ES256)"
	}
	fs.StringVar(&r.idTokenAlg, "id-token-alg", "", alg)
	fs.StringVar(&r.altURL, "alt-url", "", "https address of its other way in for people without a 网号 (shown on the consent pages and in the public registry)")
	fs.StringVar(&r.altText, "alt-text", "", "description of its other way in for people without a 网号, e.g. 到门店柜台办理")
}

// warnNoAlternative warns the operator that rp names no other way in:
// the platform must serve people who do not use a 网号.
func warnNoAlternative(env Env, rp storage.RelyingParty) {
	if rp.AltURL == "" && rp.AltText == "" {
		fmt.Fprintf(env.Stderr, "warning: %s names no way in for people without a network ID (--alt-url or --alt-text); "+
			"a public service must serve those who do not use it\n", rp.ID)
	}
}

func readJWKS(path string) (json.RawMessage, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the key set: %w", err)
	}
	return b, nil
}

// invalid reports a registration's problems one per line on stderr.
func invalid(env Env, err error) error {
	ve, ok := errors.AsType[*relyingparty.ValidationError](err)
	if !ok {
		return err
	}
	fmt.Fprintln(env.Stderr, "netid admin rp: the registration is not valid:")
	for _, p := range ve.Problems {
		fmt.Fprintln(env.Stderr, "  "+p)
	}
	return verdictError{err}
}

func printSecret(env Env, id, secret string) {
	fmt.Fprintf(env.Stdout, "client_secret for %s: %s\n", id, secret)
	fmt.Fprintln(env.Stderr, "warning: the client secret is shown only this once and cannot be recovered; "+
		"give it to the relying party over a secure channel (rotate-secret issues a new one)")
}

func rpAdd(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin rp add", "", existingData)
	var d dbFlags
	d.register(fs, env)
	var r registrationFlags
	r.register(fs, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "netid admin rp add: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if r.category == "" {
		r.category = storage.CategoryInternetService
	}
	jwks, err := readJWKS(r.jwks)
	if err != nil {
		return err
	}
	reg, closeStore, err := d.open(ctx, env, "netid admin rp add")
	if err != nil {
		return err
	}
	defer closeStore()
	rp, secret, err := reg.Register(ctx, relyingparty.Registration{
		ID: r.id, Name: r.name, Sector: r.sector, Category: r.category, LegalBasis: r.legalBasis,
		Domains: r.domains, RedirectURIs: r.redirectURIs, AllowedClaims: splitClaims(r.claims),
		AuthMethod: r.auth, IDTokenAlg: r.idTokenAlg, JWKS: jwks,
		AltURL: r.altURL, AltText: r.altText,
	})
	if err != nil {
		return invalid(env, err)
	}
	warnNoAlternative(env, rp)
	fmt.Fprintf(env.Stdout, "registered relying party %s (%s, %s), claims %s\n", rp.ID, rp.Category, rp.AuthMethod,
		strings.Join(rp.AllowedClaims, ","))
	if secret != "" {
		printSecret(env, rp.ID, secret)
	}
	return nil
}

func rpList(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin rp list", "", existingData)
	var d dbFlags
	d.register(fs, env)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "netid admin rp list: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	reg, closeStore, err := d.open(ctx, env, "netid admin rp list")
	if err != nil {
		return err
	}
	defer closeStore()
	rps, err := reg.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCATEGORY\tAUTH\tSTATE\tCLAIMS")
	for _, rp := range rps {
		state := "active"
		if rp.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", rp.ID, rp.Name, rp.Category, rp.AuthMethod, state,
			strings.Join(rp.AllowedClaims, ","))
	}
	return tw.Flush()
}

// oneID parses flags around exactly one positional argument, the ID.
func oneID(env Env, fs *flag.FlagSet, name string, args []string) (string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		fmt.Fprintf(env.Stderr, "usage: netid %s ID [flags]\n", name)
		return "", errUsage
	}
	return pos[0], nil
}

func rpShow(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin rp show", " ID", existingData)
	var d dbFlags
	d.register(fs, env)
	id, err := oneID(env, fs, "admin rp show", args)
	if err != nil {
		return err
	}
	reg, closeStore, err := d.open(ctx, env, "netid admin rp show")
	if err != nil {
		return err
	}
	defer closeStore()
	rp, err := reg.Get(ctx, id)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(relyingparty.NewView(rp), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the relying party: %w", err)
	}
	fmt.Fprintf(env.Stdout, "%s\n", b)
	return nil
}

func rpUpdate(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin rp update", " ID", existingData)
	var d dbFlags
	d.register(fs, env)
	var r registrationFlags
	r.register(fs, false)
	id, err := oneID(env, fs, "admin rp update", args)
	if err != nil {
		return err
	}
	var p relyingparty.Patch
	var setErr error
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "name":
			p.Name = &r.name
		case "category":
			p.Category = &r.category
		case "legal-basis":
			p.LegalBasis = &r.legalBasis
		case "domain":
			p.Domains = (*[]string)(&r.domains)
		case "redirect-uri":
			p.RedirectURIs = (*[]string)(&r.redirectURIs)
		case "claims":
			c := splitClaims(r.claims)
			p.AllowedClaims = &c
		case "auth":
			p.AuthMethod = &r.auth
		case "id-token-alg":
			p.IDTokenAlg = &r.idTokenAlg
		case "jwks":
			p.JWKS, setErr = readJWKS(r.jwks)
		case "alt-url":
			p.AltURL = &r.altURL
		case "alt-text":
			p.AltText = &r.altText
		}
	})
	if setErr != nil {
		return setErr
	}
	reg, closeStore, err := d.open(ctx, env, "netid admin rp update")
	if err != nil {
		return err
	}
	defer closeStore()
	rp, err := reg.Update(ctx, id, func(reg *relyingparty.Registration) error {
		p.Apply(reg)
		return nil
	})
	if err != nil {
		return invalid(env, err)
	}
	fmt.Fprintf(env.Stdout, "updated relying party %s\n", rp.ID)
	warnNoAlternative(env, rp)
	if rp.AuthMethod == storage.AuthClientSecret && rp.SecretHash == "" {
		// Switched to client_secret_basic: it needs a secret to work.
		secret, err := reg.RotateSecret(ctx, id)
		if err != nil {
			return err
		}
		printSecret(env, id, secret)
	}
	return nil
}

func rpRotate(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin rp rotate-secret", " ID", existingData)
	var d dbFlags
	d.register(fs, env)
	id, err := oneID(env, fs, "admin rp rotate-secret", args)
	if err != nil {
		return err
	}
	reg, closeStore, err := d.open(ctx, env, "netid admin rp rotate-secret")
	if err != nil {
		return err
	}
	defer closeStore()
	secret, err := reg.RotateSecret(ctx, id)
	if err != nil {
		return invalid(env, err)
	}
	fmt.Fprintf(env.Stdout, "new secret for %s; the old one no longer works\n", id)
	printSecret(env, id, secret)
	return nil
}

func rpSetDisabled(ctx context.Context, env Env, args []string, disabled bool) error {
	name := "admin rp enable"
	if disabled {
		name = "admin rp disable"
	}
	fs := flagsWithNote(env, name, " ID", existingData)
	var d dbFlags
	d.register(fs, env)
	id, err := oneID(env, fs, name, args)
	if err != nil {
		return err
	}
	reg, closeStore, err := d.open(ctx, env, "netid "+name)
	if err != nil {
		return err
	}
	defer closeStore()
	if disabled {
		err = reg.Disable(ctx, id)
	} else {
		err = reg.Enable(ctx, id)
	}
	if err != nil {
		return err
	}
	state := "enabled"
	if disabled {
		state = "disabled"
	}
	fmt.Fprintf(env.Stdout, "relying party %s %s\n", id, state)
	return nil
}
