package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Tick is the root clock's tick, for benchmarks and tests outside the
// package.
func Tick(t time.Time) tea.Msg { return tickMsg{t} }

// Indexed is the message the dashboard sends itself once it is up: the
// panes place every item.
func Indexed() tea.Msg { return indexMsg{} }

// IsFilterTexts tells the message that reads a slice of a pane's filter
// texts while the prompt is open.
func IsFilterTexts(msg tea.Msg) bool { _, ok := msg.(filterTextsMsg); return ok }
