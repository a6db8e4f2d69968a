package server

import (
	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/relyingparty"
)

// The in-person check of the electronic ID card (eid.go).

var inPersonKinds = map[relyingparty.InPersonKind]api.InPersonKind{
	relyingparty.KindHotel:     api.InPersonHotel,
	relyingparty.KindTransport: api.InPersonTransport,
	relyingparty.KindCounter:   api.InPersonCounter,
	relyingparty.KindAgeCheck:  api.InPersonAgeCheck,
}

var eidFields = map[eidverify.Field]api.EIDField{
	eidverify.FieldName:       api.EIDName,
	eidverify.FieldNumber:     api.EIDNumber,
	eidverify.FieldPhoto:      api.EIDPhoto,
	eidverify.FieldSex:        api.EIDSex,
	eidverify.FieldAdult:      api.EIDAdult,
	eidverify.FieldValidUntil: api.EIDValidUntil,
}

func eidResult(r eidverify.Result) api.EIDResult {
	validUntil := r.DocumentValidUntil
	if validUntil == eidverify.LongTerm {
		validUntil = api.LongTerm
	}
	var full *api.EIDFullDataRequest
	if r.FullData != nil {
		full = &api.EIDFullDataRequest{ID: r.FullData.ID, ExpiresAt: r.FullData.ExpiresAt}
	}
	return api.EIDResult{
		FullDataRequest: full,
		Verified:        r.Verified, Kind: toAPI(inPersonKinds, r.Kind), CheckedAt: r.CheckedAt,
		Provided:   toAPIList(eidFields, r.Provided),
		NameMasked: r.NameMasked, NumberPartial: r.NumberPartial, Photo: r.Photo, Sex: document.Sex(r.Sex),
		AgeOver18: r.AgeOver18, DocumentValidUntil: validUntil,
	}
}
