// Package ui is the dashboard's root Bubble Tea model: layout, focus, the
// status bar, toasts, dialogs, help, and the routing of engine events to
// the panes. It never calls HTTP or touches the disk: it sends actions to
// the engine and receives events; reads (SMS history, catalogues) run in
// commands.
package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/themes"
	"switchboard/views"
)

// Backend is what the UI asks of the engine (*engine.Engine).
type Backend interface {
	Submit(backend.Action)
	Refresh(account string)
	Copied(backend.Key)
	History(k backend.Key, limit int) ([]backend.Message, error)
	Journal(limit int) ([]backend.JournalEntry, error)
	Catalog(ctx context.Context, account string, req backend.CatalogRequest) ([]backend.CatalogItem, error)
	BuyFlow(account string) (backend.BuyFlow, bool)
	Add(account, id string)
}

// Options configure the dashboard.
type Options struct {
	Backend    Backend
	Initial    backend.Event // cached state, shown stale before any poll
	Accounts   []string      // in config order
	Theme      string
	Keys       keymap.KeyMap
	Thresholds views.Thresholds
	Demo       bool
	// Now is the clock (tests fix it); default time.Now.
	Now func() time.Time
	// Clipboard writes the system clipboard; an error means "use OSC 52".
	Clipboard func(string) error
	// Mouse starts with mouse reporting on.
	Mouse bool
	// Alert is how a new code calls the operator (bell, notification).
	Alert Alert
	// Still draws frames printed once (--print): no spinners.
	Still bool
	// StateDir is where exports are saved unless told otherwise.
	StateDir string
	// Operator and Role are who uses this screen (an SSH session's
	// operator); "" = the one person at this terminal, who may do
	// everything. See operators.go.
	Operator string
	Role     backend.Role
	// Started is when this run's engine started (an account with no good
	// poll since is shown stale); default: now. A session that joins a
	// running engine passes the engine's.
	Started time.Time
	// TickPhase is where in each second the clock ticks (0: on the whole
	// second). The sessions of one server tick at different phases, so
	// their countdowns are not all drawn in the same instant, in front
	// of a code's way to the screens.
	TickPhase time.Duration
}

// EventMsg carries an engine event into the program.
type EventMsg struct{ Event backend.Event }

// tickMsg is the clock's tick, asked for at a moment (at).
type tickMsg struct{ at time.Time }

type historyMsg struct {
	key  backend.Key
	msgs []backend.Message
	err  error
}

type copiedMsg struct {
	text, what string
	native     bool
}

// pane indexes.
const (
	paneBalances = iota
	paneLines
	paneExpiries
	paneQueues
)

// Model is the root model.
type Model struct {
	o     Options
	keys  keymap.KeyMap
	theme themes.Theme
	data  *views.Data

	bal    *views.Balances
	lines  *views.Lines
	exp    *views.Expiries
	queues *views.Queues
	detail *views.Detail
	panes  [4]views.Pane
	// partial: the lines and queues panes hold only their first rows
	// (the first frame's); indexMsg, once that frame is drawn, or the
	// first message that needs the whole order, places the rest.
	partial bool
	drawn   bool // a sized frame has been rendered

	w, h    int
	focus   int
	zoom    bool
	showDet bool
	now     time.Time
	ticking bool      // a tick is on its way
	tickAt  time.Time // when

	toasts  []toast
	said    uint64                 // counts changes to toasts (the status bar's memo)
	storage *backend.StorageHealth // the ledger cannot write, while set
	cluster *backend.ClusterHealth // etcd is unreachable, while set (a team's serve node)

	dialog  modal
	help    *helpView
	filter  textinput.Model
	filting bool
	histReq backend.Key
	mouse   bool
	lastKey time.Time
	quit    bool

	graceTicking bool // a redraw of a confirmation's grace countdown is due

	// followed is the line the cursor last went to for a new code, and
	// when: a copy key pressed just then may have been meant for the
	// code shown before.
	followed   backend.Key
	followedAt time.Time

	accountsSeen uint64  // counts moves of accounts' health and stale marks (the status bar shows them)
	bar          barMemo // the status bar as last drawn
	frameLen     int     // the last frame's length (the next is about as long)
	frame        frameMemo

	exports     map[string]exportDest // export action id → where its content goes
	pending     []tea.Cmd             // commands an event asked for (exports to deliver)
	lastBuy     *backend.Action       // for "buy the same again"
	lastBuyRows [][2]string
	unsettled   map[string]backend.JournalEntry // actions still being checked, by id
	cmdHistory  []string
	buyMemory   map[string]string // the buy picker's last choice per account, category and step
}

