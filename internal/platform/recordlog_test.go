package platform_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/wallet"
	"github.com/netid-project/netid/internal/witness"
)

// TestRecordLogProofs drives the record log's proofs through the API: the
// holder's history carries the newest signed tree head and each record's
// inclusion proof, the wallet's check accepts them and, on the next page,
// the consistency proof from the head it kept; a witness co-signs over
// HTTP. Then an operator removes the newest records and their heads from
// the database, putting back an older head they copied: the wallet and the
// witness both refuse the shorter log.
func TestRecordLogProofs(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	hotel := e.registerInPerson("hotel-a", "hotel: x", eidClaims...)
	h := e.apply(adult(t))
	p := e.eidPayload(h)
	must(t, e.eidVerify(hotel, p), http.StatusOK)

	src := &wallet.Client{BaseURL: e.url}
	keys := e.jwks()
	history := func() wallet.ProvenHistory {
		t.Helper()
		var hist api.History
		must(t, e.holderCall(h, "GET", "/v1/wallet/history", nil), http.StatusOK).json(t, &hist)
		if hist.TreeHead == nil || len(hist.Records) == 0 {
			t.Fatalf("history without a tree head: %+v", hist)
		}
		for _, r := range hist.Records {
			if r.Hash == "" {
				t.Fatalf("record %d without its hash and proof", r.Seq)
			}
		}
		proven, err := wallet.ProvenHistoryOf(hist)
		if err != nil {
			t.Fatal(err)
		}
		return proven
	}
	first, err := wallet.CheckHistory(ctx, src, keys, nil, history())
	if err != nil {
		t.Fatalf("first history: %v", err)
	}
	// The newest head as stored: an operator can copy it from the
	// database (or the API) while it is the newest.
	firstHead, err := e.p.Store.LatestTreeHead(ctx)
	if err != nil || firstHead.Size != first.Size {
		t.Fatalf("the newest stored head: %+v, %v; want size %d", firstHead, err, first.Size)
	}
	w := &witness.Witness{Dir: t.TempDir(), Source: witness.HTTPSource{Server: e.url}}
	if res, err := w.Run(ctx); err != nil || !res.New || res.Head.Size != first.Size {
		t.Fatalf("witness first run: %+v %v", res, err)
	}

	// More records; the next page extends the head kept.
	e.clock.Advance(time.Second)
	must(t, e.eidVerify(hotel, e.eidPayload(h)), http.StatusOK)
	var rec api.Record
	must(t, e.holderCall(h, "POST", "/v1/wallet/presentations", map[string]any{"audience": "https://bar.example", "disclosed": []string{"age_over_18"}}), http.StatusCreated).json(t, &rec)
	if rec.TreeHead == nil || rec.Hash == "" || rec.TreeHead.Size != rec.Seq {
		t.Fatalf("a reported presentation's record comes without its tree head: %+v", rec)
	}
	second, err := wallet.CheckHistory(ctx, src, keys, &first, history())
	if err != nil || second.Size <= first.Size {
		t.Fatalf("second history: %d records, %v", second.Size, err)
	}
	if res, err := w.Run(ctx); err != nil || !res.New || res.Previous != first.Size || res.Head.Size != second.Size {
		t.Fatalf("witness second run: %+v %v", res, err)
	}

	// The public endpoints.
	var head api.TreeHead
	must(t, e.call("GET", "/v1/audit/tree-head", "", nil), http.StatusOK).json(t, &head)
	if head.Size != second.Size || head.Signature != second.Signature {
		t.Fatalf("tree head %+v", head)
	}
	var c api.Consistency
	must(t, e.call("GET", fmt.Sprintf("/v1/audit/consistency?from=1&to=%d", head.Size), "", nil), http.StatusOK).json(t, &c)
	if c.From != 1 || c.To != head.Size || len(c.Proof) == 0 {
		t.Fatalf("consistency %+v", c)
	}
	for _, q := range []string{"", "from=0&to=1", "from=2&to=1", fmt.Sprintf("from=1&to=%d", head.Size+1), "from=x&to=1", "from=1"} {
		if typ := e.call("GET", "/v1/audit/consistency?"+q, "", nil).problemType(t); typ != "invalid-tree-size" {
			t.Errorf("consistency?%s: %s", q, typ)
		}
	}

	// The operator removes the records after the first head and every
	// head over them, and puts back as the newest the head they copied.
	db, err := sql.Open("sqlite", e.p.Config.SQLitePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cut := first.Size
	for _, q := range []string{`DELETE FROM records WHERE seq > ?`, `DELETE FROM tree_heads WHERE size > ?`, `DELETE FROM heads WHERE seq > ?`} {
		if _, err := db.Exec(q, cut); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`UPDATE tree_tail SET size = ?, root = ?, frontier = ?, time = ?, signature = ?`,
		firstHead.Size, firstHead.Root, firstHead.Frontier, firstHead.Time.UnixMicro(), firstHead.Signature); err != nil {
		t.Fatal(err)
	}
	if _, err := wallet.CheckHistory(ctx, src, keys, &second, history()); !errors.Is(err, wallet.ErrLogRewound) {
		t.Fatalf("the wallet's check of the cut log: %v, want ErrLogRewound", err)
	} else if msg := wallet.LogMessage(err, i18n.Chinese); !strings.HasPrefix(msg, "警告") {
		t.Fatal("no message for the holder")
	}
	if _, err := w.Run(ctx); !errors.Is(err, treeproof.ErrRewound) {
		t.Fatalf("the witness's run on the cut log: %v, want ErrRewound", err)
	}
}
