package verification

import "fmt"

// Level is an assurance level: what the holder proved in a verification.
type Level string

// The three levels, from low to high.
const (
	// LevelPossession: possession of the 网证 (the device key signed).
	LevelPossession Level = "possession"
	// LevelPassword: possession and the credential password (网证口令).
	LevelPassword Level = "password"
	// LevelFace: possession, password and a live face check.
	LevelFace Level = "face"
)

// Levels lists the levels from low to high.
var Levels = []Level{LevelPossession, LevelPassword, LevelFace}

// ACR values of the levels (OpenID Connect acr), and their eIDAS
// equivalents.
const (
	ACRPossession = "urn:netid:acr:possession"
	ACRPassword   = "urn:netid:acr:password"
	ACRFace       = "urn:netid:acr:face"
)

// ParseLevel accepts a level's name or its acr value; empty is possession.
func ParseLevel(s string) (Level, error) {
	switch s {
	case "", string(LevelPossession), ACRPossession:
		return LevelPossession, nil
	case string(LevelPassword), ACRPassword:
		return LevelPassword, nil
	case string(LevelFace), ACRFace:
		return LevelFace, nil
	}
	return "", fmt.Errorf("%w: unknown assurance level %q (want possession, password or face)", ErrInvalidRequest, s)
}

// Rank orders the levels: 1, 2, 3 (0 for an unknown level).
func (l Level) Rank() int {
	for i, v := range Levels {
		if l == v {
			return i + 1
		}
	}
	return 0
}

// AtLeast reports whether l satisfies the minimum m.
func (l Level) AtLeast(m Level) bool { return l.Rank() >= m.Rank() && l.Rank() > 0 }

// ACR is the level's acr value.
func (l Level) ACR() string {
	switch l {
	case LevelPassword:
		return ACRPassword
	case LevelFace:
		return ACRFace
	}
	return ACRPossession
}

// EIDAS is the eIDAS level of assurance the level maps to.
func (l Level) EIDAS() string {
	switch l {
	case LevelPassword:
		return "http://eidas.europa.eu/LoA/substantial"
	case LevelFace:
		return "http://eidas.europa.eu/LoA/high"
	}
	return "http://eidas.europa.eu/LoA/low"
}