// New builds the dashboard from the cached state.
func New(o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Model{o: o, keys: o.Keys, theme: themes.New(o.Theme), mouse: o.Mouse, unsettled: map[string]backend.JournalEntry{}}
	m.now = o.Now()
	m.data = views.NewData(append([]string(nil), o.Accounts...))
	m.data.Demo, m.data.Still = o.Demo, o.Still
	m.data.Started = m.now
	if !o.Started.IsZero() {
		m.data.Started = o.Started
	}
	m.bal = views.NewBalances(m.theme)
	m.lines = views.NewLines(m.theme)
	m.exp = views.NewExpiries(m.theme, o.Thresholds)
	m.queues = views.NewQueues(m.theme)
	m.detail = views.NewDetail(m.theme)
	m.lines.SetKeys(&m.keys)
	m.lines.SetRole(o.Role)
	m.detail.SetKeys(&m.keys)
	m.detail.SetRole(o.Role)
	m.panes = [4]views.Pane{m.bal, m.lines, m.exp, m.queues}
	m.focus = paneLines
	m.filter = textinput.New()
	m.filter.Prompt = "/"
	m.filter.CharLimit = 64
	// The first picture: every pane built once from the cached state,
	// which is then let go (Data holds every item once).
	m.data.Apply(o.Initial)
	m.bal.SetData(m.data)
	m.lines.SetHead(m.data, m.now, firstRows)
	m.exp.SetData(m.data, m.now)
	m.queues.SetHead(m.data, firstRows)
	m.partial = true
	m.trackActions(o.Initial.Actions)
	m.announce(o.Initial, nil)
	m.o.Initial = backend.Event{}
	return m
}

// firstRows is how many rows of the lines and queues panes the first
// frame places (no terminal is taller): --print, which draws only that
// frame, never orders 100,000 lines.
const firstRows = 1000

// placeAll orders every line and queue item the first frame left out.
func (m *Model) placeAll() {
	if m.partial {
		m.partial = false
		m.lines.SetData(m.data, m.now)
		m.queues.SetData(m.data)
	}
}

// Init starts the clock if anything on screen counts down, and asks
// for the panes' full order once the first frame is up.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.ensureTick(), tea.RequestWindowSize, m.loadHistory(), func() tea.Msg { return indexMsg{} })
}

// filterTextsMsg: the filter prompt is open; read the next slice of
// what the pane's filter searches, so the first letter typed finds
// them read (at 100,000 lines reading them all takes 60–95 ms).
type filterTextsMsg struct{ pane int }

// filterTextsSlice is how many texts one filterTextsMsg reads: ≈ 3 ms.
const filterTextsSlice = 4096

func readFilterTexts(pane int) tea.Cmd {
	return func() tea.Msg { return filterTextsMsg{pane} }
}

// readSomeFilterTexts reads a slice and asks for the next while any
// are unread.
func (m *Model) readSomeFilterTexts(pane int) tea.Cmd {
	p, ok := m.panes[pane].(interface{ ReadFilterTexts(n int) bool })
	if !ok || p.ReadFilterTexts(filterTextsSlice) {
		return nil
	}
	return readFilterTexts(pane)
}

// indexMsg: the dashboard is up; order every item (what the filters
// search is read at the first filter).
type indexMsg struct{}

// indexWait is how long indexMsg waits for the first frame to be drawn
// before asking again (it usually arrives before the terminal's size).
const indexWait = 50 * time.Millisecond

