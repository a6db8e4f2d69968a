//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package devauthority

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// lockFile is the name of the lock file in the authority's directory.
const lockFile = ".lock"

// lockDir takes an exclusive flock(2) on dir/.lock, waiting for other holders
// (goroutines or processes). The kernel drops the lock when its holder dies,
// so a crash never leaves the directory locked.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
