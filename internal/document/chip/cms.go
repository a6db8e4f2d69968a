package chip

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"hash"
	"maps"
	"math/big"
	"slices"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Object identifiers used in the SOD.
var (
	// RFC 5652 §5.1.
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	// ICAO 9303 part 10 §4.6.2: id-icao-mrtd-security-ldsSecurityObject.
	oidLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}

	// RFC 5652 §11 signed attributes.
	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

	// RFC 5754 §2 digest algorithms.
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	// RFC 5758 §3.2 ECDSA signature algorithms.
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}

	// GM/T 0006: SM3, and SM2 signatures with SM3. The SOD names its SM2
	// signature sm2-with-SM3, as SM2 certificates do; GM/T 0010's CMS
	// profile names the key algorithm sm2-1 instead, which is read as
	// sm2-with-SM3 too (with an SM3 digest), as rsaEncryption is read with
	// the SignerInfo's digest.
	oidSM3        = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}
	oidSM2WithSM3 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}
	oidSM2Sign    = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301, 1}

	// RFC 8017 appendix A.2 RSA signature algorithms.
	oidRSAEncryption           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidRSASSAPSS               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1                    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
)

// ASN.1 class and tag numbers used outside the universal structs.
const (
	tagSOD = 23 // ICAO EF.SOD is wrapped in [APPLICATION 23] (0x77).
)

// contentInfo is RFC 5652 §3 ContentInfo. Content is [0] EXPLICIT, checked by
// hand.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue
}

// signedData is RFC 5652 §5.1 SignedData.
type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []asn1.RawValue `asn1:"set"`
}

// encapContentInfo is RFC 5652 §5.2 EncapsulatedContentInfo. EContent is
// [0] EXPLICIT OCTET STRING; the RawValue holds the [0] element.
type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,tag:0"`
}

// signerInfo is RFC 5652 §5.3 SignerInfo. SID is the SignerIdentifier CHOICE.
type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

// issuerAndSerialNumber is RFC 5652 §10.2.4 IssuerAndSerialNumber.
type issuerAndSerialNumber struct {
	Issuer       asn1.RawValue
	SerialNumber *big.Int
}

// attribute is RFC 5652 §5.3 Attribute.
type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

// ldsSecurityObject is ICAO 9303 part 10 §4.6.2.2 LDSSecurityObject. Version
// 1 adds ldsVersionInfo, which is read and ignored.
type ldsSecurityObject struct {
	Version             int
	HashAlgorithm       pkix.AlgorithmIdentifier
	DataGroupHashValues []dataGroupHash
	LDSVersionInfo      asn1.RawValue `asn1:"optional"`
}

// dataGroupHash is ICAO 9303 DataGroupHash.
type dataGroupHash struct {
	DataGroupNumber    int
	DataGroupHashValue []byte
}

// pssParameters is RFC 8017 appendix A.2.3 RSASSA-PSS-params.
type pssParameters struct {
	HashAlgorithm    pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
	MaskGenAlgorithm pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
	SaltLength       int                      `asn1:"optional,explicit,tag:2,default:20"`
	TrailerField     int                      `asn1:"optional,explicit,tag:3,default:1"`
}

// sod is a parsed document security object.
type sod struct {
	lds          ldsSecurityObject
	ldsHash      *digestAlg // hash of the data groups
	eContent     []byte     // the encoded LDSSecurityObject
	certificates [][]byte   // DER certificates from the SignedData
	signer       signerInfo
	signerDigest *digestAlg // SignerInfo digestAlgorithm
	signedAttrs  []byte     // the signed attributes, re-tagged as SET OF for verification
	contentType  asn1.ObjectIdentifier
	digest       []byte // messageDigest attribute
}

// malformed wraps ErrMalformed with SOD detail.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: SOD: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// unmarshalAll decodes exactly one DER value from b into v.
func unmarshalAll(b []byte, v any, what string) error {
	rest, err := asn1.Unmarshal(b, v)
	if err != nil {
		return fmt.Errorf("%w: SOD: %s: %w", ErrMalformed, what, err)
	}
	if len(rest) != 0 {
		return malformed("%s: trailing data", what)
	}
	return nil
}

// digestAlg is a digest algorithm of the SOD: one of the SHA-2 hashes
// (RFC 5754) or SM3 (GB/T 32905).
type digestAlg struct {
	name string
	oid  asn1.ObjectIdentifier
	new  func() hash.Hash
	size int
	// hash is the crypto.Hash of a SHA-2 hash, for the RSA and ECDSA
	// primitives; 0 for SM3, which only SM2 signatures use.
	hash crypto.Hash
}

// sum is the digest of b.
func (d *digestAlg) sum(b []byte) []byte {
	h := d.new()
	h.Write(b)
	return h.Sum(nil)
}

