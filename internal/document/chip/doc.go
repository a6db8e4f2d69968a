// Package chip owns the data read from an identity document's chip and its
// passive authentication, modelled on ICAO Doc 9303 part 10 (logical data
// structure) and part 11 (passive authentication).
//
// A document's chip holds data groups and a document security object (SOD):
//
//   - DG1, the identity data group: a [document.Identity] encoded as JSON.
//   - DG2, the face image data group: a JPEG or PNG portrait.
//   - SOD: a CMS SignedData (RFC 5652) over an ICAO LDSSecurityObject that
//     lists the hash of every data group, signed by a document-signer (DS)
//     certificate issued by the issuing authority's CA (CSCA).
//
// [Verify] performs passive authentication: it checks the SOD's signature, that
// the DS certificate chains to a CA in a [TrustList], that the data groups'
// hashes equal those in the SOD, and that the document is valid on the day.
// [Signer] is the issuing side, used by the development document authority
// (package devauthority) and by tests; [NewCA] and [NewDocumentSigner] build a
// test PKI.
//
// # Why a hand-written ASN.1/CMS layer
//
// No eMRTD or CMS library is available to this module (go.mod is limited to the
// standard library and a few vetted modules), and the standard library has no
// CMS/PKCS #7 support. The part of CMS passive authentication needs is small:
// one SignedData with one SignerInfo, signed attributes, and a certificate set.
// cms.go implements exactly that on encoding/asn1, and leaves certificates,
// chain building and signature primitives to crypto/x509, crypto/ecdsa and
// crypto/rsa. Parsing is strict DER as enforced by encoding/asn1 (no BER
// indefinite lengths), and every level rejects trailing data.
//
// Real eMRTDs use the same SOD structure, so their SODs parse and their
// signatures verify when they use an algorithm the standard library supports
// (ECDSA on the NIST curves with SHA-256/384/512, RSA PKCS #1 v1.5 or
// RSASSA-PSS with SHA-256). Brainpool curves, common on European passports,
// are not supported by the standard library and fail with [ErrMalformed].
// Their DG1 is an MRZ rather than JSON, so only the SOD layer applies to them.
package chip
