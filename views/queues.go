package views

import (
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"switchboard/backend"
	"switchboard/themes"
)

// QueueItem is a row of the queues pane: a job, or an order still waiting
// for its code.
type QueueItem struct {
	Key      backend.Key
	Kind     string
	Title    string
	State    string
	Account  string
	Since    time.Time
	Detail   string
	Version  uint64
	Active   bool
	Failed   bool
	Provider backend.ProviderKind
}

// Queues is pane 4: orders and jobs in motion.
type Queues struct {
	listPane[QueueItem]
	active int
	data   *Data
}

// NewQueues makes the queues pane.
func NewQueues(t themes.Theme) *Queues {
	return &Queues{listPane: listPane[QueueItem]{t: t, list: NewList(func(q QueueItem) backend.Key { return q.Key },
		func(q QueueItem) string { return q.Title + " " + q.Kind + " " + q.Account + " " + q.State })}}
}

func (p *Queues) Title() string { return "Queues" }
func (p *Queues) Info() string {
	return itoa(p.active) + " in motion" + p.filterNote()
}

func jobItem(j backend.Job) QueueItem {
	title := j.Title
	if j.Detail != "" {
		title += " · " + j.Detail
	}
	return QueueItem{Key: j.Key, Kind: string(j.Kind), Title: title, State: stateOf(j),
		Account: j.Account, Since: j.CreatedAt, Version: j.Version, Active: !j.State.Terminal(),
		Failed: j.State == backend.JobFailed, Provider: j.Provider}
}

func orderItem(l backend.Line) QueueItem {
	return QueueItem{Key: l.Key, Kind: "order", Title: l.Service + " " + Number(l.Number),
		State: "waiting", Account: l.Account, Since: l.CreatedAt, Version: l.Version, Active: true,
		Provider: l.Provider}
}

// queueLess: in motion first, newest first, then key.
func queueLess(a, b QueueItem) bool {
	if a.Active != b.Active {
		return a.Active
	}
	if !a.Since.Equal(b.Since) {
		return a.Since.After(b.Since)
	}
	return a.Key < b.Key
}

// Update applies changed jobs and lines without rebuilding the rest.
func (p *Queues) Update(d *Data, lines []backend.Line, jobs []backend.Job, removed []backend.Key) {
	if p.data == nil || len(lines)+len(jobs)+len(removed) > 64 {
		p.SetData(d)
		return
	}
	p.data = d
	drop := map[backend.Key]bool{}
	for _, k := range removed {
		drop[k] = true
	}
	var add []QueueItem
	for _, l := range lines {
		drop[l.Key] = true
		if cur, ok := d.Lines[l.Key]; ok && cur.State == backend.LineWaiting && cur.Version == l.Version {
			add = append(add, orderItem(cur))
		}
	}
	for _, j := range jobs {
		drop[j.Key] = true
		if cur, ok := d.Jobs[j.Key]; ok && cur.Version == j.Version {
			add = append(add, jobItem(cur))
		}
	}
	items := make([]QueueItem, 0, len(p.list.all)+len(add))
	for _, q := range p.list.all {
		if !drop[q.Key] {
			items = append(items, q)
		}
	}
	for _, q := range add {
		i := sort.Search(len(items), func(i int) bool { return !queueLess(items[i], q) })
		items = slices.Insert(items, i, q)
	}
	p.publish(items)
}

func (p *Queues) publish(items []QueueItem) {
	p.active = 0
	for _, q := range items {
		if q.Active {
			p.active++
		}
	}
	p.list.SetItems(items)
	p.cache.trim(len(items))
}

// SetData gathers jobs and waiting orders: in motion first (newest
// first), then finished ones.
func (p *Queues) SetData(d *Data) {
	p.data = d
	items := make([]QueueItem, 0, len(d.Jobs))
	for _, j := range d.Jobs {
		items = append(items, jobItem(j))
	}
	for _, l := range d.Lines {
		if l.State == backend.LineWaiting {
			items = append(items, orderItem(l))
		}
	}
	// Sort indexes on precomputed keys: items are large to swap.
	type keyed struct {
		active bool
		since  int64
		i      int
	}
	ks := make([]keyed, len(items))
	for i, q := range items {
		ks[i] = keyed{q.Active, q.Since.UnixNano(), i}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		switch {
		case a.active != b.active:
			if a.active {
				return -1
			}
			return 1
		case a.since != b.since:
			if a.since > b.since {
				return -1
			}
			return 1
		}
		return strings.Compare(string(items[a.i].Key), string(items[b.i].Key))
	})
	ordered := make([]QueueItem, len(items))
	for i, k := range ks {
		ordered[i] = items[k.i]
	}
	p.publish(ordered)
}

func stateOf(j backend.Job) string {
	if j.State == backend.JobUnknown && j.RawState != "" {
		return j.RawState
	}
	return string(j.State)
}

func (p *Queues) Ticking(now time.Time) bool {
	for _, q := range p.list.Window() {
		if q.Active {
			return true
		}
	}
	return false
}

func (p *Queues) View(now time.Time) string {
	if p.list.Total() == 0 {
		return empty(p.t, "no orders or jobs in motion", p.w, p.h)
	}
	lines := p.noMatch("order or job")
	lines = append(lines, visibleRows(p.list, &p.cache, p.w, rowSpec[QueueItem]{
		key:    func(q QueueItem) backend.Key { return q.Key },
		ver:    func(q QueueItem) uint64 { return q.Version },
		tick:   func(QueueItem) int64 { return tickOf(now) },
		render: func(q QueueItem, sel bool) string { return p.row(q, sel, now) },
	})...)
	return pad(lines, p.h)
}

func (p *Queues) row(q QueueItem, sel bool, now time.Time) string {
	t := p.t
	var st lipgloss.Style
	icon := "·"
	switch {
	case q.Failed:
		st, icon = t.Bad, "✗"
	case q.Active && q.Kind == "order":
		st, icon = t.Accent, spinFrames[int(now.Unix())%len(spinFrames)]
	case q.Active:
		st, icon = t.Warn, "▸"
	default:
		st, icon = t.Faint, "✓"
	}
	age := ""
	if !q.Since.IsZero() {
		age = Span(now.Sub(q.Since))
	}
	cells := []cell{
		{text: icon, st: st, w: 1},
		{text: q.State, st: st, w: 10},
		{text: q.Kind, st: t.Muted, w: 6},
		{text: q.Title, st: t.Text},
		{text: q.Account, st: t.Muted, w: 11},
		{text: age, st: t.Faint, w: 7, right: true},
	}
	if p.w < 60 {
		cells = []cell{cells[0], cells[1], cells[3], cells[5]}
	}
	return renderRow(t, cells, p.w, sel)
}
