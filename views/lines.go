package views

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/backend/naming"
	"switchboard/keymap"
	"switchboard/themes"
)

// freshCode is how long a code counts as just arrived: such lines sit at
// the top, newest code first, and the code is shown on a bright
// background.
const freshCode = 15 * time.Minute

// spinFrames turn once a second with the clock (braille: in every
// programming font).
var spinFrames = []string{"⠋", "⠙", "⠸", "⠴", "⠦", "⠇"}

// spinner is the frame for now, and notes that it turns; a still frame
// (--print) has a dot where a spinner would stand.
func (d *Data) spinner(c *rowClock) string {
	if d.Still {
		return "·"
	}
	c.everySecond()
	return spinFrames[int(c.now.Unix())%len(spinFrames)]
}

// Lines is pane 2: the numbers held, codes first, with the selected
// line's SMS below. The lines themselves stay in Data; the pane holds
// each line's place (lineRef) and its filter text.
type Lines struct {
	listPane[lineRef]
	data    *Data
	keys    *keymap.KeyMap // the bindings its hints name
	role    backend.Role   // whose screen: its hints offer only what the role may do
	hist    map[backend.Key][]backend.Message
	histVer int // counts changes to hist (the strip's cache)
	// pinned: the operator has put the cursor on a line other than the
	// first, so new codes no longer move it (the title says so); on the
	// first line the cursor goes to each new code.
	pinned  bool
	regroup time.Time  // when a fresh code stops being fresh: re-place it then
	grouped time.Time  // the last regroup
	drawn   stripCache // the strip as last drawn
	sort    int        // which of lineSorts orders the pane
	numW    int        // the widest number: the number column is never cut
	codeW   int        // the widest code held (at most codeMax)
	nameW   int        // the widest service or name held
}

// codeMin fits "waiting"; codeMax bounds the code column (a longer code
// is cut in the row, whole in the strip below).
const codeMin, codeMax = 7, 9

// lineRef is a line's place in the pane: what it was sorted by, when it
// was placed.
type lineRef struct {
	line    *backend.Line // the value placed (its key, account, filter text)
	recent  int64         // unix nanos of its code, or of its creation
	expires int64         // unix nanos; 0: never
	service string        // folded
	group   int8
	waiting bool
	lapsed  bool // open, but past its expiry when placed: closed to h
}

// key is the line's key ("" for no line: nothing selected).
func (r lineRef) key() backend.Key {
	if r.line == nil {
		return ""
	}
	return r.line.Key
}

// lineSorts are the orders the sort key cycles through; the first is the
// default, the only one that moves lines as time passes (fresh codes).
var lineSorts = []struct {
	name string
	cmp  func(a, b lineRef) int
}{
	{"newest code", lineOrder},
	{"expiry", func(a, b lineRef) int {
		// Live lines soonest first, then those that never expire, then
		// the closed ones.
		ka, kb := expiryClass(a), expiryClass(b)
		switch {
		case ka != kb:
			return ka - kb
		case a.expires != b.expires:
			return cmpInt(a.expires, b.expires)
		}
		return newestFirst(a, b)
	}},
	{"account", func(a, b lineRef) int {
		if c := strings.Compare(a.line.Account, b.line.Account); c != 0 {
			return c
		}
		return newestFirst(a, b)
	}},
	{"service", func(a, b lineRef) int {
		if c := strings.Compare(a.service, b.service); c != 0 {
			return c
		}
		return newestFirst(a, b)
	}},
}

func expiryClass(r lineRef) int {
	switch {
	case r.group == 3:
		return 2
	case r.expires == 0:
		return 1
	}
	return 0
}

