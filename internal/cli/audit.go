package cli

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verification"
)

// adminAudit is `netid admin audit verify|head`: checks of the
// verification record log (核验记录).
func adminAudit(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "admin audit", args, map[string]func(context.Context, Env, []string) error{
		"verify": auditVerify,
		"head":   auditHead,
	})
}

// auditVerify walks the whole record log and its signed heads, checks that
// every ended session still kept has its record, and prints "audit: OK: …"
// or one line per problem (exit status 1).
//
// With --against FILE|URL it also checks the log against a signed tree
// head kept elsewhere (a witness's head.json or cosigned.jsonl, a head an
// auditor saved from GET /v1/audit/tree-head, or that URL itself): the
// log must extend it.
func auditVerify(ctx context.Context, env Env, args []string) error {
	against, args, err := cutFlag(args, "against")
	if err != nil {
		fmt.Fprintln(env.Stderr, "usage: netid admin audit verify [--against FILE|URL] [flags]")
		return errUsage
	}
	var given string
	if against != "" {
		if given, err = loadHead(ctx, against); err != nil {
			return err
		}
	}
	store, keySet, err := openAudit(ctx, env, "netid admin audit verify", args)
	if err != nil {
		return err
	}
	defer store.Close()
	var rep audit.Report
	if given != "" {
		rep, err = audit.VerifyAgainstTree(ctx, store, keySet, storage.TreeHead{Signature: given})
	} else {
		rep, err = audit.Verify(ctx, store, keySet)
	}
	if err != nil {
		return err
	}
	// Ended sessions still kept must each have their record.
	found, err := verification.FindUnrecorded(ctx, store, 1_000_000)
	if err != nil {
		return err
	}
	var problems []string
	for _, p := range rep.Problems {
		problems = append(problems, p.String())
	}
	for _, s := range found.Missing {
		problems = append(problems, fmt.Sprintf("session %s (%s, ended %s) has no verification record", s.ID, s.State, s.UpdatedAt.Format(time.RFC3339)))
	}
	if n := len(found.Unclaimed); n > 0 {
		fmt.Fprintf(env.Stdout, "audit: note: %d sessions that ended before a holder opened them have no record found\n", n)
	}
	if len(problems) == 0 {
		fmt.Fprintf(env.Stdout, "audit: OK: %d records, %d signed heads, log head %d %s\n",
			rep.Records, rep.Heads, rep.LastSeq, hashText(rep.LastHash))
		fmt.Fprintf(env.Stdout, "audit: OK: %d signed tree heads, tree root %s\n", rep.TreeHeads, hashText(rep.TreeRoot))
		if given != "" {
			fmt.Fprintf(env.Stdout, "audit: OK: the log extends the tree head given (%s)\n", against)
		}
		return nil
	}
	for _, p := range problems {
		fmt.Fprintf(env.Stdout, "audit: %s\n", p)
	}
	fmt.Fprintf(env.Stdout, "audit: FAILED: %d problems in %d records, %d signed heads\n", len(problems), rep.Records, rep.Heads)
	if err := rep.Err(); err != nil {
		return verdictError{err}
	}
	return verdictError{fmt.Errorf("%w: ended sessions without their record", audit.ErrTampered)}
}

// auditHead prints the latest stored signed head, after checking its
// signature: "log head <seq> <hash> <time>" and the compact JWS on the
// next line (what a relying party or auditor keeps for VerifyAgainst).
func auditHead(ctx context.Context, env Env, args []string) error {
	store, keySet, err := openAudit(ctx, env, "netid admin audit head", args)
	if err != nil {
		return err
	}
	defer store.Close()
	heads, err := store.ListHeads(ctx)
	if err != nil {
		return fmt.Errorf("listing the log's heads: %w", err)
	}
	if len(heads) == 0 {
		return errors.New("the record log has no signed head yet")
	}
	stored := heads[len(heads)-1]
	h, err := audit.ParseHead(stored.Signature, keySet)
	if err != nil {
		return fmt.Errorf("the latest head (seq %d): %w", stored.Seq, err)
	}
	if h.Seq != stored.Seq {
		return fmt.Errorf("the latest head (seq %d) is signed for seq %d: %w", stored.Seq, h.Seq, audit.ErrTampered)
	}
	fmt.Fprintf(env.Stdout, "log head %d %s %s\n%s\n", h.Seq, hashText(h.Hash), h.Time.Format(time.RFC3339), h.Signature)
	return nil
}

