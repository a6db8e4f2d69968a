package wallet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/text/language"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/i18n"
)

// The record log's check: each history page comes with the platform's
// newest signed tree head and every record's inclusion proof in it. The
// wallet keeps the newest head it has seen (LogHeadFile) and checks, on
// the next page, that the log extends it: a platform that removed or
// rewrote records since (even its own operator, with the database in
// hand) cannot make it so.

// LogHeadFile, in the wallet directory, holds the newest tree head of the
// platform's record log this wallet has seen.
const LogHeadFile = "log-head.json"

// Errors of the record log's check.
var (
	// ErrLogRewound: the platform's record log is shorter than when this
	// wallet last saw it: records were removed.
	ErrLogRewound = errors.New("wallet: the platform's record log was rewound")
	// ErrLogForked: the platform's record log does not extend the one
	// this wallet last saw: records were rewritten.
	ErrLogForked = errors.New("wallet: the platform's record log was forked")
	// ErrLogUnproven: a history came without a valid signed tree head, or
	// a record without a valid proof that the log holds it.
	ErrLogUnproven = errors.New("wallet: the platform did not prove its records are in its record log")
)

// ProvenRecord is a record's place in the log: its Seq, its hash, and
// its inclusion proof in the history's tree head.
type ProvenRecord struct {
	Seq       int64
	Hash      []byte
	Inclusion [][]byte
}

// ProvenHistory is a history page as the log's check sees it: the signed
// tree head (compact JWS; empty if none was given) and the records.
type ProvenHistory struct {
	Head    string
	Records []ProvenRecord
}

// ProvenHistoryOf decodes the proofs of an API history.
func ProvenHistoryOf(h api.History) (ProvenHistory, error) {
	var out ProvenHistory
	if h.TreeHead != nil {
		out.Head = h.TreeHead.Signature
	}
	for _, r := range h.Records {
		pr := ProvenRecord{Seq: r.Seq}
		if r.Hash != "" {
			hash, err := base64.RawURLEncoding.Strict().DecodeString(r.Hash)
			if err != nil || len(hash) != treeproof.HashSize {
				return ProvenHistory{}, fmt.Errorf("%w: record %d: hash", ErrLogUnproven, r.Seq)
			}
			pr.Hash = hash
			if pr.Inclusion, err = treeproof.DecodeHashes(r.Inclusion); err != nil {
				return ProvenHistory{}, fmt.Errorf("%w: record %d: %w", ErrLogUnproven, r.Seq, err)
			}
		}
		out.Records = append(out.Records, pr)
	}
	return out, nil
}

// CheckHistory checks a history page: its tree head is signed under keys
// (the platform's), every record's inclusion proof leads to it, and, if
// seen is not nil, it extends seen (by a consistency proof from src). It
// returns the head to keep (seen, if the page's head is not newer).
// Errors wrap ErrLogRewound, ErrLogForked or ErrLogUnproven, or src's.
func CheckHistory(ctx context.Context, src treeproof.Source, keys jose.JSONWebKeySet, seen *treeproof.Head, h ProvenHistory) (treeproof.Head, error) {
	if h.Head == "" {
		if seen != nil {
			return treeproof.Head{}, fmt.Errorf("%w: no signed tree head now, %d records before", ErrLogRewound, seen.Size)
		}
		if len(h.Records) > 0 {
			return treeproof.Head{}, fmt.Errorf("%w: no signed tree head", ErrLogUnproven)
		}
		return treeproof.Head{}, nil
	}
	head, err := treeproof.Parse(h.Head, keys)
	if err != nil {
		return treeproof.Head{}, fmt.Errorf("%w: %w", ErrLogUnproven, err)
	}
	for _, r := range h.Records {
		if err := treeproof.VerifyInclusion(head, r.Seq, r.Hash, r.Inclusion); err != nil {
			return treeproof.Head{}, fmt.Errorf("%w: %w", ErrLogUnproven, err)
		}
	}
	if seen == nil {
		return head, nil
	}
	err = treeproof.Extends(ctx, src, *seen, head)
	switch {
	case errors.Is(err, treeproof.ErrRewound):
		return treeproof.Head{}, fmt.Errorf("%w: %w", ErrLogRewound, err)
	case errors.Is(err, treeproof.ErrForked), errors.Is(err, treeproof.ErrBadProof):
		return treeproof.Head{}, fmt.Errorf("%w: %w", ErrLogForked, err)
	case err != nil:
		return treeproof.Head{}, err
	}
	return head, nil
}

