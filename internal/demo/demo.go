package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/wallet"
	"github.com/netid-project/netid/rp"
)

// holderPassword is the demo holder's credential password.
const holderPassword = "27418596"

// Options configure Run.
type Options struct {
	// DB is the platform's database: empty for SQLite in a temporary
	// directory, or a postgres:// DSN (a schema of its own).
	DB string
	// Keep keeps the temporary data and wallet directories (Run prints
	// where).
	Keep bool
	// Out receives the steps; Log the platform's warnings (nil: discarded).
	Out, Log io.Writer
	// CryptoSuite is the platform's crypto suite, "es256" or "sm"
	// (docs/sm-profile.md); empty is es256.
	CryptoSuite string
}

// Run runs the whole flow once against an in-process development
// platform: mint a test document, apply with the wallet, present, verify
// offline, and show that a replayed presentation is refused; then an
// online verification created through the rp SDK, an OpenID Connect
// login, and the electronic ID card's online and offline codes checked as
// a hotel would, each approved or shown by the wallet. Each step names
// the algorithms it used.
func Run(ctx context.Context, o Options) error {
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	st := suite.ES256
	if o.CryptoSuite != "" {
		var err error
		if st, err = suite.Parse(o.CryptoSuite); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "netid-demo-")
	if err != nil {
		return err
	}
	if o.Keep {
		fmt.Fprintf(out, "data and wallet kept in %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: filepath.Join(tmp, "data"), DB: o.DB, Log: o.Log, CryptoSuite: o.CryptoSuite})
	if err != nil {
		return err
	}
	defer dp.Close()
	fmt.Fprintf(out, "1. development platform running at %s\n", dp.Describe())

	id, phone, err := demoPerson(time.Now())
	if err != nil {
		return err
	}
	c := &wallet.Client{BaseURL: dp.URL, HTTP: &http.Client{Timeout: 30 * time.Second}}
	chipJSON, err := c.DevMintDocument(ctx, api.MintRequest{Identity: id})
	if err != nil {
		return fmt.Errorf("minting the test document: %w", err)
	}
	docPath := filepath.Join(tmp, "document.json")
	if err := os.WriteFile(docPath, chipJSON, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "2. test document minted by the dev document authority: %s %s\n", id.Type.Title(), document.MaskNumber(id.Number))

	dir := filepath.Join(tmp, "wallet")
	res, err := wallet.Apply(ctx, c, wallet.ApplyOptions{
		Server:       dp.URL,
		Dir:          dir,
		DocumentPath: docPath,
		Phone:        phone,
		Prompter: wallet.PromptFuncs{
			SecretFunc:   wallet.OneSecret(holderPassword),
			CodeFunc:     wallet.DevCode(c),
			ProgressFunc: func(step wallet.Step) { fmt.Fprintf(out, "   - %s\n", step) },
		},
		Liveness: wallet.DevLiveness(c),
		Evidence: wallet.DevEvidence(c),
	})
	if err != nil {
		return fmt.Errorf("applying: %w", err)
	}
	fmt.Fprintf(out, "3. applied with the wallet: 网号 %s, 网证 valid until %s\n", netnum.Mask(res.Wanghao), res.ExpiresAt.Format(time.DateOnly))

	w, err := wallet.Open(dir)
	if err != nil {
		return err
	}
	u, err := w.Unlock(holderPassword)
	if err != nil {
		return err
	}
	nonce := randomNonce()
	const audience = "https://shop.example"
	pres, err := wallet.Present(u, audience, nonce, []string{"age_over_18"}, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "4. presentation for %s disclosing only age_over_18 (%d bytes; %s)\n", audience, len(pres), algorithms(pres))

	v, err := rp.New(ctx, dp.URL)
	if err != nil {
		return err
	}
	// From here on the verifier needs no call to the platform per
	// presentation: keys and status list are cached.
	p, err := v.VerifyPresentation(ctx, pres, rp.Expect{Audience: audience, Nonce: nonce})
	if err != nil {
		return fmt.Errorf("verifying the presentation: %w", err)
	}
	claims := make([]string, 0, len(p.Claims))
	for k, val := range p.Claims {
		claims = append(claims, fmt.Sprintf("%s=%v", k, val))
	}
	sort.Strings(claims)
	if p.Wanghao != "" {
		return errors.New("the verifier learned the 网号 although it was not disclosed")
	}
	fmt.Fprintf(out, "5. verified offline: VALID, disclosed %v (the 网号 was not disclosed: the verifier cannot link this holder)\n", claims)
	if _, err := v.VerifyPresentation(ctx, pres, rp.Expect{Audience: audience, Nonce: nonce}); !errors.Is(err, rp.ErrReplay) {
		return fmt.Errorf("a replayed presentation was not refused (%v)", err)
	}
	fmt.Fprintln(out, "6. the same presentation replayed: refused (nonce already used)")

	h := holder{c: c, u: u}
	line, err := onlineVerification(ctx, dp, h, st)
	if err != nil {
		return fmt.Errorf("online verification: %w", err)
	}
	fmt.Fprintf(out, "7. %s\n", line)
	line, err = oidcLogin(ctx, dp, h, st)
	if err != nil {
		return fmt.Errorf("OpenID Connect login: %w", err)
	}
	fmt.Fprintf(out, "8. %s\n", line)
	online, offline, err := eidCheck(ctx, dp, h, v)
	if err != nil {
		return fmt.Errorf("eID check: %w", err)
	}
	fmt.Fprintf(out, "9. %s\n", online)
	fmt.Fprintf(out, "10. %s\n", offline)
	return nil
}

// algorithms describes what signed and hashed a presentation: the issuer's
// alg, the _sd_alg of its digests and the key-binding JWT's alg (read
// without verification, for the display; step 5 verifies).
func algorithms(pres string) string {
	parts := strings.Split(pres, "~")
	issued, errI := jws.Parse(parts[0], jws.Expect{Typ: credential.TypSDJWT})
	kb, errK := jws.Parse(parts[len(parts)-1], jws.Expect{Typ: credential.TypKB})
	if errI != nil || errK != nil {
		return "unreadable"
	}
	sdAlg, _ := issued.UnverifiedObject()["_sd_alg"].(string)
	return fmt.Sprintf("issuer %s, digests %s, key binding %s", issued.Header.Alg, sdAlg, kb.Header.Alg)
}

// demoPerson makes an adult test identity with a valid, random resident ID
// number, and a random mainland mobile number.
func demoPerson(now time.Time) (document.Identity, string, error) {
	birth := document.Date{Year: 1990, Month: time.March, Day: 7}
	seq, err := rand.Int(rand.Reader, big.NewInt(499))
	if err != nil {
		return document.Identity{}, "", err
	}
	number, err := document.MakeNumber18("110105", birth, int(seq.Int64())*2+1)
	if err != nil {
		return document.Identity{}, "", err
	}
	today := document.Today(now)
	id := document.Identity{
		Type: document.ResidentIDCard, Number: number, Name: "张三", Sex: document.Male, Ethnicity: "汉",
		Birth: birth, Address: "北京市朝阳区示例路1号", IssuingAuthority: "北京市公安局朝阳分局",
		ValidFrom: document.Date{Year: today.Year - 2, Month: 1, Day: 1}, ValidUntil: document.Date{Year: today.Year + 8, Month: 1, Day: 1},
	}
	n, err := rand.Int(rand.Reader, big.NewInt(100000000))
	if err != nil {
		return id, "", err
	}
	return id, fmt.Sprintf("139%08d", n.Int64()), nil
}

func randomNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
