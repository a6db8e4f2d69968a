package server

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/help"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// EIDVerifyPath is the in-person verifiers' API; EIDPagePath their web page.
const (
	EIDVerifyPath = "/v1/eid/verify"
	EIDPagePath   = "/verify/eid"
)

// mountEID registers the in-person verification of the electronic ID
// card: the relying parties' API and the verifier web page.
func (s *Server) mountEID(h func(string, func(http.ResponseWriter, *http.Request) error)) {
	h("POST "+EIDVerifyPath, s.eidVerify)
	h("GET "+EIDPagePath, s.eidPage)
	h("POST "+EIDPagePath, s.eidPageSubmit)
}

// eidProblems maps the in-person check's errors to problem types.
var eidProblems = []mapping{
	{eidverify.ErrMalformed, httpx.NewType(http.StatusBadRequest, "eid-malformed")},
	{eidverify.ErrSignature, httpx.NewType(http.StatusUnprocessableEntity, "eid-signature-invalid")},
	{eidverify.ErrWindow, httpx.NewType(http.StatusUnprocessableEntity, "eid-expired")},
	{eidverify.ErrReplay, httpx.NewType(http.StatusConflict, "eid-replayed")},
	{eidverify.ErrSuspended, httpx.NewType(http.StatusForbidden, "eid-credential-suspended")},
	{eidverify.ErrRevoked, httpx.NewType(http.StatusForbidden, "eid-credential-revoked")},
	{eidverify.ErrExpired, httpx.NewType(http.StatusForbidden, "eid-credential-expired")},
	{eidverify.ErrCancelled, httpx.NewType(http.StatusForbidden, "eid-identity-cancelled")},
	{eidverify.ErrGuardianConsent, httpx.NewType(http.StatusForbidden, "eid-guardian-consent-required")},
	{relyingparty.ErrNotInPerson, httpx.NewType(http.StatusForbidden, "eid-not-in-person")},
	{eidverify.ErrImage, httpx.NewType(http.StatusUnprocessableEntity, "eid-qr-unreadable")},
}

// eidProblem maps err to a problem document; other errors go on to the
// server's general mapping.
func eidProblem(err error) error {
	for _, m := range eidProblems {
		if errors.Is(err, m.err) {
			return httpx.New(m.typ, err.Error())
		}
	}
	return err
}

func (s *Server) eidVerify(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.Clients.Authenticate(r, false)
	if err != nil {
		return err
	}
	var req api.EIDVerifyRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	res, err := s.EID.Verify(r.Context(), rp, req.Payload)
	if err != nil {
		return eidProblem(err)
	}
	return reply(w, eidResult(res), nil)
}

