package chip

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/suite"
)

// smPKI is the SM2 test PKI: a trusted SM2 CSCA and its DS, an SM2 CA of
// the same name that is not trusted, and a DS it issued.
type smPKI struct {
	ca      *smx509.Certificate
	caKey   crypto.Signer
	ds      Signer
	trust   *TrustList
	otherDS Signer
}

var testSMPKI = sync.OnceValue(func() *smPKI {
	p := &smPKI{}
	var err error
	p.ca, p.caKey, err = NewCAFor(suite.SM, "Test SM CSCA", now.AddDate(-1, 0, 0), now.AddDate(20, 0, 0))
	must(err)
	p.ds, err = NewDocumentSigner(p.ca, p.caKey, "Test SM DS", now.AddDate(-1, 0, 0), now.AddDate(10, 0, 0))
	must(err)
	p.trust = NewTrustList(p.ca)
	otherCA, otherKey, err := NewCAFor(suite.SM, "Test SM CSCA", now.AddDate(-1, 0, 0), now.AddDate(20, 0, 0))
	must(err)
	p.otherDS, err = NewDocumentSigner(otherCA, otherKey, "Test SM DS", now.AddDate(-1, 0, 0), now.AddDate(10, 0, 0))
	must(err)
	return p
})

// smData is chip data signed by the trusted SM2 DS.
func smData(t testing.TB) Data {
	t.Helper()
	d, err := testSMPKI().ds.Sign(testIdentity(), testFace(), now)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// buildWith builds a SOD over good's data groups with s and the given
// choices.
func buildWith(t testing.TB, s Signer, d Data, p sodParams) Data {
	t.Helper()
	p.dataGroups = map[int][]byte{1: d.DG1, 2: d.DG2}
	p.now = now
	sod, err := buildSOD(s, p)
	if err != nil {
		t.Fatal(err)
	}
	d.SOD = sod
	return d
}

// ecdsaOnSM2 is an SM2 key used as a plain ECDSA key: crypto/ecdsa signs
// and verifies ECDSA on the SM2 curve, which is how an ECDSA signature
// would pass for the SM2 key's.
type ecdsaOnSM2 struct{ k *ecdsa.PrivateKey }

func (e ecdsaOnSM2) Public() crypto.PublicKey { return &e.k.PublicKey }
func (e ecdsaOnSM2) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return ecdsa.SignASN1(r, e.k, digest)
}

func asECDSA(s Signer) Signer {
	return Signer{Certificate: s.Certificate, Key: ecdsaOnSM2{&s.Key.(*sm2.PrivateKey).PrivateKey}}
}

var (
	algSM2    = pkix.AlgorithmIdentifier{Algorithm: oidSM2WithSM3}
	algSM2Key = pkix.AlgorithmIdentifier{Algorithm: oidSM2Sign}
	algECDSA  = pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
)

// TestSMDocument: a document signed by an SM2 DS under an SM2 CSCA is
// verified end to end, with SM3 data group and content digests, an
// SM2-with-SM3 SignerInfo and SM2 certificates.
func TestSMDocument(t *testing.T) {
	p := testSMPKI()
	d := smData(t)
	v, err := Verify(d, p.trust, now)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if v.Identity != testIdentity() || !bytes.Equal(v.FaceImage, testFace()) || !v.Signer.Equal(p.ds.Certificate) || !v.Issuer.Equal(p.ca) {
		t.Fatalf("Verify returned %+v", v)
	}
	if _, err := CheckIntegrity(d); err != nil {
		t.Fatalf("CheckIntegrity: %v", err)
	}

	s, err := parseSOD(d.SOD)
	if err != nil {
		t.Fatal(err)
	}
	if !s.lds.HashAlgorithm.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}) ||
		!s.signer.DigestAlgorithm.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}) ||
		!s.signer.SignatureAlgorithm.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}) {
		t.Fatalf("SOD algorithms: LDS %v, digest %v, signature %v", s.lds.HashAlgorithm.Algorithm,
			s.signer.DigestAlgorithm.Algorithm, s.signer.SignatureAlgorithm.Algorithm)
	}
	for _, dg := range s.lds.DataGroupHashValues {
		want := map[int][]byte{1: d.DG1, 2: d.DG2}[dg.DataGroupNumber]
		if sum := sm3.Sum(want); !bytes.Equal(dg.DataGroupHashValue, sum[:]) {
			t.Errorf("DG%d hash is not its SM3", dg.DataGroupNumber)
		}
	}
	if sum := sm3.Sum(s.eContent); !bytes.Equal(s.digest, sum[:]) {
		t.Error("message digest attribute is not the SM3 of the content")
	}

	// The certificates: SM2 keys (id-ecPublicKey on the curve
	// 1.2.156.10197.1.301), signed SM2-with-SM3.
	for _, c := range []*smx509.Certificate{p.ca, p.ds.Certificate} {
		var spki struct {
			Algorithm struct {
				Algorithm asn1.ObjectIdentifier
				Curve     asn1.ObjectIdentifier
			}
			Key asn1.BitString
		}
		if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
			t.Fatal(err)
		}
		if !spki.Algorithm.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}) ||
			!spki.Algorithm.Curve.Equal(asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}) {
			t.Errorf("%s: public key %v on %v", c.Subject.CommonName, spki.Algorithm.Algorithm, spki.Algorithm.Curve)
		}
		if c.SignatureAlgorithm != smx509.SM2WithSM3 {
			t.Errorf("%s: signed with %v", c.Subject.CommonName, c.SignatureAlgorithm)
		}
	}
}