// index orders every item, once the first frame is drawn; before that
// it asks again a little later, so the first frame never waits on the
// whole order.
func (m *Model) index() tea.Cmd {
	if !m.drawn {
		return tea.Tick(indexWait, func(time.Time) tea.Msg { return indexMsg{} })
	}
	m.placeAll()
	return nil
}

// needsOrder reports whether msg reads or changes the panes beyond the
// first frame's rows: the size of that frame, the selected line's SMS
// and the index request do not.
func needsOrder(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return msg.Height > firstRows
	case historyMsg, indexMsg:
		return false
	}
	return true
}

func (m *Model) clock() time.Time { return m.o.Now() }

// apply merges an engine event and refreshes the panes it touched.
func (m *Model) apply(ev backend.Event) {
	// A code is news when its account had polled well before: what a
	// first sync finds is history, and calls no one.
	news := map[string]bool{}
	for _, msg := range ev.Messages {
		a := msg.Line.Account()
		news[a] = !m.data.Stale(a)
	}
	ch := m.data.Apply(ev)
	now := m.clock()
	if ch.Accounts {
		m.bal.Update(m.data, ev.Accounts)
	}
	if ch.Stale {
		m.accountsSeen++ // the status bar's health summary moves
		// Rows show stale marks: redraw them, without re-sorting.
		m.lines.Redraw()
		m.exp.Redraw()
		m.queues.Redraw()
	}
	if ch.Lines {
		m.lines.Update(m.data, ev.Lines, ev.Removed, now)
	}
	if ch.Leases {
		m.exp.Update(m.data, ev.Leases, ev.Removed, now)
	}
	if ch.Jobs {
		m.queues.Update(m.data, ev.Lines, ev.Jobs, ev.Removed)
	}
	m.trackActions(ev.Actions)
	m.othersActed(ev.Actions)
	m.announce(ev, news)
}

// announce shows what an event tells the operator: new codes (ringing
// for those of the accounts in news), notices, offers, results, the
// ledger's health.
func (m *Model) announce(ev backend.Event, news map[string]bool) {
	if ev.Storage != nil {
		m.storageChanged(*ev.Storage)
	}
	if ev.Cluster != nil {
		m.clusterChanged(*ev.Cluster)
	}
	if len(ev.Messages) > 0 {
		m.lines.AddMessages(ev.Messages)
		if m.showDet {
			for _, msg := range ev.Messages {
				if msg.Line == m.detail.Key() {
					m.histReq = ""
				}
			}
		}
		m.codeToast(ev.Messages, news)
	}
	for _, n := range ev.Notices {
		if n.Offer != nil && n.Action != nil {
			m.openOffer(n)
			continue
		}
		if n.Level == backend.Success && n.Action != nil && n.Action.Kind == backend.ActBuy && n.Key != "" {
			m.lines.SetFilter("")
			if m.lines.Select(n.Key) {
				m.setFocus(paneLines)
			}
		}
		if n.Action != nil && n.Action.Kind == backend.ActExport && n.Data != "" {
			m.pending = append(m.pending, m.deliverExport(*n.Action, n.Data))
			continue
		}
		text := n.Text
		if n.Refusal != nil {
			text = n.Refusal.Text(m.keyFor) // worded with this operator's keys
		}
		if n.Action != nil && n.Refusal == nil && m.lastBuy != nil && m.lastBuy.ID == n.Action.ID && n.Level == backend.Warning {
			if again := keymap.First(m.keys.BuyAgain); again != "" {
				text = "press " + again + " to buy it again — " + text // first: long messages are cut
			}
		}
		m.toast(n.Level, text)
	}
}

