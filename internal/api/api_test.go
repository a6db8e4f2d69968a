package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/httpx"
)

var update = flag.Bool("update", false, "rewrite testdata/constants.txt")

// requestCases are request bodies as the wallet and the CLI send them. The
// files in testdata/requests were written from the wallet's encoding
// before these types existed, so a change of a member name, its order or
// its omitempty fails here.
func requestCases() map[string]any {
	return map[string]any{
		"start":               StartRequest{DocumentType: document.ResidentIDCard, OnBehalf: true},
		"start-plain":         StartRequest{DocumentType: document.ResidentIDCard},
		"start-reproof":       StartRequest{Kind: KindDevice, Wanghao: "W"},
		"start-recover":       StartRequest{Kind: KindRecover, DocumentType: document.Passport},
		"document":            DocumentRequest{Chip: json.RawMessage(`{"dg1":"x"}`)},
		"relationship":        RelationshipRequest{Guardian: "G", Evidence: "E"},
		"face":                FaceRequest{Attestation: "A"},
		"phone":               PhoneRequest{Phone: "P"},
		"code":                CodeRequest{Code: "C"},
		"password":            PasswordRequest{Password: "12345678"},
		"credential":          CredentialRequest{Proof: "PR"},
		"decision":            DecisionRequest{Decision: DecisionApprove, Password: "pw"},
		"consent-decision":    DecisionRequest{Decision: DecisionDecline, Password: "pw"},
		"liveness":            LivenessRequest{Challenge: "c", ApplicationID: "a", FaceImageHash: "h"},
		"relationship-attest": RelationshipAttestRequest{Guardian: "g", ChildRef: "r"},
		"suspend":             SuspendRequest{Password: "pw", Reason: "r"},
		"suspend-noreason":    SuspendRequest{Password: "pw"},
		"change-password":     ChangePasswordRequest{OldPassword: "o", NewPassword: "n"},
		"phone-change":        PhoneChangeRequest{Password: "pw", Phone: "p"},
		"phone-confirm":       PhoneConfirmRequest{Phone: "p", OldCode: "o", NewCode: "n"},
		"answer":              AnswerRequest{Code: "c", Decision: DecisionApprove, Password: "pw", FaceAttestation: "fa", PlaintextConsent: true},
		"answer-min":          AnswerRequest{Code: "c", Decision: DecisionDecline},
		"open":                SessionCodeRequest{Code: "c"},
		"presentation":        PresentationReport{Audience: "a", Disclosed: []string{"x"}},
		"act":                 ActionRequest{Action: ActionSuspend},
		"act-pw":              ActionRequest{Action: ActionResume, Password: "pw"},
		"mint":                MintRequest{Identity: document.Identity{Type: document.ResidentIDCard, Name: "张三"}},
		"case-open":           CaseOpenRequest{Kind: CaseAboutRecord, Ground: GroundNotMe, RecordSeq: 7, Statement: "s"},
		"case-open-rp":        CaseOpenRequest{Kind: CaseAboutRelyingParty, Ground: GroundPlaintextAgain, RPID: "shop", Statement: "s"},
		"case-answer":         CaseAnswerRequest{Answer: "a"},
		"case-close":          CaseCloseRequest{Resolution: ResolutionUpheld, Action: ActionDisableRelyingParty, Answer: "a"},
		"case-close-min":      CaseCloseRequest{Resolution: ResolutionNotUpheld},
	}
}

