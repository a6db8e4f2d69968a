package chip

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/document"
)

// Signer is a document signer: a DS certificate and its private key. It
// writes chip data the way an issuing authority personalises a chip.
type Signer struct {
	// Certificate is the DS certificate, embedded in every SOD.
	Certificate *smx509.Certificate
	// Key is the DS private key: ECDSA on a NIST curve (signs
	// ecdsa-with-SHA256 over SHA-256 digests), RSA (signs
	// sha256WithRSAEncryption over SHA-256 digests) or SM2 (signs
	// SM2-with-SM3 over SM3 digests).
	Key crypto.Signer
	// Rand is the randomness for signatures; nil means crypto/rand.
	Rand io.Reader
}

// rand returns the signer's source of randomness.
func (s Signer) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// Sign writes chip data for id with the face image face: DG1, DG2 and a SOD
// over both, signed at now. It refuses an identity that would not pass
// [Verify]'s DG1 parsing, a face image that is not a JPEG or PNG within the
// size limit, and a DS certificate that is not valid at now or does not match
// the key. It does not check the document's own validity dates, so expired
// test documents can be made.
func (s Signer) Sign(id document.Identity, face []byte, now time.Time) (Data, error) {
	alg, opts, digest, err := s.algorithm()
	if err != nil {
		return Data{}, err
	}
	dg1, err := encodeDG1(id)
	if err != nil {
		return Data{}, err
	}
	got, err := parseDG1(dg1)
	if err != nil {
		return Data{}, fmt.Errorf("chip: identity cannot be encoded as DG1: %w", err)
	}
	if !reflect.DeepEqual(got, id) {
		return Data{}, errors.New("chip: identity does not survive DG1 encoding (invalid UTF-8?)")
	}
	if err := checkDG2(face); err != nil {
		return Data{}, fmt.Errorf("chip: face image: %w", err)
	}
	return s.sign(dg1, face, sodParams{digest: digest, sigAlg: alg, sigOpts: opts, now: now})
}

// sign builds Data over raw data groups without checking their content.
func (s Signer) sign(dg1, dg2 []byte, p sodParams) (Data, error) {
	if err := s.check(p.now); err != nil {
		return Data{}, err
	}
	p.dataGroups = map[int][]byte{dgIdentity: dg1, dgFace: dg2}
	sod, err := buildSOD(s, p)
	if err != nil {
		return Data{}, err
	}
	return Data{DG1: dg1, DG2: dg2, SOD: sod}, nil
}

// check checks the signer's certificate and key at now.
func (s Signer) check(now time.Time) error {
	if s.Certificate == nil || s.Key == nil {
		return errors.New("chip: signer has no certificate or key")
	}
	pub, ok := s.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(s.Certificate.PublicKey) {
		return errors.New("chip: signer key does not match its certificate")
	}
	if err := validAt(s.Certificate, now, "DS"); err != nil {
		return err
	}
	return nil
}

// defaultSM2ID is the signer's distinguishing identifier in SM2
// signatures: the default of GM/T 0009 (§10), "1234567812345678", which
// enters the signature through Z_A (GB/T 32918.2 §5.5). CMS carries no
// identifier, so signer and verifier both use this one.
var defaultSM2ID = []byte("1234567812345678")

// sm2SignerOpts makes an SM2 signer sign SM3(Z_A ‖ message) with
// defaultSM2ID, the message given whole.
var sm2SignerOpts = sm2.NewSM2SignerOption(true, defaultSM2ID)

// algorithm picks the SOD signature algorithm and digest for the signer's
// key: SM2-with-SM3 and SM3 for an SM2 key, ecdsa-with-SHA256 or
// sha256WithRSAEncryption and SHA-256 otherwise.
func (s Signer) algorithm() (pkix.AlgorithmIdentifier, crypto.SignerOpts, *digestAlg, error) {
	if s.Key == nil {
		return pkix.AlgorithmIdentifier{}, nil, nil, errors.New("chip: signer has no key")
	}
	switch pub := s.Key.Public().(type) {
	case *ecdsa.PublicKey:
		if sm2.IsSM2PublicKey(pub) {
			return pkix.AlgorithmIdentifier{Algorithm: oidSM2WithSM3}, sm2SignerOpts, digestSM3, nil
		}
		return pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}, crypto.SHA256, digestSHA256, nil
	case *rsa.PublicKey:
		return pkix.AlgorithmIdentifier{
			Algorithm:  oidSHA256WithRSAEncryption,
			Parameters: asn1.RawValue{FullBytes: asn1.NullBytes},
		}, crypto.SHA256, digestSHA256, nil
	}
	return pkix.AlgorithmIdentifier{}, nil, nil, fmt.Errorf("chip: unsupported signer key type %T", s.Key.Public())
}
