package chip

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/document"
)

// Verified is the result of a successful passive authentication.
type Verified struct {
	// Identity is DG1, authenticated.
	Identity document.Identity
	// FaceImage is DG2, authenticated.
	FaceImage []byte
	// FaceImageHash is the SHA-256 of DG2, to bind a face check to it.
	FaceImageHash [32]byte
	// Signer is the document-signer (DS) certificate that signed the SOD.
	Signer *smx509.Certificate
	// Issuer is the trust-list CA (CSCA) that issued Signer.
	Issuer *smx509.Certificate
}

// chinaStandardTime is the zone of the dates printed on the documents: the
// seven legal document types are issued by PRC authorities, and China has
// one time zone and no daylight saving time.
var chinaStandardTime = time.FixedZone("CST", 8*60*60)

// Verify performs passive authentication of d at time now, in this order:
//
//  1. the SOD parses (ErrMalformed);
//  2. its signed attributes' content type and message digest match the
//     encapsulated LDSSecurityObject, and the signature verifies with the DS
//     certificate's key (ErrBadSignature);
//  3. the DS certificate was issued by a CA in trust (ErrUntrusted), and at
//     now both are valid, the DS has the digitalSignature key usage and
//     the chain verifies (ErrCertificateInvalid): with crypto/x509 for an
//     ECDSA or RSA DS, with gmsm's smx509 for an SM2 DS, whose CA must then
//     have an SM2 key and have signed it with SM2-with-SM3;
//  4. the SOD lists DG1 and DG2 (it may list more), and their hashes equal
//     the SOD's (ErrHashMismatch);
//  5. DG2 is a JPEG or PNG image and DG1 parses strictly (ErrMalformed);
//  6. the document is valid today, the calendar date of now in China
//     Standard Time (UTC+8): ValidFrom ≤ today ≤ ValidUntil, a zero
//     ValidUntil meaning valid for life (ErrDocumentNotYetValid,
//     ErrDocumentExpired).
//
// Every error wraps the sentinel named above. Size limits apply first
// (ErrMalformed).
func Verify(d Data, trust *TrustList, now time.Time) (*Verified, error) {
	if err := d.checkSizes(); err != nil {
		return nil, err
	}
	s, err := parseSOD(d.SOD)
	if err != nil {
		return nil, err
	}
	ds, err := s.signerCertificate()
	if err != nil {
		return nil, err
	}
	if err := s.verifySignature(ds); err != nil {
		return nil, err
	}
	ca, err := verifyChain(ds, trust, now)
	if err != nil {
		return nil, err
	}
	if err := s.checkDataGroup(dgIdentity, d.DG1); err != nil {
		return nil, err
	}
	if err := s.checkDataGroup(dgFace, d.DG2); err != nil {
		return nil, err
	}
	if err := checkDG2(d.DG2); err != nil {
		return nil, err
	}
	id, err := parseDG1(d.DG1)
	if err != nil {
		return nil, err
	}
	if err := checkDocumentValidity(id, now); err != nil {
		return nil, err
	}
	return &Verified{
		Identity:      id,
		FaceImage:     bytes.Clone(d.DG2),
		FaceImageHash: sha256.Sum256(d.DG2),
		Signer:        ds.cert,
		Issuer:        ca,
	}, nil
}

// CheckIntegrity performs the checks of Verify that need no trust list:
// the SOD parses, its signature verifies with the document-signer
// certificate it carries, the hashes of DG1 and DG2 equal the SOD's, DG2
// is an image and DG1 parses. It does not establish that an issuing
// authority signed the document (anyone can make a self-consistent chip);
// it lets a holder's wallet, which has no trust list, detect data altered
// after signing. The result's Signer is the unverified DS certificate and
// Issuer is nil. Document validity dates are not checked.
func CheckIntegrity(d Data) (*Verified, error) {
	if err := d.checkSizes(); err != nil {
		return nil, err
	}
	s, err := parseSOD(d.SOD)
	if err != nil {
		return nil, err
	}
	ds, err := s.signerCertificate()
	if err != nil {
		return nil, err
	}
	if err := s.verifySignature(ds); err != nil {
		return nil, err
	}
	if err := s.checkDataGroup(dgIdentity, d.DG1); err != nil {
		return nil, err
	}
	if err := s.checkDataGroup(dgFace, d.DG2); err != nil {
		return nil, err
	}
	if err := checkDG2(d.DG2); err != nil {
		return nil, err
	}
	id, err := parseDG1(d.DG1)
	if err != nil {
		return nil, err
	}
	return &Verified{Identity: id, FaceImage: bytes.Clone(d.DG2), FaceImageHash: sha256.Sum256(d.DG2), Signer: ds.cert}, nil
}

