package views

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/backend/naming"
	"switchboard/keymap"
	"switchboard/themes"
)

// Detail is the full view of one item (enter), scrollable.
type Detail struct {
	t      themes.Theme
	keys   *keymap.KeyMap // the bindings its hints name
	role   backend.Role   // whose screen: it offers only what the role may do
	w, h   int
	key    backend.Key
	data   *Data
	hist   []backend.Message
	loaded bool
	offset int
	lines  int // rendered length, for scrolling bounds
}

// NewDetail makes the detail view.
func NewDetail(t themes.Theme) *Detail { return &Detail{t: t, keys: defaultKeys()} }

// SetKeys gives the bindings the view's hints name.
func (d *Detail) SetKeys(km *keymap.KeyMap) { d.keys = km }

// SetRole narrows the actions offered to what the screen's operator may do.
func (d *Detail) SetRole(r backend.Role) { d.role = r }

func (d *Detail) SetTheme(t themes.Theme) { d.t = t }
func (d *Detail) SetSize(w, h int)        { d.w, d.h = w, h }

// Open shows an item.
func (d *Detail) Open(k backend.Key, data *Data) {
	if k != d.key {
		d.offset, d.hist, d.loaded = 0, nil, false
	}
	d.key, d.data = k, data
}

// Key is the item shown.
func (d *Detail) Key() backend.Key { return d.key }

// SetHistory gives the item's SMS (newest first).
func (d *Detail) SetHistory(k backend.Key, msgs []backend.Message) {
	if k == d.key {
		d.hist, d.loaded = msgs, true
	}
}

// HandleKey scrolls.
func (d *Detail) HandleKey(msg tea.KeyPressMsg, km *keymap.KeyMap) bool {
	switch {
	case matches(msg, km.Up):
		d.offset--
	case matches(msg, km.Down):
		d.offset++
	case matches(msg, km.PageUp):
		d.offset -= d.h - 2
	case matches(msg, km.PageDown):
		d.offset += d.h - 2
	case matches(msg, km.Top):
		d.offset = 0
	case matches(msg, km.Bottom):
		d.offset = d.lines
	default:
		return false
	}
	d.offset = max(0, min(d.offset, d.lines-d.h))
	return true
}

// Title names the item: "5sim · 5sim-main · line 123", or an account
// and its provider.
func (d *Detail) Title() string {
	if a, ok := d.data.Accounts[string(d.key)]; ok {
		return "account " + a.Name + " · " + a.Provider.Label()
	}
	p, acc, kind, id := d.key.Parts()
	return strings.Join(nonEmpty(p.Label(), acc, strings.TrimSpace(string(kind)+" "+id)), " · ")
}

func (d *Detail) field(name, value string) string {
	if value == "" {
		return ""
	}
	return " " + d.t.Muted.Render(Fit(name, 14)) + d.t.Text.Render(value) // a margin, as the code has
}

func when(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05") + "  (" + relative(t, now) + ")"
}

func relative(t, now time.Time) string {
	if t.After(now) {
		return "in " + Span(t.Sub(now))
	}
	return Ago(t, now)
}

