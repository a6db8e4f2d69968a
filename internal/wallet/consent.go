package wallet

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/guardianconsent"
)

// ConsentsFile holds the guardian consent statements of an under-14
// holder's wallet (they are not secret: each names an audience and the
// credential's public key, and is only usable inside a presentation signed
// by the device key).
const ConsentsFile = "consents.json"

// ErrNoGuardianConsent: the credential's holder is under 14 and the wallet
// holds no guardian consent statement for the audience: the guardian
// consents (netid wallet guardian allow), then the wallet fetches it
// (FetchConsents) while online.
var ErrNoGuardianConsent = errors.New("wallet: the holder is under 14 and the wallet holds no guardian consent for this audience")

type consentsFile struct {
	Statements []api.ConsentStatement `json:"statements"`
}

// ConsentStatements asks the platform for the guardian consent statements
// of the wallet's holder.
func (c *Client) ConsentStatements(ctx context.Context, u *Unlocked) ([]api.ConsentStatement, error) {
	var out api.ConsentStatements
	err := c.do(ctx, call{method: "GET", path: "/v1/wallet/guardian-consents", out: &out, holder: u})
	return out.Statements, err
}

// GuardianAllow is a guardian consenting ahead, with their password, to
// under-14 ward wardID's use of audience (a relying party's ID, or
// eid.AudienceOffline for in-person checks without the network).
func (c *Client) GuardianAllow(ctx context.Context, u *Unlocked, wardID, audience, password string) error {
	return c.do(ctx, call{method: "POST", path: "/v1/guardian/wards/" + url.PathEscape(wardID) + "/consents",
		in: api.WardConsentRequest{Audience: audience, Password: password}, holder: u})
}

// FetchConsents fetches the holder's guardian consent statements from the
// platform and keeps, in ConsentsFile, those that are for this wallet's
// credential key and well formed, replacing the earlier ones. It returns
// what it kept.
func FetchConsents(ctx context.Context, c *Client, u *Unlocked) ([]api.ConsentStatement, error) {
	if c.base() != u.Wallet.Server {
		return nil, fmt.Errorf("%w: the wallet's credential is from another server", ErrServerMismatch)
	}
	list, err := c.ConsentStatements(ctx, u)
	if err != nil {
		return nil, err
	}
	keys, err := u.keyThumbprints()
	if err != nil {
		return nil, err
	}
	kept := []api.ConsentStatement{}
	for _, s := range list {
		st, err := guardianconsent.Parse(s.Statement)
		if err != nil || !keys[st.KeyThumbprint] || st.Audience != s.Audience || st.Issuer != u.Wallet.Server {
			continue
		}
		s.ExpiresAt = st.Expiry
		kept = append(kept, s)
	}
	b, err := json.MarshalIndent(consentsFile{Statements: kept}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("wallet: encoding consents: %w", err)
	}
	if err := writeAtomic(u.Wallet.Dir, ConsentsFile, append(b, '\n')); err != nil {
		return nil, err
	}
	return kept, nil
}

// LoadConsents reads the statements kept in dir (none if the file is
// missing).
func LoadConsents(dir string) ([]api.ConsentStatement, error) {
	b, err := os.ReadFile(filepath.Join(dir, ConsentsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wallet: reading consents: %w", err)
	}
	var f consentsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, ConsentsFile, err)
	}
	return f.Statements, nil
}

// keyThumbprints are the thumbprints of every key u presents with: the
// device key and each batch credential's key.
func (u *Unlocked) keyThumbprints() (map[string]bool, error) {
	keys := map[string]bool{}
	for _, k := range append([]*ecdsa.PrivateKey{u.DeviceKey}, memberKeys(u)...) {
		jkt, err := guardianconsent.Thumbprint(&jose.JSONWebKey{Key: &k.PublicKey})
		if err != nil {
			return nil, err
		}
		keys[jkt] = true
	}
	return keys, nil
}

func memberKeys(u *Unlocked) []*ecdsa.PrivateKey {
	out := make([]*ecdsa.PrivateKey, 0, len(u.Batch))
	for _, m := range u.Batch {
		out = append(out, m.Key)
	}
	return out
}

// consentFor returns the guardian consent statement a presentation of
// cred with key to audience must carry at now: "" when the credential's
// holder is not under 14, ErrNoGuardianConsent when none is kept for that
// key (each statement names one key, so a batch credential carries its
// own).
func consentFor(u *Unlocked, cred string, key *ecdsa.PrivateKey, audience string, now time.Time) (string, error) {
	c, err := credential.DecodeUnverified(cred)
	if err != nil {
		return "", fmt.Errorf("wallet: reading the credential: %w", err)
	}
	if !c.Claims.GuardianConsentRequired {
		return "", nil
	}
	jkt, err := guardianconsent.Thumbprint(&jose.JSONWebKey{Key: &key.PublicKey})
	if err != nil {
		return "", err
	}
	list, err := LoadConsents(u.Wallet.Dir)
	if err != nil {
		return "", err
	}
	for _, s := range list {
		st, err := guardianconsent.Parse(s.Statement)
		if err == nil && st.Audience == audience && st.KeyThumbprint == jkt && now.Before(st.Expiry) {
			return s.Statement, nil
		}
	}
	return "", fmt.Errorf("%w %q: ask your guardian to consent (netid wallet guardian allow), then run netid wallet consents while online", ErrNoGuardianConsent, audience)
}
