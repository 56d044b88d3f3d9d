package views

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

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
// line's SMS below.
type Lines struct {
	listPane[*backend.Line]
	items   []*backend.Line // display order
	data    *Data
	hist    map[backend.Key][]backend.Message
	regroup time.Time // when a fresh code stops being fresh: re-sort then
	waiting int
}

// NewLines makes the lines pane.
func NewLines(t themes.Theme) *Lines {
	return &Lines{hist: map[backend.Key][]backend.Message{}, listPane: listPane[*backend.Line]{t: t,
		list: NewList(func(l *backend.Line) backend.Key { return l.Key }, func(l *backend.Line) string {
			return l.Number + " " + l.Service + " " + l.Name + " " + l.Account + " " + l.Country + " " + l.Code + " " +
				strings.Join(l.Candidates, " ")
		})}}
}

func (p *Lines) Title() string { return "Lines & codes" }
func (p *Lines) Info() string {
	i, n := p.list.Position()
	s := ""
	if n > 0 {
		s = itoa(i) + "/" + itoa(n)
	}
	if p.waiting > 0 {
		s += " · " + itoa(p.waiting) + " waiting"
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

// SelectedLine is the line under the cursor.
func (p *Lines) SelectedLine() (backend.Line, bool) {
	l, ok := p.list.Selected()
	if !ok {
		return backend.Line{}, false
	}
	return *l, true
}

// Select moves the cursor to a line.

// SetHistory gives the SMS of a line (newest first).
func (p *Lines) SetHistory(k backend.Key, msgs []backend.Message) {
	if len(p.hist) > 64 {
		p.hist = map[backend.Key][]backend.Message{}
	}
	p.hist[k] = msgs
}

// ForgetHistory drops every loaded history, so each is read again.
func (p *Lines) ForgetHistory() { p.hist = map[backend.Key][]backend.Message{} }

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

// lineLess orders lines: group, then most recent first, then key.
func lineLess(a, b *backend.Line, now time.Time) bool {
	ga, gb := group(*a, now), group(*b, now)
	if ga != gb {
		return ga < gb
	}
	ta, tb := recent(*a), recent(*b)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.Key < b.Key
}

// SetData re-sorts every line.
func (p *Lines) SetData(d *Data, now time.Time) {
	p.data = d
	type keyed struct {
		g int
		t int64
		l *backend.Line
	}
	ks := make([]keyed, 0, len(d.Lines))
	for _, l := range d.Lines {
		l := l
		ks = append(ks, keyed{group(l, now), recent(l).UnixNano(), &l})
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.g != b.g {
			return a.g - b.g
		}
		if a.t != b.t {
			if a.t > b.t {
				return -1
			}
			return 1
		}
		return strings.Compare(string(a.l.Key), string(b.l.Key))
	})
	p.items = make([]*backend.Line, len(ks))
	for i := range ks {
		p.items[i] = ks[i].l
	}
	p.publish(now)
}

// Update applies a few changed or removed lines without re-sorting the
// rest (an engine event usually touches a handful of 10,000 lines).
func (p *Lines) Update(d *Data, changed []backend.Line, removed []backend.Key, now time.Time) {
	if p.data == nil || len(changed)+len(removed) > 64 {
		p.SetData(d, now)
		return
	}
	p.data = d
	drop := map[backend.Key]bool{}
	for _, k := range removed {
		drop[k] = true
	}
	for _, l := range changed {
		drop[l.Key] = true
	}
	kept := p.items[:0]
	for _, l := range p.items {
		if !drop[l.Key] {
			kept = append(kept, l)
		}
	}
	p.items = kept
	for _, l := range changed {
		if cur, ok := d.Lines[l.Key]; !ok || cur.Version != l.Version {
			continue // a later event replaced or removed it
		}
		l := l
		i := sort.Search(len(p.items), func(i int) bool { return !lineLess(p.items[i], &l, now) })
		p.items = slices.Insert(p.items, i, &l)
	}
	p.publish(now)
}

// publish hands the ordered lines to the list and notes the counters.
func (p *Lines) publish(now time.Time) {
	p.regroup, p.waiting = time.Time{}, 0
	defer func() {
		if !p.regroup.IsZero() && p.regroup.Before(now.Add(regroupEvery)) {
			p.regroup = now.Add(regroupEvery)
		}
	}()
	for _, l := range p.items {
		if group(*l, now) == 0 {
			if t := l.CodeAt.Add(freshCode); p.regroup.IsZero() || t.Before(p.regroup) {
				p.regroup = t
			}
		}
		if l.State == backend.LineWaiting {
			p.waiting++
		}
	}
	p.list.SetItems(p.items)
	p.list.SetHeight(p.listHeight())
	p.cache.trim(len(p.items))
}

// regroupEvery bounds how often aging codes re-sort the pane: a code
// leaving the top group a few seconds late does no harm, a re-sort of
// thousands of lines every second does.
const regroupEvery = 15 * time.Second

// Tick re-sorts when a fresh code has aged out of the top group.
func (p *Lines) Tick(now time.Time) {
	if !p.regroup.IsZero() && !now.Before(p.regroup) && p.data != nil {
		p.SetData(p.data, now)
	}
}

func recent(l backend.Line) time.Time {
	if l.CodeAt.After(l.CreatedAt) {
		return l.CodeAt
	}
	return l.CreatedAt
}

// Ticking: spinners and countdowns on live lines.
func (p *Lines) Ticking(now time.Time) bool {
	for _, l := range p.list.Window() {
		if l.State.Open() {
			return true
		}
	}
	return false
}

func (p *Lines) View(now time.Time) string {
	if p.list.Total() == 0 {
		return empty(p.t, "no numbers yet — press n to buy one", p.w, p.h)
	}
	lines := p.noMatch("line")
	lines = append(lines, visibleRows(p.list, &p.cache, p.w, rowSpec[*backend.Line]{
		key:    func(l *backend.Line) backend.Key { return l.Key },
		ver:    func(l *backend.Line) uint64 { return l.Version },
		tick:   func(*backend.Line) int64 { return tickOf(now) },
		render: func(l *backend.Line, sel bool) string { return p.row(*l, sel, now) },
	})...)
	body := pad(lines, p.listHeight())
	if p.h >= 14 {
		body += "\n" + p.strip(now)
	}
	return body
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
func (p *Lines) row(l backend.Line, sel bool, now time.Time) string {
	t := p.t
	stale := p.data.Stale(l.Account)
	icon, iconSt := "·", t.Faint
	switch {
	case l.State == backend.LineWaiting:
		icon, iconSt = spinFrames[int(now.Unix())%len(spinFrames)], t.Accent
	case l.State.Open() && len(l.Candidates) > 0:
		icon, iconSt = "?", t.Warn
	case l.State.Open() && l.Code != "":
		icon, iconSt = "✓", t.OK
	case l.State.Open():
		icon, iconSt = "○", t.Muted
	}
	code, codeSt, fresh := "", t.Code, false
	switch {
	case len(l.Candidates) > 0:
		code, codeSt = CodesMark(l), t.Warn // nothing to copy without a choice
	case l.Code != "":
		code = l.Code // exactly what c copies
		if l.State.Open() && now.Sub(l.CodeAt) < 2*time.Minute {
			codeSt, fresh = t.CodeOn, true
		}
	case l.State == backend.LineWaiting:
		code, codeSt = "waiting", t.Faint
	}
	state, stateSt := p.stateText(l, now)
	if stale {
		stateSt = t.Stale
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
		{text: icon, st: iconSt, w: 1},
		{text: code, st: codeSt, w: 9, keepBg: fresh},
		{text: Number(l.Number), st: t.Text, w: numW},
		{text: name, st: t.Bold, w: svcW},
		{text: Country(l.Country), st: t.Muted, w: 3},
		{text: l.Account, st: t.Muted, w: accW},
		{text: state, st: stateSt, right: true},
	}
	if p.w < 70 {
		cells = []cell{cells[0], cells[1], cells[2], cells[3], cells[6]}
	}
	return renderRow(t, cells, p.w, sel)
}

// stateText is the right-hand column: state and time left.
func (p *Lines) stateText(l backend.Line, now time.Time) (string, lipgloss.Style) {
	t := p.t
	left := ""
	switch {
	case l.ExpiresAt.IsZero() || !l.State.Open():
	case l.ExpiresAt.Before(now):
		left = "expired " + Ago(l.ExpiresAt, now)
	default:
		left = Left(l.ExpiresAt, now) + " left"
	}
	switch {
	case l.CooldownUntil.After(now):
		return "cancel in " + Span(l.CooldownUntil.Sub(now)), t.Warn
	case l.State == backend.LineWaiting:
		st := t.Accent
		if !l.ExpiresAt.IsZero() && l.ExpiresAt.Sub(now) < 2*time.Minute {
			st = t.Hot
		}
		if left == "" {
			return "waiting", st
		}
		return "waiting · " + left, st
	case l.State.Open() && HasCode(l):
		s, st := "code "+Ago(l.CodeAt, now), t.OK
		if p.w < 86 { // narrow: keep both figures, drop the words
			s = Ago(l.CodeAt, now)
			left = strings.TrimSuffix(left, " left")
		}
		if len(l.Candidates) > 0 {
			s, st = Candidates(l)+" · "+s, t.Warn
		}
		if l.CodeUnsaved {
			s, st = notSaved+" · "+s, t.Bad
		}
		if left != "" {
			s += " · " + left
		}
		return s, st
	case l.State.Open():
		s := StateWord(l.State, l.RawState)
		if left != "" {
			s += " · " + left
		}
		return s, t.Muted
	}
	return StateWord(l.State, l.RawState), t.Faint
}

// strip is the selected line's big code and latest SMS.
func (p *Lines) strip(now time.Time) string {
	t := p.t
	h := p.stripHeight()
	rule := t.Faint.Render(strings.Repeat("─", p.w))
	lp, ok := p.list.Selected()
	if !ok {
		return pad([]string{rule}, h)
	}
	l := *lp
	out := []string{rule}
	meta := strings.Join(nonEmpty(Number(l.Number), l.Service, Country(l.Country), l.Account, l.Kind), " · ")
	var codeRows []string
	if len(l.Candidates) > 0 {
		codeRows = []string{t.Warn.Render(CodesMark(l) + " c chooses"), candidatesOn(t, l), ""}
	} else if big := BigCode(l.Code); big != nil && p.w >= 60 {
		st := t.CodeBig
		for _, r := range big {
			codeRows = append(codeRows, st.Render(r))
		}
	} else if l.Code != "" {
		codeRows = []string{"", t.CodeOn.Render(" " + l.Code + " "), ""}
	} else if l.State == backend.LineWaiting {
		codeRows = []string{"", t.Accent.Render(spinFrames[int(now.Unix())%len(spinFrames)] + " waiting for the code…"), ""}
	} else {
		codeRows = []string{"", t.Faint.Render("no code on this line"), ""}
	}
	codeW := 0
	for _, r := range codeRows {
		codeW = max(codeW, Width(r))
	}
	right := []string{t.Bold.Render(meta), t.Muted.Render(p.hint(l)), ""}
	switch {
	case HasCode(l) && l.CodeUnsaved:
		right[2] = t.Bad.Render("code " + Ago(l.CodeAt, now) + " · " + notSaved + ": the disk refused it; kept in memory")
	case HasCode(l):
		right[2] = t.Faint.Render("code " + Ago(l.CodeAt, now))
	case !l.WindowAt.IsZero():
		right[2] = t.Faint.Render("reused " + Ago(l.WindowAt, now) + ": earlier codes are history")
	}
	for i := range 3 {
		out = append(out, Fit(" "+Fit(codeRows[i], codeW)+"   "+Fit(right[i], max(p.w-codeW-4, 0)), p.w))
	}
	msgs, loaded := p.hist[l.Key]
	room := h - len(out)
	switch {
	case !loaded:
		out = append(out, Fit(t.Faint.Render(" loading SMS…"), p.w))
	case len(msgs) == 0:
		out = append(out, Fit(t.Faint.Render(" no SMS yet"), p.w))
	}
	for _, m := range msgs {
		if room <= 0 {
			break
		}
		out = append(out, Fit(p.smsLine(m, now), p.w))
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
func (p *Lines) smsLine(m backend.Message, now time.Time) string {
	t := p.t
	when := m.ReceivedAt.Local().Format("15:04:05")
	if now.Sub(m.ReceivedAt) > 20*time.Hour {
		when = m.ReceivedAt.Local().Format("Jan 02")
	}
	text := strings.ReplaceAll(m.Text, "\n", " ⏎ ")
	head := " " + t.Faint.Render(when) + " " + t.Muted.Render(Fit(m.Sender, 10)) + " "
	if m.Unsaved {
		head += t.Bad.Render(notSaved) + " "
	}
	text = Fit(text, max(p.w-Width(head), 0))
	codes, st := m.Candidates, t.Warn
	if m.Code != "" {
		codes, st = []string{m.Code}, t.Code
	}
	return head + markCodes(t, text, codes, st)
}

// markCodes renders text with the first place each code appears marked.
func markCodes(t themes.Theme, text string, codes []string, st lipgloss.Style) string {
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
		b.WriteString(t.Text.Render(text[done:s.at]) + st.Render(text[s.at:s.end]))
		done = s.end
	}
	b.WriteString(t.Text.Render(text[done:]))
	return b.String()
}

// candidatesOn shows an ambiguous SMS's codes highlighted, side by side.
func candidatesOn(t themes.Theme, l backend.Line) string {
	parts := make([]string, len(l.Candidates))
	for i, c := range l.Candidates {
		parts[i] = t.CodeOn.Render(" " + c + " ")
	}
	return strings.Join(parts, t.Faint.Render(" | "))
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