// zA is Z_A of GB/T 32918.2 §5.5 for pub and the identifier id, written out
// from the standard rather than taken from gmsm.
func zA(t testing.TB, pub *ecdsa.PublicKey, id []byte) []byte {
	t.Helper()
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Point     asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil || len(spki.Point.Bytes) != 65 || spki.Point.Bytes[0] != 4 {
		t.Fatalf("public key: %v", err)
	}
	params := pub.Curve.Params()
	a := new(big.Int).Sub(params.P, big.NewInt(3)) // the SM2 curve has a = p − 3
	h := sm3.New()
	h.Write([]byte{byte(len(id) * 8 >> 8), byte(len(id) * 8)})
	h.Write(id)
	for _, v := range []*big.Int{a, params.B, params.Gx, params.Gy} {
		h.Write(v.FillBytes(make([]byte, 32)))
	}
	h.Write(spki.Point.Bytes[1:]) // x_A ‖ y_A
	return h.Sum(nil)
}

// TestSMSignatureForm: the SOD's SM2 signature is a DER SEQUENCE { r, s }
// over SM3(Z_A ‖ signed attributes) with the default identifier
// 1234567812345678, and gmsm's smx509 signs certificates the same way.
func TestSMSignatureForm(t *testing.T) {
	p := testSMPKI()
	d := smData(t)
	s, err := parseSOD(d.SOD)
	if err != nil {
		t.Fatal(err)
	}
	sig := s.signer.Signature
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) != 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
		t.Fatalf("signature is not a DER SEQUENCE { r, s }: %v", err)
	}
	if again, _ := asn1.Marshal(rs); !bytes.Equal(again, sig) {
		t.Fatal("signature is not DER")
	}
	pub := p.ds.Certificate.PublicKey.(*ecdsa.PublicKey)
	e := func(id, msg []byte) []byte {
		h := sm3.New()
		h.Write(zA(t, pub, id))
		h.Write(msg)
		return h.Sum(nil)
	}
	if !sm2.VerifyASN1(pub, e([]byte("1234567812345678"), s.signedAttrs), sig) {
		t.Fatal("the signature does not verify over SM3(Z_A ‖ signed attributes) with the default identifier")
	}
	if sm2.VerifyASN1(pub, e([]byte("1234567812345679"), s.signedAttrs), sig) {
		t.Fatal("the signature verifies with another identifier")
	}
	// gmsm's smx509 checks SM2 signatures with the same identifier.
	if err := p.ds.Certificate.CheckSignature(smx509.SM2WithSM3, s.signedAttrs, sig); err != nil {
		t.Fatalf("smx509: %v", err)
	}
	// … and signs certificates with it.
	caPub := p.ca.PublicKey.(*ecdsa.PublicKey)
	h := sm3.New()
	h.Write(zA(t, caPub, []byte("1234567812345678")))
	h.Write(p.ds.Certificate.RawTBSCertificate)
	if !sm2.VerifyASN1(caPub, h.Sum(nil), p.ds.Certificate.Signature) {
		t.Fatal("the DS certificate's signature is not over SM3(Z_A ‖ TBS) with the default identifier")
	}
}

