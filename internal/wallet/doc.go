// Package wallet is the holder's reference wallet: the local store of a
// person's 网证 (network credential) and device key, the HTTP client of the
// platform's API, and the holder's flows: an application (申领) from the
// document's chip data to the issued credential, re-proofing, approving a
// relying party's verification, self-service, and the electronic ID card.
//
// # The flows and the person
//
// Every flow asks the person through a Prompter (prompt.go): a secret (the
// credential password, a new one, the eID usage password), an SMS code, a
// confirmation (a verification request and, apart, its plaintext fields; a
// cancellation), an eID code to show, and progress. The flow owns the
// policy (what is asked, when, and what follows from each answer); the
// Prompter only asks. The command line (internal/cli) implements it with
// the terminal and its flags, a web wallet with its pages, development
// tools and tests with PromptFuncs.
//
// # The wallet directory
//
// A wallet lives in one directory (DefaultDir: $NETID_WALLET, else
// $HOME/.netid/wallet; mode 0700) holding up to four files, each mode 0600 and
// each replaced atomically (temporary file, fsync, rename):
//
//   - wallet.json: the credential. Its non-secret part is readable without
//     the password: the server, the 网号 (the holder's own), the credential
//     id, its expiry and the issuer-signed JWT of the SD-JWT (which carries
//     only digests of the 网号 and the identity attributes, the device
//     key's public half and the status reference). The secrets (the device
//     key as PKCS#8 and the full SD-JWT with its disclosures) are sealed
//     with AES-256-GCM under a key derived from the credential password
//     (网证口令) with Argon2id; the non-secret fields and the KDF parameters
//     are the AEAD's additional data, so altering any of them makes Unlock
//     fail. The stored 网号 comes from the credential's disclosure: Unlock
//     checks it there; Open, without the password, cannot (except for a
//     credential issued before the 网号 was selectively disclosable, whose
//     issuer-signed JWT still carries it in plaintext; such wallets open
//     as before).
//     The sealed part also holds the batch: further credentials with the
//     same claims, each bound to its own key (see BatchMember), and the key
//     of batch.json's MACs.
//   - batch.json: which batch credential was presented to which relying
//     party, as HMACs of the audiences (the file does not say where the
//     holder went), and how often each was used. Present gives each
//     audience its own member, so relying parties comparing what they
//     received cannot link the holder by key, signature or status index;
//     UnusedBatch and RefreshBatch keep the batch from running out.
//   - pending.json: an application in progress (its id and bearer token,
//     the document file and phone number), so that Resume can continue it,
//     for example after a guardian confirmed. Re-proofing (Reproof: a new
//     device, a forgotten password, a new phone, a lost device) saves
//     none: a failed run starts again.
//   - eid.json: the electronic ID card (电子身份证): the document's
//     attributes and photo read from the chip, sealed under a separate
//     6-digit usage password (see eid.go for its limits).
//
// # The client
//
// Client has one method per route of the platform's HTTP API (internal/
// server), including the development routes. Its request and response
// bodies and the enumerations in them are package api's, the contract the
// platform also encodes from; the wallet links no platform-side package
// (deps_test.go holds it so). Problem documents (RFC 9457) become
// *APIError. Calls made as a holder carry a fresh holder proof
// (internal/holder/proof) per request.
//
// # Why hand-written
//
// The file encryption composes x/crypto/argon2 and crypto/cipher's GCM
// directly: the format is small and fixed, and a general-purpose container
// (age, JWE) would add a dependency without removing any decision. Every
// cryptographic primitive comes from the standard library, x/crypto or
// go-jose.
package wallet
