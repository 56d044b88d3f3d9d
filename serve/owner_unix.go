//go:build unix

package serve

import (
	"os"
	"syscall"
)

// owner is the uid owning a file.
func owner(fi os.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
