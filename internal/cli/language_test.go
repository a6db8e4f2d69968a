package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/wallet"
)

func TestChooseLanguage(t *testing.T) {
	for _, tc := range []struct {
		name string
		flag string
		vars map[string]string
		want language.Tag
	}{
		{"nothing", "", nil, i18n.Chinese},
		{"C locale", "", map[string]string{"LANG": "C"}, i18n.Chinese},
		{"POSIX locale", "", map[string]string{"LC_ALL": "POSIX", "LANG": "en_US.UTF-8"}, i18n.Chinese},
		{"LANG en_US.UTF-8", "", map[string]string{"LANG": "en_US.UTF-8"}, i18n.English},
		{"LANG zh_CN.UTF-8", "", map[string]string{"LANG": "zh_CN.UTF-8"}, i18n.Chinese},
		{"LANG en_GB@euro", "", map[string]string{"LANG": "en_GB.ISO-8859-15@euro"}, i18n.English},
		{"LANG fr_FR", "", map[string]string{"LANG": "fr_FR.UTF-8"}, i18n.Chinese},
		{"LC_MESSAGES over LANG", "", map[string]string{"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, i18n.English},
		{"LC_ALL over LC_MESSAGES", "", map[string]string{"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, i18n.Chinese},
		{"NETID_LANG over the locale", "", map[string]string{"NETID_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, i18n.English},
		{"NETID_LANG unknown: the locale", "", map[string]string{"NETID_LANG": "xx", "LANG": "en_US.UTF-8"}, i18n.English},
		{"flag over everything", "zh", map[string]string{"NETID_LANG": "en", "LANG": "en_US.UTF-8"}, i18n.Chinese},
		{"flag en", "en", nil, i18n.English},
	} {
		getenv := func(k string) string { return tc.vars[k] }
		if got := chooseLanguage(tc.flag, getenv); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestGlobalFlags(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		rest     string
		lang     string
		hasError bool
	}{
		{[]string{"wallet", "show"}, "wallet show", "", false},
		{[]string{"--lang", "en", "wallet", "show"}, "wallet show", "en", false},
		{[]string{"-lang=zh-CN", "help"}, "help", "zh-CN", false},
		{[]string{"--lang"}, "", "", true},
		{[]string{"--lang", "fr", "wallet"}, "", "", true},
		{[]string{"wallet", "show", "--lang", "en"}, "wallet show --lang en", "", false},
	} {
		rest, lang, err := globalFlags(tc.args)
		if (err != nil) != tc.hasError || strings.Join(rest, " ") != tc.rest || lang != tc.lang {
			t.Errorf("globalFlags(%q) = %q, %q, %v", tc.args, rest, lang, err)
		}
	}
}

// A failure a person acts on is said in the command's language, with
// what to do next; the platform's problems by their type, with the tries
// left.
func TestPersonMessage(t *testing.T) {
	wrong := &wallet.APIError{Status: 403, Type: "https://netid.dev/problems/wrong-password", Title: "Wrong credential password",
		Detail: "wrong credential password: 2 attempts left", Extensions: map[string]any{api.ExtRemainingAttempts: 2.0}}
	hold := &wallet.APIError{Status: 403, Type: "https://netid.dev/problems/operator-suspension", Title: "x", Detail: "suspended by an operator"}
	noWallet := fmt.Errorf("%w: open /w/wallet.json: no such file", wallet.ErrNoWallet)
	keySuite := &wallet.KeySuiteError{What: "device key", Key: suite.ES256, Issuer: suite.SM}
	for _, tc := range []struct {
		lang language.Tag
		err  error
		want []string
	}{
		{i18n.Chinese, wrong, []string{"网证口令不对。还可以再试 2 次。请再输入一次 8 位网证口令。"}},
		{i18n.English, wrong, []string{"Wrong credential password. 2 tries left. Enter your 8-digit password again.", "2 attempts left)"}},
		{i18n.Chinese, hold, []string{"网证已被运营方暂停。请联系客服了解原因"}},
		{i18n.English, hold, []string{"The network credential is suspended by an operator. Contact the help line"}},
		{i18n.Chinese, noWallet, []string{"这个钱包目录里没有网证。先用 netid wallet apply 申领网证"}},
		{i18n.English, noWallet, []string{"There is no credential in this wallet directory. Apply first with netid wallet apply"}},
		{i18n.Chinese, fmt.Errorf("wallet: approving: %w", wrong), []string{"网证口令不对。还可以再试 2 次。"}},
		{i18n.Chinese, keySuite, []string{"钱包的密钥与网证签发平台的密码算法不一致（SM2 与 P-256 不能混用）。请用 netid wallet apply 在这个平台重新申领网证。"}},
		{i18n.English, keySuite, []string{"The wallet's key does not match the algorithms of the platform that issued the credential", "Apply again on this platform",
			"(wallet: the device key is a P-256 key (crypto suite es256), but the credential's issuer signs with SM2 (crypto suite sm))"}},
		{i18n.Chinese, fmt.Errorf("wallet: apply: %w", wallet.ErrPlatformSuite), []string{"平台没有说明本钱包支持的密码算法（P-256 或 SM2）。请更新 netid 钱包后重试"}},
		{i18n.English, wallet.ErrPlatformSuite, []string{"The platform does not name a crypto suite this wallet supports", "Update the netid wallet"}},
	} {
		got := personMessage(Env{Lang: tc.lang}, tc.err)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.lang, got, w)
			}
		}
		if strings.Contains(got, "\n") {
			t.Errorf("%q is more than one line", got)
		}
	}
}

// Main says a wallet's absence in the language asked for.
func TestMainLanguage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"wallet", "show", "--wallet", dir}, nil, "这个钱包目录里没有网证"},
		{[]string{"wallet", "show", "--wallet", dir}, map[string]string{"LANG": "en_US.UTF-8"}, "There is no credential in this wallet directory"},
		{[]string{"--lang", "en", "wallet", "show", "--wallet", dir}, nil, "There is no credential"},
		{[]string{"--lang=zh", "wallet", "show", "--wallet", dir}, map[string]string{"NETID_LANG": "en"}, "这个钱包目录里没有网证"},
	} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), Env{Args: tc.args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
			Getenv: func(k string) string { return tc.vars[k] }})
		if code != 1 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%q %v: exit %d, stderr %q; want %q", tc.args, tc.vars, code, errOut.String(), tc.want)
		}
	}
}
