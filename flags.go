package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// parseFlags parses a command's flags and says whether to go on: when
// not, code is the exit code (0 after -h printed the usage, 2 after a
// mistake or an argument the command does not take, named with hint).
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, hint string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q%s\n", fs.Name(), fs.Arg(0), hint)
		return 2, false
	}
	return 0, true
}