// View renders the item's page, h lines.
func (d *Detail) View(now time.Time) []string {
	var out []string
	add := func(s ...string) {
		for _, x := range s {
			if x != "" {
				out = append(out, x)
			}
		}
	}
	t := &d.t
	if l, ok := d.data.Lines[d.key]; ok {
		if len(l.Candidates) > 0 {
			add(" "+t.Warn.Render(chooseMark(d.keys, *l))+"  "+candidatesOn(t, *l), " ")
		} else if big := BigCode(l.Code); big != nil {
			for _, r := range big {
				add(" " + t.CodeBig.Render(r))
			}
			add(" ")
		} else if l.Code != "" {
			add(" "+t.CodeOn.Render(" "+l.Code+" "), " ")
		}
		add(d.field("number", Number(l.Number)), d.field("service", l.Service), d.field("name", l.Name),
			d.field("country", CountryName(l.Country)), d.field("operator", l.Operator), d.field("kind", naming.Word(l.Kind)),
			d.field("state", StateWord(l.State, l.RawState)+rawNote(string(l.State), l.RawState)),
			d.field("code", d.codeOf(*l)), d.field("code at", when(l.CodeAt.Time(), now)),
			d.field("window", windowOf(l.WindowAt.Time(), now)),
			d.field("price", priceOf(l.Price)), d.field("created", when(l.CreatedAt.Time(), now)),
			d.field("expires", when(l.ExpiresAt.Time(), now)), d.field("auto-renew", autoOf(l.HasAuto, l.AutoRenew)),
			d.field("cooldown", coolOf(l.CooldownUntil.Time(), now)), d.field("account", l.Account),
			d.field("order id", l.ID), d.field("actions", d.actionsOf(l.Allowed)))
		add(" ", " "+t.Header.Render("SMS"))
		switch {
		case !d.loaded:
			add(" " + t.Faint.Render("loading…"))
		case len(d.hist) == 0:
			add(" " + t.Faint.Render("no SMS yet"))
		}
		for _, m := range d.hist {
			head := " " + t.Faint.Render(m.ReceivedAt.Local().Format("2006-01-02 15:04:05")) + "  " + t.Muted.Render(m.Sender)
			switch {
			case m.Code != "":
				head += "  " + t.Code.Render("code "+m.Code)
			case len(m.Candidates) > 0:
				head += "  " + t.Warn.Render("codes? "+strings.Join(m.Candidates, " | "))
			}
			if m.Unsaved {
				head += "  " + t.Bad.Render(notSaved)
			}
			add(head)
			for _, tl := range wrap(m.Text, d.w-5) {
				out = append(out, "   "+t.Text.Render(tl))
			}
			out = append(out, "")
		}
	} else if l, ok := d.data.Leases[d.key]; ok {
		add(d.field("name", l.Name), d.field("kind", leaseWord[l.Kind]), d.field("state", naming.Word(l.State)),
			d.field("expires", when(l.ExpiresAt, now)), d.field("auto-renew", autoOf(l.HasAuto, l.AutoRenew)),
			d.field("renew price", priceOf(l.RenewPrice)), d.field("period", naming.Word(l.Period)),
			d.field("account", l.Account), d.field("id", l.ID), d.field("actions", d.actionsOf(l.Allowed)))
	} else if j, ok := d.data.Jobs[d.key]; ok {
		add(d.field("title", j.Title), d.field("kind", naming.Word(string(j.Kind))), d.field("state", JobState(j)+rawNote(string(j.State), j.RawState)),
			d.field("detail", j.Detail), d.field("created", when(j.CreatedAt, now)), d.field("updated", when(j.UpdatedAt, now)),
			d.field("cost", priceOf(j.Cost)), d.field("account", j.Account), d.field("id", j.ID),
			d.field("actions", d.actionsOf(j.Allowed)))
	} else if a, ok := d.data.Accounts[string(d.key)]; ok {
		add(d.field("provider", a.Provider.Label()), d.field("balance", a.Balance.String()),
			d.field("frozen", priceOf(a.Frozen)), d.field("e-mail", a.Email), d.field("health", a.Health.String()),
			d.field("last error", a.LastError), d.field("last good", when(a.LastGood, now)),
			d.field("paused until", when(a.PausedUntil, now)))
		if a.Rating != nil {
			add(d.field("rating", fmt.Sprintf("%g", *a.Rating)))
		}
	} else {
		add(" " + t.Faint.Render("this item is gone (the provider no longer lists it)"))
	}
	d.lines = len(out)
	d.offset = max(0, min(d.offset, d.lines-d.h))
	if d.offset < len(out) {
		out = out[d.offset:]
	}
	if len(out) > d.h {
		out = out[:d.h]
	}
	for i := range out {
		out[i] = Fit(out[i], d.w)
	}
	return pad(out, d.h)
}

// codeOf is the code field: the code, or an ambiguous SMS's candidates,
// and whether the ledger could not save it.
func (d *Detail) codeOf(l backend.Line) string {
	s := l.Code
	if len(l.Candidates) > 0 {
		s = Candidates(l) + " (" + chooseMark(d.keys, l) + ")"
	}
	if s != "" && l.CodeUnsaved {
		s += " — " + notSaved
	}
	return s
}

// windowOf says when the line's current receiving window opened.
func windowOf(at, now time.Time) string {
	if at.IsZero() {
		return ""
	}
	return "reopened " + when(at, now) + "; earlier codes are history"
}

func rawNote(state, raw string) string {
	if raw == "" || strings.EqualFold(raw, state) {
		return ""
	}
	return " (" + raw + ")"
}

func priceOf(m backend.Money) string {
	if !m.Known {
		return ""
	}
	return m.String()
}

func autoOf(has, on bool) string {
	switch {
	case !has:
		return ""
	case on:
		return "on"
	}
	return "off"
}

func coolOf(t, now time.Time) string {
	if !t.After(now) {
		return ""
	}
	return "cancel possible in " + Span(t.Sub(now))
}

// actionsOf lists what the item allows now, key by key.
func (d *Detail) actionsOf(s backend.ActionSet) string {
	if hs := d.keys.ItemHints(d.role.Permits(s), keymap.NoCode); len(hs) > 0 {
		return hintText(hs)
	}
	return "none"
}

// wrap breaks text into lines of at most w cells, keeping its own line
// breaks.
func wrap(s string, w int) []string {
	if w < 10 {
		w = 10
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			for Width(word) > w {
				cut := []rune(word)
				n := min(len(cut), w)
				if line != "" {
					out = append(out, line)
					line = ""
				}
				out = append(out, string(cut[:n]))
				word = string(cut[n:])
			}
			switch {
			case line == "":
				line = word
			case Width(line)+1+Width(word) <= w:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return out
}