func TestRequestEncoding(t *testing.T) {
	cases := requestCases()
	files, _ := filepath.Glob(filepath.Join("testdata", "requests", "*.json"))
	if len(files) != len(cases) {
		t.Errorf("%d request files for %d cases", len(files), len(cases))
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "requests", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(append(got, '\n'), want) {
				t.Errorf("encoding changed:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

// TestRequestDecoding decodes each request file as the server does
// (strictly: no unknown member, no duplicate, nothing trailing) and checks
// that it encodes back the same.
func TestRequestDecoding(t *testing.T) {
	for name, v := range requestCases() {
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "requests", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			ptr := newOf(v)
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.Header.Set("Content-Type", httpx.ContentTypeJSON)
			if err := httpx.DecodeJSON(httptest.NewRecorder(), r, 1<<20, ptr); err != nil {
				t.Fatalf("the server's decoder refuses it: %v", err)
			}
			got, err := json.Marshal(ptr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(append(got, '\n'), body) {
				t.Errorf("round trip:\ngot  %s\nwant %s", got, body)
			}
		})
	}
}

// newOf returns a pointer to a new zero value of v's type.
func newOf(v any) any {
	switch v.(type) {
	case StartRequest:
		return new(StartRequest)
	case DocumentRequest:
		return new(DocumentRequest)
	case RelationshipRequest:
		return new(RelationshipRequest)
	case FaceRequest:
		return new(FaceRequest)
	case PhoneRequest:
		return new(PhoneRequest)
	case CodeRequest:
		return new(CodeRequest)
	case PasswordRequest:
		return new(PasswordRequest)
	case CredentialRequest:
		return new(CredentialRequest)
	case DecisionRequest:
		return new(DecisionRequest)
	case LivenessRequest:
		return new(LivenessRequest)
	case RelationshipAttestRequest:
		return new(RelationshipAttestRequest)
	case SuspendRequest:
		return new(SuspendRequest)
	case ChangePasswordRequest:
		return new(ChangePasswordRequest)
	case PhoneChangeRequest:
		return new(PhoneChangeRequest)
	case PhoneConfirmRequest:
		return new(PhoneConfirmRequest)
	case AnswerRequest:
		return new(AnswerRequest)
	case SessionCodeRequest:
		return new(SessionCodeRequest)
	case PresentationReport:
		return new(PresentationReport)
	case ActionRequest:
		return new(ActionRequest)
	case MintRequest:
		return new(MintRequest)
	case CaseOpenRequest:
		return new(CaseOpenRequest)
	case CaseAnswerRequest:
		return new(CaseAnswerRequest)
	case CaseCloseRequest:
		return new(CaseCloseRequest)
	}
	panic(fmt.Sprintf("newOf: %T", v))
}

// TestConstants pins every constant of the package, by name: the strings
// on the wire.
func TestConstants(t *testing.T) {
	var lines []string
	for _, c := range constants(t) {
		lines = append(lines, fmt.Sprintf("%s %s = %q", c.typ, c.name, c.value))
	}
	slices.Sort(lines)
	got := []byte(strings.Join(lines, "\n") + "\n")
	path := filepath.Join("testdata", "constants.txt")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the package's constants changed: the wire changes with them.\ngot\n%s", got)
	}
}

// TestValid checks each enumeration's Valid against its constants: every
// constant is valid, and values that are none are not.
func TestValid(t *testing.T) {
	valid := map[string]func(string) bool{
		"ApplicationKind":     func(s string) bool { return ApplicationKind(s).Valid() },
		"ApplicationState":    func(s string) bool { return ApplicationState(s).Valid() },
		"MinorBand":           func(s string) bool { return MinorBand(s).Valid() },
		"RecoverAction":       func(s string) bool { return RecoverAction(s).Valid() },
		"Level":               func(s string) bool { return Level(s).Valid() },
		"SessionState":        func(s string) bool { return SessionState(s).Valid() },
		"Decision":            func(s string) bool { return Decision(s).Valid() },
		"RecordChannel":       func(s string) bool { return RecordChannel(s).Valid() },
		"RecordOutcome":       func(s string) bool { return RecordOutcome(s).Valid() },
		"Reporter":            func(s string) bool { return Reporter(s).Valid() },
		"CredentialState":     func(s string) bool { return CredentialState(s).Valid() },
		"StatusBy":            func(s string) bool { return StatusBy(s).Valid() },
		"PersonState":         func(s string) bool { return PersonState(s).Valid() },
		"OperatorAction":      func(s string) bool { return OperatorAction(s).Valid() },
		"InPersonKind":        func(s string) bool { return InPersonKind(s).Valid() },
		"EIDField":            func(s string) bool { return EIDField(s).Valid() },
		"PhoneCode":           func(s string) bool { return PhoneCode(s).Valid() },
		"RPCategory":          func(s string) bool { return RPCategory(s).Valid() },
		"CaseKind":            func(s string) bool { return CaseKind(s).Valid() },
		"CaseGround":          func(s string) bool { return CaseGround(s).Valid() },
		"CaseState":           func(s string) bool { return CaseState(s).Valid() },
		"CaseResolution":      func(s string) bool { return CaseResolution(s).Valid() },
		"CaseAction":          func(s string) bool { return CaseAction(s).Valid() },
		"VerifierDeviceState": func(s string) bool { return VerifierDeviceState(s).Valid() },
		"EIDFullDataState":    func(s string) bool { return EIDFullDataState(s).Valid() },
	}
	typed := map[string]bool{}
	for _, c := range constants(t) {
		if c.typ == "untyped" {
			continue
		}
		typed[c.typ] = true
		v, ok := valid[c.typ]
		if !ok {
			t.Errorf("%s has constants but no Valid in this test", c.typ)
			continue
		}
		if !v(c.value) {
			t.Errorf("%s.Valid(%q) is false for constant %s", c.typ, c.value, c.name)
		}
	}
	for typ, v := range valid {
		if !typed[typ] {
			t.Errorf("%s: no constants found", typ)
		}
		for _, bad := range []string{"unknown", "Face", " face", "approve ", "operator>operator", "operator>"} {
			if v(bad) {
				t.Errorf("%s.Valid(%q) is true", typ, bad)
			}
		}
		if typ != "MinorBand" && v("") {
			t.Errorf("%s.Valid(\"\") is true", typ)
		}
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{
		"": LevelPossession, "possession": LevelPossession, ACRPossession: LevelPossession,
		"password": LevelPassword, ACRPassword: LevelPassword, "face": LevelFace, ACRFace: LevelFace,
	} {
		if got, ok := ParseLevel(in); !ok || got != want {
			t.Errorf("ParseLevel(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"high", "Face", "urn:netid:acr:", "face "} {
		if got, ok := ParseLevel(in); ok {
			t.Errorf("ParseLevel(%q) = %q, accepted", in, got)
		}
	}
	if !LevelFace.AtLeast(LevelPassword) || LevelPossession.AtLeast(LevelPassword) || !LevelPassword.AtLeast(LevelPassword) || Level("x").AtLeast("") {
		t.Error("AtLeast does not order possession < password < face")
	}
}

// FuzzParseLevel: whatever a relying party sends as its level, ParseLevel
// accepts only a level's name, its acr value or nothing, and returns a
// valid level.
func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"", "possession", "password", "face", ACRPossession, ACRPassword, ACRFace, "high"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, ok := ParseLevel(s)
		if !ok {
			return
		}
		acr := map[Level]string{LevelPossession: ACRPossession, LevelPassword: ACRPassword, LevelFace: ACRFace}[l]
		if !l.Valid() || (s != "" && s != string(l) && s != acr) || (s == "" && l != LevelPossession) {
			t.Fatalf("ParseLevel(%q) = %q", s, l)
		}
	})
}

func TestPhotoMediaType(t *testing.T) {
	for photo, want := range map[string]string{
		"data:image/png;base64,AAAA": "image/png",
		"data:image/jpeg;base64,":    "image/jpeg",
		"":                           "",
		"https://example/x.png":      "",
	} {
		if got := (EIDResult{Photo: photo}).PhotoMediaType(); got != want {
			t.Errorf("PhotoMediaType(%q) = %q, want %q", photo, got, want)
		}
	}
}

type constant struct{ typ, name, value string }

// constants reads the package's exported string constants from its source.
func constants(t *testing.T) []constant {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []constant
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				typ := "untyped"
				if id, ok := vs.Type.(*ast.Ident); ok {
					typ = id.Name
				}
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						t.Fatalf("%s: constant without a value", name.Name)
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s is not a string literal", name.Name)
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, constant{typ, name.Name, v})
				}
			}
		}
	}
	return out
}
