package i18n

// Messages of the command line (internal/cli) and of the wallet's flows
// (internal/wallet: the steps it reports through its Prompter): prompts,
// outcomes and the errors a person acts on. Flags' help texts and
// operators' output stay English.

// Prompts.
const (
	KeyCLIPassword        Key = "cli.prompt.password"
	KeyCLINewPassword     Key = "cli.prompt.new-password"
	KeyCLIPasswordAgain   Key = "cli.prompt.again"
	KeyCLIGuardianPass    Key = "cli.prompt.guardian-password"
	KeyCLIUsagePassword   Key = "cli.prompt.usage-password"
	KeyCLISMSCode         Key = "cli.prompt.sms"
	KeyCLICodeNewNumber   Key = "cli.prompt.sms-new"
	KeyCLICodeOldNumber   Key = "cli.prompt.sms-old"
	KeyCLIApprove         Key = "cli.prompt.approve"
	KeyCLISharePlaintext  Key = "cli.prompt.plaintext"
	KeyCLICancelWarning   Key = "cli.prompt.cancel-warning"
	KeyCLICancelConfirm   Key = "cli.prompt.cancel-confirm"
	KeyCLIYes             Key = "cli.prompt.yes"
	KeyCLICancelWord      Key = "cli.prompt.cancel-word"
	KeyCLIPasswordsDiffer Key = "cli.prompt.differ"
)

// A relying party's request, as the approve command shows it.
const (
	KeyCLIRequestAsks      Key = "cli.request.asks"
	KeyCLIRequestPurpose   Key = "cli.request.purpose"
	KeyCLIRequestLevel     Key = "cli.request.level"
	KeyCLIRequestShares    Key = "cli.request.shares"
	KeyCLIRequestPlaintext Key = "cli.request.plaintext"
	KeyCLIRequestLegal     Key = "cli.request.legal"
	KeyCLIRequestGuardian  Key = "cli.request.guardian"
)

// Steps of the wallet's flows (wallet.Step).
const (
	KeyStepStarted          Key = "cli.step.started"
	KeyStepResuming         Key = "cli.step.resuming"
	KeyStepDocument         Key = "cli.step.document"
	KeyStepRelationship     Key = "cli.step.relationship"
	KeyStepFace             Key = "cli.step.face"
	KeyStepCodeAlreadySent  Key = "cli.step.code-already-sent"
	KeyStepCodeSent         Key = "cli.step.code-sent"
	KeyStepWrongCode        Key = "cli.step.wrong-code"
	KeyStepPhoneVerified    Key = "cli.step.phone"
	KeyStepPasswordAccepted Key = "cli.step.password-accepted"
	KeyStepPasswordSet      Key = "cli.step.password-set"
	KeyStepWaitingGuardian  Key = "cli.step.waiting-guardian"
	KeyStepGuardianDone     Key = "cli.step.guardian-confirmed"
	KeyStepIssued           Key = "cli.step.issued"
	KeyStepSaved            Key = "cli.step.saved"
	KeyStepWrongPassword    Key = "cli.step.wrong-password"
	KeyStepSuspended        Key = "cli.step.suspended"
	KeyStepResumed          Key = "cli.step.resumed"
	KeyStepReissue          Key = "cli.step.reissue"
	KeyStepPhoneCodes       Key = "cli.step.phone-codes"
)