// codeToast announces codes that just arrived, one toast per event (and
// one ring, for news): the lines pane already shows every code, so
// history found by a first sync stays quiet, and so does an SMS that is
// not its line's code (an earlier window's). The lines cursor, unless pinned, goes to the newest code, so
// the toast, the big code and the copy key name the same code; the toast
// says which key copies it only when that key would.
func (m *Model) codeToast(msgs []backend.Message, news map[string]bool) {
	now := m.clock()
	var newest backend.Line
	n, ring := 0, false
	for _, msg := range msgs {
		if (msg.Code == "" && len(msg.Candidates) == 0) || now.Sub(msg.ReceivedAt) >= time.Minute {
			continue
		}
		l, ok := m.data.Lines[msg.Line]
		if !ok || l.Code != msg.Code || !slices.Equal(l.Candidates, msg.Candidates) {
			continue
		}
		n++
		ring = ring || news[l.Account]
		// The list's order: the code Switchboard saw last, then the key.
		if n == 1 || l.CodeAt.After(newest.CodeAt.Time()) || (l.CodeAt.Time().Equal(newest.CodeAt.Time()) && l.Key < newest.Key) {
			newest = *l
		}
	}
	if n == 0 {
		return
	}
	if m.lines.Follow(newest.Key) {
		m.followed, m.followedAt = newest.Key, now
	}
	if c := m.ring(newest); ring && c != nil {
		m.pending = append(m.pending, c)
	}
	text, verb := "code "+newest.Code, "copies"
	if len(newest.Candidates) > 0 {
		text, verb = itoa(len(newest.Candidates))+" possible codes", "chooses"
	}
	if newest.CodeUnsaved {
		text += " (not saved)"
	}
	text += " · " + lineLabel(newest)
	if n > 1 {
		text = itoa(n) + " new codes · newest " + text
	}
	sel, ok := m.selectedLine()
	switch {
	case ok && sel.Key == newest.Key:
		if k := keymap.First(m.keys.Copy); k != "" {
			text += " — " + k + " " + verb
		}
	case m.focus == paneLines && !m.showDet && m.lines.Pinned() && m.lines.Filter() == "":
		if k := keymap.First(m.keys.Top); k != "" {
			text += " — " + k + " goes to it" // the newest code leads the list
		}
	}
	m.tagToast(backend.Success, "code", text)
}

// Print draws the one frame of --print at w×h: a printed frame runs no
// command, so the selected line's SMS is read here, before drawing, and
// Update itself stays free of I/O.
func (m *Model) Print(w, h int) string {
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	if load := m.loadHistory(); load != nil {
		m.Update(load())
	}
	return m.View().Content
}

// Update routes messages: dialogs first, then global keys, then the
// focused pane. Data goes straight to the panes.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if needsOrder(msg) {
		m.placeAll()
	}
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.layout()
	case EventMsg:
		m.apply(msg.Event)
		cmds = append(cmds, m.loadHistory())
		cmds = append(cmds, m.pending...)
		m.pending = nil
	case savedMsg:
		if msg.err != nil {
			m.toast(backend.Failure, "cannot save the export: "+msg.err.Error())
		} else {
			m.toast(backend.Success, "saved "+msg.what+" to "+msg.path)
		}
	case indexMsg:
		cmds = append(cmds, m.index())
	case filterTextsMsg:
		cmds = append(cmds, m.readSomeFilterTexts(msg.pane))
	case graceMsg:
		m.graceTicking = false
	case tickMsg:
		if msg.at.Equal(m.tickAt) {
			m.ticking = false // the tick asked for; one asked for later and overtaken is just a redraw
		}
		m.now = m.clock()
		m.lines.Tick(m.now)
		m.exp.Tick(m.now)
		m.expire()
	case historyMsg:
		if msg.err != nil {
			m.toast(backend.Failure, "cannot read SMS history: "+msg.err.Error())
		} else {
			m.lines.SetHistory(msg.key, msg.msgs)
			m.detail.SetHistory(msg.key, msg.msgs)
		}
	case copiedMsg:
		cmds = append(cmds, m.copied(msg))
	case journalMsg:
		if msg.err != nil {
			m.toast(backend.Failure, "cannot read the journal: "+msg.err.Error())
		} else {
			m.dialog = &journalView{entries: msg.entries}
		}
	case catalogMsg, fileCheckMsg:
		if m.dialog != nil {
			cmds = append(cmds, m.dialog.update(m, msg))
		}
	case tea.MouseMsg:
		cmds = append(cmds, m.mouseMsg(msg))
	case tea.PasteMsg:
		if m.filting {
			var c tea.Cmd
			m.filter, c = m.filter.Update(msg)
			cmds = append(cmds, c, m.applyFilter())
		} else if m.dialog != nil {
			cmds = append(cmds, m.dialog.update(m, msg))
		}
	case tea.KeyPressMsg:
		opened := m.dialog == nil
		cmds = append(cmds, m.key(msg))
		if opened && m.dialog != nil {
			m.clearStatus() // the operator has moved on to a dialog
		}
		m.lastKey = m.clock()
		cmds = append(cmds, m.loadHistory())
	}
	m.now = m.clock()
	cmds = append(cmds, m.ensureTick(), m.graceTick())
	if m.quit {
		return m, tea.Quit
	}
	return m, tea.Batch(cmds...)
}

