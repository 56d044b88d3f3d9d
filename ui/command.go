package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"switchboard/backend"
	"switchboard/backend/naming"
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
	{"add", "<account|provider> <order id>…", "watch orders placed elsewhere (NonVoip)"},
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
	sel   int // the highlighted suggestion: the best match as one types
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
	for _, i := range views.Rank(v, len(cands), func(i int) (string, string) { return cands[i], "" }) {
		out = append(out, cands[i])
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
	case "ctrl+n", "ctrl+p":
		if n := len(c.suggestions(m)); n > 0 {
			c.sel = (c.sel + map[string]int{"ctrl+n": 1, "ctrl+p": n - 1}[msg.String()]) % n
		}
		return nil
	case "tab":
		if s := c.suggestions(m); len(s) > 0 {
			c.input.SetValue(s[min(c.sel, len(s)-1)] + " ")
			c.input.CursorEnd()
			c.sel = 0
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
	before := c.input.Value()
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(msg)
	if c.input.Value() != before {
		c.sel = 0
	}
	return cmd
}

func (c *commandLine) update(m *Model, msg tea.Msg) tea.Cmd {
	if p, ok := msg.(tea.PasteMsg); ok {
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(p)
		c.sel = 0
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
	// The list shows what fits above the status bar (frame, input, the
	// blanks and the hint take 6 rows), scrolled to the choice.
	sel := min(c.sel, len(sug)-1)
	first, room := 0, max(m.h-1-6, 1)
	if len(sug) > room {
		first = min(max(sel-room+1, 0), len(sug)-room)
	}
	for i, s := range sug[first:min(first+room, len(sug))] {
		i += first
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
		row := "  " + t.Text.Render(s)
		if i == sel {
			row = t.Selected.Render("▸ " + s) // what tab completes
		}
		out = append(out, views.Fit(row+"  "+t.Faint.Render(help), inner))
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
	out = append(out, "", t.Faint.Render(views.Fit("enter run · tab complete · ctrl+n/p choose · ↑/↓ history · esc close", inner)))
	return t.Dialog.Width(w).Padding(0, 1).Render(strings.Join(out, "\n"))
}

// run carries out a command line.
func (m *Model) run(line string) tea.Cmd {
	fields := strings.Fields(line)
	verb, args := fields[0], fields[1:]
	rest := strings.Join(args, " ")
	switch verb {
	case "buy", "b":
		if !m.mayAct(backend.ActBuy) {
			return nil
		}
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
		kind := backend.ActRenew
		if verb == "cancel" {
			kind = backend.ActCancel
		}
		return m.actOnNamed(rest, kind)
	case "add":
		if !m.may(":add", m.o.Role != backend.RoleViewer) { // watching an order changes what everyone sees
			return nil
		}
		if len(args) < 2 {
			m.setStatus("usage: :add <account|provider> <order id> [more ids]")
			return nil
		}
		ids := args[1:]
		return m.withAccount(args[0], "add order "+strings.Join(ids, ", ")+" to which?", m.data.Order, func(m *Model, acc string) tea.Cmd {
			for _, id := range ids {
				m.o.Backend.Add(acc, id)
			}
			m.toast(backend.Info, "looking up order "+strings.Join(ids, ", ")+" on "+acc+" …")
			return nil
		})
	case "theme":
		if !themes.Valid(rest) {
			m.setStatus("themes: " + strings.Join(themes.Names, ", "))
			return nil
		}
		m.setTheme(rest)
	case "refresh":
		if rest == "" {
			m.o.Backend.Refresh("")
			m.toast(backend.Info, "refreshing every account")
			return nil
		}
		accs := m.accountsNamed(rest, m.data.Order)
		if len(accs) == 0 {
			m.setStatus("no account or provider named " + rest)
			return nil
		}
		for _, acc := range accs { // refreshing is harmless: every account meant
			m.o.Backend.Refresh(acc)
		}
		m.toast(backend.Info, "refreshing "+strings.Join(accs, ", "))
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

// accountsNamed lists the accounts, among those given, that a word
// names: the account of that name, else every account of that provider.
func (m *Model) accountsNamed(word string, among []string) []string {
	if slices.Contains(among, word) {
		return []string{word}
	}
	var found []string
	for _, n := range among {
		if p := m.data.Accounts[n].Provider; string(p) == word || strings.EqualFold(p.Label(), word) {
			found = append(found, n)
		}
	}
	return found
}

// withAccount runs do on the account a word names, among those given;
// when it names several (a provider with two accounts), it asks which.
func (m *Model) withAccount(word, question string, among []string, do func(m *Model, account string) tea.Cmd) tea.Cmd {
	accs := m.accountsNamed(word, among)
	switch len(accs) {
	case 0:
		m.setStatus("no account or provider named " + word)
		return nil
	case 1:
		return do(m, accs[0])
	}
	opts := make([]option, len(accs))
	for i, n := range accs {
		a := m.data.Accounts[n]
		opts[i] = option{label: n, detail: a.Provider.Label() + " · " + a.Balance.String()}
	}
	m.dialog = &choice{title: "Which account?", question: word + " has " + itoa(len(accs)) + " accounts: " + question,
		options: opts, none: "nothing done", pick: func(m *Model, i int) tea.Cmd { return do(m, accs[i]) }}
	return nil
}

// named is an item a `:` command can name: a line or a lease.
type named struct {
	key           backend.Key
	pane          int
	label, detail string
	allowed       backend.ActionSet
	texts         []string // what a name is compared with
}

// itemsNamed lists the lines and leases q names, best match first: an
// exact number, name or domain; else those containing it; else fuzzy
// matches.
func (m *Model) itemsNamed(q string) []named {
	var all []named
	for _, l := range m.data.Lines {
		all = append(all, named{key: l.Key, pane: paneLines, label: views.Number(l.Number),
			detail:  strings.Join(nonEmpty(l.Service, l.Account, views.StateWord(l.State, l.RawState)), " · "),
			allowed: l.Allowed, texts: nonEmpty(l.Number, l.Name, l.Service)})
	}
	for _, l := range m.data.Leases {
		if _, ok := m.data.Lines[l.Line]; ok && l.Line != "" {
			continue // a number's lease is its line: one item, not two to choose from
		}
		all = append(all, named{key: l.Key, pane: paneExpiries, label: l.Name,
			detail: strings.Join(nonEmpty(string(l.Kind), l.Account, naming.Word(l.State)), " · "), allowed: l.Allowed, texts: []string{l.Name}})
	}
	slices.SortFunc(all, func(a, b named) int { return strings.Compare(string(a.key), string(b.key)) })
	lq, dq := strings.ToLower(strings.TrimSpace(q)), digitsOf(q)
	tier := func(match func(text string) bool) []named {
		var out []named
		for _, it := range all {
			if slices.ContainsFunc(it.texts, match) {
				out = append(out, it)
			}
		}
		return out
	}
	if found := tier(func(s string) bool { return strings.ToLower(s) == lq || (dq != "" && digitsOf(s) == dq) }); len(found) > 0 {
		return found
	}
	if found := tier(func(s string) bool {
		return strings.Contains(strings.ToLower(s), lq) || (len(dq) >= 4 && strings.Contains(digitsOf(s), dq))
	}); len(found) > 0 {
		return found
	}
	texts := make([]string, len(all))
	for i, it := range all {
		texts[i] = strings.Join(it.texts, " ")
	}
	var out []named
	for _, mt := range fuzzy.Find(q, texts) {
		out = append(out, all[mt.Index])
	}
	return out
}

// digitsOf keeps a phone-number-like text's digits ("" for other text).
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' || r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return ""
		}
	}
	return b.String()
}

func nonEmpty(xs ...string) []string {
	return slices.DeleteFunc(xs, func(s string) bool { return s == "" })
}

// actOnNamed starts an action on the item q names; when it names
// several, it asks which (those the action applies to, if any do).
func (m *Model) actOnNamed(q string, kind backend.ActionKind) tea.Cmd {
	found := m.itemsNamed(q)
	applies := slices.DeleteFunc(slices.Clone(found), func(it named) bool {
		return !it.allowed.Has(kind) && !(kind == backend.ActCancel && it.allowed.Has(backend.ActReject))
	})
	if len(applies) > 0 {
		found = applies
	}
	do := func(m *Model, it named) tea.Cmd {
		m.setFocus(it.pane)
		m.panes[it.pane].SetFilter("")
		switch it.pane {
		case paneLines:
			m.lines.Select(it.key)
		default:
			m.exp.Select(it.key)
		}
		if t, ok := m.target(); ok && kind == backend.ActCancel && !t.allowed.Has(backend.ActCancel) && t.allowed.Has(backend.ActReject) {
			return m.act(backend.ActReject)
		}
		return m.act(kind)
	}
	switch len(found) {
	case 0:
		m.setStatus("nothing matches " + q)
		return nil
	case 1:
		return do(m, found[0])
	}
	question := itoa(len(found)) + " items match " + q + "."
	if len(found) > maxOptions {
		question = itoa(len(found)) + " items match " + q + "; the first " + itoa(maxOptions) + " are shown (type more of the name to narrow it)."
		found = found[:maxOptions]
	}
	opts := make([]option, len(found))
	for i, it := range found {
		opts[i] = option{label: it.label, detail: it.detail}
	}
	verb := kind.Verb()
	m.dialog = &choice{title: strings.ToUpper(verb[:1]) + verb[1:] + " which?", question: question, options: opts, none: "nothing done",
		pick: func(m *Model, i int) tea.Cmd { return do(m, found[i]) }}
	return nil
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
