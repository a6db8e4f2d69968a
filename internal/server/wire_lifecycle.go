package server

import (
	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/storage"
)

// The holder's self-service and the operators' credential routes
// (lifecycle.go).

// credentialStates maps the states the account and operator views compute
// (lifecycle's untyped strings).
var credentialStates = map[string]api.CredentialState{
	lifecycle.StateActive:    api.CredentialActive,
	lifecycle.StateSuspended: api.CredentialSuspended,
	lifecycle.StateRevoked:   api.CredentialRevoked,
	lifecycle.StateExpired:   api.CredentialExpired,
}

// statusBys maps storage's Credential.StatusBy, which is an operator's hold
// over another suspension written as storage.OperatorOver(inner).
var statusBys = map[string]api.StatusBy{
	storage.StatusByHolder:                         api.StatusByHolder,
	storage.StatusByOperator:                       api.StatusByOperator,
	storage.StatusByPlatform:                       api.StatusByPlatform,
	storage.StatusByRecovery:                       api.StatusByRecovery,
	storage.OperatorOver(storage.StatusByHolder):   api.StatusByOperatorOverHolder,
	storage.OperatorOver(storage.StatusByRecovery): api.StatusByOperatorOverRecovery,
}

var personStates = map[storage.PersonState]api.PersonState{
	storage.PersonActive:    api.PersonActive,
	storage.PersonCancelled: api.PersonCancelled,
}

var operatorActions = map[lifecycle.Action]api.OperatorAction{
	lifecycle.ActionSuspend: api.OperatorSuspend,
	lifecycle.ActionResume:  api.OperatorResume,
	lifecycle.ActionRevoke:  api.OperatorRevoke,
}

var phoneCodes = map[lifecycle.Which]api.PhoneCode{
	lifecycle.CodeOld: api.PhoneCodeOld,
	lifecycle.CodeNew: api.PhoneCodeNew,
}

func account(a lifecycle.Account) api.Account {
	return api.Account{
		Wanghao: a.Wanghao, Full: a.Full, CredentialID: a.CredentialID,
		Status: toAPI(credentialStates, a.Status), StatusBy: toAPI(statusBys, a.StatusBy), StatusReason: a.StatusReason,
		IssuedAt: a.IssuedAt, ExpiresAt: a.ExpiresAt,
		DocumentType: a.DocumentType, DocumentValidUntil: a.DocumentValidUntil, Phone: a.Phone,
		DeviceKeyThumbprint: a.DeviceKeyThumbprint, DeviceKeyIssuedAt: a.DeviceKeyIssuedAt,
	}
}

func platforms(ps []lifecycle.Platform) api.PlatformList {
	out := api.PlatformList{Platforms: make([]api.Platform, 0, len(ps))}
	for _, p := range ps {
		out.Platforms = append(out.Platforms, api.Platform{
			RPID: p.RPID, Name: p.Name, Domains: p.Domains, Category: toAPI(rpCategories, p.Category),
			Claims: p.Claims, Plaintext: p.Plaintext, GuardianConsent: p.GuardianConsent,
			GrantedAt: p.GrantedAt, UpdatedAt: p.UpdatedAt,
		})
	}
	return out
}

func wards(ws []lifecycle.Ward) api.WardList {
	out := api.WardList{Wards: make([]api.Ward, 0, len(ws))}
	for _, w := range ws {
		out.Wards = append(out.Wards, api.Ward{PersonID: w.PersonID, Name: w.Name, Age: w.Age, ConsentNeeded: w.ConsentNeeded})
	}
	return out
}

func personView(v lifecycle.PersonView) api.PersonView {
	out := api.PersonView{
		Wanghao: v.Wanghao, State: toAPI(personStates, storage.PersonState(v.State)), CreatedAt: v.CreatedAt,
		CancelledAt: v.CancelledAt, Guardian: v.Guardian, Changed: v.Changed,
	}
	if v.Credentials != nil {
		out.Credentials = make([]api.CredentialView, 0, len(v.Credentials))
	}
	for _, c := range v.Credentials {
		out.Credentials = append(out.Credentials, api.CredentialView{
			ID: c.ID, State: toAPI(credentialStates, c.State), StatusBy: toAPI(statusBys, c.StatusBy), StatusReason: c.StatusReason,
			StatusList: c.StatusList, StatusIndex: c.StatusIndex, DeviceKeyID: c.DeviceKeyID,
			IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, UpdatedAt: c.UpdatedAt,
		})
	}
	return out
}