// isSM3 reports whether d is SM3.
func (d *digestAlg) isSM3() bool { return d == digestSM3 }

// The digest algorithms a SOD may use.
var (
	digestSHA256 = &digestAlg{"SHA-256", oidSHA256, sha256.New, sha256.Size, crypto.SHA256}
	digestSHA384 = &digestAlg{"SHA-384", oidSHA384, sha512.New384, sha512.Size384, crypto.SHA384}
	digestSHA512 = &digestAlg{"SHA-512", oidSHA512, sha512.New, sha512.Size, crypto.SHA512}
	digestSM3    = &digestAlg{"SM3", oidSM3, sm3.New, sm3.Size, 0}
)

// digestForOID returns the digest algorithm an AlgorithmIdentifier names:
// SHA-256, SHA-384, SHA-512 or SM3. Parameters must be absent or NULL
// (RFC 5754 §2; GM/T 0006 writes NULL for SM3 too).
func digestForOID(ai pkix.AlgorithmIdentifier) (*digestAlg, bool) {
	if !paramsAbsentOrNull(ai) {
		return nil, false
	}
	for _, d := range []*digestAlg{digestSHA256, digestSHA384, digestSHA512, digestSM3} {
		if ai.Algorithm.Equal(d.oid) {
			return d, true
		}
	}
	return nil, false
}

// paramsAbsentOrNull reports whether an AlgorithmIdentifier has no
// parameters or NULL parameters.
func paramsAbsentOrNull(ai pkix.AlgorithmIdentifier) bool {
	p := ai.Parameters
	return len(p.FullBytes) == 0 || bytes.Equal(p.FullBytes, asn1.NullBytes)
}

// parseSOD parses a DER SOD, optionally wrapped in ICAO's [APPLICATION 23].
// It checks structure only; signatures and hashes are checked by Verify.
func parseSOD(b []byte) (*sod, error) {
	if len(b) > MaxSODSize {
		return nil, malformed("%d bytes, limit %d", len(b), MaxSODSize)
	}
	if len(b) > 0 && b[0] == 0x77 {
		var wrap asn1.RawValue
		if err := unmarshalAll(b, &wrap, "EF.SOD wrapper"); err != nil {
			return nil, err
		}
		if wrap.Class != asn1.ClassApplication || wrap.Tag != tagSOD || !wrap.IsCompound {
			return nil, malformed("EF.SOD wrapper: unexpected tag")
		}
		b = wrap.Bytes
	}

	var ci contentInfo
	if err := unmarshalAll(b, &ci, "ContentInfo"); err != nil {
		return nil, err
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, malformed("content type is not SignedData")
	}
	if ci.Content.Class != asn1.ClassContextSpecific || ci.Content.Tag != 0 || !ci.Content.IsCompound {
		return nil, malformed("ContentInfo: content is not [0] EXPLICIT")
	}
	var sd signedData
	if err := unmarshalAll(ci.Content.Bytes, &sd, "SignedData"); err != nil {
		return nil, err
	}
	if sd.Version != 1 && sd.Version != 3 {
		return nil, malformed("SignedData version %d", sd.Version)
	}

	s := &sod{}
	if !sd.EncapContentInfo.EContentType.Equal(oidLDSSecurityObject) {
		return nil, malformed("encapsulated content type is not ldsSecurityObject")
	}
	ec := sd.EncapContentInfo.EContent
	if ec.Class != asn1.ClassContextSpecific || ec.Tag != 0 || !ec.IsCompound {
		return nil, malformed("eContent missing")
	}
	if err := unmarshalAll(ec.Bytes, &s.eContent, "eContent"); err != nil {
		return nil, err
	}
	if err := unmarshalAll(s.eContent, &s.lds, "LDSSecurityObject"); err != nil {
		return nil, err
	}
	if err := checkLDS(&s.lds); err != nil {
		return nil, err
	}
	s.ldsHash, _ = digestForOID(s.lds.HashAlgorithm)

	if c := sd.Certificates; len(c.FullBytes) > 0 {
		if !c.IsCompound {
			return nil, malformed("certificates: not a set")
		}
		for rest := c.Bytes; len(rest) > 0; {
			var cert asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &cert); err != nil {
				return nil, fmt.Errorf("%w: SOD: certificates: %w", ErrMalformed, err)
			}
			// Other CertificateChoices (attribute certificates, …)
			// are tagged and are not DS certificates: skip them.
			if cert.Class == asn1.ClassUniversal && cert.Tag == asn1.TagSequence {
				s.certificates = append(s.certificates, cert.FullBytes)
			}
		}
	}

	if len(sd.SignerInfos) != 1 {
		return nil, malformed("%d SignerInfos, want 1", len(sd.SignerInfos))
	}
	if err := unmarshalAll(sd.SignerInfos[0].FullBytes, &s.signer, "SignerInfo"); err != nil {
		return nil, err
	}
	si := &s.signer
	if si.Version != 1 && si.Version != 3 {
		return nil, malformed("SignerInfo version %d", si.Version)
	}
	var ok bool
	if s.signerDigest, ok = digestForOID(si.DigestAlgorithm); !ok {
		return nil, malformed("unsupported digest algorithm %v", si.DigestAlgorithm.Algorithm)
	}
	sa := si.SignedAttrs
	if sa.Class != asn1.ClassContextSpecific || sa.Tag != 0 || !sa.IsCompound || len(sa.FullBytes) == 0 {
		return nil, malformed("signed attributes missing")
	}
	// The signature covers the DER SET OF, not the [0] IMPLICIT tag
	// (RFC 5652 §5.4): re-tag a copy.
	s.signedAttrs = slices.Clone(sa.FullBytes)
	s.signedAttrs[0] = 0x31
	if err := s.parseSignedAttrs(sa.Bytes); err != nil {
		return nil, err
	}
	return s, nil
}