// ecdsaSignedSM2Certificate re-signs ds's certificate with caKey as a plain
// ECDSA key on the SM2 curve, labelled ecdsa-with-SHA256.
func ecdsaSignedSM2Certificate(t *testing.T, ds Signer, caKey crypto.Signer) *smx509.Certificate {
	t.Helper()
	// Rewrite the signature algorithm inside the TBS by hand: smx509
	// refuses to sign with an SM2 key under any other algorithm.
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(ds.Certificate.RawTBSCertificate, &seq); err != nil {
		t.Fatal(err)
	}
	var fields []asn1.RawValue
	for rest := seq.Bytes; len(rest) > 0; {
		var f asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			t.Fatal(err)
		}
		fields = append(fields, f)
	}
	algDER, err := asn1.Marshal(algECDSA)
	if err != nil {
		t.Fatal(err)
	}
	fields[2] = asn1.RawValue{FullBytes: algDER} // version, serial, signature, …
	var body []byte
	for _, f := range fields {
		body = append(body, f.FullBytes...)
	}
	newTBS, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(newTBS)
	sig, err := ecdsa.SignASN1(rand.Reader, &caKey.(*sm2.PrivateKey).PrivateKey, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS    asn1.RawValue
		Alg    pkix.AlgorithmIdentifier
		Signed asn1.BitString
	}{asn1.RawValue{FullBytes: newTBS}, algECDSA, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSMForgeries: each way of passing off an SM2 document is refused.
func TestSMForgeries(t *testing.T) {
	p := testSMPKI()
	ec := testPKI()
	good := smData(t)
	both := NewTrustList(p.ca, ec.ca)

	// An SM2 DS certificate that the trusted P-256 CSCA issued
	// (ecdsa-with-SHA256), and a P-256 one the trusted SM2 CSCA issued
	// (SM2-with-SM3): a chain is all SM2 or free of SM2.
	smKey, err := sm2.GenerateKey(rand.Reader)
	must(err)
	mixedSM2, err := newDocumentSigner(ec.ca, ec.caKey, smKey, "Mixed DS", now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0))
	must(err)
	ecKey, err := suite.ES256.GenerateSigningKey(rand.Reader)
	must(err)
	mixedEC, err := newDocumentSigner(p.ca, p.caKey, ecKey, "Mixed DS", now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0))
	must(err)
	// The trusted SM2 DS's certificate with an ECDSA signature by the SM2
	// CSCA's key: gmsm's smx509 alone would accept it.
	ecdsaCert := ecdsaSignedSM2Certificate(t, p.ds, p.caKey)
	if err := ecdsaCert.CheckSignatureFrom(p.ca); err != nil {
		t.Fatalf("smx509 refuses the ECDSA-signed SM2 certificate itself (%v): the case below tests nothing", err)
	}
	ecdsaSigned := Signer{Certificate: ecdsaCert, Key: p.ds.Key}

	otherSM2, err := sm2.GenerateKey(rand.Reader)
	must(err)
	expiredDS, err := NewDocumentSigner(p.ca, p.caKey, "Old SM DS", now.AddDate(-3, 0, 0), now.Add(-time.Second))
	must(err)

	// fakeSHA256 computes SM3 but names SHA-256.
	fakeSHA256 := &digestAlg{"SHA-256", oidSHA256, sm3.New, sm3.Size, crypto.SHA256}

	tests := []struct {
		name  string
		data  func(t *testing.T) Data
		trust *TrustList
		want  error
	}{
		{name: "DG1 altered", want: ErrHashMismatch, data: func(t *testing.T) Data {
			d := good
			d.DG1 = bytes.Replace(d.DG1, []byte("1990-01-02"), []byte("1990-01-03"), 1)
			return d
		}},
		{name: "DG2 altered", want: ErrHashMismatch, data: func(t *testing.T) Data {
			d := good
			d.DG2 = append(bytes.Clone(d.DG2), 0)
			return d
		}},
		{name: "data group hashes SM3 claimed as SHA-256", want: ErrHashMismatch, data: func(t *testing.T) Data {
			return buildWith(t, p.ds, good, sodParams{digest: digestSM3, ldsDigest: fakeSHA256, sigAlg: algSM2, sigOpts: sm2SignerOpts})
		}},
		{name: "SM3 content digest claimed as SHA-256", want: ErrMalformed, data: func(t *testing.T) Data {
			return buildWith(t, p.ds, good, sodParams{digest: fakeSHA256, ldsDigest: digestSM3, sigAlg: algSM2, sigOpts: sm2SignerOpts})
		}},
		{name: "SM2 signature with a SHA-256 content digest", want: ErrMalformed, data: func(t *testing.T) Data {
			return buildWith(t, p.ds, good, sodParams{digest: digestSHA256, sigAlg: algSM2, sigOpts: sm2SignerOpts})
		}},
		{name: "ECDSA signature with an SM3 content digest", want: ErrMalformed, trust: ec.trust, data: func(t *testing.T) Data {
			return buildWith(t, ec.ds, goodData(t), sodParams{digest: digestSM3, sigAlg: algECDSA, sigOpts: crypto.SHA256})
		}},
		{name: "signature altered", want: ErrBadSignature, data: func(t *testing.T) Data {
			s, err := parseSOD(good.SOD)
			if err != nil {
				t.Fatal(err)
			}
			d := good
			d.SOD = flipAt(t, d.SOD, s.signer.Signature)
			return d
		}},
		{name: "content altered", want: ErrBadSignature, data: func(t *testing.T) Data {
			d := good
			h := sm3.Sum(d.DG1)
			d.SOD = flipAt(t, d.SOD, h[:])
			return d
		}},
		{name: "another SM2 key under the DS certificate", want: ErrBadSignature, data: func(t *testing.T) Data {
			return buildWith(t, Signer{Certificate: p.ds.Certificate, Key: otherSM2}, good, sodParams{digest: digestSM3, sigAlg: algSM2, sigOpts: sm2SignerOpts})
		}},
		{name: "another distinguishing identifier", want: ErrBadSignature, data: func(t *testing.T) Data {
			return buildWith(t, p.ds, good, sodParams{digest: digestSM3, sigAlg: algSM2, sigOpts: sm2.NewSM2SignerOption(true, []byte("ALICE123@YAHOO.COM"))})
		}},
		{name: "SM2 DS of an untrusted CA of the same name", want: ErrUntrusted, data: func(t *testing.T) Data {
			return signIdentity(t, p.otherDS, testIdentity(), now)
		}},
		{name: "SM2 DS with only a P-256 CA trusted", want: ErrUntrusted, trust: ec.trust, data: func(t *testing.T) Data { return good }},
		{name: "ECDSA DS with only an SM2 CA trusted", want: ErrUntrusted, data: func(t *testing.T) Data { return goodData(t) }},
		{name: "SM2 DS issued by a P-256 CA", want: ErrUntrusted, trust: both, data: func(t *testing.T) Data {
			return signIdentity(t, mixedSM2, testIdentity(), now)
		}},
		{name: "P-256 DS issued by an SM2 CA", want: ErrUntrusted, trust: both, data: func(t *testing.T) Data {
			return signIdentity(t, mixedEC, testIdentity(), now)
		}},
		{name: "SM2 DS certificate signed ECDSA by the SM2 CA's key", want: ErrUntrusted, data: func(t *testing.T) Data {
			return signIdentity(t, ecdsaSigned, testIdentity(), now)
		}},
		{name: "ECDSA signature by a P-256 DS labelled SM2", want: ErrMalformed, trust: ec.trust, data: func(t *testing.T) Data {
			return buildWith(t, ec.ds, goodData(t), sodParams{digest: digestSM3, sigAlg: algSM2, sigOpts: crypto.SHA256})
		}},
		{name: "ECDSA signature by the SM2 DS key labelled SM2", want: ErrBadSignature, data: func(t *testing.T) Data {
			return buildWith(t, asECDSA(p.ds), good, sodParams{digest: digestSM3, sigAlg: algSM2, sigOpts: crypto.SHA256})
		}},
		{name: "ECDSA signature by the SM2 DS key labelled sm2-1", want: ErrBadSignature, data: func(t *testing.T) Data {
			return buildWith(t, asECDSA(p.ds), good, sodParams{digest: digestSM3, sigAlg: algSM2Key, sigOpts: crypto.SHA256})
		}},
		{name: "SM2 signature labelled ECDSA", want: ErrMalformed, data: func(t *testing.T) Data {
			return buildWith(t, p.ds, good, sodParams{digest: digestSHA256, sigAlg: algECDSA, sigOpts: sm2SignerOpts})
		}},
		{name: "valid ECDSA signature by the SM2 DS key labelled ECDSA", want: ErrMalformed, data: func(t *testing.T) Data {
			return buildWith(t, asECDSA(p.ds), good, sodParams{digest: digestSHA256, sigAlg: algECDSA, sigOpts: crypto.SHA256})
		}},
		{name: "SM2 signature algorithm with parameters", want: ErrMalformed, data: func(t *testing.T) Data {
			alg := pkix.AlgorithmIdentifier{Algorithm: oidSM2WithSM3, Parameters: asn1.RawValue{FullBytes: []byte{0x02, 0x01, 0x01}}}
			return buildWith(t, p.ds, good, sodParams{digest: digestSM3, sigAlg: alg, sigOpts: sm2SignerOpts})
		}},
		{name: "SM2 DS expired", want: ErrCertificateInvalid, data: func(t *testing.T) Data {
			return signIdentity(t, expiredDS, testIdentity(), now.AddDate(-1, 0, 0))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trust := tt.trust
			if trust == nil {
				trust = p.trust
			}
			v, err := Verify(tt.data(t), trust, now)
			t.Logf("error: %v", err)
			if !errors.Is(err, tt.want) || v != nil {
				t.Fatalf("Verify = %v, %v; want %v", v, err, tt.want)
			}
			for _, other := range allSentinels {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
		})
	}

	// The same documents pass when nothing is forged: the cases above fail
	// for the forgery, not for the way they were built.
	for name, d := range map[string]Data{
		"SM2 via buildWith":    buildWith(t, p.ds, good, sodParams{digest: digestSM3, sigAlg: algSM2, sigOpts: sm2SignerOpts}),
		"SM2 labelled sm2-1":   buildWith(t, p.ds, good, sodParams{digest: digestSM3, sigAlg: algSM2Key, sigOpts: sm2SignerOpts}),
		"SM2 with SHA-256 LDS": buildWith(t, p.ds, good, sodParams{digest: digestSM3, ldsDigest: digestSHA256, sigAlg: algSM2, sigOpts: sm2SignerOpts}),
	} {
		if _, err := Verify(d, both, now); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Verify(goodData(t), both, now); err != nil {
		t.Errorf("ECDSA document with both CAs trusted: %v", err)
	}
}

// TestSMInterop: a SOD written by another CMS implementation, gmsm's pkcs7
// (GM/T 0010 style: sm2-1 in the SignerInfo, SM3 with NULL parameters),
// verifies.
func TestSMInterop(t *testing.T) {
	p := testSMPKI()
	d := smData(t)
	lds := ldsSecurityObject{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSM3}}
	for _, n := range []int{1, 2} {
		sum := sm3.Sum(map[int][]byte{1: d.DG1, 2: d.DG2}[n])
		lds.DataGroupHashValues = append(lds.DataGroupHashValues, dataGroupHash{n, sum[:]})
	}
	eContent, err := asn1.Marshal(lds)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := pkcs7.NewSignedData(eContent)
	if err != nil {
		t.Fatal(err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSM3)
	sd.GetSignedData().ContentInfo.ContentType = oidLDSSecurityObject
	if err := sd.AddSigner(p.ds.Certificate, p.ds.Key, pkcs7.SignerInfoConfig{}); err != nil {
		t.Fatal(err)
	}
	d.SOD, err = sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseSOD(d.SOD)
	if err != nil {
		t.Fatal(err)
	}
	if !s.signer.SignatureAlgorithm.Algorithm.Equal(oidSM2Sign) {
		t.Fatalf("pkcs7 wrote %v", s.signer.SignatureAlgorithm.Algorithm)
	}
	if _, err := Verify(d, p.trust, now); err != nil {
		t.Fatalf("Verify of gmsm's SOD: %v", err)
	}
	d.DG1 = bytes.Replace(d.DG1, []byte("张三"), []byte("李四"), 1)
	if _, err := Verify(d, p.trust, now); !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("altered DG1 under gmsm's SOD: %v", err)
	}
}

func BenchmarkVerifySM(b *testing.B) {
	p := testSMPKI()
	d := smData(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(d, p.trust, now); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSMTrustListFile: an SM2 CSCA in PEM beside a P-256 one in a trust list
// directory; documents of both verify against the loaded list.
func TestSMTrustListFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "sm.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: testSMPKI().ca.Raw}))
	writeFile(t, filepath.Join(dir, "ec.crt"), testPKI().ca.Raw)
	tl, err := LoadTrustList(dir)
	if err != nil || tl.Len() != 2 {
		t.Fatalf("LoadTrustList: %d CAs, %v", tl.Len(), err)
	}
	for name, d := range map[string]Data{"SM2": smData(t), "ECDSA": goodData(t)} {
		if _, err := Verify(d, tl, now); err != nil {
			t.Errorf("%s document: %v", name, err)
		}
	}
}
