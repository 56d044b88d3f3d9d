package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/views"
)

// exportDest is where an export's content goes: the clipboard, or a file.
type exportDest struct {
	path      string // "" = clipboard
	label     string
	overwrite bool // the operator agreed to replace the file there
}

// fileCheckMsg says whether the file an export would write exists.
type fileCheckMsg struct {
	path   string
	exists bool
}

type savedMsg struct {
	path, what string
	err        error
}

var exportFormats = []string{"socks5", "http", "both"}

// exportDialog asks for the format and the destination of a proxy
// order's credentials (piv.day), then asks the engine for them.
type exportDialog struct {
	item    backend.Key
	account string
	label   string
	format  int
	toFile  bool
	path    textinput.Model
	dir     string // where the default file goes: the state directory
	// fresh: the path is the default, which typing replaces whole.
	fresh bool
	focus int // 0 format, 1 destination, 2 path
	// existing is a file the export would replace, while the dialog asks
	// whether to (y, after the grace period; Enter does not answer).
	existing string
	asked    time.Time
}

// openExport starts an export of the selected proxy order (key e).
func (m *Model) openExport() tea.Cmd {
	t, ok := m.target()
	if !ok || !t.allowed.Has(backend.ActExport) {
		if ok {
			m.setStatus(backend.Explain(t.provider, t.state, t.allowed, backend.ActExport, 0).Text(m.keyFor))
		} else {
			m.setStatus("select a proxy order to export")
		}
		return nil
	}
	d := &exportDialog{item: t.key, account: t.account, label: t.label, path: textinput.New(), dir: m.o.StateDir}
	d.path.Prompt = "file: "
	d.path.CharLimit = 240
	d.path.SetWidth(pathWidth(exportWidth(m.w), d.path.Prompt))
	d.setDefaultPath()
	m.dialog = d
	return nil
}

func (d *exportDialog) setDefaultPath() {
	id := d.item.ID()
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	d.path.SetValue(filepath.Join(d.dir, fmt.Sprintf("proxies-%s-%s.txt", safeName(id), exportFormats[d.format])))
	d.path.CursorEnd()
	d.fresh = true
}

// safeName keeps a file name to letters, digits, '-' and '_'.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, s)
}

// waiting is what is left of the grace period of the question whether
// to replace a file (none while it does not ask).
func (d *exportDialog) waiting(now time.Time) time.Duration {
	if d.existing == "" {
		return 0
	}
	return grace - now.Sub(d.asked)
}

func (d *exportDialog) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	if d.existing != "" {
		switch {
		case matches(msg, m.keys.Refuse), msg.String() == "q":
			d.existing = "" // back to the dialog: another name, or the clipboard
		case msg.String() == "enter" || d.waiting(m.clock()) > 0:
		case matches(msg, m.keys.Confirm):
			return d.submit(m, d.existing, true)
		}
		return nil
	}
	switch msg.String() {
	case "esc":
		m.dialog = nil
		return nil
	case "tab", "down":
		d.focus = (d.focus + 1) % d.fields()
		return d.focusPath()
	case "shift+tab", "up":
		d.focus = (d.focus + d.fields() - 1) % d.fields()
		return d.focusPath()
	case "left", "right", "space":
		switch d.focus {
		case 0:
			step := 1
			if msg.String() == "left" {
				step = len(exportFormats) - 1
			}
			d.format = (d.format + step) % len(exportFormats)
			d.setDefaultPath()
			return nil
		case 1:
			d.toFile = !d.toFile
			return nil
		}
	case "enter":
		return d.send(m)
	}
	if d.focus == 2 {
		return d.edit(msg, msg.Text != "")
	}
	return nil
}

// edit passes a key or a paste to the path; typed text replaces the
// default path, while the arrows and backspace edit it.
func (d *exportDialog) edit(msg tea.Msg, typed bool) tea.Cmd {
	if d.fresh && typed {
		d.path.SetValue("")
	}
	d.fresh = false
	var c tea.Cmd
	d.path, c = d.path.Update(msg)
	return c
}

func (d *exportDialog) fields() int {
	if d.toFile {
		return 3
	}
	return 2
}

func (d *exportDialog) focusPath() tea.Cmd {
	if d.focus == 2 {
		return d.path.Focus()
	}
	d.path.Blur()
	return nil
}

// send exports to the clipboard at once; to a file once it is known that
// no file is there, or the operator has agreed to replace it.
func (d *exportDialog) send(m *Model) tea.Cmd {
	if !d.toFile {
		return d.submit(m, "", false)
	}
	p := strings.TrimSpace(d.path.Value())
	if p == "" {
		m.setStatus("give a file name, or choose the clipboard")
		return nil
	}
	return func() tea.Msg {
		_, err := os.Stat(p)
		return fileCheckMsg{path: p, exists: err == nil}
	}
}

