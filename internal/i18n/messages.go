package i18n

// Messages of the web pages shared by every page: the site's name, the
// skip link, the switches.
const (
	KeySiteName      Key = "site.name"
	KeySkipToContent Key = "site.skip"
	KeySwitches      Key = "site.switches"
	KeyCareOn        Key = "site.care.on"
	KeyCareOff       Key = "site.care.off"
	KeyLanguage      Key = "site.language"
	KeyFooter        Key = "site.footer"
)

// Messages of the landing page (/).
const (
	KeyLandingTitle     Key = "landing.title"
	KeyLandingIntro     Key = "landing.intro"
	KeyLandingPrivacy   Key = "landing.privacy"
	KeyLandingWays      Key = "landing.ways"
	KeyLandingWallet    Key = "landing.wallet"
	KeyLandingWalletFor Key = "landing.wallet.for"
	KeyLandingVerifier  Key = "landing.verifier"
	KeyLandingVerifyFor Key = "landing.verifier.for"
	KeyLandingRP        Key = "landing.rp"
	KeyLandingRPIntro   Key = "landing.rp.intro"
	KeyLandingDiscovery Key = "landing.rp.discovery"
	KeyLandingSDK       Key = "landing.rp.sdk"
	KeyLandingRegister  Key = "landing.rp.register"
)

// Messages of the wallet (/wallet and its sections).
const (
	KeyWalletTitle       Key = "wallet.title"
	KeyWalletIntro       Key = "wallet.intro"
	KeyWalletSections    Key = "wallet.sections"
	KeyWalletHome        Key = "wallet.home"
	KeyWalletMain        Key = "wallet.main"
	KeyWalletAll         Key = "wallet.all"
	KeyWalletApply       Key = "wallet.apply"
	KeyWalletApplyDesc   Key = "wallet.apply.desc"
	KeyWalletApprove     Key = "wallet.approve"
	KeyWalletApproveDesc Key = "wallet.approve.desc"
	KeyWalletHistory     Key = "wallet.history"
	KeyWalletHistoryDesc Key = "wallet.history.desc"
	KeyWalletEID         Key = "wallet.eid"
	KeyWalletEIDDesc     Key = "wallet.eid.desc"
	KeyWalletGuardian    Key = "wallet.guardian"
	KeyWalletGuardDesc   Key = "wallet.guardian.desc"
	KeyWalletSettings    Key = "wallet.settings"
	KeyWalletSettingDesc Key = "wallet.settings.desc"
	KeyComingSoon        Key = "wallet.coming"
	KeyComingSoonDetail  Key = "wallet.coming.detail"
	KeyMeanwhile         Key = "wallet.meanwhile"
)

// Messages of the same-device page of a wallet link (/wallet/verify?code=…).
const (
	KeyLinkTitle   Key = "link.title"
	KeyLinkOpen    Key = "link.open"
	KeyLinkCommand Key = "link.command"
)

// Messages of the error pages a person sees.
const (
	KeyErrorTitle       Key = "error.title"
	KeyErrorBadLink     Key = "error.badlink"
	KeyErrorBadLinkNext Key = "error.badlink.next"
	KeyErrorExpired     Key = "error.expired"
	KeyErrorExpiredNext Key = "error.expired.next"
	KeyErrorBadRequest  Key = "error.badrequest"
	KeyErrorBackHome    Key = "error.home"
)

// entry is one message in both languages.
type entry struct{ zh, en string }

func init() { add(siteMessages) }

