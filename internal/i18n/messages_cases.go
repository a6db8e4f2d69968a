package i18n

// Recourse (申诉与投诉): the problems of the case routes, the web wallet's
// cases page (static/pages/cases.js), the history's dispute marks, and the
// command line's case commands.
func init() {
	addProblems(caseProblems)
	addNamed(caseMessages)
}

var caseProblems = map[string]problem{
	"case-invalid":                 {{"申诉内容不符合要求", "The case is not acceptable"}, {"请按提示修改后再提交：说明不能为空，不超过 1000 字。", "Fix what the message says and send it again: the statement must not be empty and holds at most 1000 characters."}},
	"case-not-found":               {{"找不到这个案件", "Case not found"}, {"请检查案件编号（例如 SS-2026-000123）。", "Check the case number (for example SS-2026-000123)."}},
	"case-record-not-found":        {{"你的记录中没有这一条", "No such record in your history"}, {"请在“记录”中选择要申诉的那一条。", "Choose the record to dispute from your History."}},
	"case-relying-party-not-found": {{"找不到这个接入方", "Relying party not found"}, {"请从“记录”或已授权的平台中选择要投诉的接入方。", "Choose the relying party from your History or your authorized platforms."}},
	"case-not-suspended":           {{"你的网证没有被运营方暂停", "Your credential is not suspended by the operator"}, {"只有运营方暂停的网证才能申诉暂停；其他问题请选择别的申诉类型。", "Only an operator's suspension can be disputed; choose another kind of case for anything else."}},
	"case-already-open":            {{"同一事项已有未结案的申诉", "A case about this is already open"}, {"请在“申诉与投诉”中查看该案件的进展。", "Follow that case under Cases."}},
	"case-state":                   {{"案件已被处理", "The case was already handled"}, {"请刷新案件，查看其当前状态。", "Reload the case to see where it stands."}},
	"too-many-cases":               {{"今天提交的申诉太多", "Too many cases opened today"}, {"请明天再提交，或在已有案件中补充说明。", "Open it tomorrow."}},
	"invalid-case-query":           {{"案件查询参数无效", "Invalid case query"}, {"state 为 open、answered 或 closed，overdue 为 true 或 false，limit 为 1 到 500。", "state is open, answered or closed; overdue is true or false; limit is 1 to 500."}},
}

// Keys of the command line's case messages.
const (
	KeyCLICaseOpened    Key = "cli.case.opened"
	KeyCLICaseNone      Key = "cli.case.none"
	KeyCLICaseStatement Key = "cli.case.statement"
	KeyCLICaseAnswer    Key = "cli.case.answer"
	KeyCLICaseDisputed  Key = "cli.case.disputed"
)