func (d *exportDialog) submit(m *Model, path string, overwrite bool) tea.Cmd {
	act := backend.Action{ID: backend.NewActionID(backend.ActExport), Kind: backend.ActExport, Account: d.account,
		Target: d.item, Format: exportFormats[d.format], Label: d.label, CreatedAt: m.clock()}
	if m.exports == nil {
		m.exports = map[string]exportDest{}
	}
	m.exports[act.ID] = exportDest{label: d.label, path: path, overwrite: overwrite}
	m.o.Backend.Submit(act)
	m.dialog = nil
	m.toast(backend.Info, "exporting "+d.label+" ("+act.Format+") …")
	return nil
}

func (d *exportDialog) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if d.focus == 2 && d.existing == "" {
			return d.edit(msg, true)
		}
	case fileCheckMsg:
		if !msg.exists {
			return d.submit(m, msg.path, false)
		}
		d.existing, d.asked = msg.path, m.clock()
	}
	return nil
}

func (d *exportDialog) view(m *Model) string {
	t := m.theme
	w := exportWidth(m.w)
	choice := func(focused bool, opts []string, sel int) string {
		var parts []string
		for i, o := range opts {
			if i == sel {
				parts = append(parts, t.TabActive.Render(o))
			} else {
				parts = append(parts, t.Tab.Render(o))
			}
		}
		s := strings.Join(parts, " ")
		if focused {
			s = t.Key.Render("› ") + s
		} else {
			s = "  " + s
		}
		return s
	}
	dest := 0
	if d.toFile {
		dest = 1
	}
	lines := []string{
		t.DialogTitle.Render("Export " + d.label), "",
		t.Muted.Render("format"), choice(d.focus == 0, exportFormats, d.format), "",
		t.Muted.Render("to"), choice(d.focus == 1, []string{"clipboard", "file"}, dest),
	}
	if d.toFile {
		prefix := "  "
		if d.focus == 2 {
			prefix = t.Key.Render("› ")
		}
		d.path.SetWidth(pathWidth(w, d.path.Prompt))
		lines = append(lines, "", prefix+d.path.View())
	}
	if d.existing != "" {
		lines = append(lines, "", t.Warn.Render(views.Fit("⚠ a file is there already", w-6)),
			m.graceHint(d.waiting(m.clock()), "replace it", "keep it"))
		return t.Dialog.Width(w).Render(strings.Join(lines, "\n"))
	}
	lines = append(lines, "", t.Faint.Render("tab next · ←/→ change · enter export · esc cancel"),
		t.Faint.Render(views.Fit("the credentials are never shown on screen", w-6)))
	return t.Dialog.Width(w).Render(strings.Join(lines, "\n"))
}

// exportWidth is the dialog's width on a screen w wide.
func exportWidth(w int) int { return min(max(w/2, 56), 84) }

// pathWidth keeps the path to one line that scrolls (a long state
// directory would push the dialog off the screen): the dialog's width
// less its border and padding, the focus mark, the prompt and the cursor.
func pathWidth(w int, prompt string) int { return w - 6 - 2 - views.Width(prompt) - 1 }

// deliverExport copies or saves an export's content once the engine has
// it. The content holds logins and passwords: it never reaches the screen.
func (m *Model) deliverExport(act backend.Action, data string) tea.Cmd {
	dest, ok := m.exports[act.ID]
	if !ok {
		return nil
	}
	delete(m.exports, act.ID)
	n := strings.Count(strings.TrimSpace(data), "\n") + 1
	what := fmt.Sprintf("%d proxies (%s)", n, act.Format)
	if dest.path == "" {
		return copyCmd(m.o.Clipboard, data, what)
	}
	path := dest.path
	return func() tea.Msg {
		abs, err := filepath.Abs(path)
		if err == nil { // the state directory may not exist yet (the demo's user)
			err = os.MkdirAll(filepath.Dir(abs), 0o700)
		}
		if err == nil {
			err = writeNew(abs, strings.TrimRight(data, "\n")+"\n", dest.overwrite)
		}
		return savedMsg{path: abs, what: what, err: err}
	}
}

// writeNew writes a file, replacing one that is there only when the
// operator agreed to (one made since the dialog asked is kept).
func writeNew(path, data string, overwrite bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if overwrite {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	return errors.Join(err, f.Close())
}
