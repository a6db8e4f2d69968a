package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/wallet"
)

func dev(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "dev", args, map[string]func(context.Context, Env, []string) error{
		"document": devDocument,
	})
}

// devDocument mints a test document whose chip data is signed by the
// development document authority, either of a running dev server
// (--server) or of a data directory (--data).
func devDocument(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "dev document")
	var id document.Identity
	typ := fs.String("type", string(document.ResidentIDCard), "document type: "+typeList())
	fs.StringVar(&id.Name, "name", "", "holder's name")
	fs.StringVar(&id.NameLatin, "name-latin", "", "holder's name in Latin letters")
	fs.StringVar(&id.Number, "number", "", "document number")
	birth := fs.String("birth", "", "birth date YYYY-MM-DD (default: the one the number encodes)")
	sex := fs.String("sex", "", "M or F (default: the one the number encodes)")
	fs.StringVar(&id.Ethnicity, "ethnicity", "", "ethnicity (民族)")
	fs.StringVar(&id.Nationality, "nationality", "", "nationality (ISO 3166 alpha-3)")
	fs.StringVar(&id.Address, "address", "", "address")
	fs.StringVar(&id.IssuingAuthority, "authority", "开发测试签发机关", "issuing authority")
	validFrom := fs.String("valid-from", "", "first day of validity (default a year ago)")
	validUntil := fs.String("valid-until", "", `last day of validity, or "long" for life (default in ten years)`)
	face := fs.String("face", "", "face image file (JPEG or PNG; default a synthetic portrait)")
	out := fs.String("out", "", "where to write the chip data (required)")
	srv := fs.String("server", "", "mint with the dev authority of this running dev server")
	data := fs.String("data", env.Getenv("NETID_DATA"), "or: mint with the dev authority of this data directory (default netid-data)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || id.Name == "" || id.Number == "" {
		return fmt.Errorf("--name, --number and --out are required")
	}
	id.Type = document.Type(*typ)
	now := time.Now()
	today := document.Today(now)
	info, err := document.ValidateNumber(id.Type, id.Number, today)
	if err != nil {
		return err
	}
	id.Number = info.Normalized
	if id.Birth, err = dateFlag(*birth, info.Birth, "--birth"); err != nil {
		return err
	}
	id.Sex = document.Sex(*sex)
	if id.Sex == "" {
		id.Sex = info.Sex
	}
	if id.ValidFrom, err = dateFlag(*validFrom, document.DateOf(now.AddDate(-1, 0, 0)), "--valid-from"); err != nil {
		return err
	}
	switch *validUntil {
	case "long", "长期":
	default:
		if id.ValidUntil, err = dateFlag(*validUntil, document.DateOf(now.AddDate(10, 0, 0)), "--valid-until"); err != nil {
			return err
		}
	}
	if err := document.CheckIdentity(id, today); err != nil {
		return err
	}
	var img []byte
	if *face != "" {
		if img, err = os.ReadFile(*face); err != nil {
			return err
		}
	}
	var chipJSON []byte
	if *srv != "" {
		chipJSON, err = client(env, *srv).DevMintDocument(ctx, api.MintRequest{Identity: id, Face: img})
		if ae, ok := errors.AsType[*wallet.APIError](err); ok && ae.Status == http.StatusNotFound {
			err = fmt.Errorf("%w (is %s running with --dev?)", err, *srv)
		}
	} else {
		if *data == "" {
			*data = "netid-data"
		}
		chipJSON, err = mintLocal(*data, id, img, now)
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(chipJSON, '\n'), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s: %s %s, valid until %s\n", *out, id.Type.Title(), document.MaskNumber(id.Number), validityText(id.ValidUntil))
	return nil
}

func validityText(d document.Date) string {
	if d.IsZero() {
		return "长期 (for life)"
	}
	return d.String()
}

func typeList() string {
	s := make([]string, len(document.Types))
	for i, t := range document.Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func dateFlag(v string, def document.Date, name string) (document.Date, error) {
	if v == "" {
		if def.IsZero() {
			return def, fmt.Errorf("%s is required for this document type", name)
		}
		return def, nil
	}
	d, err := document.ParseDate(v)
	if err != nil {
		return d, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

func mintLocal(data string, id document.Identity, face []byte, now time.Time) ([]byte, error) {
	docs, err := devauthority.LoadOrCreateDocuments(filepath.Join(data, "dev", "documents"), now)
	if err != nil {
		return nil, err
	}
	if len(face) == 0 {
		face = devauthority.FaceImage(id.Name + id.Number)
	}
	d, err := docs.Mint(id, face, now)
	if err != nil {
		return nil, err
	}
	return json.Marshal(d)
}
