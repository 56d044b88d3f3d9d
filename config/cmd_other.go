//go:build !unix

package config

import "os/exec"

// ownGroup: without process groups, the shell alone is killed on timeout
// and WaitDelay stops Wait from waiting on its children's output.
func ownGroup(c *exec.Cmd) {}

func killGroup(c *exec.Cmd) {}
