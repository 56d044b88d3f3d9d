package ctl

// Previews name the provider by its label and buy reads the category's
// fields: register the program's table of providers.
import _ "switchboard/wiring"
