package cache_test

// The codec keeps or drops an account's e-mail by its provider's
// credentials: register the program's table.
import _ "switchboard/wiring"