// checkDocumentValidity checks the document's validity dates against the
// calendar date of now in China Standard Time.
func checkDocumentValidity(id document.Identity, now time.Time) error {
	today := document.DateOf(now.In(chinaStandardTime))
	if today.Before(id.ValidFrom) {
		return fmt.Errorf("%w: validity starts after today", ErrDocumentNotYetValid)
	}
	if !id.ValidUntil.IsZero() && id.ValidUntil.Before(today) {
		return fmt.Errorf("%w: validity ended before today", ErrDocumentExpired)
	}
	return nil
}

// dsCertificate is the document-signer certificate and the path it is
// verified on.
type dsCertificate struct {
	cert *smx509.Certificate
	// sm2 is set for an SM2 key: the SM2 path, gmsm's smx509 alone.
	sm2 bool
	// std is crypto/x509's parse of an ECDSA or RSA DS, nil for SM2.
	std *x509.Certificate
}

// signerCertificate finds the DS certificate named by the SignerInfo's sid
// among the SOD's certificates. gmsm's smx509 parses them (it reads SM2
// keys as well as what crypto/x509 reads); a DS without an SM2 key must
// also parse with crypto/x509, which verifies its chain.
func (s *sod) signerCertificate() (*dsCertificate, error) {
	sid := s.signer.SID
	var match func(*smx509.Certificate) bool
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence && sid.IsCompound:
		var ias issuerAndSerialNumber
		if err := unmarshalAll(sid.FullBytes, &ias, "issuerAndSerialNumber"); err != nil {
			return nil, err
		}
		if ias.SerialNumber == nil {
			return nil, malformed("issuerAndSerialNumber: no serial number")
		}
		match = func(c *smx509.Certificate) bool {
			return bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.SerialNumber) == 0
		}
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0 && !sid.IsCompound:
		if len(sid.Bytes) == 0 {
			return nil, malformed("empty subjectKeyIdentifier")
		}
		match = func(c *smx509.Certificate) bool { return bytes.Equal(c.SubjectKeyId, sid.Bytes) }
	default:
		return nil, malformed("unknown signer identifier")
	}
	for _, der := range s.certificates {
		c, err := smx509.ParseCertificate(der)
		if err != nil || !match(c) {
			// Not necessarily the DS: certificates neither parser
			// reads (e.g. brainpool keys) may sit beside it.
			continue
		}
		if sm2.IsSM2PublicKey(c.PublicKey) {
			return &dsCertificate{cert: c, sm2: true}, nil
		}
		std, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		return &dsCertificate{cert: c, std: std}, nil
	}
	return nil, malformed("no parsable certificate matches the signer identifier")
}

// verifySignature checks the signed attributes against the content and the
// signature against the DS key.
func (s *sod) verifySignature(ds *dsCertificate) error {
	if !s.contentType.Equal(oidLDSSecurityObject) {
		return fmt.Errorf("%w: content type attribute differs from the encapsulated content type", ErrBadSignature)
	}
	alg := s.signer.SignatureAlgorithm
	if isSM2Algorithm(alg) != s.signerDigest.isSM3() {
		return malformed("digest algorithm %s does not go with signature algorithm %v", s.signerDigest.name, alg.Algorithm)
	}
	if subtle.ConstantTimeCompare(s.signerDigest.sum(s.eContent), s.digest) != 1 {
		return fmt.Errorf("%w: message digest attribute does not match the content", ErrBadSignature)
	}
	return verifyWithKey(ds.cert.PublicKey, alg, s.signerDigest, s.signedAttrs, s.signer.Signature)
}

// isSM2Algorithm reports whether alg names an SM2 signature: sm2-with-SM3
// or sm2-1. SM3 is the digest of these and of no other signature (checked
// before the digest is computed).
func isSM2Algorithm(alg pkix.AlgorithmIdentifier) bool {
	return alg.Algorithm.Equal(oidSM2WithSM3) || alg.Algorithm.Equal(oidSM2Sign)
}

