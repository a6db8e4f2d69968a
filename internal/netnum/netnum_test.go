package netnum

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// Check characters worked by hand. With p the running value (starting at
// 36) and a the value of each character, every step computes
// s = (p + a) mod 36 (0 → 36) and the next p = 2s mod 37; the check
// character has value (37 − p) mod 36.
//
// Body "000000000000000": a = 0 throughout, so p doubles modulo 37 each time
// after the first step (36 → 35):
//
//	36 → 35 → 33 → 29 → 21 → 5 → 10 → 20 → 3 → 6 → 12 → 24 → 11 → 22 → 7 → 14
//
// and the check value is (37 − 14) mod 36 = 23 = "N".
//
// Body "NETID2025ABCDEF":
//
//	char  a   p+a  s   p'
//	N     23  59   23   9
//	E     14  23   23   9
//	T     29  38    2   4
//	I     18  22   22   7
//	D     13  20   20   3
//	2      2   5    5  10
//	0      0  10   10  20
//	2      2  22   22   7
//	5      5  12   12  24
//	A     10  34   34  31
//	B     11  42    6  12
//	C     12  24   24  11
//	D     13  24   24  11
//	E     14  25   25  13
//	F     15  28   28  19
//
// and the check value is (37 − 19) mod 36 = 18 = "I".
//
// Body "IJ0000000000000" and "JI0000000000000": from p = 36, "I" (18) gives
// s = 18, p = 36 and then "J" (19) gives s = 19, p = 1; "J" first gives
// s = 19, p = 1 and then "I" gives s = 19, p = 1. Both reach p = 1, so the
// transposition goes unnoticed (the hybrid system's blind spot) and both
// bodies have the same check character. From p = 1 the zeros give
// 1 → 2 → 4 → 8 → 16 → 32 → 27 → 17 → 34 → 31 → 25 → 13 → 26 → 15, check
// value (37 − 15) mod 36 = 22 = "M".
var vectors = []struct {
	body  string
	check byte
}{
	{"000000000000000", 'N'},
	{"NETID2025ABCDEF", 'I'},
	{"IJ0000000000000", 'M'},
	{"JI0000000000000", 'M'},
}

func TestCheckCharacterVectors(t *testing.T) {
	for _, v := range vectors {
		got, err := CheckCharacter(v.body)
		if err != nil {
			t.Fatalf("CheckCharacter(%q): %v", v.body, err)
		}
		if got != v.check {
			t.Errorf("CheckCharacter(%q) = %q, want %q", v.body, got, v.check)
		}
		if _, err := Parse(v.body + string(v.check)); err != nil {
			t.Errorf("Parse(%q): %v", v.body+string(v.check), err)
		}
	}
}

// TestHybridMod11_10 runs the generic hybrid system with M = 10 on the
// MOD 11,10 example commonly given for ISO/IEC 7064: 0794 → check digit 5
// (10 → 9 → 1 → 9 → 6, (11 − 6) mod 10 = 5).
func TestHybridMod11_10(t *testing.T) {
	if got := hybridCheck(10, []int{0, 7, 9, 4}); got != 5 {
		t.Errorf("hybridCheck(10, 0794) = %d, want 5", got)
	}
}

func TestCheckCharacterErrors(t *testing.T) {
	for _, body := range []string{
		"",
		"00000000000000",   // 14
		"0000000000000000", // 16
		"00000000000000a",  // lower case is not canonical
		"0000000-0000000",
		"00000000000000\x00",
		"0000000000000é",
	} {
		if _, err := CheckCharacter(body); !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckCharacter(%q) error = %v, want ErrInvalid", body, err)
		}
	}
}

// sampleBodies returns n random bodies from a seeded generator, so that the
// property tests also cover numbers New would not allocate.
func sampleBodies(n int) []string {
	r := mrand.New(mrand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		var b [BodyLength]byte
		for j := range b {
			b[j] = Alphabet[r.IntN(len(Alphabet))]
		}
		out[i] = string(b[:])
	}
	return out
}

func complete(t *testing.T, body string) string {
	t.Helper()
	c, err := CheckCharacter(body)
	if err != nil {
		t.Fatal(err)
	}
	return body + string(c)
}

