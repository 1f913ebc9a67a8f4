//go:build unix

package testdb

import (
	"os"
	"path/filepath"
	"syscall"
)

// The replication lock's modes, as flock takes them.
const (
	lockShared    = syscall.LOCK_SH
	lockExclusive = syscall.LOCK_EX
)

// flockFile takes the file lock name (in the temporary directory) with
// how, and returns its release.
func flockFile(name string, how int) (release func(), err error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), name), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