// verifyWithKey verifies sig over msg with pub under the algorithm alg.
// digest is the SignerInfo's digest algorithm, used when alg names only the
// key type (rsaEncryption). An SM2 key signs only SM2 signatures and ECDSA
// takes only keys on other curves, so that neither algorithm's signature
// passes as the other's.
func verifyWithKey(pub crypto.PublicKey, alg pkix.AlgorithmIdentifier, digest *digestAlg, msg, sig []byte) error {
	hashed := func(h crypto.Hash) []byte {
		w := h.New()
		w.Write(msg)
		return w.Sum(nil)
	}
	badSig := func(what string) error {
		return fmt.Errorf("%w: %s signature does not verify with the DS key", ErrBadSignature, what)
	}
	wrongKey := func() error {
		return fmt.Errorf("%w: SOD: signature algorithm %v does not fit the DS key type %T", ErrMalformed, alg.Algorithm, pub)
	}

	if isSM2Algorithm(alg) {
		if !paramsAbsentOrNull(alg) {
			return malformed("SM2 signature algorithm with parameters")
		}
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || !sm2.IsSM2PublicKey(k) {
			return wrongKey()
		}
		// SM3(Z_A ‖ msg) with the default identifier, the signature a
		// DER SEQUENCE { r, s } (GM/T 0009, GB/T 35275).
		if !sm2.VerifyASN1WithSM2(k, defaultSM2ID, msg, sig) {
			return badSig("SM2")
		}
		return nil
	}

	var ecdsaHash crypto.Hash
	switch {
	case alg.Algorithm.Equal(oidECDSAWithSHA256):
		ecdsaHash = crypto.SHA256
	case alg.Algorithm.Equal(oidECDSAWithSHA384):
		ecdsaHash = crypto.SHA384
	case alg.Algorithm.Equal(oidECDSAWithSHA512):
		ecdsaHash = crypto.SHA512
	}
	if ecdsaHash != 0 {
		if len(alg.Parameters.FullBytes) != 0 {
			return malformed("ECDSA signature algorithm with parameters")
		}
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || sm2.IsSM2PublicKey(k) {
			// crypto/ecdsa would verify ECDSA on the SM2 curve.
			return wrongKey()
		}
		if !ecdsa.VerifyASN1(k, hashed(ecdsaHash), sig) {
			return badSig("ECDSA")
		}
		return nil
	}

	switch {
	case alg.Algorithm.Equal(oidSHA256WithRSAEncryption), alg.Algorithm.Equal(oidRSAEncryption):
		if !paramsAbsentOrNull(alg) {
			return malformed("RSA signature algorithm with parameters")
		}
		h := crypto.SHA256
		if alg.Algorithm.Equal(oidRSAEncryption) {
			h = digest.hash
		}
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return wrongKey()
		}
		if err := rsa.VerifyPKCS1v15(k, h, hashed(h), sig); err != nil {
			return badSig("RSA PKCS #1 v1.5")
		}
		return nil
	case alg.Algorithm.Equal(oidRSASSAPSS):
		saltLen, err := parsePSSParameters(alg.Parameters)
		if err != nil {
			return err
		}
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return wrongKey()
		}
		opts := &rsa.PSSOptions{SaltLength: saltLen, Hash: crypto.SHA256}
		if err := rsa.VerifyPSS(k, crypto.SHA256, hashed(crypto.SHA256), sig, opts); err != nil {
			return badSig("RSASSA-PSS")
		}
		return nil
	}
	return malformed("unsupported signature algorithm %v", alg.Algorithm)
}

// parsePSSParameters accepts RSASSA-PSS parameters with SHA-256, MGF1 with
// SHA-256 and the standard trailer, and returns the salt length.
func parsePSSParameters(p asn1.RawValue) (int, error) {
	if len(p.FullBytes) == 0 {
		return 0, malformed("RSASSA-PSS without parameters")
	}
	var pp pssParameters
	if err := unmarshalAll(p.FullBytes, &pp, "RSASSA-PSS parameters"); err != nil {
		return 0, err
	}
	if h, ok := digestForOID(pp.HashAlgorithm); !ok || h != digestSHA256 {
		return 0, malformed("RSASSA-PSS hash is not SHA-256")
	}
	if !pp.MaskGenAlgorithm.Algorithm.Equal(oidMGF1) {
		return 0, malformed("RSASSA-PSS mask generation is not MGF1")
	}
	var mgfHash pkix.AlgorithmIdentifier
	if err := unmarshalAll(pp.MaskGenAlgorithm.Parameters.FullBytes, &mgfHash, "MGF1 parameters"); err != nil {
		return 0, err
	}
	if h, ok := digestForOID(mgfHash); !ok || h != digestSHA256 {
		return 0, malformed("RSASSA-PSS MGF1 hash is not SHA-256")
	}
	if pp.TrailerField != 1 {
		return 0, malformed("RSASSA-PSS trailer field %d", pp.TrailerField)
	}
	if pp.SaltLength < 0 || pp.SaltLength > 512 {
		return 0, malformed("RSASSA-PSS salt length %d", pp.SaltLength)
	}
	return pp.SaltLength, nil
}

