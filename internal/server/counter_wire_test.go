package server

import (
	"encoding/json"
	"testing"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/proofing"
	"github.com/netid-project/netid/internal/storage"
)

// TestWireGoldenCounter pins the answers to a counter's submission: to be
// finished in the person's wallet, and a 网号 without a 网证.
func TestWireGoldenCounter(t *testing.T) {
	wallet := proofing.View{ID: "app-4", Kind: storage.KindApply, State: storage.StatePhone, DocumentType: document.ResidentIDCard, ExpiresAt: wireT1}
	done := proofing.View{ID: "app-5", Kind: storage.KindApply, State: storage.StateCompleted, DocumentType: document.ResidentIDCard, ExpiresAt: wireT2}
	for name, v := range map[string]any{
		"counter-application":         counterApplication(proofing.CounterStarted{View: wallet, Token: "token-4"}, "dongcheng-1", "https://netid.example"),
		"counter-application-wanghao": counterApplication(proofing.CounterStarted{View: done, Wanghao: "AB12CD34EF56GH78"}, "dongcheng-1", "https://netid.example"),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".json", append(got, '\n'))
		})
	}
}
