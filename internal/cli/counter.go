package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/counter"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/qr"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/wallet"
)

// adminCounter is "netid admin counter": the register of counters (柜台),
// worked on in the database of a data directory like "netid admin rp".
func adminCounter(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "admin counter", args, map[string]func(context.Context, Env, []string) error{
		"add":     counterAdd,
		"list":    counterList,
		"show":    counterShow,
		"disable": counterDisable,
	})
}

// counterCmd is "netid counter": a counter's terminal.
func counterCmd(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "counter", args, map[string]func(context.Context, Env, []string) error{
		"keygen": counterKeygen,
		"apply":  counterApply,
	})
}

// openCounters opens the register of counters of an existing data
// directory.
func (d *dbFlags) openCounters(ctx context.Context, env Env, name string) (*counter.Registry, func(), error) {
	cfg, err := config.Parse(name, []string{"--data", d.data, "--db", d.db}, env.Getenv, env.Stderr)
	if err != nil {
		return nil, nil, configError(err)
	}
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{})
	if err != nil {
		return nil, nil, err
	}
	return &counter.Registry{Store: core.Store, DB: core.Store, Records: core.Records, Suite: core.Keys.Suite()}, func() { core.Close() }, nil
}

// counterInvalid reports a registration's problems one per line.
func counterInvalid(env Env, err error) error {
	ve, ok := errors.AsType[*counter.ValidationError](err)
	if !ok {
		return err
	}
	fmt.Fprintln(env.Stderr, "netid admin counter: the registration is not valid:")
	for _, p := range ve.Problems {
		fmt.Fprintln(env.Stderr, "  "+p)
	}
	return verdictError{err}
}

func counterAdd(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin counter add", "", existingData)
	var d dbFlags
	d.register(fs, env)
	id := fs.String("id", "", "counter ID: 3 to 64 of a-z 0-9 . _ - (required)")
	name := fs.String("name", "", "the counter's name as people read it (required)")
	kind := fs.String("kind", "", "kind of counter: "+strings.Join(counter.Kinds, " or ")+" (required)")
	legal := fs.String("legal-basis", "", "the law or act under which it proofs people (required)")
	keyFile := fs.String("key", "", "file with the counter's public key: a JWK (EC P-256 or SM2, the platform's suite), a PEM public key or a PEM certificate (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "netid admin counter add: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	var key []byte
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("reading the counter's key: %w", err)
		}
		key = b
	}
	reg, closeStore, err := d.openCounters(ctx, env, "netid admin counter add")
	if err != nil {
		return err
	}
	defer closeStore()
	c, err := reg.Add(ctx, counter.Registration{ID: *id, Name: *name, Kind: *kind, LegalBasis: *legal, Key: key})
	if err != nil {
		return counterInvalid(env, err)
	}
	fmt.Fprintf(env.Stdout, "registered counter %s (%s), key %s\n", c.ID, c.Kind, c.KeyID)
	return nil
}

func counterList(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin counter list", "", existingData)
	var d dbFlags
	d.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "netid admin counter list: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	reg, closeStore, err := d.openCounters(ctx, env, "netid admin counter list")
	if err != nil {
		return err
	}
	defer closeStore()
	cs, err := reg.List(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		views := make([]counter.View, 0, len(cs))
		for _, c := range cs {
			views = append(views, counter.NewView(c))
		}
		return printJSON(env.Stdout, map[string]any{"counters": views})
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATE\tCREATED\tNAME")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Kind, c.State, c.CreatedAt.Format(time.DateOnly), c.Name)
	}
	return tw.Flush()
}

func counterShow(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin counter show", " ID", existingData)
	var d dbFlags
	d.register(fs, env)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "netid admin counter show: give the counter's ID")
		return errUsage
	}
	reg, closeStore, err := d.openCounters(ctx, env, "netid admin counter show")
	if err != nil {
		return err
	}
	defer closeStore()
	c, err := reg.Get(ctx, pos[0])
	if err != nil {
		return err
	}
	return printJSON(env.Stdout, counter.NewView(c))
}

