package platform_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/i18n"
)

// badEndpoint is a JSON endpoint of the platform with a well-formed body
// the catalogue mutates, and the credentials that let a request reach the
// body (fresh for every request: holder proofs are one-time).
type badEndpoint struct {
	method, path string
	auth         func() map[string]string
	template     map[string]any
}

// badBody is one entry of the catalogue.
type badBody struct {
	name string
	body []byte
}

// rawBadBodies are bodies that are not a well-formed request of any kind.
func rawBadBodies() []badBody {
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	return []badBody{
		{"empty", []byte{}},
		{"white space", []byte(" \n")},
		{"null", []byte("null")},
		{"array", []byte("[]")},
		{"string", []byte(`"x"`)},
		{"number", []byte("1")},
		{"huge number", []byte("1e400")},
		{"true", []byte("true")},
		{"truncated", []byte(`{"a":`)},
		{"unknown member", []byte(`{"no_such_member":1}`)},
		{"duplicate key", []byte(`{"a":1,"a":2}`)},
		{"duplicate key in another case", []byte(`{"password":"1","PASSWORD":"2"}`)},
		{"trailing value", []byte(`{} {}`)},
		{"invalid UTF-8", []byte("{\"a\":\"\xff\xfe\"}")},
		{"lone surrogate", []byte(`{"a":"\ud800"}`)},
		{"NUL byte", []byte("{\"a\":\"\x00\"}")},
		{"deep nesting", []byte(deep)},
		{"two MiB", []byte(`{"a":"` + strings.Repeat("A", 2<<20) + `"}`)},
	}
}