func newestFirst(a, b lineRef) int {
	if a.recent != b.recent {
		return -cmpInt(a.recent, b.recent)
	}
	return strings.Compare(string(a.key()), string(b.key()))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// lineOrder: group, then most recent first, then key.
func lineOrder(a, b lineRef) int {
	switch {
	case a.group != b.group:
		return int(a.group) - int(b.group)
	case a.recent != b.recent:
		if a.recent > b.recent {
			return -1
		}
		return 1
	}
	return strings.Compare(string(a.key()), string(b.key()))
}

func refOf(l *backend.Line, now time.Time) lineRef {
	r := lineRef{line: l, recent: nanos(recent(*l)), service: foldText(l.Service),
		group: int8(group(*l, now)), waiting: l.State == backend.LineWaiting}
	if !l.ExpiresAt.IsZero() {
		r.expires = nanos(l.ExpiresAt.Time())
		r.lapsed = l.State.Open() && !l.ExpiresAt.After(now)
	}
	return r
}

// CycleSort orders the lines by the next of lineSorts.
func (p *Lines) CycleSort(now time.Time) {
	p.sort = (p.sort + 1) % len(lineSorts)
	p.list.SetOrder(lineSorts[p.sort].cmp)
	if p.sort == 0 && p.data != nil {
		p.SetData(p.data, now) // fresh codes lead again, grouped as of now
	}
}

// SortName is the order the lines are in.
func (p *Lines) SortName() string { return lineSorts[p.sort].name }

// NewLines makes the lines pane.
func NewLines(t themes.Theme) *Lines {
	p := &Lines{hist: map[backend.Key][]backend.Message{}, keys: defaultKeys()}
	p.listPane = listPane[lineRef]{t: t, list: NewList(func(r lineRef) backend.Key { return r.key() }, lineOrder,
		func(r lineRef) searchable { return lineText(r.line, r.lapsed) })}
	p.list.CountWhere(func(r lineRef) bool { return r.waiting })
	return p
}

// lineText is what the filter searches in a line: its number first, and
// every word its row shows. A lapsed line (open, its expiry passed) is closed and state:expired
// finds it.
func lineText(l *backend.Line, lapsed bool) searchable {
	state := StateWord(l.State, l.RawState)
	if lapsed {
		state += " expired"
	}
	return searchable{name: l.Number,
		rest: l.Service + " " + l.Name + " " + l.Account + " " + l.Country + " " + l.Code + " " + strings.Join(l.Candidates, " ") +
			" " + state, // the word the row shows ("waiting") finds it too
		fields: [numFields]string{state, l.Account, providerWords(l.Provider), l.Service},
		closed: !l.State.Open() || lapsed}
}

// providerWords are what provider: finds: the config's name and the
// label ("fivesim 5sim").
func providerWords(k backend.ProviderKind) string { return string(k) + " " + k.Label() }

func (p *Lines) Title() string { return "Lines & codes" }

func (p *Lines) SetTheme(t themes.Theme) { p.listPane.SetTheme(t); p.drawn = stripCache{} }

// SetKeys gives the bindings the pane's hints name.
func (p *Lines) SetKeys(km *keymap.KeyMap) { p.keys = km; p.drawn = stripCache{} }

// SetRole narrows the hints to what the screen's operator may do.
func (p *Lines) SetRole(r backend.Role) { p.role = r; p.drawn = stripCache{} }
func (p *Lines) Info() string {
	notes := []note{p.positionNote(), p.markNote()}
	if n := p.list.Count(); n > 0 {
		waiting := note{itoa(n) + " waiting", itoa(n) + " wait", rankWaiting}
		if p.list.Filter() != "" { // the count is of every line, not of those the filter shows
			waiting.long += " in all"
		}
		notes = append(notes, waiting)
	}
	if p.sort != 0 {
		notes = append(notes, note{"by " + p.SortName(), "", rankSort})
	}
	if p.pinned {
		pin := note{"pinned", "pinned", rankPinned}
		if k := keymap.First(p.keys.Top); k != "" {
			pin.long += " (" + k + " follows new codes)"
		}
		notes = append(notes, pin)
	}
	return fitNotes(p.Title(), p.w, append(notes, p.filterNote(), p.hiddenNote()))
}

// HandleKey moves the cursor; on the first line it follows new codes,
// anywhere else it is pinned.
func (p *Lines) HandleKey(msg tea.KeyPressMsg, km *keymap.KeyMap) bool {
	if !p.listPane.HandleKey(msg, km) {
		return false
	}
	p.pinAt()
	return true
}

// Click selects a row of the list; a click on the code strip or the SMS
// below it selects nothing.
func (p *Lines) Click(row int) {
	if row < p.listHeight() {
		p.listPane.Click(row)
		p.pinAt()
	}
}

func (p *Lines) Scroll(d int) { p.listPane.Scroll(d); p.pinAt() }

// Select puts the cursor on a line (a purchase, a `:` command).
func (p *Lines) Select(k backend.Key) bool {
	ok := p.list.Select(k)
	if ok {
		p.pinAt()
	}
	return ok
}

// Follow puts the cursor on the line of a code that just arrived, unless
// it is pinned or the filter hides that line.
func (p *Lines) Follow(k backend.Key) bool { return !p.pinned && p.list.Select(k) }

// Pinned reports whether new codes leave the cursor where it is.
func (p *Lines) Pinned() bool { return p.pinned }

func (p *Lines) pinAt() {
	i, _ := p.list.Position()
	p.pinned = i > 1
}

func (p *Lines) SetSize(w, h int) {
	p.w, p.h = w, h
	p.list.SetHeight(p.listHeight())
}

// listHeight leaves room for the selected line's code and SMS when the
// pane is tall enough.
func (p *Lines) listHeight() int {
	if p.h >= 14 {
		return p.h - p.stripHeight()
	}
	return p.h
}

func (p *Lines) stripHeight() int {
	if p.h >= 24 {
		return 9
	}
	return 6
}

// line is the line behind a ref.
func (p *Lines) line(r lineRef) backend.Line { return p.data.Line(r.key()) }

// SelectedLine is the line under the cursor.
func (p *Lines) SelectedLine() (backend.Line, bool) {
	r, ok := p.list.Selected()
	if !ok {
		return backend.Line{}, false
	}
	l, ok := p.data.Lines[r.key()]
	if !ok {
		return backend.Line{}, false
	}
	return *l, true
}

// SetHistory gives the SMS of a line (newest first).
func (p *Lines) SetHistory(k backend.Key, msgs []backend.Message) {
	if len(p.hist) > 64 {
		p.hist = map[backend.Key][]backend.Message{}
	}
	p.hist[k] = msgs
	p.histVer++
}

// ForgetHistory drops every loaded history, so each is read again.
func (p *Lines) ForgetHistory() { p.hist = map[backend.Key][]backend.Message{}; p.histVer++ }

// HasHistory reports whether a line's SMS are loaded.
func (p *Lines) HasHistory(k backend.Key) bool { _, ok := p.hist[k]; return ok }

// History is a line's SMS, newest first, if loaded.
func (p *Lines) History(k backend.Key) ([]backend.Message, bool) { h, ok := p.hist[k]; return h, ok }

// AddMessages adds newly arrived SMS to loaded histories.
func (p *Lines) AddMessages(msgs []backend.Message) {
	for _, m := range msgs {
		h, ok := p.hist[m.Line]
		if !ok {
			continue
		}
		dup := false
		for _, o := range h {
			if o.ID == m.ID {
				dup = true
				break
			}
		}
		if !dup {
			h = append([]backend.Message{m}, h...)
			sort.SliceStable(h, func(i, j int) bool { return h[i].ReceivedAt.After(h[j].ReceivedAt) })
			p.hist[m.Line] = h
			p.histVer++
		}
	}
}

// group orders lines: fresh codes, waiting lines, other live lines,
// closed lines.
func group(l backend.Line, now time.Time) int {
	switch {
	case l.State.Open() && HasCode(l) && now.Sub(l.CodeAt.Time()) < freshCode:
		return 0
	case l.State == backend.LineWaiting:
		return 1
	case l.State.Open():
		return 2
	}
	return 3
}

// SetData places every line (at start).
func (p *Lines) SetData(d *Data, now time.Time) { p.SetHead(d, now, 0) }

// SetHead places only the first n lines (all when n is 0): the first
// frame's, without ordering every line; SetData places the rest.
func (p *Lines) SetHead(d *Data, now time.Time, n int) {
	p.data = d
	p.list.SetHead(func(yield func(lineRef) bool) {
		for l := range d.allLines {
			p.widen(l)
			if !yield(refOf(l, now)) {
				return
			}
		}
	}, n)
	p.grouped = now
	p.planRegroup(now)
	p.list.SetHeight(p.listHeight())
}

// Update re-places the lines an event changed or removed; the others
// keep their places.
func (p *Lines) Update(d *Data, changed []*backend.Line, removed []backend.Key, now time.Time) {
	p.data = d
	put, gone := sortOut(changed, removed, func(l *backend.Line) backend.Key { return l.Key }, func(k backend.Key) (lineRef, bool) {
		cur, ok := d.Lines[k]
		if !ok {
			return lineRef{}, false
		}
		return refOf(cur, now), true
	})
	p.list.Update(put, gone)
	for _, r := range put {
		l := p.data.Line(r.key())
		p.widen(&l)
		if r.group == 0 && p.sort == 0 {
			p.noteFresh(l, now)
		}
	}
}

// widen makes the number, code, service and account columns as wide as
// l's, so columns hold no blank that a cut account or state could use.
func (p *Lines) widen(l *backend.Line) {
	code := l.Code
	if len(l.Candidates) > 0 {
		code = CodesMark(*l)
	}
	for _, c := range []struct {
		w   *int
		now int
	}{{&p.numW, textWidth(Number(l.Number))}, {&p.codeW, min(textWidth(code), codeMax)}, {&p.nameW, textWidth(lineName(l))}} {
		if c.now > *c.w {
			*c.w = c.now
			p.cache.reset()
		}
	}
	p.holdAccount(l.Account)
}

// lineName is what the service column says: the line's name, its
// service or its kind.
func lineName(l *backend.Line) string {
	switch {
	case l.Name != "":
		return l.Name
	case l.Service != "":
		return l.Service
	}
	return l.Kind
}

// regroupEvery bounds how often aging codes move: a code leaving the top
// group a few seconds late does no harm, and a burst of codes aging out
// one after another moves together.
const regroupEvery = 15 * time.Second

// noteFresh plans the regroup for a line placed among the fresh codes.
func (p *Lines) noteFresh(l backend.Line, now time.Time) {
	at := l.CodeAt.Time().Add(freshCode)
	if !p.grouped.IsZero() {
		at = later(at, p.grouped.Add(regroupEvery))
	}
	p.regroup = earliest(p.regroup, at)
}

// planRegroup plans the next regroup from the fresh codes (they lead the
// list).
func (p *Lines) planRegroup(now time.Time) {
	p.regroup = time.Time{}
	if p.sort != 0 {
		return // only the default order groups fresh codes
	}
	for r := range p.list.All() {
		if r.group != 0 {
			break
		}
		p.noteFresh(p.line(r), now)
	}
}

// Tick moves the codes that have aged out of the top group.
func (p *Lines) Tick(now time.Time) {
	if p.regroup.IsZero() || now.Before(p.regroup) || p.data == nil || p.sort != 0 {
		return
	}
	var put []lineRef
	for r := range p.list.All() {
		if r.group != 0 {
			break
		}
		if l := p.data.Lines[r.key()]; l != nil && group(*l, now) != 0 {
			put = append(put, refOf(l, now))
		}
	}
	p.list.Update(put, nil)
	p.grouped = now
	p.planRegroup(now)
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

func recent(l backend.Line) time.Time {
	if l.CodeAt.After(l.CreatedAt.Time()) {
		return l.CodeAt.Time()
	}
	return l.CreatedAt.Time()
}

// NextChange: spinners, countdowns and ages on screen, and the regroup.
func (p *Lines) NextChange(now time.Time) time.Time {
	_, next := p.rows(now)
	if p.h >= 14 {
		_, strip := p.stripLines(now)
		next = earliest(next, strip)
	}
	return earliest(next, p.regroup)
}

func (p *Lines) rows(now time.Time) ([]string, time.Time) {
	return visibleRows(p.list, &p.cache, p.w, now, rowSpec[lineRef]{
		key:    func(r lineRef) backend.Key { return r.key() },
		ver:    func(r lineRef) uint64 { return p.data.LineVersion(r.key()) },
		render: func(r lineRef, sel bool, c *rowClock) string { return p.row(p.line(r), sel, c) },
	})
}

func (p *Lines) View(now time.Time) []string {
	if p.list.Total() == 0 {
		msg := "no numbers yet"
		if k := keymap.First(p.keys.Buy); k != "" {
			msg += " — press " + k + " to buy one"
		}
		return empty(&p.t, msg, p.w, p.h)
	}
	rows, _ := p.rows(now)
	lines := pad(append(p.noMatch("line"), rows...), p.listHeight())
	if p.h >= 14 {
		strip, _ := p.stripLines(now)
		lines = append(lines, strip...)
	}
	return lines
}

// HasCode reports whether a line shows a code: one, or the candidates of
// an ambiguous SMS.
func HasCode(l backend.Line) bool { return l.Code != "" || len(l.Candidates) > 0 }

// Candidates shows the codes of an ambiguous SMS side by side.
func Candidates(l backend.Line) string { return strings.Join(l.Candidates, " | ") }

// CodesMark marks an ambiguous SMS: "2 codes?".
func CodesMark(l backend.Line) string { return itoa(len(l.Candidates)) + " codes?" }

// notSaved marks a code the ledger could not write (a full disk).
const notSaved = "not saved"

// row renders one line.
func (p *Lines) row(l backend.Line, sel bool, c *rowClock) string {
	t := &p.t
	stale := p.data.Stale(l.Account)
	icon, iconInk := "·", t.Ink.Faint
	switch {
	case l.State == backend.LineWaiting:
		icon, iconInk = p.data.spinner(c), t.Ink.Accent
	case l.State.Open() && len(l.Candidates) > 0:
		icon, iconInk = "?", t.Ink.Warn
	case l.State.Open() && l.Code != "":
		icon, iconInk = "✓", t.Ink.OK
	case l.State.Open():
		icon, iconInk = "○", t.Ink.Muted
	}
	icon, iconInk = p.markIcon(l.Key, icon, iconInk)
	code, codeInk, fresh := "", t.Ink.Code, false
	switch {
	case len(l.Candidates) > 0:
		code, codeInk = CodesMark(l), t.Ink.Warn // nothing to copy without a choice
	case l.Code != "":
		code = l.Code // exactly what c copies
		if l.State.Open() && c.before(l.CodeAt.Time().Add(2*time.Minute)) {
			codeInk, fresh = t.Ink.CodeOn, true
		}
	case l.State == backend.LineWaiting:
		code, codeInk = "waiting", t.Ink.Faint
	}
	state, short, stateInk := p.stateText(l, c)
	if stale {
		stateInk = t.Ink.Stale
		state, short = "stale · "+state, "stale · "+short
	}
	svcW, accW := 12, 12
	if p.w < 90 {
		svcW, accW = 10, 9
	}
	svcW, codeW := max(min(svcW, p.nameW), 1), max(p.codeW, codeMin)
	if short == state {
		short = ""
	}
	cells := []cell{
		{text: icon, ink: iconInk, w: 1},
		{text: code, ink: codeInk, w: codeW, keepBg: fresh},
		{text: Number(l.Number), ink: t.Ink.Text, w: p.numW},
		{text: lineName(&l), ink: t.Ink.Bold, w: svcW},
		{text: naming.CountryCode(l.Country), ink: t.Ink.Muted, w: 3},
		{text: l.Account, ink: t.Ink.Muted, w: p.accountWidth(accW, 1+codeW+p.numW+svcW+3+6, 28), grow: true},
		{text: state, alt: short, ink: stateInk, right: true},
	}
	if p.w < 70 {
		// The country gives way; the account stays while the row has room
		// for it beside the whole state.
		cells = []cell{cells[0], cells[1], cells[2], cells[3], cells[5], cells[6]}
		room := p.w - (1 + codeW + p.numW + svcW + 5) - textWidth(state)
		if room < 6 {
			cells = slices.Delete(cells, 4, 5)
		} else {
			cells[4].w, cells[4].grow = min(p.accW, room), false
		}
	}
	return renderRow(t, cells, p.w, sel)
}

// stateText is the right-hand column: state and time left, and the same
// without the words "code" and "left" (and "waiting", which the code
// column says) for a narrow column.
func (p *Lines) stateText(l backend.Line, c *rowClock) (string, string, themes.Ink) {
	s, ink := p.stateWords(l, c)
	short := strings.ReplaceAll(strings.ReplaceAll(s, "code ", ""), " left", "")
	return s, strings.TrimPrefix(short, "waiting · "), ink
}

func (p *Lines) stateWords(l backend.Line, c *rowClock) (string, themes.Ink) {
	t := &p.t
	left := ""
	switch {
	case l.ExpiresAt.IsZero() || !l.State.Open():
	case c.after(l.ExpiresAt.Time()):
		left = "expired " + c.ago(l.ExpiresAt.Time())
	default:
		left = c.countdown(l.ExpiresAt.Time()) + " left"
	}
	switch {
	case c.before(l.CooldownUntil.Time()):
		return "cancel in " + c.countdown(l.CooldownUntil.Time()), t.Ink.Warn
	case l.State == backend.LineWaiting:
		ink := t.Ink.Accent
		if !l.ExpiresAt.IsZero() && c.after(l.ExpiresAt.Time().Add(-2*time.Minute)) {
			ink = t.Ink.Hot
		}
		if left == "" {
			return "waiting", ink
		}
		return "waiting · " + left, ink
	case l.State.Open() && HasCode(l):
		s, ink := "code "+c.ago(l.CodeAt.Time()), t.Ink.OK
		if len(l.Candidates) > 0 {
			s, ink = Candidates(l)+" · "+s, t.Ink.Warn
		}
		if l.CodeUnsaved {
			s, ink = notSaved+" · "+s, t.Ink.Bad
		}
		if left != "" {
			s += " · " + left
		}
		return s, ink
	case l.State.Open():
		s := StateWord(l.State, l.RawState)
		if left != "" {
			s += " · " + left
		}
		return s, t.Ink.Muted
	}
	return StateWord(l.State, l.RawState), t.Ink.Faint
}

// stripCache keeps the selected line's strip until its line, history,
// size or time texts change.
type stripCache struct {
	key        backend.Key
	ver        uint64
	hist, w, h int
	until      time.Time
	lines      []string
}

// stripLines is the selected line's big code and latest SMS, and when
// they next change with time.
func (p *Lines) stripLines(now time.Time) ([]string, time.Time) {
	r, _ := p.list.Selected()
	_, ok := p.data.Lines[r.key()]
	l := p.data.Line(r.key())
	sc := &p.drawn
	if sc.lines != nil && sc.key == r.key() && sc.ver == l.Version && sc.hist == p.histVer && sc.w == p.w && sc.h == p.h &&
		(sc.until.IsZero() || now.Before(sc.until)) {
		return sc.lines, sc.until
	}
	c := rowClock{now: now}
	lines := p.strip(l, ok, &c)
	*sc = stripCache{key: r.key(), ver: l.Version, hist: p.histVer, w: p.w, h: p.h, until: c.next, lines: lines}
	return lines, c.next
}

// strip is the selected line's big code and latest SMS.
func (p *Lines) strip(l backend.Line, ok bool, c *rowClock) []string {
	t := &p.t
	h := p.stripHeight()
	rule := t.Ink.Faint.Paint(strings.Repeat("─", p.w))
	if !ok {
		return pad([]string{rule}, h)
	}
	out := []string{rule}
	meta := strings.Join(nonEmpty(Number(l.Number), l.Service, naming.CountryCode(l.Country), l.Account, naming.Word(l.Kind)), " · ")
	var codeRows []string
	if len(l.Candidates) > 0 {
		codeRows = []string{t.Ink.Warn.Paint(chooseMark(p.keys, l)), candidatesOn(t, l), ""}
	} else if big := BigCode(l.Code); big != nil && p.w >= 60 {
		for _, r := range big {
			codeRows = append(codeRows, t.Ink.CodeBig.Paint(r))
		}
	} else if l.Code != "" {
		codeRows = []string{"", t.Ink.CodeOn.Paint(" " + l.Code + " "), ""}
	} else if l.State == backend.LineWaiting {
		codeRows = []string{"", t.Ink.Accent.Paint(p.data.spinner(c) + " waiting for the code…"), ""}
	} else {
		codeRows = []string{"", t.Ink.Faint.Paint("no code on this line"), ""}
	}
	codeW := 0
	for _, r := range codeRows {
		codeW = max(codeW, Width(r))
	}
	right := []string{t.Ink.Bold.Paint(meta), t.Ink.Muted.Paint(p.hint(l)), ""}
	switch {
	case HasCode(l) && l.CodeUnsaved:
		right[2] = t.Ink.Bad.Paint("code " + c.ago(l.CodeAt.Time()) + " · " + notSaved + ": the disk refused it; kept in memory")
	case HasCode(l):
		right[2] = t.Ink.Faint.Paint("code " + c.ago(l.CodeAt.Time()))
	case !l.WindowAt.IsZero():
		right[2] = t.Ink.Faint.Paint("reused " + c.ago(l.WindowAt.Time()) + ": earlier codes are history")
	}
	for i := range 3 {
		out = append(out, Fit(" "+Fit(codeRows[i], codeW)+"   "+Fit(right[i], max(p.w-codeW-4, 0)), p.w))
	}
	msgs, loaded := p.hist[l.Key]
	room := h - len(out)
	switch {
	case !loaded:
		out = append(out, Fit(t.Ink.Faint.Paint(" loading SMS…"), p.w))
	case len(msgs) == 0:
		out = append(out, Fit(t.Ink.Faint.Paint(" no SMS yet"), p.w))
	}
	for _, m := range msgs {
		if room <= 0 {
			break
		}
		out = append(out, Fit(p.smsLine(m, c), p.w))
		room--
	}
	return pad(out, h)
}

// hint lists what the operator can do with the selected line, in the
// bindings in force.
func (p *Lines) hint(l backend.Line) string {
	hs := p.keys.ItemHints(p.role.Permits(l.Allowed), CopyableOf(l))
	more := []keymap.Hint{{Key: keymap.First(p.keys.CopyNumber), Desc: "copy number"}, {Key: keymap.First(p.keys.Detail), Desc: "details"}}
	if HasCode(l) {
		more = append([]keymap.Hint{{Key: keymap.First(p.keys.CopySMS), Desc: "copy SMS"}}, more...)
	}
	for _, h := range more {
		if h.Key != "" {
			hs = append(hs, h)
		}
	}
	return hintText(hs)
}

// smsLine renders one SMS on a line: time, sender, text with the code
// marked.
func (p *Lines) smsLine(m backend.Message, c *rowClock) string {
	t := &p.t
	when := m.ReceivedAt.Local().Format("15:04:05")
	if c.after(m.ReceivedAt.Add(20 * time.Hour)) {
		when = m.ReceivedAt.Local().Format("Jan 02")
	}
	text := strings.ReplaceAll(m.Text, "\n", " ⏎ ")
	head := " " + t.Ink.Faint.Paint(when) + " " + t.Ink.Muted.Paint(Fit(m.Sender, 10)) + " "
	if m.Unsaved {
		head += t.Ink.Bad.Paint(notSaved) + " "
	}
	text = Fit(text, max(p.w-Width(head), 0))
	codes, ink := m.Candidates, t.Ink.Warn
	if m.Code != "" {
		codes, ink = []string{m.Code}, t.Ink.Code
	}
	return head + markCodes(t, text, codes, ink)
}

// markCodes renders text with the first place each code appears marked.
func markCodes(t *themes.Theme, text string, codes []string, ink themes.Ink) string {
	type span struct{ at, end int }
	var spans []span
	for _, c := range codes {
		if i := strings.Index(text, c); i >= 0 && c != "" {
			spans = append(spans, span{i, i + len(c)})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.at - b.at })
	var b strings.Builder
	done := 0
	for _, s := range spans {
		if s.at < done {
			continue // overlaps a code already marked
		}
		b.WriteString(t.Ink.Text.Paint(text[done:s.at]) + ink.Paint(text[s.at:s.end]))
		done = s.end
	}
	b.WriteString(t.Ink.Text.Paint(text[done:]))
	return b.String()
}

// candidatesOn shows an ambiguous SMS's codes highlighted, side by side.
func candidatesOn(t *themes.Theme, l backend.Line) string {
	parts := make([]string, len(l.Candidates))
	for i, c := range l.Candidates {
		parts[i] = t.Ink.CodeOn.Paint(" " + c + " ")
	}
	return strings.Join(parts, t.Ink.Faint.Paint(" | "))
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
