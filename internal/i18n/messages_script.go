package i18n

// Messages that every page script shows (static/wallet.js: js.); the
// person-facing texts of the API's problems (err.) are in
// messages_problems.go. Pages' scripts name them as strings; webwallet's
// tests check every name a script uses is here.
func init() { addNamed(scriptMessages) }

var scriptMessages = map[Key]entry{
	"js.error.what":      {"操作没有成功。", "That did not work."},
	"js.error.next":      {"请稍后再试；如果一直不行，请联系客服。", "Try again in a moment; if it keeps failing, contact the help line."},
	"js.error.remaining": {"还可以再试 %d 次。", "%d tries left."},
	"js.noscript":        {"网证钱包需要浏览器允许运行脚本。", "The wallet needs a browser that runs scripts."},
	"js.working":         {"请稍候……", "Please wait…"},
	"js.no-wallet":       {"这个浏览器里还没有网证。", "There is no credential in this browser yet."},
	"js.no-wallet.next":  {"先申领网证。", "Apply for your credential first."},

	"js.crypto.wrong-password":      {"口令不对。", "Wrong password."},
	"js.crypto.wrong-password.next": {"请再输入一次 8 位网证口令。", "Enter your 8-digit password again."},
	"js.crypto.no-key":              {"这个浏览器里没有网证的密钥。", "This browser holds no credential key."},
	"js.crypto.no-key.next":         {"请在申领网证的浏览器中操作，或在“设置”中迁移到本设备。", "Use the browser you applied in, or move the credential to this device in Settings."},
	"js.crypto.storage":             {"浏览器无法保存钱包数据。", "The browser cannot store the wallet's data."},
	"js.crypto.storage.next":        {"请关闭无痕模式或释放存储空间后再试。", "Leave private browsing or free some space, then try again."},
	"js.crypto.key-exists":          {"这个浏览器里已经有网证。", "This browser already holds a credential."},
	"js.crypto.key-exists.next":     {"回到钱包首页查看。", "Go to the wallet's home to see it."},
	"js.crypto.malformed":           {"钱包数据已损坏。", "The wallet's data is damaged."},
	"js.crypto.malformed.next":      {"请在“设置”中找回网证。", "Recover your credential in Settings."},

	"js.insecure":      {"这个页面不是通过安全连接（https）打开的，浏览器不允许在这里保存网证或使用摄像头。", "This page was not opened over a secure connection (https): the browser keeps no credential here and gives it no camera."},
	"js.insecure.next": {"请用 https 地址打开网证钱包；在本机试用时用 http://127.0.0.1。", "Open the wallet at its https address; to try it on this computer, use http://127.0.0.1."},

	"js.camera.denied":      {"无法使用摄像头。", "The camera cannot be used."},
	"js.camera.denied.next": {"请在浏览器设置中允许本网站使用摄像头，然后再试。", "Allow this site to use the camera in the browser's settings, then try again."},
}
