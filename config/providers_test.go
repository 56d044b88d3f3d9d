package config_test

// The config checks provider names and credentials against the
// registered providers: register the program's table.
import _ "switchboard/wiring"
