// Package integration runs the whole backend — engine, bbolt cache, the
// real adapters — against the in-process simulator, built by package
// stack exactly as the program builds it. The tests are in this
// package's _test files.
package integration