// TestDetectsSubstitutions changes every character of many numbers to every
// other character and expects Parse to reject each result.
func TestDetectsSubstitutions(t *testing.T) {
	for _, body := range sampleBodies(300) {
		w := complete(t, body)
		for i := 0; i < Length; i++ {
			for j := 0; j < len(Alphabet); j++ {
				if Alphabet[j] == w[i] {
					continue
				}
				s := []byte(w)
				s[i] = Alphabet[j]
				if _, err := Parse(string(s)); !errors.Is(err, ErrInvalid) {
					t.Fatalf("substitution at %d in %s → %s accepted", i, w, s)
				}
			}
		}
	}
}

// blindSpot reports whether swapping the different characters a and b when
// the running value is p goes unnoticed: exactly when their sums with p
// are 18 and 19 modulo 36 (doubling 18 gives 36 ≡ −1 and doubling 19 gives
// 38 ≡ 1 modulo 37, and −1 + (a+1) = 1 + a).
func blindSpot(p, a, b int) bool {
	x, y := (p+a)%modulus, (p+b)%modulus
	return (x == 18 && y == 19) || (x == 19 && y == 18)
}

// TestTranspositionsExhaustive checks, for every running value and every
// pair of characters, that a transposition is caught unless it is in the
// blind spot, and that the blind spot is real. The later steps of the
// system are bijections of the running value, so this covers transpositions
// at every position of the body; the last body character and the check
// character are covered by TestDetectsTranspositions.
func TestTranspositionsExhaustive(t *testing.T) {
	blind := 0
	for p := 1; p <= modulus; p++ {
		for a := 0; a < modulus; a++ {
			for b := 0; b < modulus; b++ {
				if a == b {
					continue
				}
				same := hybridStep(modulus, hybridStep(modulus, p, a), b) ==
					hybridStep(modulus, hybridStep(modulus, p, b), a)
				if same != blindSpot(p, a, b) {
					t.Errorf("p=%d a=%d b=%d: undetected=%v, blind spot=%v", p, a, b, same, blindSpot(p, a, b))
				}
				if same {
					blind++
				}
			}
		}
	}
	if blind != 2*modulus {
		t.Errorf("%d undetected (p, a, b), want %d", blind, 2*modulus)
	}
}

// swaps returns every number obtained from w by swapping two adjacent,
// different characters.
func swaps(w string) []string {
	var out []string
	for i := 0; i+1 < len(w); i++ {
		if w[i] == w[i+1] {
			continue
		}
		s := []byte(w)
		s[i], s[i+1] = s[i+1], s[i]
		out = append(out, string(s))
	}
	return out
}

