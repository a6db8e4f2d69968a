package i18n

// Messages of the page that answers a relying party's verification
// (static/pages/approve.js), and the names of the claims and levels it
// shares with the history page (static/pages/history.js): written once
// here, given to each page under its own prefix.
func init() {
	addNamed(approveMessages)
	addNamed(linkMessages)
	addNamed(withPrefix("approve.claim.", claimNames))
	addNamed(withPrefix("history.claim.", claimNames))
	addNamed(withPrefix("approve.level.", levelNames))
	addNamed(withPrefix("history.level.", levelNames))
}

// withPrefix returns ms with prefix before every key.
func withPrefix(prefix string, ms map[Key]entry) map[Key]entry {
	out := make(map[Key]entry, len(ms))
	for k, m := range ms {
		out[Key(prefix)+k] = m
	}
	return out
}

// claimNames are the claims a relying party receives, as a person reads
// them (package relyingparty names them).
var claimNames = map[Key]entry{
	"verified":             {"核验结果（是否为本人）", "The verification result (that it is you)"},
	"sub":                  {"该平台专用的用户标识（不是网号）", "An identifier for this platform only (not your network ID number)"},
	"wanghao":              {"网号", "Your network ID number"},
	"age_over_14":          {"是否年满 14 周岁", "Whether you are 14 or older"},
	"age_over_16":          {"是否年满 16 周岁", "Whether you are 16 or older"},
	"age_over_18":          {"是否年满 18 周岁", "Whether you are 18 or older"},
	"age_over_60":          {"是否年满 60 周岁", "Whether you are 60 or older"},
	"age_band":             {"年龄段（不含出生日期）", "Your age band (not your birth date)"},
	"name":                 {"姓名", "Name"},
	"sex":                  {"性别", "Sex"},
	"birthdate":            {"出生日期", "Date of birth"},
	"document_type":        {"证件类型", "Document type"},
	"document_number":      {"证件号码", "Document number"},
	"document_valid_until": {"证件有效期", "Document validity"},
	"nationality":          {"国籍", "Nationality"},
	"photo":                {"证件照片", "Document photo"},
}

// levelNames are the assurance levels, as a person reads them.
var levelNames = map[Key]entry{
	"possession": {"网证（本设备持有）", "Your credential on this device"},
	"password":   {"网证 + 网证口令", "Your credential and its password"},
	"face":       {"网证 + 网证口令 + 人脸核验", "Your credential, its password and a face check"},
}

