package relyingparty

import "slices"

// Claim names. A relying party is registered for the claims it may ever
// receive; what it actually receives in a verification is further limited
// by its request and the person's consent.
const (
	// ClaimVerified is the verification result; always provided.
	ClaimVerified = "verified"
	// ClaimSub is the pairwise identifier (per sector); always provided.
	ClaimSub = "sub"
	// ClaimWanghao is the person's public 网号; provided only to relying
	// parties registered for it.
	ClaimWanghao = "wanghao"

	// Age markers (not the birth date).
	ClaimAgeOver14 = "age_over_14"
	ClaimAgeOver16 = "age_over_16"
	ClaimAgeOver18 = "age_over_18"
	ClaimAgeOver60 = "age_over_60"
	ClaimAgeBand   = "age_band"

	// Plaintext identity data: registered only with a legal basis and
	// provided only with the person's separate consent (单独同意).
	ClaimName               = "name"
	ClaimSex                = "sex"
	ClaimBirthdate          = "birthdate"
	ClaimDocumentType       = "document_type"
	ClaimDocumentNumber     = "document_number"
	ClaimDocumentValidUntil = "document_valid_until"
	ClaimNationality        = "nationality"
	// ClaimPhoto is the face image of the document's chip, for face-to-face
	// comparison: shown only to in-person relying parties (the electronic
	// ID card), never sent to an online one.
	ClaimPhoto = "photo"
)

// claimList is every known claim in its canonical order: result,
// identifiers, age markers, plaintext.
var claimList = []string{
	ClaimVerified,
	ClaimSub, ClaimWanghao,
	ClaimAgeOver14, ClaimAgeOver16, ClaimAgeOver18, ClaimAgeOver60, ClaimAgeBand,
	ClaimName, ClaimSex, ClaimBirthdate, ClaimDocumentType, ClaimDocumentNumber,
	ClaimDocumentValidUntil, ClaimNationality, ClaimPhoto,
}

// firstPlaintext is the index in claimList of the first plaintext claim.
const firstPlaintext = 8

// alwaysProvided are the claims every relying party gets.
var alwaysProvided = []string{ClaimVerified, ClaimSub}

// Claims returns every known claim name in canonical order (result,
// identifiers, age markers, plaintext). The slice is a fresh copy.
func Claims() []string { return slices.Clone(claimList) }

// Known reports whether claim is a claim name a relying party may be
// registered for.
func Known(claim string) bool { return slices.Contains(claimList, claim) }

// IsPlaintext reports whether claim is plaintext identity data, which needs
// a legal basis at registration and the person's separate consent at each
// provision.
func IsPlaintext(claim string) bool {
	return slices.Contains(claimList[firstPlaintext:], claim)
}

// InPersonOnly reports whether claim is given only in person (the
// electronic ID card checked at a counter), never through the online flows.
func InPersonOnly(claim string) bool { return claim == ClaimPhoto }

// canonicalClaims returns claims with the always-provided ones added,
// duplicates and unknown names removed, in canonical order.
func canonicalClaims(claims []string) []string {
	out := make([]string, 0, len(claimList))
	for _, c := range claimList {
		if slices.Contains(alwaysProvided, c) || slices.Contains(claims, c) {
			out = append(out, c)
		}
	}
	return out
}