var caseMessages = map[Key]entry{
	// The web wallet's page.
	"cases.name":                     {"申诉与投诉", "Cases"},
	"cases.desc":                     {"对核验记录、网证暂停或接入方的做法有异议时，在这里申诉或投诉，并查看答复。", "Dispute a record, a suspension of your credential or a relying party's conduct, and read the answers."},
	"cases.record.seq":               {"记录 %d", "record %d"},
	"cases.rp.hint":                  {"接入方 ID 见“设置”中已授权的平台，或记录中的接入方。", "A relying party's ID is shown among your authorized platforms in Settings."},
	"cases.intro":                    {"对核验记录有异议、认为运营方暂停你的网证有误，或某个接入方在网号核验后仍要你提供身份证号等明文信息，都可以在这里申诉或投诉。每个案件有编号和答复期限，每一步都会写入你的核验记录。", "If a record in your history is not yours, if you think the operator suspended your credential wrongly, or if a relying party asked you again for your ID number or other plaintext data after a network ID check, open a case here. Each case has a number and a deadline for the answer, and every step is written into your history."},
	"cases.none":                     {"这个浏览器里还没有网证，无法提交申诉。", "There is no credential in this browser, so no case can be opened from it."},
	"cases.none.next":                {"先申领网证，或在持有网证的设备上申诉。", "Apply for your credential first, or open the case on the device that holds it."},
	"cases.list":                     {"我的申诉与投诉", "My cases"},
	"cases.empty":                    {"你还没有提交过申诉或投诉。", "You have not opened any case."},
	"cases.new":                      {"提交新的申诉或投诉", "Open a new case"},
	"cases.kind":                     {"事项", "About"},
	"cases.kind.record":              {"一条核验记录（例如：这次核验不是我本人）", "A record in my history (for example: this check was not me)"},
	"cases.kind.suspension":          {"运营方暂停了我的网证", "The operator suspended my credential"},
	"cases.kind.relying_party":       {"某个接入方的做法（例如：核验后仍索要身份证号）", "A relying party's conduct (for example: asking for my ID number after a check)"},
	"cases.record":                   {"记录编号", "Record number"},
	"cases.record.hint":              {"在“记录”页面中，每条记录都有编号；也可以在记录旁点“申诉”。", "Every record in your History has a number; you can also press “Dispute” beside it."},
	"cases.rp":                       {"接入方 ID", "Relying party ID"},
	"cases.ground":                   {"理由", "Ground"},
	"cases.ground.not_me":            {"不是我本人操作", "It was not me"},
	"cases.ground.wrong_details":     {"记录内容有误", "The record is wrong"},
	"cases.ground.wrongly_suspended": {"暂停有误", "The suspension is wrong"},
	"cases.ground.plaintext_again":   {"网号核验后仍索要明文身份信息", "Asked for plaintext identity data again after a network ID check"},
	"cases.ground.no_other_way":      {"没有提供其他合法的办理方式", "Offered no other lawful way in"},
	"cases.ground.other":             {"其他", "Other"},
	"cases.statement":                {"说明（不超过 1000 字）", "Statement (at most 1000 characters)"},
	"cases.statement.hint":           {"写清楚发生了什么、何时发生；不必写身份证号等证件信息。", "Say what happened and when; there is no need to write your ID number or other document data."},
	"cases.submit":                   {"提交", "Submit"},
	"cases.opened":                   {"已提交，案件编号 %s，运营方应在 %s 前答复。", "Submitted: case %s. The operator answers by %s."},
	"cases.number":                   {"案件编号", "Case number"},
	"cases.state":                    {"状态", "State"},
	"cases.state.open":               {"待答复", "Waiting for an answer"},
	"cases.state.answered":           {"已答复", "Answered"},
	"cases.state.closed":             {"已结案", "Closed"},
	"cases.due":                      {"答复期限", "Answer due by"},
	"cases.overdue":                  {"已超过答复期限", "Past its deadline"},
	"cases.answer":                   {"运营方答复", "The operator's answer"},
	"cases.resolution.upheld":        {"申诉成立", "Upheld"},
	"cases.resolution.not_upheld":    {"申诉不成立", "Not upheld"},
	"cases.action.lift_suspension":   {"已解除暂停", "The suspension was lifted"},
	"cases.action.disable_rp":        {"已停用该接入方", "The relying party was disabled"},
	"cases.created":                  {"提交时间", "Opened"},
	"history.dispute.record":         {"对记录 %d 申诉", "Dispute record %d"},
	"history.dispute.state.open":     {"待答复", "waiting for an answer"},
	"history.dispute.state.answered": {"已答复", "answered"},
	"history.dispute.state.closed":   {"已结案", "closed"},

	// The history's marks.
	"history.disputed":                 {"已申诉（案件 %s）", "Disputed (case %s)"},
	"history.channel.case":             {"申诉与投诉", "Case"},
	"history.outcome.case_opened":      {"已提交申诉", "Case opened"},
	"history.outcome.case_answered":    {"运营方已答复", "Case answered"},
	"history.outcome.case_closed":      {"已结案", "Case closed"},
	"history.outcome.case_rp_disabled": {"接入方已被停用", "Relying party disabled"},
	"history.case":                     {"案件 %s", "Case %s"},

	// The command line.
	KeyCLICaseOpened:    {"已提交申诉，案件编号 %s；运营方应在 %s 前答复。", "Case %s opened; the operator answers by %s."},
	KeyCLICaseNone:      {"你还没有提交过申诉或投诉。", "You have not opened any case."},
	KeyCLICaseStatement: {"申诉说明", "Statement"},
	KeyCLICaseAnswer:    {"运营方答复", "The operator's answer"},
	KeyCLICaseDisputed:  {"已申诉（案件 %s）", "disputed (case %s)"},
}