// siteMessages are the messages of the landing page, the wallet's shell
// and the error pages, Chinese first.
var siteMessages = map[Key]entry{
	KeySiteName:      {"netid 网络身份认证", "netid network identity"},
	KeySkipToContent: {"跳到正文", "Skip to content"},
	KeySwitches:      {"显示设置", "Display"},
	KeyCareOn:        {"关怀版", "Care mode"},
	KeyCareOff:       {"标准版", "Standard mode"},
	KeyLanguage:      {"语言", "Language"},
	KeyFooter:        {"netid 是开源的国家网络身份认证服务。", "netid is an open-source national network identity service."},

	KeyLandingTitle:     {"网络身份认证", "Network identity"},
	KeyLandingIntro:     {"用一个网号和网证，向网站和 App 证明你是你，不必每次交出身份证号。", "One network ID number and credential prove who you are to websites and apps, without handing over your ID number each time."},
	KeyLandingPrivacy:   {"你决定给出什么：常常只需一句“已满 18 岁”。", "You decide what to share: often just \"over 18\"."},
	KeyLandingWays:      {"从这里开始", "Start here"},
	KeyLandingWallet:    {"网证钱包", "The wallet"},
	KeyLandingWalletFor: {"申领网证、批准核验、出示电子身份证。", "Apply for your credential, approve checks, show your electronic ID card."},
	KeyLandingVerifier:  {"当面核验电子身份证", "Check an electronic ID card in person"},
	KeyLandingVerifyFor: {"酒店、车站、柜台：扫码核验来访者。", "Hotels, stations, counters: scan a visitor's code."},
	KeyLandingRP:        {"网站和 App 接入", "For websites and apps"},
	KeyLandingRPIntro:   {"接入方使用 OpenID Connect 或核验会话接口。", "Relying parties use OpenID Connect or the verification session API."},
	KeyLandingDiscovery: {"服务发现文档", "Discovery document"},
	KeyLandingSDK:       {"Go 开发包：%s", "Go SDK: %s"},
	KeyLandingRegister:  {"登记接入方：由运营方执行 %s", "Registration: the operator runs %s"},

	KeyWalletTitle:       {"网证钱包", "Wallet"},
	KeyWalletIntro:       {"你的网证、核验和电子身份证都在这里。", "Your credential, checks and electronic ID card, in one place."},
	KeyWalletSections:    {"钱包功能", "Wallet sections"},
	KeyWalletHome:        {"钱包首页", "Wallet home"},
	KeyWalletMain:        {"常用功能", "Main actions"},
	KeyWalletAll:         {"全部功能", "All sections"},
	KeyWalletApply:       {"申领", "Apply"},
	KeyWalletApplyDesc:   {"用证件和刷脸申领网证。", "Get your credential with your ID document and a face check."},
	KeyWalletApprove:     {"核验", "Approve"},
	KeyWalletApproveDesc: {"扫码或打开链接，批准网站的核验请求。", "Scan a code or open a link to approve a website's check."},
	KeyWalletHistory:     {"记录", "History"},
	KeyWalletHistoryDesc: {"谁在什么时候核验过你。", "Who checked you, and when."},
	KeyWalletEID:         {"电子身份证", "eID card"},
	KeyWalletEIDDesc:     {"出示电子身份证的二维码。", "Show your electronic ID card's QR code."},
	KeyWalletGuardian:    {"监护", "Guardian"},
	KeyWalletGuardDesc:   {"为孩子申领、确认申请和授权。", "Apply for a child, confirm applications and consents."},
	KeyWalletSettings:    {"设置", "Settings"},
	KeyWalletSettingDesc: {"暂停、改口令、换手机、注销。", "Suspend, change password or phone, cancel."},
	KeyComingSoon:        {"网页版即将推出", "Coming soon to the web"},
	KeyComingSoonDetail:  {"这一页还不能使用。", "This page does not work yet."},
	KeyMeanwhile:         {"现在可以在电脑终端中使用：", "Meanwhile, use the command line:"},

	KeyLinkTitle:   {"用网证核验", "Verify with your credential"},
	KeyLinkOpen:    {"在网证钱包中打开此链接，查看并批准核验请求：", "Open this link in your netid wallet to see and answer the request:"},
	KeyLinkCommand: {"或在终端中使用参考钱包：", "Or with the reference wallet on the command line:"},

	KeyErrorTitle:       {"出错了", "Something went wrong"},
	KeyErrorBadLink:     {"这个链接不完整或已损坏。", "This link is incomplete or damaged."},
	KeyErrorBadLinkNext: {"请回到要求核验的网站，重新扫码或点击链接。", "Go back to the website that asked, and scan its code or open its link again."},
	KeyErrorExpired:     {"页面已过期。", "This page has expired."},
	KeyErrorExpiredNext: {"请返回上一页，刷新后再试一次。", "Go back, reload the page and try again."},
	KeyErrorBadRequest:  {"这个请求无法处理。", "This request cannot be handled."},
	KeyErrorBackHome:    {"回到首页", "Back to the home page"},
}