// checkLDS checks the LDSSecurityObject's structure.
func checkLDS(lds *ldsSecurityObject) error {
	switch {
	case lds.Version == 0 && len(lds.LDSVersionInfo.FullBytes) == 0:
	case lds.Version == 1 && len(lds.LDSVersionInfo.FullBytes) != 0:
	default:
		return malformed("LDSSecurityObject version %d", lds.Version)
	}
	h, ok := digestForOID(lds.HashAlgorithm)
	if !ok {
		return malformed("unsupported data group hash algorithm %v", lds.HashAlgorithm.Algorithm)
	}
	if n := len(lds.DataGroupHashValues); n == 0 || n > 16 {
		return malformed("%d data group hashes", n)
	}
	var seen [17]bool
	for _, dg := range lds.DataGroupHashValues {
		if dg.DataGroupNumber < 1 || dg.DataGroupNumber > 16 {
			return malformed("data group number %d", dg.DataGroupNumber)
		}
		if seen[dg.DataGroupNumber] {
			return malformed("data group %d listed twice", dg.DataGroupNumber)
		}
		seen[dg.DataGroupNumber] = true
		if len(dg.DataGroupHashValue) != h.size {
			return malformed("data group %d hash has %d bytes, want %d", dg.DataGroupNumber, len(dg.DataGroupHashValue), h.size)
		}
	}
	return nil
}

// parseSignedAttrs reads the content type and message digest attributes,
// each exactly once with exactly one value; signing time, if present, must be
// a time. Other attributes are allowed.
func (s *sod) parseSignedAttrs(b []byte) error {
	seen := map[string]bool{}
	for len(b) > 0 {
		var a attribute
		var err error
		if b, err = asn1.Unmarshal(b, &a); err != nil {
			return fmt.Errorf("%w: SOD: signed attribute: %w", ErrMalformed, err)
		}
		key := a.Type.String()
		if seen[key] {
			return malformed("signed attribute %v repeated", a.Type)
		}
		seen[key] = true
		switch {
		case a.Type.Equal(oidAttrContentType):
			if len(a.Values) != 1 {
				return malformed("content type attribute has %d values", len(a.Values))
			}
			if err := unmarshalAll(a.Values[0].FullBytes, &s.contentType, "content type attribute"); err != nil {
				return err
			}
		case a.Type.Equal(oidAttrMessageDigest):
			if len(a.Values) != 1 {
				return malformed("message digest attribute has %d values", len(a.Values))
			}
			if err := unmarshalAll(a.Values[0].FullBytes, &s.digest, "message digest attribute"); err != nil {
				return err
			}
		case a.Type.Equal(oidAttrSigningTime):
			var t time.Time
			if len(a.Values) != 1 {
				return malformed("signing time attribute has %d values", len(a.Values))
			}
			if err := unmarshalAll(a.Values[0].FullBytes, &t, "signing time attribute"); err != nil {
				return err
			}
		}
	}
	if !seen[oidAttrContentType.String()] {
		return malformed("content type attribute missing")
	}
	if !seen[oidAttrMessageDigest.String()] {
		return malformed("message digest attribute missing")
	}
	return nil
}

// sodParams are the choices made when building a SOD.
type sodParams struct {
	dataGroups map[int][]byte // data group number → content
	// digest hashes the data groups and the content (SHA-256, or SM3
	// with SM2 signatures).
	digest *digestAlg
	// ldsDigest, if set, hashes the data groups instead (tests).
	ldsDigest *digestAlg
	sigAlg    pkix.AlgorithmIdentifier
	sigOpts   crypto.SignerOpts // the message is hashed with HashFunc, unless 0 (SM2)
	useSKI    bool              // identify the signer by subject key identifier
	now       time.Time
}

