package i18n

// Messages of counter applications (柜台办理) a person reads: how the
// holder's history names them.
func init() { addNamed(counterMessages) }

var counterMessages = map[Key]entry{
	"history.channel.counter":                   {"柜台办理", "At a counter"},
	"history.outcome.applied_at_counter":        {"在柜台核验了证件和人脸，在自己的网证应用中完成申领", "Document and face checked at the counter; the application finished in your own wallet"},
	"history.outcome.wanghao_issued_at_counter": {"在柜台核验了证件和人脸，领取了网号（没有网证）", "Document and face checked at the counter; a network ID number given without a credential"},
}

// What a counter's terminal shows the clerk and the person (netid counter
// apply).
const (
	KeyCLICounterHandover    Key = "cli.counter.handover"
	KeyCLICounterHandoverCLI Key = "cli.counter.handover-cli"
	KeyCLICounterWanghao     Key = "cli.counter.wanghao"
)

func init() {
	addNamed(map[Key]entry{
		KeyCLICounterHandover: {"证件和人脸已在柜台核验。请申请人用自己的手机打开下面的链接（或扫描二维码），在网证应用中绑定手机号、设置网证口令，领取网证；%s前有效，只交给申请人本人：",
			"The document and face were checked at the counter. The applicant opens this link on their own phone (or scans the QR code) to bind their phone number, set the credential password and receive the credential; valid until %s, for the applicant only:"},
		KeyCLICounterHandoverCLI: {"用命令行钱包领取：", "With the command-line wallet:"},
		KeyCLICounterWanghao: {"证件和人脸已在柜台核验，已办理网号（没有网证）：%s。申请人以后可以再到柜台办理，或用自己的手机申领网证，网号不变。",
			"The document and face were checked at the counter; network ID number given without a credential: %s. The applicant may come back to a counter, or apply for a credential with their own phone later, keeping the same number."},
	})
}