func counterDisable(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "admin counter disable", " ID", existingData)
	var d dbFlags
	d.register(fs, env)
	reason := fs.String("reason", "", "why the counter stops (required; kept in the register)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "netid admin counter disable: give the counter's ID")
		return errUsage
	}
	reg, closeStore, err := d.openCounters(ctx, env, "netid admin counter disable")
	if err != nil {
		return err
	}
	defer closeStore()
	c, err := reg.Disable(ctx, pos[0], *reason)
	if err != nil {
		return counterInvalid(env, err)
	}
	fmt.Fprintf(env.Stdout, "disabled counter %s: its terminal's submissions are refused from now\n", c.ID)
	return nil
}

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// counterKeygen makes a counter's key of the platform's crypto suite: an
// ES256 key (the private key a JWK) or an SM2 key (the private key PEM
// PKCS #8), the private key in a new file only its owner reads, the public
// key (a JWK) on stdout for the operator's netid admin counter add --key.
func counterKeygen(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "counter keygen", "", "Makes a counter terminal's key (ES256, or SM2 for a platform on the sm crypto suite).\nGive the public key (stdout, or --public) to the platform's operator: netid admin counter add --key.")
	out := fs.String("out", "", "file for the private key (created, mode 0600; never overwritten) (required)")
	pub := fs.String("public", "", "also write the public key to this file")
	suiteName := fs.String("crypto-suite", "es256", "the platform's crypto suite: es256 or sm")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "netid counter keygen: --out is required")
		return errUsage
	}
	st, err := suite.Parse(*suiteName)
	if err != nil {
		fmt.Fprintf(env.Stderr, "netid counter keygen: --crypto-suite: %v\n", err)
		return errUsage
	}
	key, err := st.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	alg := string(st.SignatureAlgorithm())
	priv, err := marshalCounterKey(key, alg)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the private key: %w", err)
	}
	if _, err := f.Write(append(priv, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("writing the private key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing the private key: %w", err)
	}
	public, err := jws.JWK{Key: &key.PublicKey, Algorithm: alg, Use: "sig"}.MarshalJSON()
	if err != nil {
		return err
	}
	if *pub != "" {
		if err := os.WriteFile(*pub, append(public, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing the public key: %w", err)
		}
	}
	fmt.Fprintf(env.Stdout, "%s\n", public)
	return nil
}

// marshalCounterKey is the private key file's content: a JWK for a P-256
// key, PEM PKCS #8 for an SM2 key (which no JWK library reads).
func marshalCounterKey(key *ecdsa.PrivateKey, alg string) ([]byte, error) {
	if alg == string(jws.ES256) {
		return jose.JSONWebKey{Key: key, Algorithm: alg, Use: "sig"}.MarshalJSON()
	}
	sk, err := new(sm2.PrivateKey).FromECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	der, err := smx509.MarshalPKCS8PrivateKey(sk)
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), []byte("\n")), nil
}

// readCounterKey reads a counter's private key: a JWK (EC P-256) or a
// PEM EC or PKCS #8 private key (P-256 or SM2).
func readCounterKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the counter's private key: %w", err)
	}
	var k any
	if block, _ := pem.Decode(b); block != nil {
		switch block.Type {
		case "EC PRIVATE KEY":
			k, err = smx509.ParseECPrivateKey(block.Bytes)
		case "PRIVATE KEY":
			k, err = smx509.ParsePKCS8PrivateKey(block.Bytes)
		default:
			err = fmt.Errorf("a PEM %q block is not a private key", block.Type)
		}
	} else {
		var jwk jose.JSONWebKey
		err = jwk.UnmarshalJSON(b)
		k = jwk.Key
	}
	if err != nil {
		return nil, fmt.Errorf("the counter's private key does not parse: %w", err)
	}
	if sk, ok := k.(*sm2.PrivateKey); ok {
		k = &sk.PrivateKey
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if _, known := jws.AlgorithmFor(ec); !ok || !known {
		return nil, errors.New("the counter's private key must be an EC P-256 or an SM2 private key (netid counter keygen makes one)")
	}
	return ec, nil
}

