package i18n

// Messages of the wallet's home screen (static/pages/home.js).
func init() { addNamed(homeMessages) }

var homeMessages = map[Key]entry{
	"home.apply":            {"申领网证", "Apply for your credential"},
	"home.mine":             {"我的网证", "My credential"},
	"home.wanghao":          {"网号", "Network ID number"},
	"home.status":           {"状态", "Status"},
	"home.valid":            {"有效期至", "Valid until"},
	"home.status.active":    {"正常", "Active"},
	"home.status.suspended": {"已暂停", "Suspended"},
	"home.status.revoked":   {"已作废", "Revoked"},
	"home.status.expired":   {"已过期", "Expired"},
}