// eidPageCSS is the page's only style; the CSP allows it by its hash.
const eidPageCSS = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=password],textarea{width:100%;box-sizing:border-box;font:inherit;padding:.4rem}
textarea{height:6rem;font-family:monospace;font-size:.8rem}
button{margin-top:1rem;font:inherit;padding:.5rem 1.5rem}
.ok{color:#0a6b2d}.bad{color:#b00020}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
img.photo{max-width:12rem;border:1px solid #ccc}
.help{border:2px solid #b00020;padding:.2rem 1rem;margin:1rem 0}.help p,footer p{white-space:pre-line}
footer{margin-top:2rem;border-top:1px solid #ccc;font-size:.9rem}`

// eidPageCSP is the page's Content-Security-Policy: nothing external, no
// script, images only as data: URIs, the form posting only here.
var eidPageCSP = func() string {
	sum := sha256.Sum256([]byte(eidPageCSS))
	return "default-src 'none'; img-src data:; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}()

var eidPage = template.Must(template.New("eid").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>电子身份证核验 · Electronic ID check</title><style>{{.CSS}}</style></head>
<body>
<h1>电子身份证核验 · Electronic ID check</h1>
{{if .Error}}<p id="verdict" class="bad">未通过 · Not accepted: <span id="error">{{.Error}}</span></p>
{{if and .HelpNeeded .Help}}<section id="help" class="help" aria-labelledby="help-title">
<h2 id="help-title">请告知持证人如何获得帮助 · Tell the holder where to get help</h2>
{{template "help" .}}</section>{{end}}{{end}}
{{with .Result}}<p id="verdict" class="ok">核验通过 · Verified</p>
<table id="fields">
<tr><th>核验类别 · Kind</th><td id="kind">{{.Kind}}</td></tr>
{{range $.Rows}}<tr><th>{{.Label}}</th><td id="{{.ID}}">{{.Value}}</td></tr>
{{end}}</table>
{{if $.Photo}}<p><img id="photo" class="photo" alt="证件照片 · document photo" src="{{$.Photo}}"></p>
{{else if .Photo}}<p id="photo-unshown">照片格式无法在此显示 · The photo's format cannot be shown here.</p>{{end}}
<p>请当面比对照片与持证人。Compare the photo with the person in front of you.</p>
<hr>{{end}}
<form method="post" action="{{.Action}}" enctype="multipart/form-data">
<label for="client_id">客户端 ID · Client ID</label>
<input type="text" id="client_id" name="client_id" value="{{.ClientID}}" autocomplete="username" required>
<label for="client_secret">客户端密钥 · Client secret</label>
<input type="password" id="client_secret" name="client_secret" autocomplete="current-password" required>
<label for="payload">扫码内容 · Scanned code (paste)</label>
<textarea id="payload" name="payload" spellcheck="false"></textarea>
<label for="qr">或上传二维码图片 · or upload a QR image (PNG/JPEG)</label>
<input type="file" id="qr" name="qr" accept="image/png,image/jpeg">
<button type="submit" id="submit">核验 · Verify</button>
</form>
{{if and .Help (not .HelpNeeded)}}<footer id="help-footer"><h2>需要帮助 · Help</h2>{{template "help" .}}</footer>{{end}}
</body></html>
{{define "help"}}{{with .Help}}{{with .Text}}<p id="help-text" lang="zh-CN">{{.}}</p>{{end}}{{with .TextEN}}<p id="help-text-en" lang="en">{{.}}</p>{{end}}
{{with .Hotline}}<p>服务热线 · Hotline: <a id="help-hotline" href="{{$.HelpTel}}">{{.}}</a></p>{{end}}
{{with .OfficesURL}}<p><a id="help-offices" href="{{.}}" rel="noopener noreferrer">查找服务网点 · Find a service office</a></p>{{end}}{{end}}{{end}}`))

// eidRow is one field shown on the result page.
type eidRow struct{ ID, Label, Value string }

type eidPageData struct {
	CSS      template.CSS
	Action   string
	ClientID string
	Error    string
	Result   *eidverify.Result
	Rows     []eidRow
	Photo    template.URL
	// Help is the operator's help (nil: none configured), shown under a
	// refusal the holder cannot resolve alone (HelpNeeded), else at the
	// foot of the page; HelpTel its hotline as a tel: URI.
	Help       *help.Help
	HelpNeeded bool
	HelpTel    template.URL
}

func (s *Server) renderEIDPage(w http.ResponseWriter, status int, d eidPageData) error {
	d.CSS = template.CSS(eidPageCSS)
	d.Action = EIDPagePath
	if s.Help.Configured() {
		d.Help, d.HelpTel = &s.Help, template.URL(s.Help.Tel())
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", eidPageCSP)
	w.WriteHeader(status)
	return eidPage.Execute(w, d)
}

func (s *Server) eidPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderEIDPage(w, http.StatusOK, eidPageData{})
}

// eidMaxUpload bounds the page's form: the image and the text fields.
const eidMaxUpload = eidverify.MaxImageBytes + 64<<10

func (s *Server) eidPageSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, eidMaxUpload)
	d := eidPageData{}
	fail := func(status int, msg string) error {
		d.Error = msg
		return s.renderEIDPage(w, status, d)
	}
	if err := r.ParseMultipartForm(eidMaxUpload); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return fail(http.StatusRequestEntityTooLarge, "上传内容过大 · The upload is too large.")
		}
		return fail(http.StatusBadRequest, "表单无法读取 · The form could not be read.")
	}
	defer r.MultipartForm.RemoveAll()
	d.ClientID = strings.TrimSpace(r.PostFormValue("client_id"))
	rp, err := s.pageClient(r, d.ClientID, r.PostFormValue("client_secret"))
	if err != nil {
		if errors.Is(err, relyingparty.ErrUnauthenticated) || errors.Is(err, relyingparty.ErrDisabled) {
			return fail(http.StatusUnauthorized, "客户端 ID 或密钥无效 · Client ID or secret not accepted.")
		}
		s.Log.ErrorContext(r.Context(), "eID page: authenticating the client", "request_id", httpx.RequestIDFrom(r.Context()), "error", err)
		return fail(http.StatusInternalServerError, "内部错误 · Internal error; please try again.")
	}
	payload := strings.TrimSpace(r.PostFormValue("payload"))
	file, _, ferr := r.FormFile("qr")
	if ferr == nil {
		defer file.Close()
	}
	hasFile := ferr == nil && nonEmpty(file)
	switch {
	case payload != "" && hasFile:
		return fail(http.StatusBadRequest, "请只粘贴扫码内容或只上传图片 · Paste the code or upload an image, not both.")
	case hasFile:
		if payload, err = eidverify.DecodeQR(file); err != nil {
			return s.eidPageError(w, r, d, err)
		}
	case payload == "":
		return fail(http.StatusBadRequest, "请粘贴扫码内容或上传二维码图片 · Paste the scanned code or upload a QR image.")
	}
	if strings.HasPrefix(payload, eid.PrefixOffline) {
		return fail(http.StatusBadRequest, "这是离线码：请用 netid verify eid --offline 核验 · An offline code: check it with netid verify eid --offline.")
	}
	res, err := s.EID.Verify(r.Context(), rp, payload)
	if err != nil {
		return s.eidPageError(w, r, d, err)
	}
	d.Result = &res
	d.Rows = eidRows(res)
	switch res.PhotoMediaType() {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		// A data: URI the platform built from the sealed photo, with a
		// sniffed image type: safe as an img src.
		d.Photo = template.URL(res.Photo)
	}
	return s.renderEIDPage(w, http.StatusOK, d)
}

// nonEmpty reports whether an uploaded file has content, rewinding it.
func nonEmpty(f multipart.File) bool {
	var b [1]byte
	n, _ := f.Read(b[:])
	_, err := f.Seek(0, io.SeekStart)
	return n > 0 && err == nil
}

// pageClient authenticates the relying party from the page's form fields,
// as the API does from HTTP Basic credentials (client_secret_basic only).
func (s *Server) pageClient(r *http.Request, id, secret string) (storage.RelyingParty, error) {
	if id == "" || secret == "" {
		return storage.RelyingParty{}, relyingparty.ErrUnauthenticated
	}
	ar, err := http.NewRequestWithContext(r.Context(), http.MethodGet, s.PublicURL+EIDPagePath, nil)
	if err != nil {
		return storage.RelyingParty{}, err
	}
	ar.RemoteAddr = r.RemoteAddr // failed checks count against the page's address
	ar.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return s.Clients.Authenticate(ar, false)
}

// eidPageError shows a refused check as one line: the problem's title,
// never the error's detail; unexpected errors are logged, not shown.
func (s *Server) eidPageError(w http.ResponseWriter, r *http.Request, d eidPageData, err error) error {
	for _, m := range eidProblems {
		if errors.Is(err, m.err) {
			title := i18n.ProblemTitle(m.typ.Slug)
			d.Error = i18n.Lookup(i18n.Chinese, title) + " · " + i18n.Lookup(i18n.English, title)
			d.HelpNeeded = help.Needed(m.typ.Slug)
			return s.renderEIDPage(w, m.typ.Status, d)
		}
	}
	s.Log.ErrorContext(r.Context(), "eID page: verifying", "request_id", httpx.RequestIDFrom(r.Context()), "error", err)
	d.Error = "内部错误 · Internal error; please try again."
	return s.renderEIDPage(w, http.StatusInternalServerError, d)
}

// eidRows lists the provided fields with their labels.
func eidRows(res eidverify.Result) []eidRow {
	var rows []eidRow
	for _, f := range res.Provided {
		switch f {
		case eidverify.FieldName:
			rows = append(rows, eidRow{string(f), "姓名 · Name", res.NameMasked})
		case eidverify.FieldNumber:
			rows = append(rows, eidRow{string(f), "证件号码 · Document number", res.NumberPartial})
		case eidverify.FieldSex:
			v := map[string]string{"M": "男 · male", "F": "女 · female"}[res.Sex]
			rows = append(rows, eidRow{string(f), "性别 · Sex", v})
		case eidverify.FieldAdult:
			v := "未满18周岁 · under 18"
			if res.AgeOver18 != nil && *res.AgeOver18 {
				v = "已满18周岁 · 18 or over"
			}
			rows = append(rows, eidRow{string(f), "年龄 · Age", v})
		case eidverify.FieldValidUntil:
			v := res.DocumentValidUntil
			if v == eidverify.LongTerm {
				v = "长期 · long-term"
			}
			rows = append(rows, eidRow{string(f), "证件有效期至 · Document valid until", v})
		}
	}
	return rows
}
