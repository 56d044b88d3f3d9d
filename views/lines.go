package views

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/themes"
)

// freshCode is how long a code counts as just arrived: such lines sit at
// the top, newest code first, and the code is shown on a bright
// background.
const freshCode = 15 * time.Minute

// spinFrames turn once a second with the clock (braille: in every
// programming font).
var spinFrames = []string{"⠋", "⠙", "⠸", "⠴", "⠦", "⠇"}

// Lines is pane 2: the numbers held, codes first, with the selected
// line's SMS below. The lines themselves stay in Data; the pane holds
// each line's place (lineRef) and its filter text.
type Lines struct {
	listPane[lineRef]
	data    *Data
	hist    map[backend.Key][]backend.Message
	histVer int        // counts changes to hist (the strip's cache)
	regroup time.Time  // when a fresh code stops being fresh: re-place it then
	grouped time.Time  // the last regroup
	drawn   stripCache // the strip as last drawn
}

// lineRef is a line's place in the pane: what it was sorted by, when it
// was placed.
type lineRef struct {
	key     backend.Key
	recent  int64 // unix nanos of its code, or of its creation
	group   int8
	waiting bool
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
	return strings.Compare(string(a.key), string(b.key))
}

func refOf(l backend.Line, now time.Time) lineRef {
	return lineRef{key: l.Key, recent: nanos(recent(l)), group: int8(group(l, now)), waiting: l.State == backend.LineWaiting}
}

// NewLines makes the lines pane.
func NewLines(t themes.Theme) *Lines {
	p := &Lines{hist: map[backend.Key][]backend.Message{}}
	p.listPane = listPane[lineRef]{t: t, list: NewList(func(r lineRef) backend.Key { return r.key }, lineOrder,
		func(r lineRef) string { return lineText(p.data.Lines[r.key]) })}
	p.list.CountWhere(func(r lineRef) bool { return r.waiting })
	return p
}

// lineText is what the filter searches in a line.
func lineText(l backend.Line) string {
	return l.Number + " " + l.Service + " " + l.Name + " " + l.Account + " " + l.Country + " " + l.Code + " " +
		strings.Join(l.Candidates, " ")
}

func (p *Lines) Title() string { return "Lines & codes" }

func (p *Lines) SetTheme(t themes.Theme) { p.listPane.SetTheme(t); p.drawn = stripCache{} }
func (p *Lines) Info() string {
	i, n := p.list.Position()
	s := ""
	if n > 0 {
		s = itoa(i) + "/" + itoa(n)
	}
	if n := p.list.Count(); n > 0 {
		s += " · " + itoa(n) + " waiting"
	}
	return s + p.filterNote()
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
func (p *Lines) line(r lineRef) backend.Line { return p.data.Lines[r.key] }

// SelectedLine is the line under the cursor.
func (p *Lines) SelectedLine() (backend.Line, bool) {
	r, ok := p.list.Selected()
	if !ok {
		return backend.Line{}, false
	}
	l, ok := p.data.Lines[r.key]
	return l, ok
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
	case l.State.Open() && HasCode(l) && now.Sub(l.CodeAt) < freshCode:
		return 0
	case l.State == backend.LineWaiting:
		return 1
	case l.State.Open():
		return 2
	}
	return 3
}

// SetData places every line (at start).
func (p *Lines) SetData(d *Data, now time.Time) {
	p.data = d
	refs := make([]lineRef, 0, len(d.Lines))
	for _, l := range d.Lines {
		refs = append(refs, refOf(l, now))
	}
	p.list.Set(refs)
	p.grouped = now
	p.planRegroup(now)
	p.list.SetHeight(p.listHeight())
}

// Update re-places the lines an event changed or removed; the others
// keep their places.
func (p *Lines) Update(d *Data, changed []backend.Line, removed []backend.Key, now time.Time) {
	p.data = d
	put, gone := sortOut(changed, removed, func(l backend.Line) backend.Key { return l.Key }, func(k backend.Key) (lineRef, bool) {
		cur, ok := d.Lines[k]
		return refOf(cur, now), ok
	})
	p.list.Update(put, gone)
	for _, r := range put {
		if r.group == 0 {
			p.noteFresh(p.data.Lines[r.key], now)
		}
	}
}

