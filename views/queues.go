package views

import (
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/naming"
	"switchboard/themes"
)

// QueueItem is a row of the queues pane: a job, or an order still waiting
// for its code.
type QueueItem struct {
	Key      backend.Key
	Kind     string
	Title    string
	Service  string // what service: finds (a job's kind)
	State    string
	Account  string
	Since    time.Time
	Detail   string
	Version  uint64
	Active   bool
	Failed   bool
	Provider backend.ProviderKind
}

// Queues is pane 4: orders and jobs in motion. Its rows are read from
// Data (a job, or a line still waiting for its code) when shown.
type Queues struct {
	listPane[queueRef]
	data *Data
}

// queueRef is a row's place: in motion first, newest first, then key.
type queueRef struct {
	key    backend.Key
	since  int64 // unix nanos
	active bool
	line   bool // an order waiting for its code, not a job
}

func queueOrder(a, b queueRef) int {
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
	return strings.Compare(string(a.key), string(b.key))
}

// NewQueues makes the queues pane.
func NewQueues(t themes.Theme) *Queues {
	p := &Queues{}
	p.listPane = listPane[queueRef]{t: t, list: NewList(func(r queueRef) backend.Key { return r.key }, queueOrder,
		func(r queueRef) searchable {
			q := p.item(r)
			return searchable{name: q.Title, rest: q.Kind + " " + q.Account + " " + q.State,
				fields: [numFields]string{q.State, q.Account, providerWords(q.Provider), q.Service}, closed: !q.Active}
		})}
	p.list.CountWhere(func(r queueRef) bool { return r.active })
	return p
}

func (p *Queues) Title() string { return "Queues" }
func (p *Queues) Info() string {
	return fitNotes(p.Title(), p.w, []note{{itoa(p.list.Count()) + " in motion", "", rankPosition}, p.filterNote(), p.hiddenNote()})
}

// queuesNarrow is the width below which the kind and age columns give
// way to the title and account.
const queuesNarrow = 60

func jobItem(j backend.Job) QueueItem {
	title := j.Title
	if j.Detail != "" {
		title += " · " + j.Detail
	}
	return QueueItem{Key: j.Key, Kind: string(j.Kind), Title: title, State: JobState(j),
		Account: j.Account, Since: j.CreatedAt, Version: j.Version, Active: !j.State.Terminal(), Service: string(j.Kind),
		Failed: j.State == backend.JobFailed, Provider: j.Provider}
}

func orderItem(l backend.Line) QueueItem {
	return QueueItem{Key: l.Key, Kind: "order", Title: Number(l.Number) + " " + l.Service, Service: l.Service, // the number first: never cut
		State: "waiting", Account: l.Account, Since: l.CreatedAt.Time(), Version: l.Version, Active: true,
		Provider: l.Provider}
}

// item is the row behind a ref.
func (p *Queues) item(r queueRef) QueueItem {
	if r.line {
		return orderItem(p.data.Line(r.key))
	}
	return jobItem(p.data.Jobs[r.key])
}

func jobRef(j backend.Job) queueRef {
	return queueRef{key: j.Key, since: nanos(j.CreatedAt), active: !j.State.Terminal()}
}

func orderRef(l *backend.Line) queueRef {
	return queueRef{key: l.Key, since: nanos(l.CreatedAt.Time()), active: true, line: true}
}

// SetData gathers jobs and waiting orders (at start).
func (p *Queues) SetData(d *Data) { p.SetHead(d, 0) }

// SetHead places only the first n of them (all when n is 0): the first
// frame's; SetData places the rest.
func (p *Queues) SetHead(d *Data, n int) {
	p.data = d
	p.list.SetHead(func(yield func(queueRef) bool) {
		for _, j := range d.Jobs {
			p.holdAccount(j.Account)
			if !yield(jobRef(j)) {
				return
			}
		}
		for l := range d.allLines {
			if l.State == backend.LineWaiting {
				p.holdAccount(l.Account)
				if !yield(orderRef(l)) {
					return
				}
			}
		}
	}, n)
}