// Outcomes of the wallet commands.
const (
	KeyCLIIssued           Key = "cli.out.issued"
	KeyCLIWaitingGuardian  Key = "cli.out.waiting-guardian"
	KeyCLIApproved         Key = "cli.out.approved"
	KeyCLIAwaitingConsent  Key = "cli.out.awaiting-consent"
	KeyCLIDeclined         Key = "cli.out.declined"
	KeyCLIAppApproved      Key = "cli.out.application-approved"
	KeyCLIAppDeclined      Key = "cli.out.application-declined"
	KeyCLINoRequests       Key = "cli.out.no-requests"
	KeyCLINoRecords        Key = "cli.out.no-records"
	KeyCLINoConsents       Key = "cli.out.no-consents"
	KeyCLIReportedByYou    Key = "cli.out.reported-by-you"
	KeyCLIYouPresented     Key = "cli.out.you-presented"
	KeyCLINotReported      Key = "cli.out.not-reported"
	KeyCLIConsented        Key = "cli.out.consented"
	KeyCLINoGuardianConsts Key = "cli.out.no-guardian-consents"
	KeyCLISuspended        Key = "cli.out.suspended"
	KeyCLIResumed          Key = "cli.out.resumed"
	KeyCLIPasswordChanged  Key = "cli.out.password-changed"
	KeyCLIPhoneChanged     Key = "cli.out.phone-changed"
	KeyCLIWithdrawn        Key = "cli.out.withdrawn"
	KeyCLINoPlatforms      Key = "cli.out.no-platforms"
	KeyCLICancelled        Key = "cli.out.cancelled"
	KeyCLIEIDLeft          Key = "cli.out.eid-left"
	KeyCLINotCancelled     Key = "cli.out.not-cancelled"
	KeyCLINoWards          Key = "cli.out.no-wards"
	KeyCLIBatchRefreshed   Key = "cli.out.batch"
	KeyCLILowBatch         Key = "cli.out.low-batch"
	KeyCLIOldRevoked       Key = "cli.out.old-revoked"
	KeyCLINewPasswordSet   Key = "cli.out.new-password"
	KeyCLINewPhoneLinked   Key = "cli.out.new-phone"
	KeyCLICredSuspended    Key = "cli.out.credential-suspended"
	KeyCLICredResumed      Key = "cli.out.credential-resumed"
	KeyCLILostRevoked      Key = "cli.out.lost-revoked"
	KeyCLIEIDAdded         Key = "cli.out.eid-added"
	KeyCLIEIDChecked       Key = "cli.out.eid-checked"
	KeyCLIEIDAuthenticated Key = "cli.out.eid-authenticated"
	KeyCLIEIDValidUntil    Key = "cli.out.eid-valid-until"
	KeyCLIEIDRenewing      Key = "cli.out.eid-renewing"
)

// Labels of the wallet's tables (show, status).
const (
	KeyCLILabelWanghao    Key = "cli.label.wanghao"
	KeyCLILabelStatus     Key = "cli.label.status"
	KeyCLILabelValidUntil Key = "cli.label.valid-until"
	KeyCLILabelValid      Key = "cli.label.valid"
	KeyCLILabelPlatform   Key = "cli.label.platform"
	KeyCLILabelCredential Key = "cli.label.credential"
	KeyCLILabelDocument   Key = "cli.label.document"
	KeyCLILabelPhone      Key = "cli.label.phone"
	KeyCLILabelDeviceKey  Key = "cli.label.device-key"
	KeyCLIStatusUnknown   Key = "cli.status.unknown"
	KeyCLIStatusExpired   Key = "cli.status.expired"
)

// Errors a person acts on: what went wrong, and what to do next.
const (
	KeyCLIErrNoWallet         Key = "cli.err.no-wallet"
	KeyCLIErrNoWalletNext     Key = "cli.err.no-wallet.next"
	KeyCLIErrWrongPassword    Key = "cli.err.wrong-password"
	KeyCLIErrWrongPassNext    Key = "cli.err.wrong-password.next"
	KeyCLIErrCredentialExists Key = "cli.err.credential-exists"
	KeyCLIErrCredExistsNext   Key = "cli.err.credential-exists.next"
	KeyCLIErrExpired          Key = "cli.err.application-expired"
	KeyCLIErrExpiredNext      Key = "cli.err.application-expired.next"
	KeyCLIErrDeclined         Key = "cli.err.declined"
	KeyCLIErrDeclinedNext     Key = "cli.err.declined.next"
	KeyCLIErrNoPending        Key = "cli.err.no-pending"
	KeyCLIErrNoPendingNext    Key = "cli.err.no-pending.next"
	KeyCLIErrNoEID            Key = "cli.err.no-eid"
	KeyCLIErrNoEIDNext        Key = "cli.err.no-eid.next"
	KeyCLIErrNoLiveness       Key = "cli.err.no-liveness"
	KeyCLIErrNoLivenessNext   Key = "cli.err.no-liveness.next"
	KeyCLIErrNoTerminal       Key = "cli.err.no-terminal"
	KeyCLIErrTriesLeft        Key = "cli.err.tries-left"
	KeyCLIErrLockedUntil      Key = "cli.err.locked-until"
)

