package server

import (
	"encoding/json"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// TestWireGoldenVerifier pins the answers of the verifier terminals' and
// the full-data checks' routes.
func TestWireGoldenVerifier(t *testing.T) {
	pending := storage.VerifierDevice{ID: "vd_1", RPID: "hotel", Name: "前台 1", State: storage.VerifierDevicePending, CreatedAt: wireT1, CodeExpiresAt: wireT2}
	active := pending
	active.State, active.EnrolledAt = storage.VerifierDeviceActive, wireT2
	revoked := active
	revoked.State, revoked.RevokedAt, revoked.RevokedBy, revoked.Reason = storage.VerifierDeviceRevoked, wireT2, "operator", "终端丢失"
	hotel := storage.RelyingParty{ID: "hotel", Name: "测试酒店", Category: storage.CategoryInPerson, LegalBasis: "hotel: 《旅馆业治安管理办法》第六条",
		AllowedClaims: []string{relyingparty.ClaimName, relyingparty.ClaimDocumentNumber, relyingparty.ClaimPhoto}}
	withFull := wireEIDResult()
	withFull.FullData = &eidverify.FullDataRequest{ID: "fd_1", ExpiresAt: wireT2}
	cases := map[string]any{
		"verifier-device-added": api.VerifierDeviceAdded{Device: verifierDevice(pending), Code: "ABCD-EFGH-JKMN-PQRS", CodeExpiresAt: wireT2},
		"verifier-devices":      api.VerifierDeviceList{Devices: []api.VerifierDevice{verifierDevice(active), verifierDevice(revoked)}},
		"verifier-session":      verifierSession(active, hotel),
		"eid-result-full-data":  eidResult(withFull),
		"eid-full-data":         api.EIDFullData{State: api.EIDFullDataProvided, Name: "张三", DocumentNumber: "11010519491231002X"},
		"eid-full-data-pending": api.EIDFullData{State: api.EIDFullDataPending},
		"eid-full-data-prompts": api.EIDFullDataPrompts{Requests: []api.EIDFullDataPrompt{{
			ID: "fd_1", RPName: "测试酒店", Kind: api.InPersonHotel, LegalBasis: hotel.LegalBasis, Device: "前台 1",
			Name: "张三", DocumentNumber: "11010519491231002X", CreatedAt: wireT1, ExpiresAt: wireT2,
		}}},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".json", append(got, '\n'))
		})
	}
}
