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
	Signer *x509.Certificate
	// Issuer is the trust-list CA (CSCA) that issued Signer.
	Issuer *x509.Certificate
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
//     crypto/x509 verifies the chain (ErrCertificateInvalid);
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
		Signer:        ds,
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
	return &Verified{Identity: id, FaceImage: bytes.Clone(d.DG2), FaceImageHash: sha256.Sum256(d.DG2), Signer: ds}, nil
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

// signerCertificate finds the DS certificate named by the SignerInfo's sid
// among the SOD's certificates.
func (s *sod) signerCertificate() (*x509.Certificate, error) {
	sid := s.signer.SID
	var match func(*x509.Certificate) bool
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence && sid.IsCompound:
		var ias issuerAndSerialNumber
		if err := unmarshalAll(sid.FullBytes, &ias, "issuerAndSerialNumber"); err != nil {
			return nil, err
		}
		if ias.SerialNumber == nil {
			return nil, malformed("issuerAndSerialNumber: no serial number")
		}
		match = func(c *x509.Certificate) bool {
			return bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.SerialNumber) == 0
		}
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0 && !sid.IsCompound:
		if len(sid.Bytes) == 0 {
			return nil, malformed("empty subjectKeyIdentifier")
		}
		match = func(c *x509.Certificate) bool { return bytes.Equal(c.SubjectKeyId, sid.Bytes) }
	default:
		return nil, malformed("unknown signer identifier")
	}
	for _, der := range s.certificates {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			// Not necessarily the DS: certificates Go cannot parse
			// (e.g. brainpool keys) may sit beside it.
			continue
		}
		if match(c) {
			return c, nil
		}
	}
	return nil, malformed("no parsable certificate matches the signer identifier")
}

// verifySignature checks the signed attributes against the content and the
// signature against the DS key.
func (s *sod) verifySignature(ds *x509.Certificate) error {
	if !s.contentType.Equal(oidLDSSecurityObject) {
		return fmt.Errorf("%w: content type attribute differs from the encapsulated content type", ErrBadSignature)
	}
	h := s.signerDigest.New()
	h.Write(s.eContent)
	if subtle.ConstantTimeCompare(h.Sum(nil), s.digest) != 1 {
		return fmt.Errorf("%w: message digest attribute does not match the content", ErrBadSignature)
	}
	return verifyWithKey(ds.PublicKey, s.signer.SignatureAlgorithm, s.signerDigest, s.signedAttrs, s.signer.Signature)
}

// verifyWithKey verifies sig over msg with pub under the algorithm alg.
// digest is the SignerInfo's digest algorithm, used when alg names only the
// key type (rsaEncryption).
func verifyWithKey(pub crypto.PublicKey, alg pkix.AlgorithmIdentifier, digest crypto.Hash, msg, sig []byte) error {
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
		if !ok {
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
			h = digest
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
	if h, ok := hashForOID(pp.HashAlgorithm); !ok || h != crypto.SHA256 {
		return 0, malformed("RSASSA-PSS hash is not SHA-256")
	}
	if !pp.MaskGenAlgorithm.Algorithm.Equal(oidMGF1) {
		return 0, malformed("RSASSA-PSS mask generation is not MGF1")
	}
	var mgfHash pkix.AlgorithmIdentifier
	if err := unmarshalAll(pp.MaskGenAlgorithm.Parameters.FullBytes, &mgfHash, "MGF1 parameters"); err != nil {
		return 0, err
	}
	if h, ok := hashForOID(mgfHash); !ok || h != crypto.SHA256 {
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
func verifyChain(ds *x509.Certificate, trust *TrustList, now time.Time) (*x509.Certificate, error) {
	issuers := trust.issuersOf(ds)
	if len(issuers) == 0 {
		return nil, fmt.Errorf("%w: no CA in the trust list (%d) issued the DS certificate %q", ErrUntrusted, trust.Len(), ds.Issuer)
	}
	if err := validAt(ds, now, "DS"); err != nil {
		return nil, err
	}
	if ds.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("%w: DS certificate lacks the digitalSignature key usage", ErrCertificateInvalid)
	}
	var errs []error
	for _, ca := range issuers {
		if err := validAt(ca, now, "CA"); err != nil {
			errs = append(errs, err)
			continue
		}
		roots := x509.NewCertPool()
		roots.AddCert(ca)
		_, err := ds.Verify(x509.VerifyOptions{
			Roots:       roots,
			CurrentTime: now,
			// DS certificates carry no or ICAO-specific extended key
			// usages; the key usage is checked above.
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err != nil {
			var uae x509.UnknownAuthorityError
			if errors.As(err, &uae) {
				errs = append(errs, fmt.Errorf("%w: %w", ErrUntrusted, err))
			} else {
				errs = append(errs, fmt.Errorf("%w: %w", ErrCertificateInvalid, err))
			}
			continue
		}
		return ca, nil
	}
	return nil, errs[0]
}

// validAt checks that c is valid at now.
func validAt(c *x509.Certificate, now time.Time, what string) error {
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
		h := s.ldsHash.New()
		h.Write(b)
		if !bytes.Equal(h.Sum(nil), dg.DataGroupHashValue) {
			return fmt.Errorf("%w: DG%d", ErrHashMismatch, n)
		}
		return nil
	}
	return fmt.Errorf("%w: SOD does not list DG%d", ErrHashMismatch, n)
}
