package i18n

// Messages of the operator's help (package help): the pages' footer
// (help.), the wallet pages' errors that carry it (js.help.), the command
// line's lines under such errors (cli.help.).
func init() {
	addNamed(helpMessages)
	add(helpCLIMessages)
}

var helpMessages = map[Key]entry{
	"help.title":      {"需要人工帮助", "Need a person to help?"},
	"help.hotline":    {"服务热线：", "Hotline:"},
	"help.offices":    {"查找就近的服务网点", "Find a service office near you"},
	"js.help.title":   {"这个问题需要工作人员帮您处理：", "A member of staff has to help you with this:"},
	"js.help.hotline": {"拨打服务热线 %s", "Call the hotline %s"},
	"js.help.offices": {"查找附近的服务网点", "Find a service office nearby"},
}

// Keys of the command line's help lines.
const (
	KeyCLIHelpTitle   Key = "cli.help.title"
	KeyCLIHelpHotline Key = "cli.help.hotline"
	KeyCLIHelpOffices Key = "cli.help.offices"
)

var helpCLIMessages = map[Key]entry{
	KeyCLIHelpTitle:   {"需要帮助：%s", "Help: %s"},
	KeyCLIHelpHotline: {"服务热线：%s", "Hotline: %s"},
	KeyCLIHelpOffices: {"服务网点：%s", "Service offices: %s"},
}
