package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"switchboard/backend"
	"switchboard/themes"
	"switchboard/views"
)

// command is one thing the `:` line can do.
type command struct {
	name, args, help string
}

var commands = []command{
	{"buy", "[account|provider] [search]", "buy a number, proxy or service"},
	{"renew", "<name>", "renew the item whose name, number or domain matches"},
	{"cancel", "<name>", "cancel or reject the line that matches"},
	{"add", "<account|provider> <order id>", "watch an order placed elsewhere (NonVoip)"},
	{"theme", "<dark|light|high-contrast|plain>", "switch colours"},
	{"refresh", "[account]", "poll now"},
	{"journal", "", "every action sent, and how it ended"},
	{"filter", "<text>", "filter the focused pane"},
	{"go", "<balances|lines|expiries|queues>", "focus a pane"},
	{"help", "", "show every key"},
	{"quit", "", "leave Switchboard"},
}

// commandLine is the `:` prompt: a fuzzy list of commands and
// destinations, with history.
type commandLine struct {
	input textinput.Model
	hist  int // position in history while browsing with ↑/↓
}

func (m *Model) openCommand() tea.Cmd {
	c := &commandLine{input: textinput.New(), hist: len(m.cmdHistory)}
	c.input.Prompt = ":"
	c.input.CharLimit = 120
	m.dialog = c
	return c.input.Focus()
}

// suggestions lists completions for what is typed.
func (c *commandLine) suggestions(m *Model) []string {
	v := c.input.Value()
	fields := strings.Fields(v)
	var cands []string
	if len(fields) <= 1 && !strings.HasSuffix(v, " ") {
		for _, cmd := range commands {
			cands = append(cands, cmd.name)
		}
		for _, h := range m.cmdHistory {
			cands = appendUnique(cands, h)
		}
	} else {
		verb := fields[0]
		prefix := verb + " "
		switch verb {
		case "buy", "refresh", "add":
			for _, n := range m.data.Order {
				cands = append(cands, prefix+n)
			}
			for _, k := range backend.Kinds() {
				cands = appendUnique(cands, prefix+string(k))
			}
		case "theme":
			for _, n := range themes.Names {
				cands = append(cands, prefix+n)
			}
		case "go":
			for _, p := range []string{"balances", "lines", "expiries", "queues"} {
				cands = append(cands, prefix+p)
			}
		case "renew", "cancel":
			for _, l := range m.data.Lines {
				if l.Allowed.Has(backend.ActRenew) || l.Allowed.Has(backend.ActCancel) || l.Allowed.Has(backend.ActReject) {
					cands = append(cands, prefix+l.Number)
				}
			}
			for _, l := range m.data.Leases {
				if l.Allowed.Has(backend.ActRenew) {
					cands = append(cands, prefix+l.Name)
				}
			}
		}
	}
	if strings.TrimSpace(v) == "" {
		return cands
	}
	var out []string
	for _, mt := range fuzzy.Find(v, cands) {
		out = append(out, mt.Str)
		if len(out) >= 8 {
			break
		}
	}
	return out
}

func appendUnique(xs []string, x string) []string {
	for _, v := range xs {
		if v == x {
			return xs
		}
	}
	return append(xs, x)
}

func (c *commandLine) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.dialog = nil
		return nil
	case "up":
		if c.hist > 0 && len(m.cmdHistory) > 0 {
			c.hist--
			c.input.SetValue(m.cmdHistory[c.hist])
			c.input.CursorEnd()
		}
		return nil
	case "down":
		if c.hist < len(m.cmdHistory)-1 {
			c.hist++
			c.input.SetValue(m.cmdHistory[c.hist])
		} else {
			c.hist = len(m.cmdHistory)
			c.input.SetValue("")
		}
		c.input.CursorEnd()
		return nil
	case "tab":
		if s := c.suggestions(m); len(s) > 0 {
			c.input.SetValue(s[0] + " ")
			c.input.CursorEnd()
		}
		return nil
	case "enter":
		line := strings.TrimSpace(c.input.Value())
		m.dialog = nil
		if line == "" {
			return nil
		}
		m.cmdHistory = append(m.cmdHistory, line)
		if len(m.cmdHistory) > 100 {
			m.cmdHistory = m.cmdHistory[1:]
		}
		return m.run(line)
	}
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(msg)
	return cmd
}

func (c *commandLine) update(m *Model, msg tea.Msg) tea.Cmd {
	if p, ok := msg.(tea.PasteMsg); ok {
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(p)
		return cmd
	}
	return nil
}

