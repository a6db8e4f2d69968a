package i18n

// The problem types of counters (柜台): the register an operator keeps and
// the applications a counter's terminal submits on a person's behalf.
func init() { addProblems(counterProblems) }

var counterProblems = map[string]problem{
	"counter-invalid": {{"柜台登记信息不符合要求", "Invalid counter registration"},
		{"请按 errors 中列出的问题修改后重新登记。", "Fix the problems listed in errors and register again."}},
	"counter-exists": {{"该柜台 ID 已登记", "Counter already registered"},
		{"请换一个柜台 ID。", "Choose another counter ID."}},
	"counter-not-found": {{"找不到该柜台", "Counter not found"},
		{"请检查柜台 ID。", "Check the counter's ID."}},
	"counter-already-disabled": {{"该柜台已停用", "Counter already disabled"},
		{"无需再次停用；柜台恢复办理需以新的 ID 和密钥重新登记。", "Nothing to do; a counter that works again is registered under a new ID with a new key."}},
	"counter-submission-malformed": {{"柜台提交的申领格式不正确", "Malformed counter submission"},
		{"请用柜台终端重新读取证件并提交；仍不行请联系终端供应商。", "Read the document again at the counter's terminal and submit; if it still fails, contact the terminal's supplier."}},
	"counter-unknown": {{"平台不认识这个柜台", "Unknown counter"},
		{"请平台运营方先登记该柜台及其公钥。", "Ask the platform's operator to register this counter and its public key first."}},
	"counter-disabled": {{"该柜台已被停用，不能办理申领", "This counter is disabled and cannot take applications"},
		{"请到其他已登记的柜台办理，或用手机自行申领。", "Apply at another registered counter, or apply yourself with a phone."}},
	"counter-signature-invalid": {{"柜台签名无效", "Invalid counter signature"},
		{"请检查终端使用的是已登记的柜台私钥。", "Check that the terminal signs with the counter's registered private key."}},
	"counter-submission-stale": {{"柜台提交已过时", "Counter submission not fresh"},
		{"请检查终端时钟后重新提交。", "Check the terminal's clock and submit again."}},
	"counter-submission-replayed": {{"这份柜台提交已经用过", "Counter submission already used"},
		{"每份提交只能用一次：请重新读取证件并核验人脸后再提交。", "Each submission is used once: read the document and check the face again, then submit."}},
	"counter-face-not-passed": {{"柜台人脸核验未通过", "The counter's face check did not pass"},
		{"请在柜台重新进行人脸核验。", "Do the face check again at the counter."}},
	"counter-certificate-invalid": {{"柜台证书不在有效期内", "The counter's certificate is not valid now"},
		{"请平台运营方为该柜台登记新的证书和密钥后再办理。", "Ask the platform's operator to register the counter with a new certificate and key."}},
	"counter-face-binding": {{"人脸核验与证件照片不对应", "The face check does not match the document's photo"},
		{"请用刚读取的证件照片重新核验人脸。", "Check the face again against the photo just read from the document."}},
	"counter-minor": {{"未成年人不能在柜台单独申领", "Minors cannot apply alone at a counter"},
		{"未满18周岁的申请人请由监护人陪同，用监护人的网证申领。", "An applicant under 18 applies with their guardian, using the guardian's credential."}},
}