// Warnings of the wallet's check of the platform's record log; %s (in the
// first two) is the file the wallet keeps the log's head in.
const (
	KeyLogRewound  Key = "cli.log.rewound"
	KeyLogForked   Key = "cli.log.forked"
	KeyLogUnproven Key = "cli.log.unproven"
)

// The wallet's own errors a person acts on beyond those above.
const (
	KeyCLIErrNoGuardianConsent     Key = "cli.err.no-guardian-consent"
	KeyCLIErrNoGuardianConsentNext Key = "cli.err.no-guardian-consent.next"
)

// The electronic ID card as netid wallet eid show lists it.
const (
	KeyEIDDocument    Key = "cli.eid.document"
	KeyEIDName        Key = "cli.eid.name"
	KeyEIDNameLatin   Key = "cli.eid.name-latin"
	KeyEIDSex         Key = "cli.eid.sex"
	KeyEIDEthnicity   Key = "cli.eid.ethnicity"
	KeyEIDNationality Key = "cli.eid.nationality"
	KeyEIDBirth       Key = "cli.eid.birth"
	KeyEIDAddress     Key = "cli.eid.address"
	KeyEIDNumber      Key = "cli.eid.number"
	KeyEIDAuthority   Key = "cli.eid.authority"
	KeyEIDValidity    Key = "cli.eid.validity"
	KeyEIDPhoto       Key = "cli.eid.photo"
	KeyEIDPhotoBytes  Key = "cli.eid.photo-bytes"
	KeyEIDNote        Key = "cli.eid.note"
	KeyEIDNotChecked  Key = "cli.eid.not-authenticated"
	KeyEIDForLife     Key = "cli.eid.for-life"
	KeyEIDMale        Key = "cli.eid.male"
	KeyEIDFemale      Key = "cli.eid.female"
)

// Column headers of the wallet's tables (columns separated by tabs) and
// their notes.
const (
	KeyCLIHistoryHeader   Key = "cli.table.history"
	KeyCLIConsentsHeader  Key = "cli.table.consents"
	KeyCLIRequestsHeader  Key = "cli.table.requests"
	KeyCLIPlatformsHeader Key = "cli.table.platforms"
	KeyCLIWardsHeader     Key = "cli.table.wards"
	KeyCLIStatementHeader Key = "cli.table.statements"
	KeyCLIByGuardian      Key = "cli.table.by-guardian"
	KeyCLIGuardianGave    Key = "cli.table.guardian-consented"
	KeyCLIWardInformed    Key = "cli.table.ward-informed"
	KeyCLIWardConsent     Key = "cli.table.ward-consent"
)

func init() { add(cliMessages) }

