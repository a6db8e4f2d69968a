package i18n

// Messages about the crypto suite (es256 or sm) of a wallet's keys, as
// netid wallet prints them.
func init() { add(suiteMessages) }

// The wallet's key is not of the crypto suite of its credential's issuer;
// the platform names no crypto suite the wallet knows.
const (
	KeyCLIErrKeySuite          Key = "cli.err.key-suite"
	KeyCLIErrKeySuiteNext      Key = "cli.err.key-suite.next"
	KeyCLIErrPlatformSuite     Key = "cli.err.platform-suite"
	KeyCLIErrPlatformSuiteNext Key = "cli.err.platform-suite.next"
)

var suiteMessages = map[Key]entry{
	KeyCLIErrKeySuite: {"钱包的密钥与网证签发平台的密码算法不一致（SM2 与 P-256 不能混用）",
		"The wallet's key does not match the algorithms of the platform that issued the credential (SM2 and P-256 cannot be mixed)"},
	KeyCLIErrKeySuiteNext: {"请用 netid wallet apply 在这个平台重新申领网证",
		"Apply again on this platform with netid wallet apply"},
	KeyCLIErrPlatformSuite: {"平台没有说明本钱包支持的密码算法（P-256 或 SM2）",
		"The platform does not name a crypto suite this wallet supports (P-256 or SM2)"},
	KeyCLIErrPlatformSuiteNext: {"请更新 netid 钱包后重试；仍不行请联系平台运营方",
		"Update the netid wallet and try again; if that does not help, contact the platform's operator"},
}
