package chip

import (
	"bytes"
	"testing"
)

func FuzzParse(f *testing.F) {
	good := goodData(f)
	enc, err := good.MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	f.Add([]byte(`{"dg1":"AA==","dg2":"AA==","sod":"AA=="}`))
	f.Add([]byte(`{"dg1":"AA==","dg1":"AA==","sod":"AA=="}`))
	f.Add([]byte(`{"dg1":"AA==","dg2":"AA==","sod":"AA=="} `))
	f.Add([]byte(`{"dg1":"AA==","dg2":"AA==","sod":"AA=="}{}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		if err != nil {
			if d.DG1 != nil || d.DG2 != nil || d.SOD != nil {
				t.Fatal("Parse returned data with an error")
			}
			return
		}
		enc, err := d.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		d2, err := Parse(enc)
		if err != nil {
			t.Fatalf("Parse(MarshalJSON(Parse(b))): %v", err)
		}
		if !bytes.Equal(d.DG1, d2.DG1) || !bytes.Equal(d.DG2, d2.DG2) || !bytes.Equal(d.SOD, d2.SOD) {
			t.Fatal("round trip changed the data")
		}
		enc2, err := d2.MarshalJSON()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatal("encoding is not stable")
		}
	})
}

func FuzzVerify(f *testing.F) {
	p := testPKI()
	sm := testSMPKI()
	// Both CSCAs are trusted, so that mutated ECDSA, RSA and SM2 SODs all
	// reach the signature and chain checks.
	trust := NewTrustList(p.ca, sm.ca)
	good := goodData(f)
	f.Add(good.SOD)
	f.Add(signIdentity(f, p.rsaDS, testIdentity(), now).SOD)
	f.Add(signRaw(f, p.ds, map[int][]byte{1: good.DG1, 2: good.DG2}, true))
	f.Add(signRaw(f, sm.ds, map[int][]byte{1: good.DG1, 2: good.DG2}, false))
	f.Add(signRaw(f, sm.ds, map[int][]byte{1: good.DG1, 2: good.DG2}, true))
	f.Add(buildWith(f, sm.ds, good, sodParams{digest: digestSM3, sigAlg: algSM2Key, sigOpts: sm2SignerOpts}).SOD)
	f.Add(good.SOD[:len(good.SOD)/2])
	f.Add(append([]byte{0x77, 0x82, byte(len(good.SOD) >> 8), byte(len(good.SOD))}, good.SOD...))
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, sod []byte) {
		d := good
		d.SOD = sod
		v, err := Verify(d, trust, now)
		if err != nil {
			if v != nil {
				t.Fatal("Verify returned a result with an error")
			}
			return
		}
		if v.Identity != testIdentity() || !bytes.Equal(v.FaceImage, good.DG2) {
			t.Fatal("Verify accepted a SOD but returned other data")
		}
	})
}

func FuzzParseDG1(f *testing.F) {
	b, err := encodeDG1(testIdentity())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"type":"passport","birth_date":"2000-01-01","valid_from":"2020-01-01","valid_until":"0000-00-00"}`))
	f.Add([]byte(`{"type":"passport","type":"passport"}`))
	f.Add([]byte(`{"type":null}`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := parseDG1(b)
		if err != nil {
			return
		}
		enc, err := encodeDG1(id)
		if err != nil {
			t.Fatalf("encodeDG1: %v", err)
		}
		id2, err := parseDG1(enc)
		if err != nil {
			t.Fatalf("parseDG1(encodeDG1(parseDG1(b))): %v", err)
		}
		if id != id2 {
			t.Fatalf("round trip changed the identity: %+v != %+v", id, id2)
		}
	})
}