// key handles a key press.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	if m.dialog != nil {
		return m.dialog.key(m, msg)
	}
	if m.help != nil {
		return m.help.key(m, msg)
	}
	if m.filting {
		return m.filterKey(msg)
	}
	if m.showDet {
		switch {
		case matches(msg, k.Back), matches(msg, k.Detail):
			m.showDet = false
			return nil
		case m.detail.HandleKey(msg, k):
			return nil
		}
		if cmd, ok := m.actionKey(msg); ok {
			return cmd
		}
		if matches(msg, k.Quit) {
			m.quit = true
		}
		return nil
	}
	switch {
	case matches(msg, k.Quit):
		m.quit = true
		return nil
	case matches(msg, k.Help):
		m.help = newHelp(m)
		return m.help.focus()
	case matches(msg, k.NextPane):
		m.setFocus((m.focus + 1) % 4)
	case matches(msg, k.PrevPane):
		m.setFocus((m.focus + 3) % 4)
	case matches(msg, k.Pane1):
		m.setFocus(paneBalances)
	case matches(msg, k.Pane2):
		m.setFocus(paneLines)
	case matches(msg, k.Pane3):
		m.setFocus(paneExpiries)
	case matches(msg, k.Pane4):
		m.setFocus(paneQueues)
	case matches(msg, k.Zoom):
		m.zoom = !m.zoom
		m.layout()
	case matches(msg, k.Filter):
		m.filting = true
		m.filter.SetValue(m.panes[m.focus].Filter())
		m.filter.CursorEnd()
		return tea.Batch(m.filter.Focus(), readFilterTexts(m.focus))
	case matches(msg, k.Back):
		switch {
		case m.panes[m.focus].Filter() != "":
			m.panes[m.focus].SetFilter("")
		case m.clearMarks():
		case m.zoom:
			m.zoom = false
			m.layout()
		}
	case matches(msg, k.Detail):
		if key := m.panes[m.focus].SelectedKey(); key != "" {
			m.detail.Open(key, m.data)
			m.showDet = true
			m.histReq = ""
			m.layout()
		}
	case matches(msg, k.Refresh):
		m.o.Backend.Refresh("")
		m.toast(backend.Info, "refreshing every account")
	case matches(msg, k.Mouse):
		m.mouse = !m.mouse
		if m.mouse {
			m.setStatus("mouse on: click to select, wheel to scroll (" + keymap.First(k.Mouse) + " turns it off)")
		} else {
			m.setStatus("mouse off: the terminal's own selection works again")
		}
	case m.panes[m.focus].HandleKey(msg, k):
		m.followed = "" // the operator chose the row: its code is the one meant
	default:
		if cmd, ok := m.actionKey(msg); ok {
			return cmd
		}
	}
	return nil
}

func (m *Model) setFocus(i int) {
	m.focus = i
	if m.zoom || m.narrow() {
		m.layout()
	}
}

