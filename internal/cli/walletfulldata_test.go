package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verifierdevice"
)

// fullDataDesk is a hotel's enrolled terminal on a dev platform.
type fullDataDesk struct {
	t   *testing.T
	url string
	id  string
	key *ecdsa.PrivateKey
}

func (d fullDataDesk) call(method, path string, body any, out any) int {
	d.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	proof, err := verifierdevice.Sign(d.key, d.id, method, d.url+path, b, time.Now())
	if err != nil {
		d.t.Fatal(err)
	}
	req, _ := http.NewRequest(method, d.url+path, bytes.NewReader(b))
	req.Header.Set(verifierdevice.Header, proof)
	if b != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			d.t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// TestWalletFullData: a hotel's terminal asks for the full data after a
// check; netid wallet eid requests shows the holder exactly what it will
// receive; netid wallet eid approve gives it (with the 口令), --decline
// refuses it.
func TestWalletFullData(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	cfg, err := config.Parse("test", []string{"--data", data}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Dev, cfg.RateLimit, cfg.ClientRateLimit = true, 0, 0
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + cfg.Addr
	p, err := platform.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: p.Handler}}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	url := cfg.PublicURL

	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.json")
	wdir := filepath.Join(dir, "wallet")
	vars := map[string]string{"NETID_PASSWORD": "27418596", "NETID_USAGE_PASSWORD": "482913", "NETID_WALLET": wdir, "NETID_LANG": "zh"}
	run := func(args ...string) (string, string) {
		t.Helper()
		code, out, errOut := runCLI(t, "", vars, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errOut)
		}
		return out, errOut
	}
	run("dev", "document", "--server", url, "--name", "李小四", "--number", "440524188001010014", "--out", doc)
	run("wallet", "apply", "--server", url, "--document", doc, "--phone", "13912345678", "--dev")
	run("wallet", "eid", "add", "--document", doc)

	if _, _, err := p.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "hotel", Name: "测试酒店", Category: storage.CategoryInPerson, LegalBasis: "hotel: 《旅馆业治安管理办法》第六条",
		Domains: []string{"hotel.example"}, AllowedClaims: []string{"name", "document_number", "photo"}, AuthMethod: storage.AuthClientSecret,
	}); err != nil {
		t.Fatal(err)
	}
	added, err := p.Server.Verifiers.Add(context.Background(), "hotel", "前台 1")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	proof, _ := verifierdevice.EnrolProof(key, added.Code, url, time.Now())
	d, err := p.Server.Verifiers.Enrol(context.Background(), proof)
	if err != nil {
		t.Fatal(err)
	}
	desk := fullDataDesk{t: t, url: url, id: d.ID, key: key}
	online := regexp.MustCompile(`(?m)^(NETIDEID1\.\S+)$`)
	check := func() string {
		t.Helper()
		out, _ := run("wallet", "eid", "qr", "--once")
		m := online.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no code in %q", out)
		}
		var res api.EIDResult
		if s := desk.call("POST", "/v1/eid/verify", map[string]any{"payload": m[1], "full_data": true}, &res); s != http.StatusOK || res.FullDataRequest == nil {
			t.Fatalf("the check: %d %+v", s, res)
		}
		return res.FullDataRequest.ID
	}

	// Nothing waits yet.
	if out, _ := run("wallet", "eid", "requests"); !strings.Contains(out, "没有等待你同意") {
		t.Fatalf("requests before a check: %q", out)
	}
	id := check()
	out, _ := run("wallet", "eid", "requests")
	for _, want := range []string{id, "测试酒店 · 前台 1", "旅馆业治安管理办法", "李小四", "440524188001010014"} {
		if !strings.Contains(out, want) {
			t.Errorf("requests: %q lacks %q", out, want)
		}
	}
	out, _ = run("wallet", "eid", "approve")
	if !strings.Contains(out, "李小四") || !strings.Contains(out, "已同意：测试酒店") {
		t.Fatalf("approve: %q", out)
	}
	var fd api.EIDFullData
	if desk.call("GET", "/v1/eid/full-data/"+id, nil, &fd); fd.State != api.EIDFullDataProvided || fd.Name != "李小四" || fd.DocumentNumber != "440524188001010014" {
		t.Fatalf("the desk collects %+v", fd)
	}
	// Nothing left to approve.
	if code, _, errOut := runCLI(t, "", vars, "wallet", "eid", "approve", id); code == 0 || !strings.Contains(errOut, "没有这个等待你同意的请求") {
		t.Fatalf("approving again: %d %q", code, errOut)
	}

	// Declined.
	id = check()
	out, _ = run("wallet", "eid", "approve", "--decline", id)
	if !strings.Contains(out, "已拒绝：测试酒店") {
		t.Fatalf("decline: %q", out)
	}
	fd = api.EIDFullData{}
	if desk.call("GET", "/v1/eid/full-data/"+id, nil, &fd); fd.State != api.EIDFullDataDeclined || fd.Name != "" {
		t.Fatalf("after the decline the desk gets %+v", fd)
	}
}
