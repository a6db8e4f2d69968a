package i18n

// Messages of counter applications (柜台办理) a person reads: how the
// holder's history names them.
func init() { addNamed(counterMessages) }

var counterMessages = map[Key]entry{
	"history.channel.counter":                   {"柜台办理", "At a counter"},
	"history.outcome.applied_at_counter":        {"在柜台核验了证件和人脸，在自己的网证应用中完成申领", "Document and face checked at the counter; the application finished in your own wallet"},
	"history.outcome.wanghao_issued_at_counter": {"在柜台核验了证件和人脸，领取了网号（没有网证）", "Document and face checked at the counter; a network ID number given without a credential"},
}
