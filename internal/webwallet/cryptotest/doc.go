// Package cryptotest proves the web wallet's browser cryptography
// (../static/crypto.js) against the platform's own Go verifiers: a test
// serves the module and a small page beside a dev platform (pagetest),
// on one origin, and drives it in a headless Chromium with
// chromedp. The device key made in the browser is checked not to be
// extractable and to survive a reload; its holder proofs, device proofs
// (with batch keys) and key-binding JWTs are accepted by the platform and
// the credential verifier exactly as the CLI wallet's; the password-sealed
// records round-trip and refuse a wrong password; and every request the
// page sent is searched for private key material. On a platform of the
// SM suite the same flow runs with SM2 keys made in script (the vendored
// library), and the page's SM3, SM2 JWK, thumbprint, stored key record and
// SM2 signatures are compared with Go's.
//
// The package has no code of its own besides this file: it exists for its
// tests.
package cryptotest
