package i18n

// The API's problem types (RFC 9457), by slug: the title every problem
// document of the type carries, in the request's language, and what a
// person does next. They are the catalogue's "err.<slug>" (ProblemTitle)
// and "err.<slug>.next" (ProblemNext) messages, which the web wallet's
// pages and the command line show too. This table is the one place a
// problem type's text is written: a type declared with httpx.NewType
// without its entry here fails httpx's tests. Besides the API's types, it
// holds those a client makes up itself (network: the platform cannot be
// reached).
func init() { addProblems(problemMessages) }

// problem is a problem type's title and next step, each Chinese first.
type problem [2]entry

// problemSlugs holds the slug of every problem added by addProblems.
var problemSlugs []string

// addProblems puts the problems' messages into the catalogue as named
// messages. An area of the platform may keep its problems in a file of its
// own (messages_problems_<area>.go) and add them from that file's init.
func addProblems(ps map[string]problem) {
	ms := make(map[Key]entry, 2*len(ps))
	for slug, p := range ps {
		ms[ProblemTitle(slug)] = p[0]
		ms[ProblemNext(slug)] = p[1]
		problemSlugs = append(problemSlugs, slug)
	}
	addNamed(ms)
}

// ProblemSlugs returns the slug of every problem type the catalogue has
// messages for.
func ProblemSlugs() []string {
	return append([]string(nil), problemSlugs...)
}