var cliMessages = map[Key]entry{
	KeyCLIPassword:        {"网证口令：", "Credential password: "},
	KeyCLINewPassword:     {"新的网证口令（8 位数字）：", "New credential password (8 digits): "},
	KeyCLIPasswordAgain:   {"再输入一次以确认：", "Again, to confirm: "},
	KeyCLIGuardianPass:    {"监护人的网证口令：", "Guardian's credential password: "},
	KeyCLIUsagePassword:   {"电子身份证使用密码（6 位数字）：", "eID usage password (6 digits): "},
	KeyCLISMSCode:         {"手机收到的短信验证码：", "SMS code sent to your phone: "},
	KeyCLICodeNewNumber:   {"新号码收到的验证码：", "Code sent to the new number: "},
	KeyCLICodeOldNumber:   {"现绑定号码收到的验证码：", "Code sent to your current number: "},
	KeyCLIApprove:         {"同意吗？[y/N] ", "Approve? [y/N] "},
	KeyCLISharePlaintext:  {"提供明文信息（%s）吗？[y/N] ", "Share the plaintext fields (%s)? [y/N] "},
	KeyCLICancelWarning:   {"注销网号后：网证在所有地方都不能再用，你的授权全部撤回，平台删除你的身份信息、照片和手机号。\n以后用同一证件重新申领，会恢复同一个网号。", "Cancelling your network ID: your credential stops working everywhere, your authorizations are\nwithdrawn and the platform deletes your identity data, photo and phone number.\nApplying again later with the same document restores the same network ID number."},
	KeyCLICancelConfirm:   {"输入“注销”以确认：", `Type "cancel" to confirm: `},
	KeyCLIYes:             {"是", "yes"},
	KeyCLICancelWord:      {"注销", "cancel"},
	KeyCLIPasswordsDiffer: {"两次输入的口令不一致", "the two passwords differ"},

	KeyCLIRequestAsks:      {"%s（%s）请求核验你的身份", "%s (%s) asks to verify you"},
	KeyCLIRequestPurpose:   {"  用途：%s", "  purpose: %s"},
	KeyCLIRequestLevel:     {"  级别：%s", "  level:   %s"},
	KeyCLIRequestShares:    {"  提供：%s", "  shares:  %s"},
	KeyCLIRequestPlaintext: {"  另外单独请求明文身份信息：%s", "  and asks SEPARATELY for plaintext identity data: %s"},
	KeyCLIRequestLegal:     {"  （法律依据：%s；你可以拒绝提供这些，核验仍可通过）", "  (legal basis: %s; you may decline these and still be verified)"},
	KeyCLIRequestGuardian:  {"  需要你的监护人同意后才给出结果", "  your guardian must consent before the result is given"},

	KeyStepStarted:          {"申请已开始", "application started"},
	KeyStepResuming:         {"继续申请", "resuming the application"},
	KeyStepDocument:         {"证件已通过", "document accepted"},
	KeyStepRelationship:     {"监护关系已通过", "guardian relationship accepted"},
	KeyStepFace:             {"刷脸已通过", "face check passed"},
	KeyStepCodeAlreadySent:  {"验证码已经发送过", "a code was already sent"},
	KeyStepCodeSent:         {"短信验证码已发送", "SMS code sent"},
	KeyStepWrongCode:        {"验证码不对，还可以再试 %d 次", "wrong code: %d attempts left"},
	KeyStepPhoneVerified:    {"手机号已验证", "phone number verified"},
	KeyStepPasswordAccepted: {"网证口令已确认", "credential password accepted"},
	KeyStepPasswordSet:      {"网证口令已设置", "credential password set"},
	KeyStepWaitingGuardian:  {"等待监护人确认", "waiting for the guardian to confirm"},
	KeyStepGuardianDone:     {"监护人已确认", "the guardian confirmed"},
	KeyStepIssued:           {"网证已签发", "credential issued"},
	KeyStepSaved:            {"网证已保存到钱包", "credential saved in the wallet"},
	KeyStepWrongPassword:    {"网证口令不对，还可以再试 %d 次", "wrong credential password: %d attempts left"},
	KeyStepSuspended:        {"网证已暂停", "credential suspended"},
	KeyStepResumed:          {"网证已恢复", "credential resumed"},
	KeyStepReissue:          {"网证将重新签发", "credential to be re-issued"},
	KeyStepPhoneCodes:       {"验证码已发送到绑定号码和新号码", "SMS codes sent to the linked number and to the new one"},

	KeyCLIIssued:           {"已签发：网号 %s，网证有效期至 %s", "issued: network ID %s, credential valid until %s"},
	KeyCLIWaitingGuardian:  {"等待监护人确认：监护人用 `netid wallet guardian approve` 同意后，运行 `netid wallet apply --resume`", "waiting for the guardian: they approve with `netid wallet guardian approve`; then run `netid wallet apply --resume`"},
	KeyCLIApproved:         {"已同意，级别 %s：提供了 %s", "approved at level %s: shared %s"},
	KeyCLIAwaitingConsent:  {"等待你的监护人同意（监护人在其钱包中运行 netid wallet guardian consents）", "waiting for your guardian's consent (netid wallet guardian consents, in their wallet)"},
	KeyCLIDeclined:         {"已拒绝", "declined"},
	KeyCLIAppApproved:      {"已同意申请 %s", "approved application %s"},
	KeyCLIAppDeclined:      {"已拒绝申请 %s", "declined application %s"},
	KeyCLINoRequests:       {"没有等待处理的请求", "no requests waiting"},
	KeyCLINoRecords:        {"没有核验记录", "no verification records"},
	KeyCLINoConsents:       {"没有等待同意的核验", "no consents waiting"},
	KeyCLIReportedByYou:    {"本人申报", "reported by you"},
	KeyCLIYouPresented:     {"你向 %s 出示", "you presented to %s"},
	KeyCLINotReported:      {"未记入你的记录：%s", "not added to your history: %s"},
	KeyCLIConsented:        {"已同意：你的被监护人可以向 %s 使用网证；其钱包用 netid wallet consents 获取这份同意", "consented: your ward may use the credential with %s; their wallet fetches the consent with netid wallet consents"},
	KeyCLINoGuardianConsts: {"没有监护人同意（年满十四周岁无需）", "no guardian consents (none needed from 14 on)"},
	KeyCLISuspended:        {"已暂停：在你恢复之前，各平台都不接受这个网证（netid wallet resume）", "suspended: relying parties refuse the credential until you resume it (netid wallet resume)"},
	KeyCLIResumed:          {"已恢复", "resumed"},
	KeyCLIPasswordChanged:  {"网证口令已更改；钱包现在用新口令打开", "credential password changed; the wallet now opens with the new one"},
	KeyCLIPhoneChanged:     {"手机号已更换：%s", "phone number changed: %s"},
	KeyCLIWithdrawn:        {"授权已撤回：%s 需要重新请求", "consent withdrawn: %s will have to ask again"},
	KeyCLINoPlatforms:      {"没有已授权的平台", "no authorized platforms"},
	KeyCLICancelled:        {"已注销：你的网号和网证不再有效；钱包文件已删除", "cancelled: your network ID and credential no longer work; the wallet file was removed"},
	KeyCLIEIDLeft:          {"你的电子身份证仍保存在钱包目录中；不再需要时请删除", "your electronic ID card is still stored in the wallet directory; delete it if you no longer need it"},
	KeyCLINotCancelled:     {"未确认：没有注销任何东西", "not confirmed: nothing was cancelled"},
	KeyCLINoWards:          {"没有被监护人", "no wards under supervision"},
	KeyCLIBatchRefreshed:   {"已获取 %d 个新的批次凭证，每个互联网平台使用其中一个", "%d new batch credentials, one for each relying party"},
	KeyCLILowBatch:         {"未用过的批次凭证还剩 %d 个，请运行 netid wallet refresh 获取新批次", "%d unused batch credentials left: run netid wallet refresh"},
	KeyCLIOldRevoked:       {"旧设备上的网证已作废", "the credential on the old device is revoked"},
	KeyCLINewPasswordSet:   {"新的网证口令已设置", "new credential password set"},
	KeyCLINewPhoneLinked:   {"新手机号已绑定", "new phone number linked"},
	KeyCLICredSuspended:    {"网证已暂停：在你恢复或重新签发之前，没有平台接受它", "credential suspended: no platform accepts it until you resume it or re-issue it"},
	KeyCLICredResumed:      {"网证已恢复", "credential resumed"},
	KeyCLILostRevoked:      {"丢失设备上的网证已作废", "the credential on the lost device is revoked"},
	KeyCLIEIDAdded:         {"电子身份证已添加（%s；%s）", "eID card added (%s; %s)"},
	KeyCLIEIDChecked:       {"已检查结构；签发网证时平台已验证证件", "structure checked; the platform authenticated it when the credential was issued"},
	KeyCLIEIDAuthenticated: {"芯片数据已按信任列表验证", "chip data authenticated against the trust list"},
	KeyCLIEIDValidUntil:    {"有效至 %s", "valid until %s"},
	KeyCLIEIDRenewing:      {"每 %s 更新一次；按 Ctrl-C 停止", "renewing every %s; interrupt (Ctrl-C) to stop"},

	KeyCLILabelWanghao:    {"网号", "network ID"},
	KeyCLILabelStatus:     {"状态", "status"},
	KeyCLILabelValidUntil: {"有效期至", "valid until"},
	KeyCLILabelValid:      {"有效期", "valid"},
	KeyCLILabelPlatform:   {"平台", "platform"},
	KeyCLILabelCredential: {"网证", "credential"},
	KeyCLILabelDocument:   {"证件", "document"},
	KeyCLILabelPhone:      {"手机号", "phone"},
	KeyCLILabelDeviceKey:  {"设备密钥", "device key"},
	KeyCLIStatusUnknown:   {"未知（%s）", "unknown (%s)"},
	KeyCLIStatusExpired:   {"，已过期", ", expired"},

	KeyCLIErrNoWallet:         {"这个钱包目录里没有网证。", "There is no credential in this wallet directory."},
	KeyCLIErrNoWalletNext:     {"先用 netid wallet apply 申领网证，或用 --wallet 指定钱包目录。", "Apply first with netid wallet apply, or name the wallet directory with --wallet."},
	KeyCLIErrWrongPassword:    {"网证口令不对，钱包打不开。", "Wrong credential password: the wallet does not open."},
	KeyCLIErrWrongPassNext:    {"请再输入一次 8 位网证口令；忘记了可用 netid wallet forgot-password 找回。", "Enter your 8-digit password again; if you forgot it, use netid wallet forgot-password."},
	KeyCLIErrCredentialExists: {"这个钱包里已经有网证。", "This wallet already holds a credential."},
	KeyCLIErrCredExistsNext:   {"要在本设备重新申领，请加 --replace（平台会作废旧网证）。", "To apply again on this device, give --replace (the platform then revokes the old one)."},
	KeyCLIErrExpired:          {"申请已过期。", "The application expired."},
	KeyCLIErrExpiredNext:      {"请重新申领。", "Apply again."},
	KeyCLIErrDeclined:         {"监护人拒绝了申请。", "The guardian declined the application."},
	KeyCLIErrDeclinedNext:     {"请与监护人沟通后重新申领。", "Talk with your guardian, then apply again."},
	KeyCLIErrNoPending:        {"没有进行中的申请。", "No application in progress."},
	KeyCLIErrNoPendingNext:    {"请用 netid wallet apply 开始申领。", "Start one with netid wallet apply."},
	KeyCLIErrNoEID:            {"钱包里还没有电子身份证。", "The wallet holds no electronic ID card yet."},
	KeyCLIErrNoEIDNext:        {"请用 netid wallet eid add --document 文件 添加。", "Add it with netid wallet eid add --document FILE."},
	KeyCLIErrNoLiveness:       {"刷脸需要活体检测服务。", "The face check needs a liveness provider."},
	KeyCLIErrNoLivenessNext:   {"请加 --liveness-url（连开发服务器时加 --dev）。", "Give --liveness-url (or --dev against a development server)."},
	KeyCLIErrNoTerminal:       {"没有可以输入的终端。", "There is no terminal to ask on."},
	KeyCLIErrTriesLeft:        {"还可以再试 %d 次。", "%d tries left."},
	KeyCLIErrLockedUntil:      {"锁定到 %s。", "Locked until %s."},

	KeyCLIErrNoGuardianConsent:     {"未满十四周岁：钱包里没有监护人对这个平台的同意。", "Under 14: the wallet holds no guardian consent for this relying party."},
	KeyCLIErrNoGuardianConsentNext: {"请监护人用 netid wallet guardian allow 同意，再用 netid wallet consents 获取。", "Ask your guardian to consent with netid wallet guardian allow, then fetch it with netid wallet consents."},

	KeyEIDDocument:    {"证件", "document"},
	KeyEIDName:        {"姓名", "name"},
	KeyEIDNameLatin:   {"外文姓名", "name (Latin)"},
	KeyEIDSex:         {"性别", "sex"},
	KeyEIDEthnicity:   {"民族", "ethnicity"},
	KeyEIDNationality: {"国籍", "nationality"},
	KeyEIDBirth:       {"出生", "birth date"},
	KeyEIDAddress:     {"住址", "address"},
	KeyEIDNumber:      {"号码", "number"},
	KeyEIDAuthority:   {"签发机关", "authority"},
	KeyEIDValidity:    {"有效期限", "validity"},
	KeyEIDPhoto:       {"照片", "photo"},
	KeyEIDPhotoBytes:  {"%d 字节", "%d bytes"},
	KeyEIDNote:        {"说明", "note"},
	KeyEIDNotChecked:  {"钱包未验证芯片数据（签发网证时平台已验证）", "chip data not authenticated by the wallet (checked by the platform at issuance)"},
	KeyEIDForLife:     {"长期", "for life"},
	KeyEIDMale:        {"男", "male"},
	KeyEIDFemale:      {"女", "female"},

	KeyCLIHistoryHeader:   {"#\t时间\t谁\t方式\t级别\t提供\t结果", "#\tTIME\tWHO\tHOW\tLEVEL\tPROVIDED\tOUTCOME"},
	KeyCLIConsentsHeader:  {"核验\t被监护人\t平台\t用途\t提供", "SESSION\tWARD\tRELYING PARTY\tPURPOSE\tSHARES"},
	KeyCLIRequestsHeader:  {"申请\t姓名\t年龄\t证件\t过期时间", "APPLICATION\tNAME\tAGE\tDOCUMENT\tEXPIRES"},
	KeyCLIPlatformsHeader: {"平台\t名称\t域名\t提供\t授权时间", "RP\tNAME\tDOMAINS\tSHARED\tSINCE"},
	KeyCLIWardsHeader:     {"被监护人\t姓名\t年龄\t监护方式", "WARD\tNAME\tAGE\tSUPERVISION"},
	KeyCLIStatementHeader: {"平台\t有效期至", "AUDIENCE\tVALID UNTIL"},
	KeyCLIByGuardian:      {"（监护人）", " (guardian)"},
	KeyCLIGuardianGave:    {"（监护人已同意）", " (guardian consented)"},
	KeyCLIWardInformed:    {"知情（14 至 17 周岁）", "informed (14 to 17)"},
	KeyCLIWardConsent:     {"每个平台须你同意；记录：netid wallet history --ward %s", "your consent per platform; records: netid wallet history --ward %s"},

	KeyLogRewound:  {"警告：平台的核验记录日志比本网证上次看到时更短，有记录被删除。请保存本提示和 %s，并向监督机构举报。", "Warning: the platform's verification record log is shorter than when this wallet last saw it; records were removed. Keep this message and %s, and report it to the supervising authority."},
	KeyLogForked:   {"警告：平台的核验记录日志与本网证上次看到的不一致，有记录被改写。请保存本提示和 %s，并向监督机构举报。", "Warning: the platform's verification record log does not extend the one this wallet last saw; records were rewritten. Keep this message and %s, and report it to the supervising authority."},
	KeyLogUnproven: {"警告：平台未能证明这些核验记录在其记录日志中。请稍后再试；如仍出现，请向监督机构举报。", "Warning: the platform did not prove these verification records are in its record log. Try again later; if it persists, report it to the supervising authority."},
}