// counterApply is the counter's terminal: it signs what its chip reader
// read and the result of its own face check, and submits it; the clerk
// then gives the person the hand-over link (their wallet finishes) or
// their 网号 (no smartphone).
func counterApply(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "counter apply", "", "A counter's terminal applies on a person's behalf: the chip data its reader read\n"+
		"and the result of the face check its own equipment ran, signed with the counter's key.")
	server := fs.String("server", env.Getenv("NETID_SERVER"), "the platform's base URL (env NETID_SERVER)")
	id := fs.String("counter", env.Getenv("NETID_COUNTER"), "the counter's registered ID (env NETID_COUNTER)")
	keyFile := fs.String("key", env.Getenv("NETID_COUNTER_KEY"), "the counter's private key file (env NETID_COUNTER_KEY)")
	doc := fs.String("document", "", "the chip data the reader read (the chip container file)")
	score := fs.String("face-score", "", "the score, 0 to 1, of the face check that matched the live face to the chip's photo")
	wanghaoOnly := fs.Bool("wanghao-only", false, "the person has no smartphone: give a 网号 without a 网证")
	png := fs.String("png", "", "also write the hand-over QR code to this PNG file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "netid counter apply: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *server == "" || *id == "" || *keyFile == "" || *doc == "" || *score == "" {
		fmt.Fprintln(env.Stderr, "netid counter apply: --server, --counter, --key, --document and --face-score are required")
		return errUsage
	}
	s, err := strconv.ParseFloat(*score, 64)
	if err != nil || s < 0 || s > 1 {
		return errors.New("--face-score must be a number from 0 to 1")
	}
	key, err := readCounterKey(*keyFile)
	if err != nil {
		return err
	}
	chipJSON, docType, faceHash, err := readChip(*doc)
	if err != nil {
		return err
	}
	jti := make([]byte, 18)
	if _, err := rand.Read(jti); err != nil {
		return err
	}
	c := client(env, *server)
	finish := counter.FinishWallet
	if *wanghaoOnly {
		finish = counter.FinishWanghao
	}
	now := time.Now()
	sub, err := counter.Sign(key, counter.Claims{
		Issuer: *id, Audience: c.BaseURL, IssuedAt: now.Unix(), ExpiresAt: now.Add(2 * time.Minute).Unix(),
		ID: base64.RawURLEncoding.EncodeToString(jti), DocumentType: docType, Chip: chipJSON,
		Face:   counter.Face{Result: counter.FaceMatch, Score: s, ImageHash: base64.RawURLEncoding.EncodeToString(faceHash[:])},
		Finish: finish,
	})
	if err != nil {
		return fmt.Errorf("signing the submission: %w", err)
	}
	got, err := c.CounterApply(ctx, sub)
	if err != nil {
		return err
	}
	if got.Wanghao != "" {
		env.println(env.Stdout, i18n.KeyCLICounterWanghao, netnum.Format(got.Wanghao))
		return nil
	}
	env.println(env.Stdout, i18n.KeyCLICounterHandover, got.ExpiresAt.Local().Format("2006-01-02 15:04"))
	fmt.Fprintln(env.Stdout, got.HandoverLink)
	if code, err := qr.Terminal(got.HandoverLink); err == nil {
		fmt.Fprint(env.Stdout, code)
	}
	if *png != "" {
		img, err := qr.PNG(got.HandoverLink, 8)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*png, img, 0o600); err != nil {
			return fmt.Errorf("writing the QR code: %w", err)
		}
	}
	env.println(env.Stdout, i18n.KeyCLICounterHandoverCLI)
	fmt.Fprintf(env.Stdout, "  netid wallet apply --handover '%s' --phone <phone>\n", got.HandoverLink)
	return nil
}

// readChip reads the chip container the reader wrote: its canonical JSON,
// the document type (DG1) and the SHA-256 of the face image (DG2) the
// face check compared with.
func readChip(path string) (json.RawMessage, document.Type, [32]byte, error) {
	var hash [32]byte
	f, err := os.Open(path)
	if err != nil {
		return nil, "", hash, fmt.Errorf("reading the chip data: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, chip.MaxContainerSize+1))
	if err != nil {
		return nil, "", hash, fmt.Errorf("reading the chip data: %w", err)
	}
	d, err := chip.Parse(b)
	if err != nil {
		return nil, "", hash, fmt.Errorf("the chip data: %w", err)
	}
	var dg1 struct {
		Type document.Type `json:"type"`
	}
	if err := json.Unmarshal(d.DG1, &dg1); err != nil || !dg1.Type.Valid() {
		return nil, "", hash, errors.New("the chip data's DG1 names no legal document type")
	}
	canonical, err := d.MarshalJSON()
	if err != nil {
		return nil, "", hash, err
	}
	return canonical, dg1.Type, sha256.Sum256(d.DG2), nil
}

// walletFinish is netid wallet apply --handover LINK: the person finishes
// in this wallet an application a counter started (the counter read the
// chip and checked the face): SMS code, 口令, device key.
func walletFinish(ctx context.Context, env Env, f proofingFlags, link string, replace bool) error {
	server, id, token, err := wallet.ParseHandover(link)
	if err != nil {
		return err
	}
	if *f.server != "" && strings.TrimRight(*f.server, "/") != server {
		return errors.New("--server differs from the hand-over link's platform")
	}
	if *f.phone == "" {
		return errors.New("--phone is required")
	}
	c := client(env, server)
	o := wallet.ApplyOptions{
		Server: c.BaseURL, Dir: *f.dir, Phone: *f.phone, Replace: replace,
		Prompter: f.terminal(env, c, env.tr(i18n.KeyCLIPassword), env.tr(i18n.KeyCLINewPassword)),
		Liveness: f.liveness(c),
	}
	res, err := wallet.Finish(ctx, c, o, id, token)
	switch {
	case errors.Is(err, wallet.ErrCredentialExists):
		return fmt.Errorf("%w: give --replace to apply again (the platform then revokes the old one)", err)
	case err != nil:
		return err
	}
	printIssued(env, res)
	return nil
}
