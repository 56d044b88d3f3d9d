//go:build unix

package config

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the command in a session of its own, with no
// controlling terminal (a prompt fails at once instead of stopping the
// process in the background), and makes a timeout kill the whole process
// group: `sh -c` leaves children (`sleep 100 & wait`, sub-shells) that
// would keep the output pipe open, and Wait with it, after sh is killed.
func ownGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	c.Cancel = func() error {
		return syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	}
}

// killGroup ends what is left of the command's process group.
func killGroup(c *exec.Cmd) {
	if c.Process != nil {
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	}
}
