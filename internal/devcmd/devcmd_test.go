package devcmd

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"testing"
)

func TestExitStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
		out  string
	}{
		{nil, 0, ""},
		{flag.ErrHelp, 0, ""},
		{fmt.Errorf("parsing: %w", ErrUsage), 2, ""},
		{errors.New("no\n  database   here"), 1, "netid-x: no database here\n"},
	} {
		var stderr bytes.Buffer
		if code := ExitStatus("netid-x", c.err, &stderr); code != c.code || stderr.String() != c.out {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", c.err, code, stderr.String(), c.code, c.out)
		}
	}
}