// openAudit parses the configuration flags, opens the store and builds the
// JWKS that verifies the heads.
func openAudit(ctx context.Context, env Env, name string, args []string) (storage.Storage, jose.JSONWebKeySet, error) {
	noteOnHelp(env, args, existingDatabase)
	cfg, err := config.Parse(name, args, env.Getenv, env.Stderr)
	if err != nil {
		return nil, jose.JSONWebKeySet{}, configError(err)
	}
	// The heads are checked with the public keys: the master key is not
	// needed, the database must exist.
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{DatabaseOnly: true})
	if err != nil {
		return nil, jose.JSONWebKeySet{}, err
	}
	store := core.Store
	keySet, err := auditKeys(ctx, store, env.Stderr)
	if err != nil {
		store.Close()
		return nil, jose.JSONWebKeySet{}, err
	}
	return store, keySet, nil
}

// auditKeys returns the public keys of every signing key in the store,
// retired and unpublished ones included (KeySet.JWKS drops those, but they
// signed heads that must still verify). A key whose public JWK is not a
// P-256 key (an SM2 key on the SM suite) matching its kid is skipped with a
// warning: heads it signed then show as bad-head-signature.
func auditKeys(ctx context.Context, store interface {
	ListSigningKeys(context.Context) ([]storage.SigningKey, error)
}, warn io.Writer) (jose.JSONWebKeySet, error) {
	all, err := store.ListSigningKeys(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("listing the signing keys: %w", err)
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(all))}
	for _, k := range all {
		if k.Algorithm != string(keys.SigningAlgorithm) && k.Algorithm != string(jws.SM2) {
			continue // ID-token keys (RS256) never sign heads
		}
		jwk, err := publicJWK(k)
		if err != nil {
			fmt.Fprintf(warn, "audit: skipping signing key %s: %s\n", k.ID, oneLine(err))
			continue
		}
		set.Keys = append(set.Keys, jwk)
	}
	return set, nil
}

// publicJWK parses the public key of k and checks its RFC 7638 thumbprint
// is its kid.
func publicJWK(k storage.SigningKey) (jose.JSONWebKey, error) {
	if k.Algorithm == string(jws.SM2) {
		s, err := jws.ParseSM2JWK(k.Public)
		if err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("public key: %w", err)
		}
		if kid, err := suite.SM.KeyID(s.Key); err != nil || kid != k.ID {
			return jose.JSONWebKey{}, errors.New("public key does not match its kid")
		}
		return jose.JSONWebKey{Key: s.Key, KeyID: k.ID, Algorithm: k.Algorithm, Use: "sig"}, nil
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(k.Public); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("public key: %w", err)
	}
	pub, ok := jwk.Key.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return jose.JSONWebKey{}, errors.New("not a P-256 public key")
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("thumbprint: %w", err)
	}
	if base64.RawURLEncoding.EncodeToString(tp) != k.ID {
		return jose.JSONWebKey{}, errors.New("public key does not match its kid")
	}
	return jose.JSONWebKey{Key: pub, KeyID: k.ID, Algorithm: k.Algorithm, Use: "sig"}, nil
}

// hashText is a record hash as printed: base64url, as in the signed heads.
func hashText(h []byte) string {
	if len(h) == 0 {
		return "-"
	}
	return base64.RawURLEncoding.EncodeToString(h)
}