// filterKey edits the focused pane's filter.
func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		m.filting = false
		m.filter.Blur()
		p := m.panes[m.focus]
		if n := p.SetFilter(m.filter.Value()); n == 0 && m.filter.Value() != "" {
			m.setStatus("no match for /" + m.filter.Value())
		}
		p.Scroll(-1 << 30) // keep the filter and select the first match
		return nil
	case "esc":
		m.filting = false
		m.filter.Blur()
		m.filter.SetValue("")
		m.panes[m.focus].SetFilter("")
		return nil
	}
	var c tea.Cmd
	m.filter, c = m.filter.Update(msg)
	return tea.Batch(c, m.applyFilter())
}

// applyFilter narrows the pane as the operator types.
func (m *Model) applyFilter() tea.Cmd {
	m.panes[m.focus].SetFilter(strings.TrimSpace(m.filter.Value()))
	return nil
}

// loadHistory fetches the selected line's SMS when they are not loaded.
func (m *Model) loadHistory() tea.Cmd {
	var k backend.Key
	switch {
	case m.showDet:
		k = m.detail.Key()
	case m.focus == paneLines || m.focus == paneQueues:
		k = m.lines.SelectedKey()
		if m.focus == paneQueues {
			k = m.queues.SelectedKey()
		}
	default:
		k = m.lines.SelectedKey()
	}
	if _, isLine := m.data.Lines[k]; !isLine || k == m.histReq {
		return nil
	}
	if !m.showDet && m.lines.HasHistory(k) {
		return nil
	}
	m.histReq = k
	b := m.o.Backend
	return func() tea.Msg {
		msgs, err := b.History(k, 50)
		return historyMsg{key: k, msgs: msgs, err: err}
	}
}

// nextChange is when something on screen next changes with time (zero:
// nothing does): a countdown, an age, a spinner, a toast or status
// message to take down.
func (m *Model) nextChange(now time.Time) time.Time {
	var next time.Time
	soon := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, t := range m.toasts {
		soon(t.until)
	}
	if m.showDet {
		soon(m.secondAfter(now)) // every time on the page counts
	}
	for i, p := range m.panes {
		if m.visible(i) {
			if t := p.NextChange(now); !t.IsZero() {
				soon(t)
			}
		}
	}
	return next
}

// tickGap is the longest the clock waits while something on screen
// counts: a minute, so a clock that jumped (a suspended laptop) is
// caught up soon.
const tickGap = time.Minute

// secondAfter is the first tick after t: the next whole second, moved by
// the session's TickPhase.
func (m *Model) secondAfter(t time.Time) time.Time {
	p := m.o.TickPhase
	return t.Add(-p).Truncate(time.Second).Add(time.Second + p)
}

// ensureTick asks for a tick when the screen next changes: once a second
// at the session's phase, so every countdown steps together, and never
// for nothing.
func (m *Model) ensureTick() tea.Cmd {
	// Ticks fall on their second and what changes, changes after now: a
	// tick due by the next one is the soonest, so the screen need not be
	// asked again at each of tens of events a second.
	if m.ticking && !m.tickAt.After(m.secondAfter(m.now)) {
		return nil
	}
	next := m.nextChange(m.now)
	if next.IsZero() {
		return nil
	}
	at := m.secondAfter(next.Add(-time.Nanosecond)) // next itself when it is on a tick
	if cap := m.secondAfter(m.now).Add(tickGap - time.Second); at.After(cap) {
		at = cap
	}
	if m.ticking && !at.Before(m.tickAt) {
		return nil // the tick on its way is soon enough
	}
	m.ticking, m.tickAt = true, at
	return tea.Tick(at.Sub(m.now), func(time.Time) tea.Msg { return tickMsg{at} })
}

// expire drops the messages whose time is up.
func (m *Model) expire() {
	now := m.clock()
	kept := m.toasts[:0]
	for _, t := range m.toasts {
		if now.Before(t.until) {
			kept = append(kept, t)
		}
	}
	if len(kept) != len(m.toasts) {
		m.said++
	}
	m.toasts = kept
}