// buildSOD builds a DER SOD over p.dataGroups, signed by s.
func buildSOD(s Signer, p sodParams) ([]byte, error) {
	digestID := pkix.AlgorithmIdentifier{Algorithm: p.digest.oid}
	ldsDigest := p.digest
	if p.ldsDigest != nil {
		ldsDigest = p.ldsDigest
	}
	lds := ldsSecurityObject{Version: 0, HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: ldsDigest.oid}}
	for _, n := range slices.Sorted(maps.Keys(p.dataGroups)) {
		lds.DataGroupHashValues = append(lds.DataGroupHashValues, dataGroupHash{n, ldsDigest.sum(p.dataGroups[n])})
	}
	eContent, err := asn1.Marshal(lds)
	if err != nil {
		return nil, fmt.Errorf("chip: encoding LDSSecurityObject: %w", err)
	}
	digest := p.digest.sum(eContent)

	// Signed attributes, sorted as DER requires for SET OF.
	var attrs [][]byte
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		v   any
	}{
		{oidAttrContentType, oidLDSSecurityObject},
		{oidAttrMessageDigest, digest},
		{oidAttrSigningTime, p.now.UTC().Truncate(time.Second)},
	} {
		v, err := asn1.Marshal(a.v)
		if err != nil {
			return nil, fmt.Errorf("chip: encoding signed attribute: %w", err)
		}
		enc, err := asn1.Marshal(attribute{Type: a.oid, Values: []asn1.RawValue{{FullBytes: v}}})
		if err != nil {
			return nil, fmt.Errorf("chip: encoding signed attribute: %w", err)
		}
		attrs = append(attrs, enc)
	}
	slices.SortFunc(attrs, bytes.Compare)
	attrsSet, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: bytes.Join(attrs, nil)})
	if err != nil {
		return nil, fmt.Errorf("chip: encoding signed attributes: %w", err)
	}
	// ECDSA and RSA sign the hash of the attributes; SM2 signs them as
	// its message (SM3 over Z_A and the message, in the signer).
	sig, err := crypto.SignMessage(s.Key, s.rand(), attrsSet, p.sigOpts)
	if err != nil {
		return nil, fmt.Errorf("chip: signing SOD: %w", err)
	}
	signedAttrs := slices.Clone(attrsSet)
	signedAttrs[0] = 0xA0 // [0] IMPLICIT

	si := struct {
		Version            int
		SID                asn1.RawValue
		DigestAlgorithm    pkix.AlgorithmIdentifier
		SignedAttrs        asn1.RawValue
		SignatureAlgorithm pkix.AlgorithmIdentifier
		Signature          []byte
	}{
		Version:            1,
		DigestAlgorithm:    digestID,
		SignedAttrs:        asn1.RawValue{FullBytes: signedAttrs},
		SignatureAlgorithm: p.sigAlg,
		Signature:          sig,
	}
	if p.useSKI {
		if len(s.Certificate.SubjectKeyId) == 0 {
			return nil, fmt.Errorf("chip: DS certificate has no subject key identifier")
		}
		si.Version = 3
		si.SID = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: s.Certificate.SubjectKeyId}
	} else {
		ias, err := asn1.Marshal(issuerAndSerialNumber{
			Issuer:       asn1.RawValue{FullBytes: s.Certificate.RawIssuer},
			SerialNumber: s.Certificate.SerialNumber,
		})
		if err != nil {
			return nil, fmt.Errorf("chip: encoding signer identifier: %w", err)
		}
		si.SID = asn1.RawValue{FullBytes: ias}
	}
	siDER, err := asn1.Marshal(si)
	if err != nil {
		return nil, fmt.Errorf("chip: encoding SignerInfo: %w", err)
	}

	eContentOctets, err := asn1.Marshal(eContent)
	if err != nil {
		return nil, fmt.Errorf("chip: encoding eContent: %w", err)
	}
	sd := struct {
		Version          int
		DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
		EncapContentInfo struct {
			EContentType asn1.ObjectIdentifier
			EContent     asn1.RawValue
		}
		Certificates asn1.RawValue
		SignerInfos  []asn1.RawValue `asn1:"set"`
	}{
		Version:          3, // eContentType is not id-data (RFC 5652 §5.1)
		DigestAlgorithms: []pkix.AlgorithmIdentifier{digestID},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: s.Certificate.Raw},
		SignerInfos:      []asn1.RawValue{{FullBytes: siDER}},
	}
	sd.EncapContentInfo.EContentType = oidLDSSecurityObject
	sd.EncapContentInfo.EContent = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: eContentOctets}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("chip: encoding SignedData: %w", err)
	}
	out, err := asn1.Marshal(contentInfo{
		ContentType: oidSignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER},
	})
	if err != nil {
		return nil, fmt.Errorf("chip: encoding ContentInfo: %w", err)
	}
	return out, nil
}