// verifyChain checks that ds was issued by a CA in trust and that both are
// valid at now, and returns that CA.
func verifyChain(ds *dsCertificate, trust *TrustList, now time.Time) (*smx509.Certificate, error) {
	issuers := trust.issuersOf(ds)
	if len(issuers) == 0 {
		return nil, fmt.Errorf("%w: no CA in the trust list (%d) issued the DS certificate %q", ErrUntrusted, trust.Len(), ds.cert.Issuer)
	}
	if err := validAt(ds.cert, now, "DS"); err != nil {
		return nil, err
	}
	if ds.cert.KeyUsage&smx509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("%w: DS certificate lacks the digitalSignature key usage", ErrCertificateInvalid)
	}
	var errs []error
	for _, ca := range issuers {
		if err := validAt(ca.cert, now, "CA"); err != nil {
			errs = append(errs, err)
			continue
		}
		var err error
		if ds.sm2 {
			err = verifySM2Chain(ds.cert, ca.cert, now)
		} else {
			err = verifyX509Chain(ds.std, ca.std, now)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return ca.cert, nil
	}
	return nil, errs[0]
}

// verifyX509Chain verifies an ECDSA or RSA DS certificate's chain to ca
// with crypto/x509.
func verifyX509Chain(ds, ca *x509.Certificate, now time.Time) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := ds.Verify(x509.VerifyOptions{
		Roots:       roots,
		CurrentTime: now,
		// DS certificates carry no or ICAO-specific extended key
		// usages; the key usage is checked by verifyChain.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
			return fmt.Errorf("%w: %w", ErrUntrusted, err)
		}
		return fmt.Errorf("%w: %w", ErrCertificateInvalid, err)
	}
	return nil
}

// checkSM2Issued checks that ca, an SM2 CA, signed ds with SM2-with-SM3.
// gmsm's smx509 verifies that signature with the GM/T 0009 default
// identifier, the one it signs with; it would also verify an ECDSA
// signature made with an SM2 key, which is refused here first.
func checkSM2Issued(ds, ca *smx509.Certificate) error {
	if !sm2.IsSM2PublicKey(ca.PublicKey) {
		return errors.New("the CA key is not an SM2 key")
	}
	if ds.SignatureAlgorithm != smx509.SM2WithSM3 {
		return fmt.Errorf("an SM2 certificate signed with %v, not SM2-with-SM3", ds.SignatureAlgorithm)
	}
	return ds.CheckSignatureFrom(ca)
}

// verifySM2Chain verifies an SM2 DS certificate's chain to ca with gmsm's
// smx509. TrustList.issuersOf has checked that ca is an SM2 CA that
// signed ds with SM2-with-SM3 (checkSM2Issued).
func verifySM2Chain(ds, ca *smx509.Certificate, now time.Time) error {
	roots := smx509.NewCertPool()
	roots.AddCert(ca)
	_, err := ds.Verify(smx509.VerifyOptions{
		Roots:       roots,
		CurrentTime: now,
		KeyUsages:   []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny},
	})
	if err != nil {
		if _, ok := errors.AsType[smx509.UnknownAuthorityError](err); ok {
			return fmt.Errorf("%w: %w", ErrUntrusted, err)
		}
		return fmt.Errorf("%w: %w", ErrCertificateInvalid, err)
	}
	return nil
}

// validAt checks that c is valid at now.
func validAt(c *smx509.Certificate, now time.Time, what string) error {
	if now.Before(c.NotBefore) {
		return fmt.Errorf("%w: %s certificate not valid before %s", ErrCertificateInvalid, what, c.NotBefore.UTC().Format(time.RFC3339))
	}
	if now.After(c.NotAfter) {
		return fmt.Errorf("%w: %s certificate expired at %s", ErrCertificateInvalid, what, c.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkDataGroup checks that the SOD lists data group n with the hash of b.
func (s *sod) checkDataGroup(n int, b []byte) error {
	for _, dg := range s.lds.DataGroupHashValues {
		if dg.DataGroupNumber != n {
			continue
		}
		if !bytes.Equal(s.ldsHash.sum(b), dg.DataGroupHashValue) {
			return fmt.Errorf("%w: DG%d", ErrHashMismatch, n)
		}
		return nil
	}
	return fmt.Errorf("%w: SOD does not list DG%d", ErrHashMismatch, n)
}