// TestDetectsTranspositions: every adjacent transposition of a number New
// allocates is rejected by Parse.
func TestDetectsTranspositions(t *testing.T) {
	for i := 0; i < 3000; i++ {
		w, err := New(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range swaps(w) {
			if _, err := Parse(s); !errors.Is(err, ErrInvalid) {
				t.Fatalf("transposition %s of %s accepted", s, w)
			}
		}
	}
}

// TestArbitraryNumbersTranspositions: for any valid number, an adjacent
// transposition is accepted only in the blind spot, which New avoids.
func TestArbitraryNumbersTranspositions(t *testing.T) {
	undetected := 0
	for _, body := range sampleBodies(3000) {
		w := complete(t, body)
		safe := transpositionSafe([]byte(w))
		accepted := 0
		for _, s := range swaps(w) {
			if _, err := Parse(s); err == nil {
				accepted++
			}
		}
		if safe != (accepted == 0) {
			t.Fatalf("%s: transpositionSafe=%v but %d transpositions accepted", w, safe, accepted)
		}
		undetected += accepted
	}
	if undetected == 0 {
		t.Errorf("no undetected transposition in 3000 arbitrary numbers; expected a few (blind spot)")
	}
	// The hand-worked blind-spot vector.
	if transpositionSafe([]byte("IJ0000000000000M")) {
		t.Errorf("transpositionSafe(IJ0000000000000M) = true, want false")
	}
}

func TestNew(t *testing.T) {
	seen := make(map[string]bool)
	counts := make(map[byte]int)
	const n = 2000
	for i := 0; i < n; i++ {
		w, err := New(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != Length {
			t.Fatalf("New() = %q: length %d", w, len(w))
		}
		got, err := Parse(w)
		if err != nil || got != w {
			t.Fatalf("Parse(New() = %q) = %q, %v", w, got, err)
		}
		if seen[w] {
			t.Fatalf("New() repeated %q", w)
		}
		seen[w] = true
		for j := 0; j < BodyLength; j++ {
			counts[w[j]]++
		}
	}
	// Every character must appear, and none wildly more often than the
	// others: each is expected n·15/36 ≈ 833 times. The bounds are far
	// outside what chance produces (more than 10 standard deviations) but
	// catch a broken alphabet or a strong bias.
	for i := 0; i < len(Alphabet); i++ {
		c := counts[Alphabet[i]]
		if c < 500 || c > 1200 {
			t.Errorf("character %q appeared %d times in %d bodies", Alphabet[i], c, n)
		}
	}
}

// TestNewRejectionSampling feeds New bytes it must discard (252..255) and
// checks it skips them rather than reducing them modulo 36.
func TestNewRejectionSampling(t *testing.T) {
	// 252 → rejected, 1 → "1", 255 → rejected, 39 → "3", 37 → "1",
	// 75 → "3". (Values 1 and 3 are not consecutive, so no transposition
	// can hide and New keeps its first candidate.)
	pattern := []byte{252, 1, 255, 39, 37, 75}
	src := bytes.NewReader(bytes.Repeat(pattern, 100))
	w, err := New(src)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w[:BodyLength], "131313131313131"; got != want {
		t.Errorf("New body = %q, want %q", got, want)
	}
}

func TestNewReadError(t *testing.T) {
	boom := errors.New("boom")
	if _, err := New(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("New(failing reader) error = %v, want wrapping boom", err)
	}
	// Randomness that runs out while discarding bytes.
	if _, err := New(bytes.NewReader(bytes.Repeat([]byte{255}, 100))); !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		t.Errorf("New(exhausted reader) error = %v, want EOF", err)
	}
}

func TestParse(t *testing.T) {
	const w = "NETID2025ABCDEFI"
	for _, in := range []string{
		w,
		strings.ToLower(w),
		"NETI-D202-5ABC-DEFI",
		"neti d202 5abc defi",
		"NETID2025abcdefI",
		" NETI-D202-5ABC-DEFI ",
	} {
		got, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if got != w {
			t.Errorf("Parse(%q) = %q, want %q", in, got, w)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"short", "NETID2025ABCDEF"},
		{"long", "NETID2025ABCDEFI0"},
		{"wrong check", "NETID2025ABCDEFJ"},
		{"substitution", "NETID2025ABCDEGI"},
		{"bad character", "NETID2025ABCDE_I"},
		{"non-ASCII", "NETID2025ABCDEFＩ"},
		{"other separator", "NETI.D202.5ABC.DEFI"},
		{"too long input", strings.Repeat("-", 60) + "NETID2025ABCDEFI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error = %v, want ErrInvalid", tc.in, err)
			}
			if strings.Contains(err.Error(), "NETID") {
				t.Errorf("error %q repeats the input", err)
			}
		})
	}
}

func TestFormatMask(t *testing.T) {
	const w = "NETID2025ABCDEFI"
	if got, want := Format(w), "NETI-D202-5ABC-DEFI"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	if got, want := Mask(w), "NETI-****-****-DEFI"; got != want {
		t.Errorf("Mask = %q, want %q", got, want)
	}
	if got, err := Parse(Format(w)); err != nil || got != w {
		t.Errorf("Parse(Format(w)) = %q, %v", got, err)
	}
	if got := Format("short"); got != "short" {
		t.Errorf("Format(short) = %q", got)
	}
	if got, want := Mask("NETID2025ABCDEF"), "****-****-****-****"; got != want {
		t.Errorf("Mask(15 chars) = %q, want %q", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"NETID2025ABCDEFI", "neti-d202-5abc-defi", "000000000000000N", "IJ0000000000000M",
		"", "----", "NETID2025ABCDEFJ", "ＮＥＴＩＤ", "\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if len(w) != Length || strings.ToUpper(w) != w {
			t.Fatalf("Parse(%q) = %q: not canonical", s, w)
		}
		for _, again := range []string{w, Format(w), strings.ToLower(Format(w))} {
			if got, err := Parse(again); err != nil || got != w {
				t.Fatalf("Parse(%q) = %q, %v; want %q", again, got, err, w)
			}
		}
		if m := Mask(w); m != w[:4]+"-****-****-"+w[12:] {
			t.Fatalf("Mask(%q) = %q", w, m)
		}
	})
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}
