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
// (package devauthority) and by tests; [NewCA], [NewCAFor] and
// [NewDocumentSigner] build a test PKI.
//
// # Algorithms
//
// A SOD is signed with ECDSA (NIST curves, SHA-256/384/512), RSA (PKCS #1
// v1.5 or RSASSA-PSS with SHA-256) or, for the national algorithms of
// docs/sm-profile.md, SM2 with SM3 (GB/T 32918.2, OID 1.2.156.10197.1.501;
// sm2-1, 1.2.156.10197.1.301.1, as GM/T 0010 writes it, is read the same).
// An SM2 signature goes with an SM3 SignerInfo digest (OID
// 1.2.156.10197.1.401) and an SM3 digest only with SM2; it is a DER
// SEQUENCE { r, s } over SM3(Z_A ‖ signed attributes) with the GM/T 0009
// default identifier 1234567812345678. The data group hashes may be SHA-2
// or SM3 independently of the signature, as ICAO allows.
//
// Certificates are parsed with gmsm's smx509, which reads SM2 keys as well
// as everything crypto/x509 reads, and the path follows the DS certificate's
// key, not a setting: an SM2 DS (id-ecPublicKey on the curve
// 1.2.156.10197.1.301) is verified with smx509 against an SM2 CA, and its
// certificate must be signed SM2-with-SM3; any other DS is parsed again and
// verified with crypto/x509, as before SM2 existed. A chain is all SM2 or
// free of SM2, and an SM2 key never verifies an ECDSA signature (crypto/ecdsa
// and smx509 would both let it on the SM2 curve).
//
// # Why a hand-written ASN.1/CMS layer
//
// No eMRTD or CMS library is available to this module (go.mod is limited to the
// standard library and a few vetted modules), and the standard library has no
// CMS/PKCS #7 support. The part of CMS passive authentication needs is small:
// one SignedData with one SignerInfo, signed attributes, and a certificate set.
// cms.go implements exactly that on encoding/asn1, and leaves certificates,
// chain building and signature primitives to crypto/x509, crypto/ecdsa,
// crypto/rsa and gmsm's smx509 and sm2. Parsing is strict DER as enforced by
// encoding/asn1 (no BER indefinite lengths), and every level rejects trailing
// data. The tests verify a SOD written by gmsm's pkcs7 package, which names
// its SM2 signature sm2-1; that package in turn does not accept the
// sm2-with-SM3 name this one writes in a SignerInfo.
//
// Real eMRTDs use the same SOD structure, so their SODs parse and their
// signatures verify when they use one of the algorithms above. Brainpool
// curves, common on European passports, are supported by neither library and
// fail with [ErrMalformed]. Their DG1 is an MRZ rather than JSON, so only the
// SOD layer applies to them.
package chip
