package jws

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"math/big"
	"testing"
)

// derOf is encoding/asn1's DER of r‖s, the reference asn1Signature is
// checked against.
func derOf(t testing.TB, sig []byte) []byte {
	t.Helper()
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestASN1Signature(t *testing.T) {
	half := func(b ...byte) []byte { return append(make([]byte, 32-len(b)), b...) }
	ff := bytes.Repeat([]byte{0xff}, 32)
	cases := map[string][]byte{
		"zeros":                   make([]byte, 64),
		"ones":                    append(half(1), half(1)...),
		"high bits":               append(bytes.Clone(ff), ff...),
		"a leading zero byte":     append(half(bytes.Repeat([]byte{0x7f}, 31)...), half(0x80)...),
		"a high bit after zeros":  append(half(0x80, 0), half(0x01, 0x80)...),
		"full width without sign": append(bytes.Repeat([]byte{0x12}, 32), bytes.Repeat([]byte{0x7f}, 32)...),
	}
	for name, sig := range cases {
		got := asn1Signature(nil, sig)
		if want := derOf(t, sig); !bytes.Equal(got, want) {
			t.Errorf("%s: asn1Signature = %x, want %x", name, got, want)
		}
		if len(got) > 72 {
			t.Errorf("%s: %d bytes, more than the 72 verifyES256 has room for", name, len(got))
		}
	}
	for range 200 {
		sig := make([]byte, 64)
		_, _ = rand.Read(sig)
		if got, want := asn1Signature(nil, sig), derOf(t, sig); !bytes.Equal(got, want) {
			t.Fatalf("asn1Signature(%x) = %x, want %x", sig, got, want)
		}
	}
}

// verifyES256 accepts the signatures of the key over the input and
// nothing else: not another input, not another key, not a signature with
// r or s changed, zero or not below the group order, nor a signature of
// the wrong length. It allocates no more than crypto/ecdsa's verification
// of a DER signature does, and the DER.
func TestVerifyES256(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const input = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0"
	sig, err := signES256(k, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	if !verifyES256(&k.PublicKey, input, sig) {
		t.Fatal("a good signature does not verify")
	}
	if verifyES256(&k.PublicKey, input+"x", sig) || verifyES256(&other.PublicKey, input, sig) {
		t.Error("a signature verifies for another input or key")
	}
	n := elliptic.P256().Params().N
	bad := map[string][]byte{
		"r changed":  flip(sig, 5),
		"s changed":  flip(sig, 40),
		"r zero":     append(make([]byte, 32), sig[32:]...),
		"s zero":     append(bytes.Clone(sig[:32]), make([]byte, 32)...),
		"r is N":     append(n.FillBytes(make([]byte, 32)), sig[32:]...),
		"s is N+s":   append(bytes.Clone(sig[:32]), new(big.Int).Add(n, new(big.Int).SetBytes(sig[32:])).FillBytes(make([]byte, 33))[1:]...),
		"too short":  sig[:63],
		"too long":   append(bytes.Clone(sig), 0),
		"empty":      nil,
		"all ones":   bytes.Repeat([]byte{0xff}, 64),
		"all zeros":  make([]byte, 64),
		"DER inside": derOf(t, sig)[:64],
	}
	for name, b := range bad {
		if verifyES256(&k.PublicKey, input, b) {
			t.Errorf("%s: verifies", name)
		}
	}
	if verifyES256(k, input, sig) {
		t.Error("verifies with a private key where a public key is due")
	}
	h, der := SHA256(input), derOf(t, sig)
	floor := testing.AllocsPerRun(50, func() { ecdsa.VerifyASN1(&k.PublicKey, h[:], der) })
	// One allocation more: the DER, which crypto/ecdsa keeps a hold of.
	if got := testing.AllocsPerRun(50, func() { verifyES256(&k.PublicKey, input, sig) }); got > floor+1 {
		t.Errorf("verifyES256 allocates %.0f times, crypto/ecdsa's own verification of a DER signature %.0f", got, floor)
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

// The DER asn1Signature writes is encoding/asn1's for every r‖s.
func FuzzASN1Signature(f *testing.F) {
	f.Add(make([]byte, 64))
	f.Add(bytes.Repeat([]byte{0x80}, 64))
	f.Fuzz(func(t *testing.T, sig []byte) {
		if len(sig) != 64 {
			return
		}
		if got, want := asn1Signature(nil, sig), derOf(t, sig); !bytes.Equal(got, want) {
			t.Fatalf("asn1Signature(%x) = %x, want %x", sig, got, want)
		}
	})
}