var problemMessages = map[string]problem{
	// A client's own: the platform cannot be reached.
	"network": {{"连不上网证服务。", "The service cannot be reached."}, {"请检查网络后再试。", "Check your connection and try again."}},

	// The HTTP plumbing (httpx).
	"internal":               {{"服务内部出错", "Internal server error"}, {"请稍后再试；如果一直不行，请联系客服。", "Try again in a moment; if it keeps failing, contact the help line."}},
	"malformed-json":         {{"请求内容格式错误", "Malformed JSON"}, {"请更新应用后再试。", "Update the app and try again."}},
	"empty-body":             {{"请求内容为空", "Empty request body"}, {"请更新应用后再试。", "Update the app and try again."}},
	"unknown-field":          {{"请求中有不认识的字段", "Unknown field"}, {"请更新应用后再试。", "Update the app and try again."}},
	"duplicate-key":          {{"请求中有重复的字段", "Duplicate key"}, {"请更新应用后再试。", "Update the app and try again."}},
	"trailing-data":          {{"请求内容后有多余数据", "Trailing data"}, {"请更新应用后再试。", "Update the app and try again."}},
	"wrong-type":             {{"请求中字段类型错误", "Wrong JSON type"}, {"请更新应用后再试。", "Update the app and try again."}},
	"invalid-value":          {{"请求中有无效的值", "Invalid value"}, {"请检查填写的内容后再试。", "Check what you entered and try again."}},
	"body-too-large":         {{"请求内容太大", "Request body too large"}, {"请换一个更小的文件再试。", "Try again with a smaller file."}},
	"unsupported-media-type": {{"请求内容类型不支持", "Unsupported media type"}, {"请更新应用后再试。", "Update the app and try again."}},
	"method-not-allowed":     {{"不支持这种请求方式", "Method not allowed"}, {"请更新应用后再试。", "Update the app and try again."}},
	"not-found":              {{"找不到请求的内容", "Not found"}, {"请检查链接是否完整。", "Check that the link is complete."}},
	"rate-limited":           {{"操作太频繁", "Too many requests"}, {"请稍等一分钟再试。", "Wait a minute and try again."}},
	"service-unavailable":    {{"服务暂时不可用", "Service temporarily unavailable"}, {"没有做任何更改；请稍后再试。", "Nothing was changed; try again in a moment."}},

	// The server's own.
	"not-ready":         {{"服务尚未就绪", "Not ready"}, {"请稍后再试。", "Try again in a moment."}},
	"invalid-decision":  {{"无效的决定", "Invalid decision"}, {"请选择同意或拒绝。", "Choose approve or decline."}},
	"invalid-paging":    {{"无效的翻页参数", "Invalid paging"}, {"请回到第一页重新查看。", "Go back to the first page and look again."}},
	"invalid-tree-size": {{"无效的日志大小", "Invalid tree sizes"}, {"请使用平台公布的日志头重新检查。", "Check again with a tree head the platform published."}},
	"no-audit-head":     {{"核验记录日志尚无签名日志头", "No signed head yet"}, {"请稍后再查。", "Look again later."}},
	"mint-failed":       {{"无法生成测试证件", "Cannot mint document"}, {"请检查测试证件的资料后再试。", "Check the test document's data and try again."}},
	"no-message":        {{"没有短信", "No message"}, {"请先让平台发送验证码。", "Have the platform send a code first."}},
	"invalid-face-hash": {{"无效的证件照片摘要", "Invalid face image hash"}, {"请重新读取证件后再试。", "Read the document again and try again."}},

	// Applications (proofing).
	"application-not-found":      {{"找不到申请", "Application not found"}, {"请重新申领。", "Start a new application."}},
	"application-expired":        {{"申请已过期", "Application expired"}, {"请重新申领。", "Start a new application."}},
	"application-declined":       {{"监护人拒绝了申请", "Application declined by the guardian"}, {"请与监护人沟通后重新申领。", "Talk with your guardian, then apply again."}},
	"wrong-state":                {{"现在不能进行这一步", "Step not allowed now"}, {"请刷新后按提示继续。", "Reload and continue where the wallet shows."}},
	"document-type-mismatch":     {{"证件类型不符", "Document type does not match"}, {"请选择与证件一致的类型后再试。", "Choose the type of the document you hold and try again."}},
	"guardian-required":          {{"须由监护人为其申领", "A guardian must apply for this person"}, {"请让监护人在其钱包中为你申领。", "Ask your guardian to apply for you from their wallet."}},
	"not-a-child":                {{"只有未满十四周岁的儿童由监护人申领", "Only children under 14 are applied for by a guardian"}, {"请本人申领。", "The person applies themselves."}},
	"guardian-ineligible":        {{"监护人不符合条件", "Guardian not eligible"}, {"监护人须持有正常使用的网证。", "The guardian needs an active network credential."}},
	"face-attempts-exhausted":    {{"刷脸失败次数太多", "Too many failed face checks"}, {"请重新申领。", "Start a new application."}},
	"invalid-device-proof":       {{"设备密钥证明无效", "Invalid device key proof"}, {"请重新申领。", "Start a new application."}},
	"batch-limit":                {{"今天获取新批次凭证的次数太多", "Too many new batches today"}, {"请明天再试。", "Try again tomorrow."}},
	"guardian-request-not-found": {{"找不到这个监护请求", "No such guardian request"}, {"请刷新待办列表后再试。", "Reload the list of requests and try again."}},
	"no-phone":                   {{"还没有填写手机号", "No phone number given yet"}, {"请先填写手机号。", "Enter your phone number first."}},
	"application-kind":           {{"申请类型不对", "Unknown or unsuitable kind of application"}, {"请从钱包首页重新开始。", "Start again from the wallet's home."}},
	"no-such-holder":             {{"这个网号或证件没有在用的网络身份", "No network identity in use for this network ID number or document"}, {"请检查网号或证件；还没有网证的请先申领。", "Check the number or document; if you have no credential yet, apply."}},
	"phone-not-linked":           {{"不是网号绑定的手机号", "Not the phone number linked to the network identity"}, {"请填写网号绑定的手机号；换了手机号请用证件办理。", "Enter the phone linked to your network ID; if it changed, use your document."}},
	"phone-misses":               {{"今天填错手机号的次数太多", "Too many wrong phone numbers today"}, {"请明天再试。", "Try again tomorrow."}},
	"password-tries-exhausted":   {{"本次申请口令错误次数太多", "Too many wrong passwords in this application"}, {"请重新申领。", "Start a new application."}},
	"password-tries-client":      {{"从这个网络尝试口令的次数太多", "Too many password tries from this address"}, {"请稍后再试。", "Try again later."}},
	"password-tries-holder":      {{"今天这个网络身份尝试口令的次数太多", "Too many password tries for this network identity today"}, {"请明天再试。", "Try again tomorrow."}},
	"sms-holder-limit":           {{"发往绑定手机的验证码太多", "Too many codes sent to the linked phone"}, {"请明天再试。", "Try again tomorrow."}},
	"same-phone":                 {{"新手机号就是已绑定的号码", "The new phone number is the one already linked"}, {"无需更换；如要换号请填写新号码。", "Nothing to change; to change it, enter the new number."}},
	"operator-suspension":        {{"网证已被运营方暂停", "The network credential is suspended by an operator"}, {"请联系客服了解原因；本人不能恢复。", "Contact the help line to learn why; you cannot resume it yourself."}},
	"document-expired-reapply":   {{"身份证件已过期", "The identity document has expired: apply with the renewed document"}, {"请用换领后的新证件重新申领。", "Apply again with your renewed document."}},
	"nothing-to-resume":          {{"没有由本人暂停的网证", "No credential suspended by its holder"}, {"网证正常，无需恢复。", "Your credential is not suspended by you: nothing to resume."}},
	"no-active-credential":       {{"没有正常使用的网证", "No active network credential"}, {"请先申领网证。", "Apply for your credential first."}},

	// Chip data.
	"malformed-chip-data":                 {{"证件芯片数据格式错误", "Malformed chip data"}, {"请重新读取证件。", "Read your document again."}},
	"untrusted-document-signer":           {{"证件签发者不可信", "Document signer not trusted"}, {"请使用有效的法定证件。", "Use a valid legal identity document."}},
	"chip-signature-invalid":              {{"证件芯片数据签名无效", "Chip data signature invalid"}, {"请重新读取证件。", "Read your document again."}},
	"chip-data-altered":                   {{"证件芯片数据被改动", "Chip data altered"}, {"请重新读取证件。", "Read your document again."}},
	"document-signer-certificate-invalid": {{"证件签发者证书无效", "Document signer certificate invalid"}, {"请使用有效的法定证件。", "Use a valid legal identity document."}},
	"document-expired":                    {{"证件已过期", "Document expired"}, {"请使用有效期内的证件。", "Use a document that is still valid."}},
	"document-not-yet-valid":              {{"证件尚未生效", "Document not yet valid"}, {"请在证件生效后再申领。", "Apply once the document is valid."}},
	"invalid-document-number":             {{"证件号码无效", "Invalid document number"}, {"请检查证件后重新读取。", "Check the document and read it again."}},
	"invalid-identity-data":               {{"证件芯片中的身份信息缺失或不合理", "Identity data in the chip is missing or impossible"}, {"请重新读取证件；仍不行请到发证机关咨询。", "Read the document again; if it persists, ask the issuing authority."}},
	"document-number-mismatch":            {{"证件号码与芯片数据不一致", "Document number disagrees with the chip data"}, {"请重新读取证件；仍不行请到发证机关咨询。", "Read the document again; if it persists, ask the issuing authority."}},

	// Face checks.
	"untrusted-liveness-provider":  {{"刷脸服务不可信", "Liveness provider not trusted"}, {"请使用平台认可的刷脸服务。", "Use a face check service the platform accepts."}},
	"invalid-liveness-attestation": {{"刷脸结果无效", "Invalid liveness attestation"}, {"请重新刷脸。", "Do the face check again."}},
	"liveness-binding-mismatch":    {{"刷脸结果属于另一次核验", "Liveness attestation is for another check"}, {"请重新刷脸。", "Do the face check again."}},
	"not-live":                     {{"未确认是本人活体", "Liveness not confirmed"}, {"请在光线充足处正对摄像头，再刷一次。", "Face the camera in good light and try again."}},
	"face-mismatch":                {{"人脸与证件照片不一致", "Face does not match the document"}, {"请本人正对摄像头，再刷一次。", "The document's holder faces the camera and tries again."}},
	"liveness-attestation-expired": {{"刷脸结果已过期", "Liveness attestation expired"}, {"请重新刷脸。", "Do the face check again."}},
	"liveness-unavailable":         {{"本平台没有刷脸服务", "No face check provider on this platform"}, {"现在无法在网页上刷脸；请用命令行钱包或稍后再试，如一直不行请联系客服。", "The face check cannot be done in the browser now; use the command-line wallet or try later, and contact the help line if it persists."}},
	"liveness-unauthenticated":     {{"刷脸请求没有授权", "Face check not authorised"}, {"请从申请或核验页面重新开始刷脸。", "Start the face check again from the application or verification page."}},
	"liveness-provider-failed":     {{"刷脸服务暂时没有响应", "The face check provider did not answer"}, {"请稍后再刷一次；如一直不行请联系客服。", "Try the face check again later; contact the help line if it persists."}},
	"invalid-face-capture":         {{"摄像头画面无效", "Invalid camera picture"}, {"请允许使用摄像头，正对镜头再刷一次。", "Allow the camera, face it and try again."}},
	"no-face-check-due":            {{"这次核验现在不需要刷脸", "No face check is due in this verification"}, {"请重新扫描核验二维码。", "Scan the verification QR code again."}},

	// SMS codes.
	"invalid-phone":           {{"手机号无效", "Invalid phone number"}, {"请检查手机号后再试。", "Check the phone number and try again."}},
	"sms-too-soon":            {{"获取验证码太频繁", "Code requested too soon"}, {"请稍等一分钟再获取。", "Wait a minute before asking for a new code."}},
	"sms-daily-cap":           {{"这个号码今天的验证码已达上限", "Daily code limit reached for this number"}, {"请明天再试。", "Try again tomorrow."}},
	"code-expired":            {{"验证码已过期", "Code expired"}, {"请重新获取验证码。", "Ask for a new code."}},
	"code-used":               {{"验证码已使用过", "Code already used"}, {"请重新获取验证码。", "Ask for a new code."}},
	"wrong-code":              {{"验证码不对", "Wrong code"}, {"请核对短信中的 6 位验证码后再输入。", "Check the 6-digit code in the text message and enter it again."}},
	"code-attempts-exhausted": {{"验证码输错次数太多", "Too many wrong codes"}, {"请重新获取验证码。", "Ask for a new code."}},
	"no-code":                 {{"还没有发送验证码", "No code was sent"}, {"请先获取验证码。", "Ask for a code first."}},
	"sms-unavailable":         {{"短信服务不可用", "SMS unavailable"}, {"请稍后再试；如果一直不行，请联系客服。", "Try again later; if it keeps failing, contact the help line."}},

	// Credential passwords.
	"weak-password":   {{"网证口令太简单", "Credential password too weak"}, {"请换一个 8 位数字：不要重复、连续的数字或生日。", "Choose other 8 digits: no repeats, runs or birth date."}},
	"wrong-password":  {{"网证口令不对", "Wrong credential password"}, {"请再输入一次 8 位网证口令。", "Enter your 8-digit password again."}},
	"password-locked": {{"网证口令已锁定", "Credential password locked"}, {"请一小时后再试，或用证件找回口令。", "Try again in an hour, or reset the password with your document."}},

	// Guardians' relationship evidence.
	"untrusted-relationship-authority": {{"监护关系证明的签发方不可信", "Relationship authority not trusted"}, {"请向认可的机构获取监护关系证明。", "Get the relationship evidence from an accepted authority."}},
	"invalid-relationship-evidence":    {{"监护关系证明无效", "Invalid relationship evidence"}, {"请重新获取监护关系证明。", "Get the relationship evidence again."}},
	"relationship-mismatch":            {{"监护关系证明属于他人", "Relationship evidence is for someone else"}, {"请获取本次申请的监护关系证明。", "Get the relationship evidence for this application."}},
	"relationship-evidence-expired":    {{"监护关系证明已过期", "Relationship evidence expired"}, {"请重新获取监护关系证明。", "Get the relationship evidence again."}},
	"invalid-relationship-claim":       {{"监护关系声明无效", "Invalid relationship claim"}, {"请重新获取监护关系证明。", "Get the relationship evidence again."}},

	// Holder proofs.
	"holder-unauthenticated": {{"持证设备证明无效", "Holder proof invalid"}, {"请在申领网证的设备上操作，或把网证迁移到本设备。", "Use the device you applied on, or move your credential to this one."}},
	"holder-proof-replayed":  {{"持证设备证明已使用过", "Holder proof already used"}, {"请再试一次。", "Try again."}},
	"credential-inactive":    {{"网证不能正常使用", "Network credential not active"}, {"请在钱包中查看网证状态。", "See your credential's status in the wallet."}},

	"status-list-not-found": {{"找不到状态列表", "No such status list"}, {"请更新应用后再试。", "Update the app and try again."}},

	// Verifications.
	"invalid-verification-request": {{"核验请求无效", "Invalid verification request"}, {"请回到要求核验的网站重新开始。", "Go back to the website that asked and start again."}},
	"claim-not-allowed":            {{"该网站无权获取这项信息", "Claim not allowed for this relying party"}, {"请联系要求核验的网站。", "Contact the website that asked."}},
	"session-not-found":            {{"找不到核验请求", "Verification session not found"}, {"请回到要求核验的网站，重新扫码或点击链接。", "Go back to the website that asked, and scan its code or open its link again."}},
	"session-expired":              {{"核验请求已过期", "Verification session expired"}, {"请回到要求核验的网站重新开始。", "Go back to the website that asked and start again."}},
	"session-closed":               {{"核验请求已结束", "Verification session already ended"}, {"请回到要求核验的网站重新开始。", "Go back to the website that asked and start again."}},
	"no-longer-usable":             {{"网证或网站已不能用于这次核验", "Credential or relying party no longer usable for this verification"}, {"请在钱包中查看网证状态。", "See your credential's status in the wallet."}},
	"session-claimed":              {{"核验请求已由另一个钱包处理", "Verification session belongs to another wallet"}, {"请回到要求核验的网站重新开始。", "Go back to the website that asked and start again."}},
	"wrong-holder":                 {{"这次核验是给另一个人的", "This verification is for another person"}, {"请由被核验的本人在其钱包中处理。", "The person asked for answers it in their own wallet."}},
	"level-not-reached":            {{"未达到要求的核验级别", "Assurance level not reached"}, {"请按要求输入口令或刷脸后再试。", "Give the password or the face check asked for, and try again."}},
	"not-under-14":                 {{"被监护人已满十四周岁，无需监护人同意", "The ward is 14 or older: no guardian consent applies"}, {"被监护人可以自己决定。", "The ward decides for themselves."}},
	"relying-party-not-found":      {{"找不到这个网站", "No such relying party"}, {"请检查网站的名称。", "Check the website's name."}},
	"too-many-reports":             {{"今天申报的出示记录太多", "Too many reported presentations today"}, {"请明天再试。", "Try again tomorrow."}},
	"client-unauthenticated":       {{"接入方身份验证失败", "Relying party not authenticated"}, {"请检查客户端 ID 和密钥。", "Check the client ID and secret."}},
	"client-disabled":              {{"接入方已被停用", "Relying party disabled"}, {"请联系平台运营方。", "Contact the platform's operator."}},

	// Holder and operator actions on a credential (lifecycle).
	"identity-cancelled":     {{"网号已注销", "Network identity cancelled"}, {"如需再次使用，请用证件重新申领。", "To use it again, apply again with your document."}},
	"no-such-person":         {{"没有人持有这个网号", "No person holds this network ID number"}, {"请检查网号后再试。", "Check the network ID number and try again."}},
	"already-suspended":      {{"网证已经暂停", "Network credential already suspended"}, {"无需再次暂停；恢复请用“恢复”。", "Nothing to do; to resume it, use resume."}},
	"no-operator-suspension": {{"没有被运营方暂停的网证", "No credential suspended by an operator"}, {"无需解除。", "Nothing to lift."}},
	"invalid-reason":         {{"无效的状态原因", "Invalid status reason"}, {"请选择列出的原因之一。", "Choose one of the reasons listed."}},
	"unknown-action":         {{"不认识的操作", "Unknown action"}, {"请更新应用后再试。", "Update the app and try again."}},
	"same-password":          {{"新口令与当前口令相同", "The new password is the current one"}, {"请换一个新口令。", "Choose a different password."}},
	"no-linked-phone":        {{"没有绑定手机号", "No phone number linked"}, {"请用证件办理换绑手机号。", "Link a phone with your document."}},
	"phone-changed":          {{"绑定的手机号刚被更改", "The linked phone number changed meanwhile"}, {"请重新开始。", "Start again."}},
	"consent-not-found":      {{"没有对这个网站的授权", "No consent for this relying party"}, {"请刷新已授权平台列表。", "Reload the list of authorised platforms."}},

	// The in-person check of electronic ID card codes.
	"eid-malformed":                 {{"不是本平台的电子身份证码", "Not an electronic ID card code of this platform"}, {"请持证人出示本平台的电子身份证码。", "Ask the holder to show this platform's eID code."}},
	"eid-signature-invalid":         {{"电子身份证码签名无效", "Electronic ID card code signature invalid"}, {"请持证人刷新后再扫。", "Ask the holder to renew the code, then scan again."}},
	"eid-expired":                   {{"电子身份证码已过期，请持证人刷新", "Electronic ID card code expired"}, {"请持证人刷新后再扫。", "Ask the holder to renew the code, then scan again."}},
	"eid-replayed":                  {{"电子身份证码已使用过，请持证人刷新", "Electronic ID card code already used"}, {"请持证人刷新后再扫。", "Ask the holder to renew the code, then scan again."}},
	"eid-credential-suspended":      {{"网证已暂停使用", "Network credential suspended"}, {"请核验其他证件。", "Check another document."}},
	"eid-credential-revoked":        {{"网证已注销或已更换", "Network credential revoked"}, {"请核验其他证件。", "Check another document."}},
	"eid-credential-expired":        {{"网证已过期", "Network credential expired"}, {"请核验其他证件。", "Check another document."}},
	"eid-identity-cancelled":        {{"网号已注销", "Network identity cancelled"}, {"请核验其他证件。", "Check another document."}},
	"eid-guardian-consent-required": {{"持证人未满十四周岁，其监护人尚未同意本核验点核验", "The holder is under 14: their guardian has not consented to this verifier"}, {"请监护人在其钱包中同意后再核验。", "The guardian consents from their wallet; then check again."}},
	"eid-not-in-person":             {{"本客户端未登记为线下核验方", "Relying party not registered for in-person checks"}, {"请联系平台运营方登记线下核验。", "Ask the platform's operator to register in-person checks."}},
	"eid-qr-unreadable":             {{"图片中没有可识别的二维码", "No readable QR code in the image"}, {"请拍一张更清楚的二维码照片。", "Take a sharper picture of the QR code."}},

	// The admin API.
	"rp-invalid":         {{"接入方登记信息无效", "Invalid relying party registration"}, {"请按 errors 中列出的规则修改。", "Fix what errors lists."}},
	"rp-exists":          {{"接入方已登记", "Relying party already registered"}, {"请使用另一个 ID，或更新已有登记。", "Use another ID, or update the registration."}},
	"rp-not-found":       {{"找不到接入方", "Relying party not found"}, {"请检查接入方 ID。", "Check the relying party's ID."}},
	"admin-unauthorized": {{"需要管理令牌", "Admin token required"}, {"请提供有效的管理令牌。", "Give a valid admin token."}},

	// The web wallet's links.
	"invalid-link": {{"链接无效", "Invalid link"}, {"请回到要求核验的网站，重新扫码或点击链接。", "Go back to the website that asked, and scan its code or open its link again."}},
}
