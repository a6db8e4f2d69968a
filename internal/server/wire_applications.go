package server

import (
	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/proofing"
	"github.com/netid-project/netid/internal/storage"
)

// The application routes (api.go): applications, the holder's credential,
// guardians' requests.

var applicationKinds = map[storage.ApplicationKind]api.ApplicationKind{
	storage.KindApply:    api.KindApply,
	storage.KindDevice:   api.KindDevice,
	storage.KindPassword: api.KindPassword,
	storage.KindPhone:    api.KindPhone,
	storage.KindRecover:  api.KindRecover,
}

var applicationStates = map[storage.ApplicationState]api.ApplicationState{
	storage.StateDocument:     api.StateDocument,
	storage.StateRelationship: api.StateRelationship,
	storage.StateFace:         api.StateFace,
	storage.StatePhone:        api.StatePhone,
	storage.StatePassword:     api.StatePassword,
	storage.StateGuardian:     api.StateGuardian,
	storage.StateAction:       api.StateAction,
	storage.StateDevice:       api.StateDevice,
	storage.StateIssued:       api.StateIssued,
	storage.StateDeclined:     api.StateDeclined,
	storage.StateCompleted:    api.StateCompleted,
}

// minorBands maps person's minor bands (untyped strings).
var minorBands = map[string]api.MinorBand{
	person.MinorNone:    api.MinorNone,
	person.MinorUnder14: api.MinorUnder14,
	person.Minor14To17:  api.Minor14To17,
}

// recoverActions maps proofing's actions (untyped strings).
var recoverActions = map[string]api.RecoverAction{
	proofing.ActionSuspend: api.ActionSuspend,
	proofing.ActionResume:  api.ActionResume,
	proofing.ActionReissue: api.ActionReissue,
}

var credentialStatuses = map[storage.CredentialStatus]api.CredentialState{
	storage.CredentialActive:    api.CredentialActive,
	storage.CredentialSuspended: api.CredentialSuspended,
	storage.CredentialRevoked:   api.CredentialRevoked,
}

func application(v proofing.View) api.Application {
	return api.Application{
		ID:            v.ID,
		Kind:          toAPI(applicationKinds, v.Kind),
		State:         toAPI(applicationStates, v.State),
		DocumentType:  v.DocumentType,
		ExpiresAt:     v.ExpiresAt,
		Minor:         toAPI(minorBands, v.Minor),
		OnBehalf:      v.OnBehalf,
		FaceChallenge: v.FaceChallenge,
		FaceImageHash: v.FaceImageHash,
		Actions:       toAPIList(recoverActions, v.Actions),
		DeviceNonce:   v.DeviceNonce,
		BatchSize:     v.BatchSize,
		CredentialID:  v.CredentialID,
	}
}

func startedApplication(s proofing.Started) api.StartedApplication {
	return api.StartedApplication{Application: application(s.View), Token: s.Token}
}

func issuedCredential(i proofing.Issued) api.IssuedCredential {
	return api.IssuedCredential{Wanghao: i.Wanghao, CredentialID: i.CredentialID, Credential: i.Credential, Batch: i.Batch, ExpiresAt: i.ExpiresAt}
}

func guardianRequests(rs []proofing.GuardianRequest) api.GuardianRequestList {
	out := api.GuardianRequestList{Requests: make([]api.GuardianRequest, 0, len(rs))}
	for _, r := range rs {
		out.Requests = append(out.Requests, api.GuardianRequest{
			ApplicationID: r.ApplicationID, DocumentType: r.DocumentType, Name: r.Name, Age: r.Age,
			CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		})
	}
	return out
}