func (c *commandLine) view(m *Model) string {
	t := m.theme
	w := min(max(m.w/2, 56), 90)
	inner := w - t.Dialog.GetHorizontalFrameSize()
	out := []string{c.input.View(), ""}
	sug := c.suggestions(m)
	for _, s := range sug {
		verb := strings.Fields(s + " ")[0]
		help := ""
		for _, cmd := range commands {
			if cmd.name == verb {
				help = cmd.args + " — " + cmd.help
			}
		}
		if strings.Contains(s, " ") {
			help = ""
		}
		out = append(out, views.Fit(t.Text.Render(s)+"  "+t.Faint.Render(help), inner))
	}
	if len(sug) == 0 {
		verb := strings.Fields(c.input.Value() + " ")[0]
		msg := "no such command — try buy, renew, add, theme, go, refresh, journal"
		for _, cmd := range commands {
			if cmd.name == verb {
				msg = ":" + cmd.name + " " + cmd.args + " — " + cmd.help
			}
		}
		out = append(out, t.Faint.Render(views.Fit(msg, inner)))
	}
	out = append(out, "", t.Faint.Render("enter run · tab complete · ↑/↓ history · esc close"))
	return t.Dialog.Width(w).Padding(0, 1).Render(strings.Join(out, "\n"))
}

// run carries out a command line.
func (m *Model) run(line string) tea.Cmd {
	fields := strings.Fields(line)
	verb, args := fields[0], fields[1:]
	rest := strings.Join(args, " ")
	switch verb {
	case "buy", "b":
		who, search := "", ""
		if len(args) > 0 {
			who = args[0]
			search = strings.Join(args[1:], " ")
		}
		return m.startBuy(who, search)
	case "renew", "cancel":
		if rest == "" {
			m.setStatus(":" + verb + " needs a name, number or domain")
			return nil
		}
		if !m.selectMatch(rest) {
			m.setStatus("nothing matches " + rest)
			return nil
		}
		if verb == "renew" {
			return m.act(backend.ActRenew)
		}
		if t, ok := m.target(); ok && !t.allowed.Has(backend.ActCancel) && t.allowed.Has(backend.ActReject) {
			return m.act(backend.ActReject)
		}
		return m.act(backend.ActCancel)
	case "add":
		if len(args) != 2 {
			m.setStatus("usage: :add <account|provider> <order id>")
			return nil
		}
		acc := m.accountNamed(args[0])
		if acc == "" {
			m.setStatus("no account or provider named " + args[0])
			return nil
		}
		m.o.Backend.Add(acc, args[1])
		m.toast(backend.Info, "looking up order "+args[1]+" on "+acc+" …")
	case "theme":
		if !themes.Valid(rest) {
			m.setStatus("themes: " + strings.Join(themes.Names, ", "))
			return nil
		}
		m.setTheme(rest)
	case "refresh":
		acc := ""
		if rest != "" {
			if acc = m.accountNamed(rest); acc == "" {
				m.setStatus("no account named " + rest)
				return nil
			}
		}
		m.o.Backend.Refresh(acc)
		m.toast(backend.Info, "refreshing "+orAll(acc))
	case "filter":
		m.panes[m.focus].SetFilter(rest)
	case "go":
		for i, p := range []string{"balances", "lines", "expiries", "queues"} {
			if strings.HasPrefix(p, rest) && rest != "" {
				m.setFocus(i)
				return nil
			}
		}
		m.setStatus("panes: balances, lines, expiries, queues")
	case "journal":
		return m.openJournal()
	case "help":
		m.help = newHelp(m)
		return m.help.focus()
	case "quit", "q":
		m.quit = true
	default:
		m.setStatus("unknown command :" + verb + " — try :buy, :renew, :add, :theme")
	}
	return nil
}

func orAll(s string) string {
	if s == "" {
		return "every account"
	}
	return s
}

// accountNamed resolves an account name or, when only one account has
// that provider, a provider name.
func (m *Model) accountNamed(s string) string {
	if _, ok := m.data.Accounts[s]; ok {
		return s
	}
	var found []string
	for _, n := range m.data.Order {
		a := m.data.Accounts[n]
		if string(a.Provider) == s || strings.EqualFold(a.Provider.Label(), s) {
			found = append(found, n)
		}
	}
	if len(found) >= 1 {
		return found[0]
	}
	return ""
}

// selectMatch focuses the line or lease whose number or name matches q
// best.
func (m *Model) selectMatch(q string) bool {
	type cand struct {
		key  backend.Key
		text string
		pane int
	}
	var cands []cand
	for _, l := range m.data.Lines {
		cands = append(cands, cand{l.Key, l.Number + " " + l.Name + " " + l.Service, paneLines})
	}
	for _, l := range m.data.Leases {
		cands = append(cands, cand{l.Key, l.Name, paneExpiries})
	}
	texts := make([]string, len(cands))
	for i, c := range cands {
		texts[i] = c.text
	}
	ms := fuzzy.Find(q, texts)
	if len(ms) == 0 {
		return false
	}
	c := cands[ms[0].Index]
	m.setFocus(c.pane)
	m.panes[c.pane].SetFilter("")
	switch c.pane {
	case paneLines:
		return m.lines.Select(c.key)
	default:
		return m.exp.Select(c.key)
	}
}

// setTheme switches every style.
func (m *Model) setTheme(name string) {
	m.theme = themes.New(name)
	for _, p := range m.panes {
		p.SetTheme(m.theme)
	}
	m.detail.SetTheme(m.theme)
	m.toast(backend.Info, "theme "+name)
}