var approveMessages = map[Key]entry{
	"approve.intro":                   {"互联网平台要核验你的身份时，会显示一个二维码或链接。扫码或打开链接，看清是谁、为什么、要什么，再决定同意或拒绝。", "When an internet platform verifies who you are, it shows a QR code or a link. Scan it or open it, see who asks, why and for what, then approve or decline."},
	"approve.none":                    {"这个浏览器里还没有网证，不能在这里回答核验。", "There is no credential in this browser, so you cannot answer a verification here."},
	"approve.none.next":               {"先申领网证；或用已有网证的设备扫码。", "Apply for your credential first, or scan the code with the device that holds yours."},
	"approve.apply":                   {"申领网证", "Apply for your credential"},
	"approve.scan.h":                  {"扫描二维码", "Scan the QR code"},
	"approve.scan.start":              {"打开摄像头扫码", "Open the camera to scan"},
	"approve.scan.stop":               {"停止扫码", "Stop scanning"},
	"approve.scan.hint":               {"把平台页面上的二维码放在画面中间，识别后会自动打开。", "Hold the platform's QR code in the middle of the picture: it opens by itself once read."},
	"approve.scan.video":              {"摄像头画面", "Camera picture"},
	"approve.paste.h":                 {"或者粘贴链接", "Or paste the link"},
	"approve.paste.label":             {"平台给你的链接（以 netid:// 或 https:// 开头）", "The link the platform gave you (starting with netid:// or https://)"},
	"approve.paste.open":              {"打开链接", "Open the link"},
	"approve.link.bad":                {"这不是有效的网证核验链接。", "This is not a valid netid verification link."},
	"approve.link.bad.next":           {"请重新扫码，或从平台页面复制完整的链接。", "Scan again, or copy the whole link from the platform's page."},
	"approve.link.unknown":            {"本钱包还不支持这个链接要求的操作。", "This wallet does not know what this link asks for yet."},
	"approve.link.unknown.next":       {"请刷新页面后再试；如果仍然不行，请用网证应用打开。", "Reload the page and try again; if it still fails, open it with the netid app."},
	"approve.link.other":              {"这个链接属于另一个公共服务平台：%s。", "This link is for another platform: %s."},
	"approve.link.other.next":         {"请用该平台的网证钱包打开它。", "Open it with that platform's wallet."},
	"approve.ask.h":                   {"核验请求", "Verification request"},
	"approve.who":                     {"请求方", "Who asks"},
	"approve.domains":                 {"网站", "Websites"},
	"approve.purpose":                 {"用途", "Purpose"},
	"approve.level":                   {"核验方式", "How you prove it"},
	"approve.claims":                  {"同意后对方将收到", "If you approve, it receives"},
	"approve.expires":                 {"请在 %s 前回答", "Answer before %s"},
	"approve.expires.h":               {"有效期", "Time left"},
	"approve.guardian":                {"你未满 14 周岁：你同意后，还需要监护人在其网证钱包中同意，对方才会收到结果。", "You are under 14: after you approve, your guardian must also consent in their wallet before the platform receives the result."},
	"approve.plaintext.h":             {"单独同意：提供证件信息明文", "Separate consent: sharing document data in plaintext"},
	"approve.plaintext.basis":         {"对方依据以下法律规定，要求获取明文信息：%s", "The platform asks for plaintext data under this law: %s"},
	"approve.plaintext.fields":        {"要求的明文信息：%s", "Plaintext data asked for: %s"},
	"approve.plaintext.label":         {"我单独同意向对方提供以上明文信息", "I separately consent to give this platform the data above in plaintext"},
	"approve.plaintext.hint":          {"不勾选也可以同意核验：对方只收到核验结果，不会收到明文信息。", "You can approve without it: the platform then receives the result, not the plaintext data."},
	"approve.password.label":          {"8 位网证口令", "Your 8-digit credential password"},
	"approve.password.hint":           {"这一核验方式需要网证口令。口令只发给公共服务平台核对，不会给对方。", "This level needs your credential password. It goes only to the public service platform, which checks it; never to the platform that asks."},
	"approve.password.missing":        {"请输入 8 位网证口令。", "Enter your 8-digit credential password."},
	"approve.password.missing.next":   {"口令是申领网证时设置的 8 位数字。", "It is the 8 digits you set when you applied."},
	"approve.face.h":                  {"人脸核验", "Face check"},
	"approve.face.hint":               {"点“同意”后会打开摄像头：请正对屏幕，保持光线充足。", "When you press Approve the camera opens: face the screen, in good light."},
	"approve.face.video":              {"人脸核验画面", "Face check picture"},
	"approve.face.none":               {"这一核验需要人脸核验，这个浏览器钱包在本平台上还不能做。", "This verification needs a face check, which this browser wallet cannot do on this platform yet."},
	"approve.face.none.next":          {"请用手机上的网证应用回答，或者拒绝。", "Answer it with the netid app on your phone, or decline."},
	"approve.approve":                 {"同意", "Approve"},
	"approve.decline":                 {"拒绝", "Decline"},
	"approve.done.h":                  {"结果", "Result"},
	"approve.done.approved":           {"已同意：%s 已收到核验结果。", "Approved: %s has received the verification result."},
	"approve.done.level":              {"核验方式：%s", "Level: %s"},
	"approve.done.provided":           {"提供的信息：%s", "Provided: %s"},
	"approve.done.declined":           {"已拒绝：%s 没有收到你的任何信息。", "Declined: %s has received nothing about you."},
	"approve.done.guardian":           {"你已同意，正在等待监护人同意。监护人同意后，%s 才会收到结果。", "You approved; it now waits for your guardian. %s receives the result only after your guardian consents."},
	"approve.done.ended":              {"这次核验已结束（%s），对方没有收到结果。", "This verification has ended (%s); the platform received no result."},
	"approve.done.next":               {"回到 %s 的页面继续。", "Go back to %s's page to continue."},
	"approve.back":                    {"前往 %s", "Go to %s"},
	"approve.history":                 {"查看核验记录", "See your verification records"},
	"approve.another":                 {"回答另一个核验", "Answer another verification"},
	"approve.state.approved":          {"已同意", "approved"},
	"approve.state.declined":          {"已拒绝", "declined"},
	"approve.state.cancelled":         {"对方已取消", "cancelled by the platform"},
	"approve.state.expired":           {"已过期", "expired"},
	"approve.state.failed":            {"未能完成", "failed"},
	"approve.state.awaiting_guardian": {"等待监护人同意", "waiting for your guardian"},
}

// linkMessages are the same-device link page's own (templates/link.html).
var linkMessages = map[Key]entry{
	"link.none":      {"这个浏览器里还没有网证？", "No credential in this browser?"},
	"link.none.next": {"申领网证后，就可以在这个浏览器里直接回答核验。", "Apply for one, and you can answer verifications right in this browser."},
	"link.apply":     {"申领网证", "Apply for your credential"},
}