// NewestTreeHead fetches the platform's newest signed tree head,
// GET /v1/audit/tree-head (treeproof.Source).
func (c *Client) NewestTreeHead(ctx context.Context) (string, error) {
	var h api.TreeHead
	if err := c.do(ctx, call{method: "GET", path: "/v1/audit/tree-head", out: &h}); err != nil {
		return "", err
	}
	return h.Signature, nil
}

// Consistency fetches the consistency proof between two sizes of the
// platform's record log, GET /v1/audit/consistency (treeproof.Source).
func (c *Client) Consistency(ctx context.Context, size1, size2 int64) ([][]byte, error) {
	q := url.Values{"from": {strconv.FormatInt(size1, 10)}, "to": {strconv.FormatInt(size2, 10)}}
	var p api.Consistency
	if err := c.do(ctx, call{method: "GET", path: "/v1/audit/consistency", query: q, out: &p}); err != nil {
		return nil, err
	}
	if p.From != size1 || p.To != size2 {
		return nil, fmt.Errorf("%w: a proof from %d to %d, not %d to %d", ErrResponse, p.From, p.To, size1, size2)
	}
	return treeproof.DecodeHashes(p.Proof)
}

// CheckedHistory is History (or, with ward set, WardHistory) with the
// record log's check: the page must prove its records are in the log,
// and the log must extend the newest head this wallet (dir) has seen,
// which the page's head then replaces.
func (c *Client) CheckedHistory(ctx context.Context, dir string, u *Unlocked, ward string, before int64, limit int) ([]api.Record, error) {
	path := "/v1/wallet/history"
	if ward != "" {
		path = "/v1/guardian/wards/" + url.PathEscape(ward) + "/history"
	}
	var out api.History
	if err := c.do(ctx, call{method: "GET", path: path, query: pageQuery(before, limit), out: &out, holder: u}); err != nil {
		return nil, err
	}
	proven, err := ProvenHistoryOf(out)
	if err != nil {
		return nil, err
	}
	seen, err := readLogHead(dir, c.base())
	if err != nil {
		return nil, err
	}
	keys, err := c.JWKS(ctx)
	if err != nil {
		return nil, err
	}
	head, err := CheckHistory(ctx, c, keys, seen, proven)
	if err != nil {
		return nil, err
	}
	if head.Size > 0 && (seen == nil || head.Size > seen.Size) {
		if err := writeLogHead(dir, c.base(), head); err != nil {
			return nil, err
		}
	}
	return out.Records, nil
}

// logHeadFile is LogHeadFile's content.
type logHeadFile struct {
	Server    string `json:"server"`
	Size      int64  `json:"size"`
	Root      string `json:"root"`
	Signature string `json:"signature"`
}

// readLogHead returns the newest head seen of server's log, nil if none.
func readLogHead(dir, server string) (*treeproof.Head, error) {
	b, err := readBounded(filepath.Join(dir, LogHeadFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f logHeadFile
	if err := decodeStrict(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, LogHeadFile, err)
	}
	if f.Server != server {
		return nil, nil // another platform's log
	}
	root, err := base64.RawURLEncoding.Strict().DecodeString(f.Root)
	if err != nil || len(root) != treeproof.HashSize || f.Size < 1 {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, LogHeadFile)
	}
	return &treeproof.Head{Size: f.Size, Root: root, Signature: f.Signature}, nil
}

func writeLogHead(dir, server string, h treeproof.Head) error {
	b, err := json.Marshal(logHeadFile{Server: server, Size: h.Size, Root: base64.RawURLEncoding.EncodeToString(h.Root), Signature: h.Signature})
	if err != nil {
		return fmt.Errorf("wallet: encoding %s: %w", LogHeadFile, err)
	}
	return writeAtomic(dir, LogHeadFile, b)
}

// LogMessage is what to tell the holder, in language lang, when the
// record log's check fails, or "" for other errors.
func LogMessage(err error, lang language.Tag) string {
	for _, m := range logMessages {
		if errors.Is(err, m.err) {
			if m.key == i18n.KeyLogUnproven {
				return i18n.Lookup(lang, m.key)
			}
			return i18n.Lookup(lang, m.key, LogHeadFile)
		}
	}
	return ""
}

// logMessages are the messages of the record log's check.
var logMessages = []struct {
	err error
	key i18n.Key
}{
	{ErrLogRewound, i18n.KeyLogRewound},
	{ErrLogForked, i18n.KeyLogForked},
	{ErrLogUnproven, i18n.KeyLogUnproven},
}
