package i18n

// Messages of relying parties' other way in for people who do not use a
// 网号: the consent pages (the OpenID Connect sign-in page, the web
// wallet's approve page) and the command line's approve show it.
func init() {
	addNamed(rpAltMessages)
	add(rpCLIMessages)
}

// Keys of the other way in, as the command line and the sign-in page show
// it (the approve page names its keys as strings).
const (
	KeyCLIRequestAlt  Key = "cli.request.alt"
	KeyOIDCAltHeading Key = "oidc.alt.h"
	KeyOIDCAltLead    Key = "oidc.alt.lead"
	KeyOIDCAltLink    Key = "oidc.alt.link"
)

var rpAltMessages = map[Key]entry{
	"approve.alt":      {"不用网号的方式", "Without a network ID"},
	"approve.alt.lead": {"你不必使用网号：这个平台也提供其他方式。", "You do not have to use a network ID: this platform offers another way in."},
	"approve.alt.link": {"打开其他方式", "Open the other way in"},
	KeyOIDCAltHeading:  {"不用网号也可以", "You need not use a network ID"},
	KeyOIDCAltLead:     {"%s 也提供其他方式：", "%s also offers another way in:"},
	KeyOIDCAltLink:     {"不用网号，改用其他方式", "Use the other way in instead"},
}

var rpCLIMessages = map[Key]entry{
	KeyCLIRequestAlt: {"  不用网号也可以：%s", "  without a network ID: %s"},
}
