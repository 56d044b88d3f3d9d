package screen

import (
	"fmt"
	"reflect"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// ProgramOptions are what the program of a Drawn model runs with: no
// renderer of its own, and its frame ticker (which runs all the same)
// at its slowest, since it flushes nothing. Its tea.WithFilter must call
// Filter.
func ProgramOptions() []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithoutRenderer(), tea.WithFPS(1)}
}

// Drawn is a model drawn by a Screen: each view the program asks for is
// handed to it. Its program runs with ProgramOptions.
type Drawn struct {
	tea.Model
	Screen *Screen
}

func (d Drawn) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(tea.WindowSizeMsg); ok {
		d.Screen.Resize(m.Width, m.Height)
	}
	m, cmd := d.Model.Update(msg)
	return Drawn{Model: m, Screen: d.Screen}, cmd
}

// View makes the model's view in its turn (see drawing) and hands it to
// the screen.
func (d Drawn) View() tea.View {
	drawing <- struct{}{}
	v := d.Model.View()
	<-drawing
	d.Screen.Show(v)
	return v
}

// Filter sends what Bubble Tea would write to the terminal itself (raw
// sequences, clipboard writes) through the screen at once — Bubble Tea
// holds them until its frame ticker flushes — and takes the terminal's
// answer to the screen's question about synchronized output.
func (s *Screen) Filter(msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case tea.RawMsg:
		s.Send(fmt.Sprint(m.Msg))
		return nil
	case tea.ModeReportMsg: // the screen's question on its first frame
		if m.Mode == ansi.ModeSynchronizedOutput && m.Value == ansi.ModeReset {
			s.Synchronize()
		}
	}
	switch reflect.TypeOf(msg) {
	case setClipboard:
		s.Send(ansi.SetSystemClipboard(reflect.ValueOf(msg).String()))
		return nil
	case setPrimaryClipboard:
		s.Send(ansi.SetPrimaryClipboard(reflect.ValueOf(msg).String()))
		return nil
	}
	return msg
}

// The clipboard writes' types are unexported: known by an example.
var (
	setClipboard        = reflect.TypeOf(tea.SetClipboard("")())
	setPrimaryClipboard = reflect.TypeOf(tea.SetPrimaryClipboard("")())
)
