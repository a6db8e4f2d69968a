package webwallet

import "github.com/netid-project/netid/internal/i18n"

// section is one of the wallet's sections: a page reachable from the home
// screen. Until a section works in the browser, its page says so and names
// the reference wallet's commands that do the same.
type section struct {
	Slug string
	Name i18n.Key
	Desc i18n.Key
	// Main marks the three main actions, the only ones care mode's home
	// shows.
	Main bool
	// Commands are the command-line wallet's commands for this section.
	Commands []string
}

// Path is the section page's path.
func (s section) Path() string { return PathWallet + "/" + s.Slug }

var sections = []section{
	{"apply", i18n.KeyWalletApply, i18n.KeyWalletApplyDesc, true, []string{"netid wallet apply"}},
	{"approve", i18n.KeyWalletApprove, i18n.KeyWalletApproveDesc, true, []string{"netid wallet approve '<链接 link>'"}},
	{"history", i18n.KeyWalletHistory, i18n.KeyWalletHistoryDesc, false, []string{"netid wallet history"}},
	{"eid", i18n.KeyWalletEID, i18n.KeyWalletEIDDesc, true, []string{"netid wallet eid"}},
	{"guardian", i18n.KeyWalletGuardian, i18n.KeyWalletGuardDesc, false, []string{"netid wallet guardian", "netid wallet wards"}},
	{"cases", "cases.name", "cases.desc", false, []string{"netid wallet case open …", "netid wallet case list"}},
	{"settings", i18n.KeyWalletSettings, i18n.KeyWalletSettingDesc, false, []string{"netid wallet status", "netid wallet suspend", "netid wallet password", "netid wallet phone", "netid wallet platforms", "netid wallet cancel"}},
	{"recover", "recover.name", "recover.desc", false, []string{"netid wallet device --wanghao …", "netid wallet forgot-password --wanghao …", "netid wallet new-phone --document …", "netid wallet recover --document … --action suspend|resume|reissue"}},
}

// mainSections are the three main actions.
var mainSections = func() []section {
	var m []section
	for _, s := range sections {
		if s.Main {
			m = append(m, s)
		}
	}
	return m
}()
