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
