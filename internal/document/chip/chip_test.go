package chip

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/document"
)

// now is the verification time of the tests: 2026-03-01 12:00 UTC, which is
// 20:00 the same day in China Standard Time.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func date(s string) document.Date {
	d, err := document.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func testIdentity() document.Identity {
	return document.Identity{
		Type:             document.ResidentIDCard,
		Number:           "11010519491231002X",
		Name:             "张三",
		Sex:              document.Male,
		Ethnicity:        "汉",
		Birth:            date("1990-01-02"),
		Address:          "北京市朝阳区某路1号",
		IssuingAuthority: "北京市公安局朝阳分局",
		ValidFrom:        date("2020-01-01"),
		ValidUntil:       date("2040-01-01"),
	}
}

// testFace is a small real PNG.
var testFace = sync.OnceValue(func() []byte {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 4)
	}
	img.Set(1, 1, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
})

// pki is the test PKI: one trusted CA with its signers, and others.
type pki struct {
	ca      *smx509.Certificate
	caKey   crypto.Signer
	ds      Signer // ECDSA P-256, valid now
	rsaDS   Signer // RSA 2048, valid now
	trust   *TrustList
	otherDS Signer // issued by a CA not in the trust list
}

var testPKI = sync.OnceValue(func() *pki {
	p := &pki{}
	var err error
	p.ca, p.caKey, err = NewCA("Test CSCA", now.AddDate(-1, 0, 0), now.AddDate(20, 0, 0))
	must(err)
	p.ds, err = NewDocumentSigner(p.ca, p.caKey, "Test DS", now.AddDate(-1, 0, 0), now.AddDate(10, 0, 0))
	must(err)
	// A fixed test key: generating RSA keys is slow, and every fuzz worker
	// builds this PKI.
	rsaKeyPEM, err := os.ReadFile("testdata/test-only-rsa2048.key")
	must(err)
	block, _ := pem.Decode(rsaKeyPEM)
	if block == nil {
		panic("testdata/test-only-rsa2048.key: no PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	must(err)
	rsaKey := parsed.(*rsa.PrivateKey)
	p.rsaDS, err = newDocumentSigner(p.ca, p.caKey, rsaKey, "Test RSA DS", now.AddDate(-1, 0, 0), now.AddDate(10, 0, 0))
	must(err)
	p.trust = NewTrustList(p.ca)
	otherCA, otherKey, err := NewCA("Test CSCA", now.AddDate(-1, 0, 0), now.AddDate(20, 0, 0))
	must(err)
	p.otherDS, err = NewDocumentSigner(otherCA, otherKey, "Test DS", now.AddDate(-1, 0, 0), now.AddDate(10, 0, 0))
	must(err)
	return p
})

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// goodData is chip data signed by the trusted ECDSA DS.
func goodData(t testing.TB) Data {
	t.Helper()
	d, err := testPKI().ds.Sign(testIdentity(), testFace(), now)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// signRaw signs arbitrary data groups with s, bypassing Sign's checks.
func signRaw(t testing.TB, s Signer, dgs map[int][]byte, useSKI bool) []byte {
	t.Helper()
	alg, opts, digest, err := s.algorithm()
	if err != nil {
		t.Fatal(err)
	}
	sod, err := buildSOD(s, sodParams{dataGroups: dgs, digest: digest, sigAlg: alg, sigOpts: opts, useSKI: useSKI, now: now})
	if err != nil {
		t.Fatal(err)
	}
	return sod
}

// withDG1 returns good chip data whose DG1 is dg1, correctly signed.
func withDG1(t testing.TB, dg1 string) Data {
	t.Helper()
	d := Data{DG1: []byte(dg1), DG2: testFace()}
	d.SOD = signRaw(t, testPKI().ds, map[int][]byte{1: d.DG1, 2: d.DG2}, false)
	return d
}

// identityJSON is the DG1 of testIdentity with edit applied to the JSON text.
func identityJSON(t testing.TB, edit func(string) string) string {
	t.Helper()
	b, err := encodeDG1(testIdentity())
	if err != nil {
		t.Fatal(err)
	}
	return edit(string(b))
}

// signIdentity signs id with s at signAt.
func signIdentity(t testing.TB, s Signer, id document.Identity, signAt time.Time) Data {
	t.Helper()
	d, err := s.Sign(id, testFace(), signAt)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// flipAt returns a copy of b with the last byte of the first occurrence of
// sub changed.
func flipAt(t testing.TB, b, sub []byte) []byte {
	t.Helper()
	i := bytes.Index(b, sub)
	if i < 0 {
		t.Fatal("substring not found")
	}
	out := bytes.Clone(b)
	out[i+len(sub)-1] ^= 0x01
	return out
}

func TestVerify(t *testing.T) {
	p := testPKI()
	good := goodData(t)
	id := testIdentity()

	// A long-lived PKI, for verification times years away.
	longCA, longCAKey, err := NewCA("Long CSCA", now.AddDate(-10, 0, 0), now.AddDate(70, 0, 0))
	must(err)
	longDS, err := NewDocumentSigner(longCA, longCAKey, "Long DS", now.AddDate(-10, 0, 0), now.AddDate(70, 0, 0))
	must(err)
	longTrust := NewTrustList(longCA)
	// A CA that expired a second ago, with a DS still valid.
	oldCA, oldCAKey, err := NewCA("Expired CSCA", now.AddDate(-5, 0, 0), now.Add(-time.Second))
	must(err)
	oldCADS, err := NewDocumentSigner(oldCA, oldCAKey, "DS", now.AddDate(-4, 0, 0), now.AddDate(1, 0, 0))
	must(err)

	type tc struct {
		name  string
		data  func(t *testing.T) Data
		trust *TrustList
		now   time.Time
		want  error
	}
	tests := []tc{
		{name: "good", data: func(t *testing.T) Data { return good }},
		{name: "subject key identifier sid", data: func(t *testing.T) Data {
			d := good
			d.SOD = signRaw(t, p.ds, map[int][]byte{1: d.DG1, 2: d.DG2}, true)
			return d
		}},
		{name: "RSA PKCS#1 v1.5 DS", data: func(t *testing.T) Data { return signIdentity(t, p.rsaDS, id, now) }},
		{name: "RSASSA-PSS DS", data: func(t *testing.T) Data {
			d := good
			sod, err := buildSOD(p.rsaDS, sodParams{
				dataGroups: map[int][]byte{1: d.DG1, 2: d.DG2},
				digest:     digestSHA256,
				sigAlg:     pssAlgorithm(t, 32),
				sigOpts:    &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256},
				now:        now,
			})
			if err != nil {
				t.Fatal(err)
			}
			d.SOD = sod
			return d
		}},
		{name: "RSASSA-PSS with wrong salt length", want: ErrBadSignature, data: func(t *testing.T) Data {
			d := good
			sod, err := buildSOD(p.rsaDS, sodParams{
				dataGroups: map[int][]byte{1: d.DG1, 2: d.DG2},
				digest:     digestSHA256,
				sigAlg:     pssAlgorithm(t, 20),
				sigOpts:    &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256},
				now:        now,
			})
			if err != nil {
				t.Fatal(err)
			}
			d.SOD = sod
			return d
		}},
		{name: "EF.SOD application wrapper", data: func(t *testing.T) Data {
			d := good
			w, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: tagSOD, IsCompound: true, Bytes: d.SOD})
			if err != nil {
				t.Fatal(err)
			}
			d.SOD = w
			return d
		}},
		{name: "SOD lists more data groups", data: func(t *testing.T) Data {
			d := good
			d.SOD = signRaw(t, p.ds, map[int][]byte{1: d.DG1, 2: d.DG2, 14: []byte("security infos")}, false)
			return d
		}},
		{name: "valid for life", now: now.AddDate(60, 0, 0), trust: longTrust, data: func(t *testing.T) Data {
			id := id
			id.ValidUntil = document.Date{}
			return signIdentity(t, longDS, id, now)
		}},
		{name: "last day of validity (CST)", now: time.Date(2040, 1, 1, 15, 59, 59, 0, time.UTC), trust: longTrust,
			data: func(t *testing.T) Data { return signIdentity(t, longDS, id, now) }},
		{name: "first day of validity (CST)", now: time.Date(2019, 12, 31, 16, 0, 0, 0, time.UTC), trust: longTrust,
			data: func(t *testing.T) Data { return signIdentity(t, longDS, id, now) }},

		{name: "DG1 altered", want: ErrHashMismatch, data: func(t *testing.T) Data {
			d := good
			d.DG1 = bytes.Replace(d.DG1, []byte("1990-01-02"), []byte("1990-01-03"), 1)
			return d
		}},
		{name: "DG2 altered", want: ErrHashMismatch, data: func(t *testing.T) Data {
			d := good
			d.DG2 = bytes.Clone(d.DG2)
			d.DG2[len(d.DG2)-1] ^= 1
			return d
		}},
		{name: "SOD lacks DG2", want: ErrHashMismatch, data: func(t *testing.T) Data {
			d := good
			d.SOD = signRaw(t, p.ds, map[int][]byte{1: d.DG1}, false)
			return d
		}},
		{name: "SOD lacks DG1", want: ErrHashMismatch, data: func(t *testing.T) Data {
			d := good
			d.SOD = signRaw(t, p.ds, map[int][]byte{2: d.DG2, 3: d.DG1}, false)
			return d
		}},
		{name: "signature altered", want: ErrBadSignature, data: func(t *testing.T) Data {
			d := good
			s, err := parseSOD(d.SOD)
			if err != nil {
				t.Fatal(err)
			}
			d.SOD = flipAt(t, d.SOD, s.signer.Signature)
			return d
		}},
		{name: "RSA signature altered", want: ErrBadSignature, data: func(t *testing.T) Data {
			d := signIdentity(t, p.rsaDS, id, now)
			s, err := parseSOD(d.SOD)
			if err != nil {
				t.Fatal(err)
			}
			d.SOD = flipAt(t, d.SOD, s.signer.Signature)
			return d
		}},
		{name: "eContent altered", want: ErrBadSignature, data: func(t *testing.T) Data {
			d := good
			h := sha256.Sum256(d.DG1)
			d.SOD = flipAt(t, d.SOD, h[:])
			return d
		}},
		{name: "signed by another key", want: ErrBadSignature, data: func(t *testing.T) Data {
			d := good
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			d.SOD = signRaw(t, Signer{Certificate: p.ds.Certificate, Key: k}, map[int][]byte{1: d.DG1, 2: d.DG2}, false)
			return d
		}},
		{name: "DS from another CA", want: ErrUntrusted, data: func(t *testing.T) Data { return signIdentity(t, p.otherDS, id, now) }},
		{name: "empty trust list", want: ErrUntrusted, trust: NewTrustList(), data: func(t *testing.T) Data { return good }},
		{name: "DS expired", want: ErrCertificateInvalid, data: func(t *testing.T) Data {
			ds, err := NewDocumentSigner(p.ca, p.caKey, "Old DS", now.AddDate(-3, 0, 0), now.Add(-time.Second))
			if err != nil {
				t.Fatal(err)
			}
			return signIdentity(t, ds, id, now.AddDate(-1, 0, 0))
		}},
		{name: "DS not yet valid", want: ErrCertificateInvalid, data: func(t *testing.T) Data {
			ds, err := NewDocumentSigner(p.ca, p.caKey, "Future DS", now.Add(time.Hour), now.AddDate(3, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			return signIdentity(t, ds, id, now.AddDate(1, 0, 0))
		}},
		{name: "DS without digitalSignature", want: ErrCertificateInvalid, data: func(t *testing.T) Data {
			ds, err := NewDocumentSigner(p.ca, p.caKey, "Bad DS", now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			tmpl := *ds.Certificate
			tmpl.KeyUsage = smx509.KeyUsageContentCommitment
			ds.Certificate, err = createCertificate(&tmpl, p.ca, ds.Key.Public(), p.caKey)
			if err != nil {
				t.Fatal(err)
			}
			return signIdentity(t, ds, id, now)
		}},
		{name: "CA expired", want: ErrCertificateInvalid, trust: NewTrustList(oldCA),
			data: func(t *testing.T) Data { return signIdentity(t, oldCADS, id, now) }},
		{name: "document expired", want: ErrDocumentExpired, data: func(t *testing.T) Data {
			id := id
			id.ValidUntil = date("2026-02-28")
			return signIdentity(t, p.ds, id, now)
		}},
		{name: "document expired in CST", want: ErrDocumentExpired, now: time.Date(2040, 1, 1, 16, 0, 0, 0, time.UTC), trust: longTrust,
			data: func(t *testing.T) Data { return signIdentity(t, longDS, id, now) }},
		{name: "document not yet valid in CST", want: ErrDocumentNotYetValid, now: time.Date(2019, 12, 31, 15, 59, 59, 0, time.UTC), trust: longTrust,
			data: func(t *testing.T) Data { return signIdentity(t, longDS, id, now) }},
		{name: "document not yet valid", want: ErrDocumentNotYetValid, data: func(t *testing.T) Data {
			id := id
			id.ValidFrom = date("2026-03-02")
			return signIdentity(t, p.ds, id, now)
		}},
		{name: "DG1 unknown field", want: ErrMalformed, data: func(t *testing.T) Data {
			return withDG1(t, identityJSON(t, func(s string) string { return strings.Replace(s, `{`, `{"fingerprint":"x",`, 1) }))
		}},
		{name: "DG1 duplicate key", want: ErrMalformed, data: func(t *testing.T) Data {
			return withDG1(t, identityJSON(t, func(s string) string { return strings.Replace(s, `{`, `{"name":"李四",`, 1) }))
		}},
		{name: "DG1 key in other case", want: ErrMalformed, data: func(t *testing.T) Data {
			return withDG1(t, identityJSON(t, func(s string) string { return strings.Replace(s, `"name"`, `"Name"`, 1) }))
		}},
		{name: "DG1 trailing data", want: ErrMalformed, data: func(t *testing.T) Data {
			return withDG1(t, identityJSON(t, func(s string) string { return s + `{}` }))
		}},
		{name: "DG1 unknown document type", want: ErrMalformed, data: func(t *testing.T) Data {
			return withDG1(t, identityJSON(t, func(s string) string {
				return strings.Replace(s, `"resident_id_card"`, `"driving_licence"`, 1)
			}))
		}},
		{name: "DG1 null value", want: ErrMalformed, data: func(t *testing.T) Data {
			return withDG1(t, identityJSON(t, func(s string) string { return strings.Replace(s, `"张三"`, `null`, 1) }))
		}},
		{name: "DG1 invalid date", want: ErrMalformed, data: func(t *testing.T) Data {
			return withDG1(t, identityJSON(t, func(s string) string { return strings.Replace(s, `1990-01-02`, `1990-02-30`, 1) }))
		}},
		{name: "DG2 not an image", want: ErrMalformed, data: func(t *testing.T) Data {
			d := Data{DG1: good.DG1, DG2: []byte("GIF89a")}
			d.SOD = signRaw(t, p.ds, map[int][]byte{1: d.DG1, 2: d.DG2}, false)
			return d
		}},
		{name: "SOD garbage", want: ErrMalformed, data: func(t *testing.T) Data {
			d := good
			d.SOD = []byte("not a SOD")
			return d
		}},
		{name: "SOD trailing data", want: ErrMalformed, data: func(t *testing.T) Data {
			d := good
			d.SOD = append(bytes.Clone(d.SOD), 0x05, 0x00)
			return d
		}},
		{name: "SOD truncated", want: ErrMalformed, data: func(t *testing.T) Data {
			d := good
			d.SOD = d.SOD[:len(d.SOD)-1]
			return d
		}},
		{name: "DG2 too large", want: ErrMalformed, data: func(t *testing.T) Data {
			d := good
			d.DG2 = append(bytes.Clone(pngMagic), make([]byte, MaxDG2Size)...)
			return d
		}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trust := tt.trust
			if trust == nil {
				trust = p.trust
			}
			at := tt.now
			if at.IsZero() {
				at = now
			}
			v, err := Verify(tt.data(t), trust, at)
			if tt.want != nil {
				t.Logf("error: %v", err)
				if !errors.Is(err, tt.want) {
					t.Fatalf("Verify error = %v, want %v", err, tt.want)
				}
				for _, other := range allSentinels {
					if other != tt.want && errors.Is(err, other) {
						t.Errorf("error %v also matches %v", err, other)
					}
				}
				if v != nil {
					t.Error("Verify returned a result with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Signer == nil || v.Issuer == nil {
				t.Fatal("Verify did not return the certificates")
			}
			if v.FaceImageHash != sha256.Sum256(v.FaceImage) {
				t.Error("FaceImageHash is not the SHA-256 of FaceImage")
			}
		})
	}
}

var allSentinels = []error{ErrMalformed, ErrUntrusted, ErrBadSignature, ErrHashMismatch,
	ErrCertificateInvalid, ErrDocumentExpired, ErrDocumentNotYetValid}

// pssAlgorithm is the RSASSA-PSS AlgorithmIdentifier with SHA-256 and salt
// length salt.
func pssAlgorithm(t testing.TB, salt int) pkix.AlgorithmIdentifier {
	t.Helper()
	sha := pkix.AlgorithmIdentifier{Algorithm: oidSHA256}
	mgfParams, err := asn1.Marshal(sha)
	if err != nil {
		t.Fatal(err)
	}
	params, err := asn1.Marshal(pssParameters{
		HashAlgorithm:    sha,
		MaskGenAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: mgfParams}},
		SaltLength:       salt,
		TrailerField:     1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkix.AlgorithmIdentifier{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: params}}
}

func TestVerifyResult(t *testing.T) {
	p := testPKI()
	d := goodData(t)
	v, err := Verify(d, p.trust, now)
	if err != nil {
		t.Fatal(err)
	}
	if v.Identity != testIdentity() {
		t.Errorf("Identity = %+v, want %+v", v.Identity, testIdentity())
	}
	if !bytes.Equal(v.FaceImage, testFace()) {
		t.Error("FaceImage differs from DG2")
	}
	if v.FaceImageHash != sha256.Sum256(testFace()) {
		t.Error("FaceImageHash differs")
	}
	if !v.Signer.Equal(p.ds.Certificate) || !v.Issuer.Equal(p.ca) {
		t.Error("Signer or Issuer differs")
	}
}

func TestVerifyErrorsHoldNoPersonalData(t *testing.T) {
	p := testPKI()
	id := testIdentity()
	dg1 := identityJSON(t, func(s string) string { return strings.Replace(s, `1990-01-02`, `1990-02-30`, 1) })
	expired := id
	expired.ValidUntil = date("2021-01-01")
	for _, d := range []Data{withDG1(t, dg1), signIdentity(t, p.ds, expired, now)} {
		_, err := Verify(d, p.trust, now)
		if err == nil {
			t.Fatal("Verify succeeded")
		}
		for _, secret := range []string{id.Number, id.Name, "1990", id.Address, "2021-01-01"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q contains personal data %q", err, secret)
			}
		}
	}
}

func TestSignRefuses(t *testing.T) {
	p := testPKI()
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	badType := testIdentity()
	badType.Type = "library_card"
	noBirth := testIdentity()
	noBirth.Birth = document.Date{}
	badUTF8 := testIdentity()
	badUTF8.Name = "\xff"
	tests := []struct {
		name string
		s    Signer
		id   document.Identity
		face []byte
		at   time.Time
	}{
		{"key does not match certificate", Signer{Certificate: p.ds.Certificate, Key: other}, testIdentity(), testFace(), now},
		{"no certificate", Signer{Key: other}, testIdentity(), testFace(), now},
		{"DS expired at signing", p.ds, testIdentity(), testFace(), now.AddDate(11, 0, 0)},
		{"unknown document type", p.ds, badType, testFace(), now},
		{"no birth date", p.ds, noBirth, testFace(), now},
		{"invalid UTF-8", p.ds, badUTF8, testFace(), now},
		{"face not an image", p.ds, testIdentity(), []byte("BM...."), now},
		{"face empty", p.ds, testIdentity(), nil, now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.s.Sign(tt.id, tt.face, tt.at); err == nil {
				t.Fatal("Sign succeeded")
			}
		})
	}
}

func TestParse(t *testing.T) {
	good := goodData(t)
	enc, err := good.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(enc)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !bytes.Equal(got.DG1, good.DG1) || !bytes.Equal(got.DG2, good.DG2) || !bytes.Equal(got.SOD, good.SOD) {
		t.Fatal("round trip changed the data")
	}

	s := string(enc)
	tests := []struct {
		name string
		in   string
	}{
		{"trailing data", s + "{}"},
		{"trailing garbage", s + "x"},
		{"unknown field", strings.Replace(s, `{`, `{"dg3":"AA==",`, 1)},
		{"duplicate key", strings.Replace(s, `{`, `{"dg1":"AA==",`, 1)},
		{"key in other case", strings.Replace(s, `"dg1"`, `"DG1"`, 1)},
		{"missing member", `{"dg1":"AA==","dg2":"AA=="}`},
		{"empty member", strings.Replace(s, `"sod":"`, `"sod":"","x":"`, 1)},
		{"null member", `{"dg1":"AA==","dg2":"AA==","sod":null}`},
		{"number member", `{"dg1":"AA==","dg2":"AA==","sod":1}`},
		{"nested member", `{"dg1":"AA==","dg2":"AA==","sod":{"a":"b"}}`},
		{"not base64", `{"dg1":"AA==","dg2":"AA==","sod":"!!!!"}`},
		{"unpadded base64", `{"dg1":"AA","dg2":"AA==","sod":"AA=="}`},
		{"base64url", `{"dg1":"-_8=","dg2":"AA==","sod":"AA=="}`},
		{"non-canonical base64 bits", `{"dg1":"AB==","dg2":"AA==","sod":"AA=="}`},
		{"base64 with newline", `{"dg1":"AA\n==","dg2":"AA==","sod":"AA=="}`},
		{"array", `[]`},
		{"empty", ``},
		{"invalid UTF-8", "{\"dg1\":\"AA==\",\"dg2\":\"AA==\",\"sod\":\"AA==\",\"\xff\":1}"},
		{"too large", `{"dg1":"` + strings.Repeat("A", MaxContainerSize) + `","dg2":"AA==","sod":"AA=="}`},
		{"DG2 too large", `{"dg1":"AA==","dg2":"` + strings.Repeat("A", (MaxDG2Size+3)/3*4) + `","sod":"AA=="}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.in)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse error = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestParseDG1RoundTrip(t *testing.T) {
	for _, id := range []document.Identity{testIdentity(), func() document.Identity {
		id := testIdentity()
		id.ValidUntil = document.Date{}
		id.Type = document.Passport
		id.NameLatin = "ZHANG SAN"
		id.Nationality = "CHN"
		return id
	}()} {
		b, err := encodeDG1(id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseDG1(b)
		if err != nil {
			t.Fatalf("parseDG1(%s): %v", b, err)
		}
		if got != id {
			t.Errorf("round trip: got %+v, want %+v", got, id)
		}
	}
}

func TestTrustList(t *testing.T) {
	p := testPKI()
	t.Run("missing dir", func(t *testing.T) {
		tl, err := LoadTrustList(filepath.Join(t.TempDir(), "none"))
		if err != nil || tl.Len() != 0 {
			t.Fatalf("LoadTrustList = %v, %v; want empty list", tl, err)
		}
	})
	t.Run("pem and der", func(t *testing.T) {
		dir := t.TempDir()
		other, _, err := NewCA("Other CSCA", now, now.AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "a.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ca.Raw}))
		writeFile(t, filepath.Join(dir, "b.crt"), other.Raw)
		writeFile(t, filepath.Join(dir, "README"), []byte("ignored"))
		if err := os.Mkdir(filepath.Join(dir, "sub.pem"), 0o700); err != nil {
			t.Fatal(err)
		}
		tl, err := LoadTrustList(dir)
		if err != nil {
			t.Fatal(err)
		}
		if tl.Len() != 2 {
			t.Fatalf("Len = %d, want 2", tl.Len())
		}
		if _, err := Verify(goodData(t), tl, now); err != nil {
			t.Fatalf("Verify with loaded trust list: %v", err)
		}
		tl.Add(p.ca)
		if tl.Len() != 2 {
			t.Errorf("adding a duplicate changed Len to %d", tl.Len())
		}
	})
	t.Run("not a CA", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "ds.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ds.Certificate.Raw}))
		if _, err := LoadTrustList(dir); err == nil {
			t.Fatal("LoadTrustList accepted a DS certificate")
		}
	})
	t.Run("key in pem", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "k.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}))
		if _, err := LoadTrustList(dir); err == nil {
			t.Fatal("LoadTrustList accepted a key")
		}
	})
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkVerify(b *testing.B) {
	p := testPKI()
	d := goodData(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(d, p.trust, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	p := testPKI()
	id := testIdentity()
	face := testFace()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ds.Sign(id, face, now); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCheckIntegrity: without a trust list, altered data groups and a
// broken SOD signature are still caught; an untrusted signer is not (that
// is passive authentication's job).
func TestCheckIntegrity(t *testing.T) {
	good := goodData(t)
	v, err := CheckIntegrity(good)
	if err != nil {
		t.Fatal(err)
	}
	if v.Identity.Number != testIdentity().Number || v.Issuer != nil || v.Signer == nil {
		t.Errorf("CheckIntegrity: %+v", v)
	}
	untrustedCA, key, err := NewCA("Untrusted CSCA", now.AddDate(-1, 0, 0), now.AddDate(10, 0, 0))
	must(err)
	untrustedDS, err := NewDocumentSigner(untrustedCA, key, "DS", now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))
	must(err)
	if _, err := CheckIntegrity(signIdentity(t, untrustedDS, testIdentity(), now)); err != nil {
		t.Errorf("a self-consistent chip from an untrusted signer: %v", err)
	}
	tests := []struct {
		name string
		edit func(d *Data)
		want error
	}{
		{"DG1 altered", func(d *Data) { d.DG1 = bytes.Replace(d.DG1, []byte(testIdentity().Name), []byte("李四"), 1) }, ErrHashMismatch},
		{"DG2 altered", func(d *Data) { d.DG2 = append(bytes.Clone(d.DG2), 0) }, ErrHashMismatch},
		{"SOD signature altered", func(d *Data) { d.SOD = bytes.Clone(d.SOD); d.SOD[len(d.SOD)-3] ^= 1 }, nil},
		{"SOD truncated", func(d *Data) { d.SOD = d.SOD[:len(d.SOD)/2] }, ErrMalformed},
	}
	for _, tc := range tests {
		d := good
		tc.edit(&d)
		_, err := CheckIntegrity(d)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