// fieldBadBodies mutates each member of template in turn.
func fieldBadBodies(t *testing.T, template map[string]any) []badBody {
	keys := make([]string, 0, len(template))
	for k := range template {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	values := []struct {
		name string
		raw  string
	}{
		{"empty string", `""`},
		{"null", `null`},
		{"NUL", `"\u0000"`},
		{"long string", `"` + strings.Repeat("长", 20000) + `"`},
		{"lone surrogate", `"\udc00x"`},
		{"control characters", `"\u0001\u001f\u007f"`},
		{"huge number", `1e400`},
		{"negative", `-1`},
		{"boolean", `true`},
		{"object", `{"a":1}`},
		{"array", `[1,"x",null]`},
	}
	var out []badBody
	for _, k := range keys {
		for _, v := range values {
			out = append(out, badBody{k + " " + v.name, withMember(t, template, k, v.raw)})
		}
		out = append(out, badBody{k + " missing", withMember(t, template, k, "")})
	}
	return append(out, badBody{"well-formed", withMember(t, template, "", "")})
}

// withMember encodes template with member k set to the raw JSON value v
// (left out when v is empty).
func withMember(t *testing.T, template map[string]any, k, v string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	add := func(key string, raw []byte) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(key)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(raw)
	}
	for key, val := range template {
		if key == k {
			continue
		}
		raw, err := json.Marshal(val)
		if err != nil {
			t.Fatal(err)
		}
		add(key, raw)
	}
	if k != "" && v != "" {
		add(k, []byte(v))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// withEnglish returns hdr with Accept-Language: en added.
func withEnglish(hdr map[string]string) map[string]string {
	out := map[string]string{"Accept-Language": "en"}
	for k, v := range hdr {
		out[k] = v
	}
	return out
}

// TestBadInputCatalogue sends every JSON endpoint malformed bodies and each
// member of a well-formed body replaced by values of the wrong type, size
// or content. Nothing may answer 5xx, and every refusal is a problem
// document whose title is the message catalogue's for its type, in the
// language asked for (every other request asks for English).
func TestBadInputCatalogue(t *testing.T) {
	e := lifecycleEnv(t)
	h := e.apply(adult(t))
	a := e.start(document.ResidentIDCard)
	shop := e.register("shop", "", "", "age_over_18")
	hotel := e.registerInPerson("hotel", "hotel: 《旅馆业治安管理办法》第六条", eidClaims...)
	none := func() map[string]string { return nil }
	app := func() map[string]string { return map[string]string{"Authorization": "Bearer " + a.Token} }
	admin := func() map[string]string { return map[string]string{"Authorization": "Bearer " + adminToken} }
	basic := func(r rp) func() map[string]string {
		return func() map[string]string {
			return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(r.id+":"+r.secret))}
		}
	}
	holderAuth := func(method, path string) func() map[string]string {
		return func() map[string]string {
			p, err := holder.Sign(h.key, h.credentialID, method, e.url+path, e.clock.Now(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			return map[string]string{holder.Header: p}
		}
	}
	hp := func(method, path string, template map[string]any) badEndpoint {
		return badEndpoint{method, path, holderAuth(method, path), template}
	}
	chip := e.chip(adult(t))
	var chipData map[string]any
	if err := json.Unmarshal(chip, &chipData); err != nil {
		t.Fatal(err)
	}
	appPath := "/v1/applications/" + a.ID
	endpoints := []badEndpoint{
		{"POST", "/v1/applications", none, map[string]any{"document_type": "resident_id_card"}},
		{"POST", "/v1/applications", none, map[string]any{"kind": "phone", "wanghao": h.wanghao}},
		{"PUT", appPath + "/document", app, map[string]any{"chip": chipData}},
		{"PUT", appPath + "/relationship", app, map[string]any{"guardian": h.wanghao, "evidence": "e.e.e"}},
		{"POST", appPath + "/face", app, map[string]any{"attestation": "a.b.c"}},
		{"POST", appPath + "/phone", app, map[string]any{"phone": "13800138000"}},
		{"POST", appPath + "/phone/verify", app, map[string]any{"code": "123456"}},
		{"PUT", appPath + "/password", app, map[string]any{"password": "27418596"}},
		{"POST", appPath + "/credential", app, map[string]any{"proof": "a.b.c", "batch": []string{"a.b.c"}}},
		{"POST", appPath + "/action", app, map[string]any{"action": "suspend", "password": "00000000"}},
		{"POST", "/v1/liveness", app, map[string]any{"challenge": "c", "application_id": a.ID, "face_image_hash": "h", "capture": "/9j/4A=="}},
		hp("POST", "/v1/liveness", map[string]any{"challenge": "c", "application_id": "nosuch", "face_image_hash": "h", "capture": "/9j/4A=="}),
		hp("POST", "/v1/holder/password/verify", map[string]any{"password": "00000000"}),
		hp("POST", "/v1/holder/account/reveal", map[string]any{"password": "00000000"}),
		hp("POST", "/v1/holder/suspend", map[string]any{"password": "00000000", "reason": "lost"}),
		hp("POST", "/v1/holder/resume", map[string]any{"password": "00000000"}),
		hp("PUT", "/v1/holder/password", map[string]any{"old_password": "00000000", "new_password": "27418596"}),
		hp("POST", "/v1/holder/phone", map[string]any{"password": "00000000", "phone": "13800138001"}),
		hp("POST", "/v1/holder/phone/verify", map[string]any{"phone": "13800138001", "old_code": "123456", "new_code": "654321"}),
		hp("POST", "/v1/holder/cancel", map[string]any{"password": "00000000"}),
		hp("POST", "/v1/guardian/requests/nosuch", map[string]any{"decision": "approve", "password": "00000000"}),
		hp("POST", "/v1/guardian/consents/nosuch", map[string]any{"decision": "approve", "password": "00000000"}),
		hp("POST", "/v1/wallet/verifications/open", map[string]any{"code": "ABCDEFGH"}),
		hp("POST", "/v1/wallet/verifications/answer", map[string]any{"code": "ABCDEFGH", "decision": "approve", "password": "00000000"}),
		hp("POST", "/v1/wallet/presentations", map[string]any{"audience": "shop", "disclosed": []string{"age_over_18"}}),
		hp("POST", "/v1/holder/batch", map[string]any{"proofs": []string{"a.b.c"}}),
		hp("POST", "/v1/guardian/wards/nosuch/consents", map[string]any{"audience": "shop", "password": "00000000"}),
		{"POST", "/v1/verifications", basic(shop), map[string]any{"purpose": "登录", "claims": []string{"age_over_18"}, "level": "possession", "nonce": "n"}},
		{"POST", "/v1/eid/verify", basic(hotel), map[string]any{"payload": "netid-eid:x"}},
		{"POST", "/v1/admin/relying-parties", admin, map[string]any{"id": "newrp", "name": "新平台", "category": "internet_service", "domains": []string{"new.example"}, "allowed_claims": []string{"age_over_18"}, "auth_method": "client_secret_basic"}},
		{"PATCH", "/v1/admin/relying-parties/shop", admin, map[string]any{"name": "商店"}},
		{"POST", "/v1/admin/credentials/" + h.wanghao + "/suspend", admin, map[string]any{"reason": "报失"}},
		{"POST", "/v1/rp/applications", none, map[string]any{"client_id": "newshop", "name": "新商城", "domains": []string{"newshop.example"}, "redirect_uris": []string{"https://newshop.example/cb"}, "claims": []string{"age_over_18"}, "alt_url": "https://newshop.example/signup", "alt_text": "到门店办理"}},
		{"POST", "/v1/admin/rp-applications/rpa-00/approve", admin, map[string]any{"reason": "材料齐全"}},
		{"POST", "/v1/admin/rp-applications/rpa-00/refuse", admin, map[string]any{"reason": "材料不全"}},
		{"POST", "/v1/counter/applications", none, map[string]any{"submission": "a.b.c"}},
		{"POST", "/v1/admin/counters", admin, map[string]any{"id": "hall-1", "name": "大厅", "kind": "service_hall", "legal_basis": "law", "pem": "x"}},
		{"POST", "/v1/admin/counters/hall-1/disable", admin, map[string]any{"reason": "关闭"}},
		{"POST", "/dev/documents", none, map[string]any{"identity": map[string]any{"type": "resident_id_card", "name": "张三", "sex": "M", "birth_date": "1990-01-01", "number": "x"}}},
		{"POST", "/dev/liveness", none, map[string]any{"challenge": "c", "application_id": a.ID, "face_image_hash": "h"}},
		{"POST", "/dev/relationships", none, map[string]any{"guardian": h.wanghao, "child_ref": "r", "relationship": "parent"}},
	}
	total, byStatus := 0, map[int]int{}
	for _, ep := range endpoints {
		bodies := append(rawBadBodies(), fieldBadBodies(t, ep.template)...)
		for _, b := range bodies {
			hdr := ep.auth()
			if total%2 == 1 {
				hdr = withEnglish(hdr)
			}
			r := e.raw(ep.method, ep.path, b.body, hdr)
			total++
			byStatus[r.status]++
			name := fmt.Sprintf("%s %s, %s", ep.method, ep.path, b.name)
			if r.status >= 500 {
				t.Errorf("%s: %d %.300s", name, r.status, r.body)
				continue
			}
			if r.status >= 400 {
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Errorf("%s: %d with Content-Type %q", name, r.status, ct)
				} else if msg := r.titleMismatch(); msg != "" {
					t.Errorf("%s: %s", name, msg)
				}
			}
			if bytes.Contains(r.body, []byte("goroutine ")) || bytes.Contains(r.body, []byte(".go:")) {
				t.Errorf("%s: the answer shows Go internals: %.300s", name, r.body)
			}
		}
	}
	// Query parameters of the GET endpoints that read them.
	queries := []badEndpoint{
		hp("GET", "/v1/wallet/history", nil),
		{"GET", "/v1/audit/consistency", none, nil},
		{"GET", "/dev/sms", none, nil},
		{"GET", "/v1/rp/stats", basic(shop), nil},
		{"GET", "/v1/admin/rp-applications", admin, nil},
	}
	params := map[string][]string{
		"/v1/wallet/history":        {"before", "limit"},
		"/v1/audit/consistency":     {"from", "to"},
		"/dev/sms":                  {"phone"},
		"/v1/rp/stats":              {"from", "to"},
		"/v1/admin/rp-applications": {"state"},
	}
	for _, ep := range queries {
		for _, name := range params[ep.path] {
			for _, v := range []string{"", "-1", "0", "x", "1e9", "99999999999999999999", "%00", "%ff", "1&" + name + "=2", strings.Repeat("9", 5000)} {
				path := ep.path + "?" + name + "=" + v
				auth := ep.auth
				if ep.path == "/v1/wallet/history" {
					auth = holderAuth("GET", path)
				}
				hdr := auth()
				if total%2 == 1 {
					hdr = withEnglish(hdr)
				}
				r := e.raw("GET", path, nil, hdr)
				total++
				byStatus[r.status]++
				if r.status >= 500 {
					t.Errorf("GET %s: %d %.300s", path, r.status, r.body)
				}
				if r.status >= 400 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
					t.Errorf("GET %s: %d with Content-Type %q", path, r.status, r.header.Get("Content-Type"))
				} else if r.status >= 400 {
					if msg := r.titleMismatch(); msg != "" {
						t.Errorf("GET %s: %s", path, msg)
					}
				}
			}
		}
	}
	t.Logf("%d endpoints, %d requests, by status: %v", len(endpoints)+len(queries), total, byStatus)
	// Every problem type linked into the platform has its messages.
	for _, ty := range httpx.Types() {
		if !i18n.Has(i18n.ProblemTitle(ty.Slug)) || !i18n.Has(i18n.ProblemNext(ty.Slug)) {
			t.Errorf("problem type %s has no messages in the catalogue", ty.Slug)
		}
	}
}
