package i18n

// Messages of the web wallet's crypto suite (static/crypto.js, error code
// "suite": the platform's algorithms or the SM2/SM3 library could not be
// loaded).
func init() { addNamed(webSuiteMessages) }

var webSuiteMessages = map[Key]entry{
	"js.crypto.suite":      {"无法读取平台使用的密码算法。", "The platform's algorithms could not be read."},
	"js.crypto.suite.next": {"请检查网络后刷新页面再试。", "Check the connection, reload the page and try again."},
}
