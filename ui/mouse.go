package ui

import (
	tea "charm.land/bubbletea/v2"
)

// mouseMsg: a click focuses a pane and selects the row under it; the
// wheel scrolls the pane under the pointer.
func (m *Model) mouseMsg(msg tea.MouseMsg) tea.Cmd {
	if !m.mouse || m.dialog != nil || m.help != nil || m.showDet {
		return nil
	}
	mo := msg.Mouse()
	for i, r := range m.rects() {
		if r.w == 0 || mo.X < r.x || mo.X >= r.x+r.w || mo.Y < r.y || mo.Y >= r.y+r.h {
			continue
		}
		switch msg.(type) {
		case tea.MouseClickMsg:
			if mo.Button != tea.MouseLeft {
				return nil
			}
			m.setFocus(i)
			if row := mo.Y - r.y - 1; row >= 0 && row < r.h-2 {
				m.panes[i].Click(row)
			}
			return m.loadHistory()
		case tea.MouseWheelMsg:
			switch mo.Button {
			case tea.MouseWheelUp:
				m.panes[i].Scroll(-3)
			case tea.MouseWheelDown:
				m.panes[i].Scroll(3)
			}
		}
		return nil
	}
	if m.narrow() && mo.Y == 0 {
		if _, ok := msg.(tea.MouseClickMsg); ok {
			// Tabs: each label is about a quarter of "1 Balances 2 Lines…".
			x := 0
			for i, p := range m.panes {
				w := len(p.Title()) + 4
				if mo.X >= x && mo.X < x+w {
					m.setFocus(i)
				}
				x += w
			}
		}
	}
	return nil
}