// regroupEvery bounds how often aging codes move: a code leaving the top
// group a few seconds late does no harm, and a burst of codes aging out
// one after another moves together.
const regroupEvery = 15 * time.Second

// noteFresh plans the regroup for a line placed among the fresh codes.
func (p *Lines) noteFresh(l backend.Line, now time.Time) {
	at := l.CodeAt.Add(freshCode)
	if !p.grouped.IsZero() {
		at = later(at, p.grouped.Add(regroupEvery))
	}
	p.regroup = earliest(p.regroup, at)
}

// planRegroup plans the next regroup from the fresh codes (they lead the
// list).
func (p *Lines) planRegroup(now time.Time) {
	p.regroup = time.Time{}
	for r := range p.list.All() {
		if r.group != 0 {
			break
		}
		p.noteFresh(p.line(r), now)
	}
}

// Tick moves the codes that have aged out of the top group.
func (p *Lines) Tick(now time.Time) {
	if p.regroup.IsZero() || now.Before(p.regroup) || p.data == nil {
		return
	}
	var put []lineRef
	for r := range p.list.All() {
		if r.group != 0 {
			break
		}
		if l := p.line(r); group(l, now) != 0 {
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
	if l.CodeAt.After(l.CreatedAt) {
		return l.CodeAt
	}
	return l.CreatedAt
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
		key:    func(r lineRef) backend.Key { return r.key },
		ver:    func(r lineRef) uint64 { return p.line(r).Version },
		render: func(r lineRef, sel bool, c *rowClock) string { return p.row(p.line(r), sel, c) },
	})
}