// Update re-places the jobs and orders an event changed or removed.
func (p *Queues) Update(d *Data, lines []*backend.Line, jobs []backend.Job, removed []backend.Key) {
	p.data = d
	orders, gone := sortOut(lines, removed, func(l *backend.Line) backend.Key { return l.Key }, func(k backend.Key) (queueRef, bool) {
		cur, ok := d.Lines[k]
		if !ok || cur.State != backend.LineWaiting {
			return queueRef{}, false
		}
		return orderRef(cur), true
	})
	jobRefs, gone := sortOut(jobs, gone, func(j backend.Job) backend.Key { return j.Key }, func(k backend.Key) (queueRef, bool) {
		cur, ok := d.Jobs[k]
		return jobRef(cur), ok
	})
	p.list.Update(append(orders, jobRefs...), gone)
	for _, r := range orders {
		p.holdAccount(d.Line(r.key).Account)
	}
	for _, r := range jobRefs {
		p.holdAccount(d.Jobs[r.key].Account)
	}
}

// JobState is a job's state as the operator reads it: a provider's word
// the adapter did not know, in plain words.
func JobState(j backend.Job) string {
	if j.State == backend.JobUnknown && j.RawState != "" {
		return strings.ToLower(naming.Word(j.RawState))
	}
	return string(j.State)
}

// NextChange: ages and spinners on screen.
func (p *Queues) NextChange(now time.Time) time.Time {
	_, next := p.rows(now)
	return next
}

func (p *Queues) rows(now time.Time) ([]string, time.Time) {
	return visibleRows(p.list, &p.cache, p.w, now, rowSpec[queueRef]{
		key: func(r queueRef) backend.Key { return r.key },
		ver: func(r queueRef) uint64 {
			if r.line {
				return p.data.LineVersion(r.key)
			}
			return p.data.Jobs[r.key].Version
		},
		render: func(r queueRef, sel bool, c *rowClock) string { return p.row(p.item(r), sel, c) },
	})
}

func (p *Queues) View(now time.Time) []string {
	if p.list.Total() == 0 {
		return empty(&p.t, "no orders or jobs in motion", p.w, p.h)
	}
	rows, _ := p.rows(now)
	return pad(append(p.noMatch("order or job"), rows...), p.h)
}

func (p *Queues) row(q QueueItem, sel bool, c *rowClock) string {
	t := &p.t
	var ink themes.Ink
	icon := "·"
	switch {
	case q.Failed:
		ink, icon = t.Ink.Bad, "✗"
	case q.Active && q.Kind == "order":
		ink, icon = t.Ink.Accent, p.data.spinner(c)
	case q.Active:
		ink, icon = t.Ink.Warn, "▸"
	default:
		ink, icon = t.Ink.Faint, "✓"
	}
	stateInk := ink
	icon, ink = p.markIcon(q.Key, icon, ink)
	age := ""
	if !q.Since.IsZero() && p.w >= queuesNarrow {
		age = c.since(q.Since)
	}
	cells := []cell{
		{text: icon, ink: ink, w: 1},
		{text: q.State, ink: stateInk, w: 9},
		{text: q.Kind, ink: t.Ink.Muted, w: 6},
		{text: q.Title, ink: t.Ink.Text},
		{text: q.Account, ink: t.Ink.Muted, w: p.accountWidth(11, 1+9+6+7+5, 22), grow: true}, // 22: a number and its service
		{text: age, ink: t.Ink.Faint, w: 7, right: true},
	}
	if p.w < queuesNarrow { // the kind and age give way first, to the account
		cells = []cell{cells[0], cells[1], cells[3], cells[4]}
		cells[3].w = p.accountWidth(11, 1+9+3, 20)
	}
	return renderRow(t, cells, p.w, sel)
}
