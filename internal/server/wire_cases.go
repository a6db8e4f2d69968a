package server

import (
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/recourse"
	"github.com/netid-project/netid/internal/storage"
)

// The recourse routes (cases.go).

var caseKinds = map[storage.CaseKind]api.CaseKind{
	storage.CaseRecord:       api.CaseAboutRecord,
	storage.CaseSuspension:   api.CaseAboutSuspension,
	storage.CaseRelyingParty: api.CaseAboutRelyingParty,
}

var caseStates = map[storage.CaseState]api.CaseState{
	storage.CaseOpen:     api.CaseOpen,
	storage.CaseAnswered: api.CaseAnswered,
	storage.CaseClosed:   api.CaseClosed,
}

var caseGrounds = map[recourse.Ground]api.CaseGround{
	recourse.GroundNotMe:            api.GroundNotMe,
	recourse.GroundWrongDetails:     api.GroundWrongDetails,
	recourse.GroundWronglySuspended: api.GroundWronglySuspended,
	recourse.GroundPlaintextAgain:   api.GroundPlaintextAgain,
	recourse.GroundNoOtherWay:       api.GroundNoOtherWay,
	recourse.GroundOther:            api.GroundOther,
}

var caseResolutions = map[recourse.Resolution]api.CaseResolution{
	recourse.ResolutionUpheld:    api.ResolutionUpheld,
	recourse.ResolutionNotUpheld: api.ResolutionNotUpheld,
}

var caseActions = map[recourse.Action]api.CaseAction{
	recourse.ActionDisableRelyingParty: api.ActionDisableRelyingParty,
	recourse.ActionLiftSuspension:      api.ActionLiftSuspension,
}

func init() {
	recordChannels[recourse.Channel] = api.ChannelCase
	recordOutcomes[recourse.OutcomeOpened] = api.OutcomeCaseOpened
	recordOutcomes[recourse.OutcomeAnswered] = api.OutcomeCaseAnswered
	recordOutcomes[recourse.OutcomeClosed] = api.OutcomeCaseClosed
	recordOutcomes[recourse.OutcomeRelyingPartyDisabled] = api.OutcomeCaseRPDisabled
}

// caseView is a case as the API gives it; wanghao is set for operators.
func caseView(c recourse.Case, wanghao string) api.Case {
	out := api.Case{
		Number: c.Number, Kind: toAPI(caseKinds, c.Kind), Ground: toAPI(caseGrounds, c.Ground), RecordSeq: c.RecordSeq,
		RPID: c.RPID, RelyingParty: c.RPName, State: toAPI(caseStates, c.State), Statement: c.Statement, Answer: c.Answer,
		DueAt: c.DueAt, Overdue: c.Overdue, CreatedAt: c.CreatedAt, AnsweredAt: timePtr(c.AnsweredAt), ClosedAt: timePtr(c.ClosedAt),
		Wanghao: wanghao,
	}
	if c.Resolution != "" {
		out.Resolution = toAPI(caseResolutions, c.Resolution)
	}
	if c.Action != "" {
		out.Action = toAPI(caseActions, c.Action)
	}
	return out
}

// caseList is a list of cases; wanghao (by person ID) is set for
// operators.
func caseList(list []recourse.Case, wanghao map[string]string) api.CaseList {
	out := api.CaseList{Cases: make([]api.Case, 0, len(list))}
	for _, c := range list {
		out.Cases = append(out.Cases, caseView(c, wanghao[c.PersonID]))
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