func (p *Lines) View(now time.Time) []string {
	if p.list.Total() == 0 {
		return empty(p.t, "no numbers yet — press n to buy one", p.w, p.h)
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
	t := p.t
	stale := p.data.Stale(l.Account)
	icon, iconInk := "·", t.Ink.Faint
	switch {
	case l.State == backend.LineWaiting:
		icon, iconInk = spinFrames[int(c.now.Unix())%len(spinFrames)], t.Ink.Accent
		c.everySecond()
	case l.State.Open() && len(l.Candidates) > 0:
		icon, iconInk = "?", t.Ink.Warn
	case l.State.Open() && l.Code != "":
		icon, iconInk = "✓", t.Ink.OK
	case l.State.Open():
		icon, iconInk = "○", t.Ink.Muted
	}
	code, codeInk, fresh := "", t.Ink.Code, false
	switch {
	case len(l.Candidates) > 0:
		code, codeInk = CodesMark(l), t.Ink.Warn // nothing to copy without a choice
	case l.Code != "":
		code = l.Code // exactly what c copies
		if l.State.Open() && c.before(l.CodeAt.Add(2*time.Minute)) {
			codeInk, fresh = t.Ink.CodeOn, true
		}
	case l.State == backend.LineWaiting:
		code, codeInk = "waiting", t.Ink.Faint
	}
	state, stateInk := p.stateText(l, c)
	if stale {
		stateInk = t.Ink.Stale
		state = "stale · " + state
	}
	name := l.Service
	if l.Name != "" {
		name = l.Name
	}
	if name == "" {
		name = l.Kind
	}
	numW, svcW, accW := 16, 12, 12
	if p.w < 90 {
		svcW, accW = 10, 9
	}
	cells := []cell{
		{text: icon, ink: iconInk, w: 1},
		{text: code, ink: codeInk, w: 9, keepBg: fresh},
		{text: Number(l.Number), ink: t.Ink.Text, w: numW},
		{text: name, ink: t.Ink.Bold, w: svcW},
		{text: Country(l.Country), ink: t.Ink.Muted, w: 3},
		{text: l.Account, ink: t.Ink.Muted, w: accW},
		{text: state, ink: stateInk, right: true},
	}
	if p.w < 70 {
		cells = []cell{cells[0], cells[1], cells[2], cells[3], cells[6]}
	}
	return renderRow(t, cells, p.w, sel)
}

// stateText is the right-hand column: state and time left.
func (p *Lines) stateText(l backend.Line, c *rowClock) (string, themes.Ink) {
	t := p.t
	left := ""
	switch {
	case l.ExpiresAt.IsZero() || !l.State.Open():
	case c.after(l.ExpiresAt):
		left = "expired " + c.ago(l.ExpiresAt)
	default:
		left = c.countdown(l.ExpiresAt) + " left"
	}
	switch {
	case c.before(l.CooldownUntil):
		return "cancel in " + c.countdown(l.CooldownUntil), t.Ink.Warn
	case l.State == backend.LineWaiting:
		ink := t.Ink.Accent
		if !l.ExpiresAt.IsZero() && c.after(l.ExpiresAt.Add(-2*time.Minute)) {
			ink = t.Ink.Hot
		}
		if left == "" {
			return "waiting", ink
		}
		return "waiting · " + left, ink
	case l.State.Open() && HasCode(l):
		s, ink := "code "+c.ago(l.CodeAt), t.Ink.OK
		if p.w < 86 { // narrow: keep both figures, drop the words
			s = strings.TrimPrefix(s, "code ")
			left = strings.TrimSuffix(left, " left")
		}
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
	l, ok := p.data.Lines[r.key]
	sc := &p.drawn
	if sc.lines != nil && sc.key == r.key && sc.ver == l.Version && sc.hist == p.histVer && sc.w == p.w && sc.h == p.h &&
		(sc.until.IsZero() || now.Before(sc.until)) {
		return sc.lines, sc.until
	}
	c := rowClock{now: now}
	lines := p.strip(l, ok, &c)
	*sc = stripCache{key: r.key, ver: l.Version, hist: p.histVer, w: p.w, h: p.h, until: c.next, lines: lines}
	return lines, c.next
}

// strip is the selected line's big code and latest SMS.
func (p *Lines) strip(l backend.Line, ok bool, c *rowClock) []string {
	t := p.t
	h := p.stripHeight()
	rule := t.Ink.Faint.Paint(strings.Repeat("─", p.w))
	if !ok {
		return pad([]string{rule}, h)
	}
	out := []string{rule}
	meta := strings.Join(nonEmpty(Number(l.Number), l.Service, Country(l.Country), l.Account, l.Kind), " · ")
	var codeRows []string
	if len(l.Candidates) > 0 {
		codeRows = []string{t.Ink.Warn.Paint(CodesMark(l) + " c chooses"), candidatesOn(t, l), ""}
	} else if big := BigCode(l.Code); big != nil && p.w >= 60 {
		for _, r := range big {
			codeRows = append(codeRows, t.Ink.CodeBig.Paint(r))
		}
	} else if l.Code != "" {
		codeRows = []string{"", t.Ink.CodeOn.Paint(" " + l.Code + " "), ""}
	} else if l.State == backend.LineWaiting {
		codeRows = []string{"", t.Ink.Accent.Paint(spinFrames[int(c.now.Unix())%len(spinFrames)] + " waiting for the code…"), ""}
		c.everySecond()
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
		right[2] = t.Ink.Bad.Paint("code " + c.ago(l.CodeAt) + " · " + notSaved + ": the disk refused it; kept in memory")
	case HasCode(l):
		right[2] = t.Ink.Faint.Paint("code " + c.ago(l.CodeAt))
	case !l.WindowAt.IsZero():
		right[2] = t.Ink.Faint.Paint("reused " + c.ago(l.WindowAt) + ": earlier codes are history")
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

// hint lists what the operator can do with the selected line.
func (p *Lines) hint(l backend.Line) string {
	var parts []string
	switch {
	case len(l.Candidates) > 0:
		parts = append(parts, "c choose code")
	case l.Code != "":
		parts = append(parts, "c copy code")
	}
	parts = append(parts, "C copy number")
	for _, k := range l.Allowed.Kinds() {
		switch k {
		case backend.ActFinish:
			parts = append(parts, "f finish")
		case backend.ActCancel:
			parts = append(parts, "x cancel")
		case backend.ActReject:
			parts = append(parts, "x reject")
		case backend.ActBan:
			parts = append(parts, "b ban")
		case backend.ActRenew:
			parts = append(parts, "r renew")
		}
	}
	parts = append(parts, "enter details")
	return strings.Join(parts, " · ")
}

// smsLine renders one SMS on a line: time, sender, text with the code
// marked.
func (p *Lines) smsLine(m backend.Message, c *rowClock) string {
	t := p.t
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
func markCodes(t themes.Theme, text string, codes []string, ink themes.Ink) string {
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
func candidatesOn(t themes.Theme, l backend.Line) string {
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
