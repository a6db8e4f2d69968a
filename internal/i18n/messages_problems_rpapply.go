package i18n

// The problem types of relying parties' applications and daily counts
// (internal/rpapply, internal/server's GET /v1/rp/stats).
func init() { addProblems(rpApplyProblems) }

var rpApplyProblems = map[string]problem{
	"rp-application-invalid":         {{"接入申请信息无效", "Invalid relying party application"}, {"请按 errors 中列出的规则修改后重新申请。", "Fix what errors lists and apply again."}},
	"rp-application-not-found":       {{"找不到该接入申请", "Application not found"}, {"请检查申请编号和申请令牌。", "Check the application's ID and token."}},
	"rp-application-state":           {{"接入申请当前不能进行此操作", "The application is not in a state for this"}, {"请查看申请状态：已决定的申请不能再改；凭据只在批准后发放一次。", "Look at the application's state: a decided application cannot change; credentials are given once, after approval."}},
	"rp-application-unproved":        {{"还有域名未证明", "Not every domain is proved"}, {"请等申请方证明全部域名后再批准。", "Wait until the applicant has proved every domain, then approve."}},
	"rp-application-client-id-taken": {{"该客户端 ID 已被使用", "Client ID taken"}, {"请换一个客户端 ID 重新申请。", "Apply again with another client ID."}},
	"rp-application-checks":          {{"本小时的域名检查次数已用完", "Too many domain checks"}, {"请先发布好验证文件或 DNS 记录，一小时后再检查。", "Publish the file or the DNS record first, then check again in an hour."}},
	"rp-application-reason":          {{"决定理由无效", "Invalid reason"}, {"拒绝必须写明理由；理由不超过 500 个字符，不含控制字符，首尾无空白。", "A refusal needs a reason; a reason has at most 500 characters, no control characters and no white space at either end."}},
	"rp-application-query":           {{"查询参数无效", "Invalid query parameter"}, {"状态只能是 pending、approved 或 refused。", "The state is pending, approved or refused."}},
	"rp-query":                       {{"查询参数无效", "Invalid query parameter"}, {"请检查日期：YYYY-MM-DD，起始不晚于结束，最多 92 天。", "Check the dates: YYYY-MM-DD, from not after to, at most 92 days."}},
}
