package wallet

import (
	"errors"
	"testing"
)

func TestParseHandover(t *testing.T) {
	for _, tc := range []struct {
		link, server, id, token string
	}{
		{"https://netid.example/wallet/apply#app=a1&token=t1", "https://netid.example", "a1", "t1"},
		{" http://127.0.0.1:8080/wallet/apply#token=t%2B2&app=a-2 ", "http://127.0.0.1:8080", "a-2", "t+2"},
		{"https://netid.example/base/wallet/apply#app=a&token=t", "https://netid.example/base", "a", "t"},
	} {
		server, id, token, err := ParseHandover(tc.link)
		if err != nil || server != tc.server || id != tc.id || token != tc.token {
			t.Errorf("ParseHandover(%q) = %q %q %q %v", tc.link, server, id, token, err)
		}
	}
	for _, bad := range []string{
		"", "netid://apply", "ftp://netid.example/wallet/apply#app=a&token=t",
		"https://netid.example/wallet/approve#app=a&token=t",
		"https://netid.example/wallet/apply#app=a", "https://netid.example/wallet/apply?app=a&token=t",
		"https:///wallet/apply#app=a&token=t",
	} {
		if _, _, _, err := ParseHandover(bad); !errors.Is(err, ErrOptions) {
			t.Errorf("ParseHandover(%q): %v, want ErrOptions", bad, err)
		}
	}
}
