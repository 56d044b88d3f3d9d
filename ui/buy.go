package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/views"
)

// catalogMsg carries the options of a buy picker step.
type catalogMsg struct {
	seq   int
	items []backend.CatalogItem
	err   error
}

// buyCategory is what the provider's descriptor says of a category: its
// fields, how many options each step takes, the note after buying.
func buyCategory(p backend.ProviderKind, category string) backend.BuyCategory {
	d, _ := backend.Describe(p)
	c, _ := d.Category(category)
	return c
}

// buyPicker walks the operator through a purchase: account, category,
// the provider's catalogue steps (live price and stock, fuzzy search),
// the extra values, then a confirmation with the exact price.
type buyPicker struct {
	accounts []string // accounts that can buy
	account  string
	provider backend.ProviderKind
	flow     backend.BuyFlow
	category string
	steps    []string
	chosen   map[string]string
	labels   map[string]string
	prices   map[string]backend.CatalogItem
	fields   []backend.BuyField
	values   map[string]string
	prefill  string
	// fresh: the field shows a pre-filled value, which the first
	// keystroke replaces instead of appending to ("1" + "2" is 2, not 12).
	fresh bool

	prefillStep string // the step the prefill searches (products, where there is one)

	page    string // "account", "category", "step", "field"
	stepIdx int
	items   []backend.CatalogItem
	shown   []int
	cursor  int
	picked  map[string]bool // multi-select
	loading bool
	err     string
	seq     int
	input   textinput.Model
}

// buyAccounts lists accounts whose provider can buy, in config order.
func (m *Model) buyAccounts() []string {
	var out []string
	for _, n := range m.data.Order {
		if a := m.data.Accounts[n]; a.ReadOnly {
			continue
		}
		if _, ok := m.o.Backend.BuyFlow(n); ok {
			out = append(out, n)
		}
	}
	return out
}

// openBuy starts the picker (key n, or `:buy`).
func (m *Model) openBuy() tea.Cmd { return m.startBuy("", "") }

// startBuy opens the picker at an account (or provider name) with a
// search prefilled.
func (m *Model) startBuy(who, search string) tea.Cmd {
	accs := m.buyAccounts()
	if len(accs) == 0 {
		m.setStatus("no account can buy (all read-only or none configured)")
		return nil
	}
	b := &buyPicker{accounts: accs, chosen: map[string]string{}, labels: map[string]string{},
		prices: map[string]backend.CatalogItem{}, values: map[string]string{}, picked: map[string]bool{}, prefill: search}
	b.input = textinput.New()
	b.input.Prompt = "› "
	b.input.CharLimit = 80
	m.dialog = b
	focus := b.input.Focus()
	if who != "" {
		switch named := m.accountsNamed(who, accs); len(named) {
		case 0:
			m.setStatus("no account or provider named " + who + " can buy")
		case 1:
			return tea.Batch(focus, b.pickAccount(m, named[0]))
		default:
			accs = named // a provider with several accounts: ask which
		}
	}
	if len(accs) == 1 {
		return tea.Batch(focus, b.pickAccount(m, accs[0]))
	}
	b.page = "account"
	b.items = nil
	for _, a := range accs {
		b.items = append(b.items, backend.CatalogItem{ID: a, Label: a + "  (" + m.data.Accounts[a].Provider.Label() + ")",
			Note: m.data.Accounts[a].Balance.String(), Stock: -1})
	}
	b.refilter()
	b.recall(m, "account")
	return focus
}

func (b *buyPicker) pickAccount(m *Model, name string) tea.Cmd {
	b.account = name
	b.provider = m.data.Accounts[name].Provider
	b.flow, _ = m.o.Backend.BuyFlow(name)
	cats := b.flow.BuyCategories()
	if len(cats) == 1 {
		return b.pickCategory(m, cats[0])
	}
	b.page = "category"
	b.items = nil
	for _, c := range cats {
		b.items = append(b.items, backend.CatalogItem{ID: c, Label: c, Stock: -1})
	}
	b.setInput("")
	b.recall(m, b.account+"|category")
	return nil
}

// memKey names a step's last choice.
func (b *buyPicker) memKey(step string) string { return b.account + "|" + b.category + "|" + step }

// recall puts the cursor on the choice made last time at this step.
func (b *buyPicker) recall(m *Model, key string) {
	id, ok := m.buyMemory[key]
	if !ok || strings.TrimSpace(b.input.Value()) != "" {
		return
	}
	for i, idx := range b.shown {
		if b.items[idx].ID == id {
			b.cursor = i
			return
		}
	}
}

// remember notes a choice for next time.
func (m *Model) remember(key, id string) {
	if m.buyMemory == nil {
		m.buyMemory = map[string]string{}
	}
	m.buyMemory[key] = id
}

func (b *buyPicker) pickCategory(m *Model, c string) tea.Cmd {
	b.category = c
	b.steps = b.flow.BuySteps(c)
	b.fields = buyCategory(b.provider, c).Fields
	b.stepIdx = 0
	b.prefillStep = ""
	if len(b.steps) > 0 {
		b.prefillStep = b.steps[0]
	}
	for _, st := range b.steps {
		if st == backend.StepProduct {
			b.prefillStep = st // ":buy 5sim telegram" searches the products
		}
	}
	return b.enterStep(m)
}

// enterStep loads the options of the current step, or moves on to the
// fields when the steps are done.
func (b *buyPicker) enterStep(m *Model) tea.Cmd {
	if b.stepIdx >= len(b.steps) {
		return b.enterField(m, 0)
	}
	b.page = "step"
	b.items, b.shown, b.err = nil, nil, ""
	b.picked = map[string]bool{}
	b.loading = true
	b.seq++
	if b.steps[b.stepIdx] == b.prefillStep {
		b.setInput(b.prefill)
		b.prefill = ""
	} else {
		b.setInput("")
	}
	req := backend.CatalogRequest{Category: b.category, Step: b.steps[b.stepIdx], Chosen: copyMap(b.chosen)}
	seq, acc, be := b.seq, b.account, m.o.Backend
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		items, err := be.Catalog(ctx, acc, req)
		return catalogMsg{seq: seq, items: items, err: err}
	}
}

func (b *buyPicker) enterField(m *Model, i int) tea.Cmd {
	if i >= len(b.fields) {
		return b.finish(m)
	}
	b.page = "field"
	b.stepIdx = len(b.steps) + i
	b.err = ""
	v := b.values[b.fields[i].Name]
	if v == "" {
		v = b.fields[i].Default
	}
	b.setInput(v)
	b.fresh = v != ""
	b.check()
	return nil
}

// field is the current field, its range narrowed to what the chosen
// product allows (a boost service's min and max, a logs category's
// stock), so a quantity the provider would refuse is refused here.
func (b *buyPicker) field() backend.BuyField {
	f := b.fields[b.stepIdx-len(b.steps)]
	it, ok := b.prices[backend.StepProduct]
	if f.Name != "quantity" || !ok {
		return f
	}
	f.Min = max(f.Min, it.Min)
	for _, limit := range []int{it.Max, it.Stock} {
		if limit > 0 && (f.Max == 0 || limit < f.Max) {
			f.Max = limit
		}
	}
	return f
}

// check shows at once why the typed value would be refused.
func (b *buyPicker) check() {
	var probe backend.BuyRequest
	b.err = ""
	if err := b.field().Set(&probe, b.input.Value()); err != nil {
		b.err = err.Error()
	}
}

// edit passes a key or a paste to the input; on a pre-filled field,
// typed text replaces the value.
func (b *buyPicker) edit(msg tea.Msg, typed bool) tea.Cmd {
	if b.page == "field" && b.fresh && typed {
		b.input.SetValue("")
	}
	b.fresh = false
	var c tea.Cmd
	before := b.input.Value()
	b.input, c = b.input.Update(msg)
	if b.page == "field" {
		b.check()
	} else if b.input.Value() != before {
		b.cursor = 0 // the best match for what is typed
		b.refilter()
	}
	return c
}

func (b *buyPicker) setInput(v string) {
	b.input.SetValue(v)
	b.input.CursorEnd()
	b.cursor = 0
	b.refilter()
}

func (b *buyPicker) refilter() {
	b.shown = b.shown[:0]
	q := strings.TrimSpace(b.input.Value())
	if b.page == "field" {
		return
	}
	if q == "" {
		for i := range b.items {
			b.shown = append(b.shown, i)
		}
	} else {
		b.shown = append(b.shown, views.Rank(q, len(b.items), func(i int) (string, string) {
			return b.items[i].Label, b.items[i].ID + " " + b.items[i].Note // the note shown: "+7" finds Russia
		})...)
	}
	b.cursor = min(b.cursor, max(len(b.shown)-1, 0))
}

func (b *buyPicker) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case catalogMsg:
		if msg.seq != b.seq {
			return nil // an older step's answer
		}
		b.loading = false
		if msg.err != nil {
			b.err = msg.err.Error()
			return nil
		}
		b.items = msg.items
		if b.steps[b.stepIdx] != backend.StepAreaCodes {
			// In stock first, then cheapest.
			sort.SliceStable(b.items, func(i, j int) bool {
				a, c := b.items[i], b.items[j]
				if (a.Stock == 0) != (c.Stock == 0) {
					return c.Stock == 0
				}
				return false
			})
		}
		b.refilter()
		b.recall(m, b.memKey(b.steps[b.stepIdx]))
	case tea.PasteMsg:
		return b.edit(msg, true)
	}
	return nil
}

func (b *buyPicker) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		if b.input.Value() != "" && b.page != "field" {
			b.setInput("")
			return nil
		}
		m.dialog = nil
		m.setStatus("buy cancelled: nothing bought")
		return nil
	case "up", "ctrl+p":
		b.cursor = max(b.cursor-1, 0)
		return nil
	case "down", "ctrl+n":
		b.cursor = min(b.cursor+1, max(len(b.shown)-1, 0))
		return nil
	case "shift+tab":
		return b.back(m)
	case "space", "tab":
		if limit := buyCategory(b.provider, b.category).ChoicesAt(b.curStep()); limit > 1 && b.page == "step" && len(b.shown) > 0 {
			id := b.items[b.shown[b.cursor]].ID
			switch {
			case b.picked[id]:
				delete(b.picked, id)
			case len(b.picked) >= limit:
				b.err = fmt.Sprintf("at most %d", limit)
			default:
				b.picked[id] = true
			}
			return nil
		}
	case "enter":
		return b.choose(m)
	}
	return b.edit(msg, msg.Text != "")
}

func (b *buyPicker) curStep() string {
	if b.page == "step" && b.stepIdx < len(b.steps) {
		return b.steps[b.stepIdx]
	}
	return ""
}

// back returns to the previous step.
func (b *buyPicker) back(m *Model) tea.Cmd {
	switch {
	case b.page == "field" && b.stepIdx > len(b.steps):
		return b.enterField(m, b.stepIdx-len(b.steps)-1)
	case b.stepIdx > 0:
		b.stepIdx--
		if b.stepIdx < len(b.steps) {
			delete(b.chosen, b.steps[b.stepIdx])
			return b.enterStep(m)
		}
		return b.enterField(m, b.stepIdx-len(b.steps))
	}
	return nil
}

// choose takes the highlighted option or the typed value.
func (b *buyPicker) choose(m *Model) tea.Cmd {
	switch b.page {
	case "account", "category":
		if len(b.shown) == 0 {
			return nil
		}
		it := b.items[b.shown[b.cursor]]
		if b.page == "account" {
			m.remember("account", it.ID)
			return b.pickAccount(m, it.ID)
		}
		m.remember(b.account+"|category", it.ID)
		return b.pickCategory(m, it.ID)
	case "step":
		if b.loading {
			return nil
		}
		step := b.steps[b.stepIdx]
		multi := buyCategory(b.provider, b.category).ChoicesAt(step) > 1
		for k := range b.prices {
			if k == step || strings.HasPrefix(k, step+"/") {
				delete(b.prices, k) // an earlier choice at this step
			}
		}
		var ids, labels []string
		if multi && len(b.picked) > 0 {
			for _, it := range b.items {
				if b.picked[it.ID] {
					ids, labels = append(ids, it.ID), append(labels, it.Label)
					b.prices[step+"/"+it.ID] = it
				}
			}
		} else if len(b.shown) > 0 {
			it := b.items[b.shown[b.cursor]]
			if it.Stock == 0 {
				b.err = it.Label + " is out of stock"
				return nil
			}
			ids, labels = []string{it.ID}, []string{it.Label}
			b.prices[step] = it
		} else if step != backend.StepAreaCodes {
			return nil
		}
		b.chosen[step] = strings.Join(ids, ",")
		b.labels[step] = strings.Join(labels, ", ")
		if len(ids) == 1 {
			m.remember(b.memKey(step), ids[0])
		}
		if step == backend.StepAreaCodes && len(ids) == 0 {
			b.labels[step] = "any"
		}
		b.stepIdx++
		return b.enterStep(m)
	case "field":
		f := b.field()
		var probe backend.BuyRequest
		if err := f.Set(&probe, b.input.Value()); err != nil {
			b.err = err.Error()
			return nil
		}
		b.values[f.Name] = strings.TrimSpace(b.input.Value())
		return b.enterField(m, b.stepIdx-len(b.steps)+1)
	}
	return nil
}

// request builds the purchase from the choices.
func (b *buyPicker) request() (backend.BuyRequest, error) {
	req := backend.BuyRequest{Category: b.category}
	for _, s := range b.steps {
		req.Chosen(s, b.chosen[s])
	}
	for _, f := range b.fields {
		if err := f.Set(&req, b.values[f.Name]); err != nil {
			return req, err
		}
	}
	return req, nil
}

// price is the listed price for one unit, as the picker showed it: the
// product's (the sum of several products on one number), else the price
// of another step's choice (piv.day prices a number by its country).
func (b *buyPicker) price() (backend.Money, bool) {
	var total backend.Money
	found := false
	for k, it := range b.prices {
		if !strings.HasPrefix(k, backend.StepProduct) || !it.Price.Known {
			continue
		}
		if !found {
			total, found = unitPrice(it), true
			continue
		}
		total.Amount = total.Amount.Add(unitPrice(it).Amount)
	}
	if found {
		return total, true
	}
	for _, step := range b.steps {
		if it, ok := b.prices[step]; ok && it.Price.Known {
			return unitPrice(it), true
		}
	}
	return backend.Money{}, false
}

// unitPrice is an item's price for one unit ("per 1000" divided out).
func unitPrice(it backend.CatalogItem) backend.Money {
	unit := it.Price
	if it.Per > 1 {
		unit.Amount = unit.Amount.Div(decimal.NewFromInt(int64(it.Per)))
	}
	return unit
}

// finish shows the confirmation.
func (b *buyPicker) finish(m *Model) tea.Cmd {
	req, err := b.request()
	if err != nil {
		b.err = err.Error()
		return nil
	}
	act := backend.Action{ID: backend.NewActionID(backend.ActBuy), Kind: backend.ActBuy, Account: b.account,
		Buy: &req, CreatedAt: m.clock(), Label: b.summary()}
	if unit, ok := b.price(); ok {
		act.Cost = backend.NewMoney(unit.Amount.Mul(req.Multiplier()), unit.Currency)
	}
	m.dialog = m.confirmBuy(act, b.details())
	return nil
}

// summary names what is bought: "telegram · russia · any operator".
func (b *buyPicker) summary() string {
	var parts []string
	for i := len(b.steps) - 1; i >= 0; i-- {
		if l := b.labels[b.steps[i]]; l != "" {
			parts = append(parts, l)
		}
	}
	return b.category + " " + strings.Join(parts, " · ")
}

func (b *buyPicker) details() [][2]string {
	var rows [][2]string
	for _, s := range b.steps {
		rows = append(rows, [2]string{strings.ReplaceAll(s, "_", " "), b.labels[s]})
	}
	for _, f := range b.fields {
		v := b.values[f.Name]
		if v == "" {
			v = f.Default
		}
		if v != "" {
			rows = append(rows, [2]string{f.Label, v})
		}
	}
	return rows
}

// confirmBuy is the last word before money moves: the exact price, the
// balance after and what happens next. When an identical purchase is
// still being checked, it says so and counts both.
func (m *Model) confirmBuy(act backend.Action, details [][2]string) *confirm {
	acc := m.data.Accounts[act.Account]
	rows := [][2]string{{"account", act.Account + " (" + acc.Provider.Label() + ")"}}
	rows = append(rows, details...)
	var note string // what happens after the purchase, in the provider's words
	if act.Buy != nil {
		note = buyCategory(acc.Provider, act.Buy.Category).After
	}
	if act.Cost.Known {
		rows = append(rows, [2]string{"price", act.Cost.String()})
	} else {
		rows = append(rows, [2]string{"price", "unknown"})
		note = priceUnknown + " " + note
	}
	spend, what := []backend.Money{act.Cost}, ""
	if same := m.identicalUnsettled(act); len(same) > 0 {
		rows = append(rows, [2]string{"⚠ checking", "an identical purchase is still being checked"})
		for _, e := range same {
			spend = append(spend, e.Action.Cost)
		}
		what = " if both went through"
		note = "An identical purchase is still being checked with " + acc.Provider.Label() +
			": if it went through, confirming buys a second one. " + note
	}
	after, ok := acc.Balance, acc.Balance.Known
	for _, c := range spend {
		after, ok = after.Sub(c)
		if !ok {
			break
		}
	}
	if ok {
		rows = append(rows, [2]string{"balance after", balanceAfter(acc.Balance, after) + what})
		if after.Amount.IsNegative() {
			rows = append(rows, [2]string{"", "⚠ more than the balance: the provider will refuse"})
		}
	}
	return &confirm{title: "Buy " + act.Label, rows: rows, act: act, opened: m.clock(), note: note,
		onYes: func(m *Model) tea.Cmd {
			m.o.Backend.Submit(act)
			again := act
			m.lastBuy = &again
			m.lastBuyRows = details
			m.toast(backend.Info, "buying "+act.Label+" …")
			return nil
		}}
}

// buyAgain repeats the last purchase after a confirmation (key .).
func (m *Model) buyAgain() tea.Cmd {
	if m.lastBuy == nil {
		m.setStatus("nothing bought yet this session: press " + m.keyFor(backend.ActBuy) + " to buy")
		return nil
	}
	act := *m.lastBuy
	act.ID = backend.NewActionID(backend.ActBuy)
	act.CreatedAt = m.clock()
	if act.Buy != nil {
		b := *act.Buy
		b.AcceptedMaxPrice, b.Auction = nil, 0 // a new decision each time
		act.Buy = &b
	}
	m.dialog = m.confirmBuy(act, m.lastBuyRows)
	return nil
}

func (b *buyPicker) view(m *Model) string {
	t := m.theme
	w := min(max(m.w*2/3, 60), 96)
	inner := w - t.Dialog.GetHorizontalFrameSize()
	var out []string
	crumbs := []string{"Buy"}
	if b.account != "" {
		crumbs = append(crumbs, b.account)
	}
	if b.category != "" {
		crumbs = append(crumbs, b.category)
	}
	for _, s := range b.steps {
		if l := b.labels[s]; l != "" && b.chosen[s] != "" || l == "any" {
			crumbs = append(crumbs, l)
		}
	}
	out = append(out, t.DialogTitle.Render(views.Fit(strings.Join(crumbs, " › "), inner)))
	question := map[string]string{"account": "Which account?", "category": "What to buy?"}[b.page]
	if b.page == "step" {
		question = "Choose " + strings.ReplaceAll(b.steps[b.stepIdx], "_", " ")
		if limit := buyCategory(b.provider, b.category).ChoicesAt(b.steps[b.stepIdx]); limit > 1 {
			question += fmt.Sprintf(" (space picks up to %d, enter goes on)", limit)
		}
	}
	if b.page == "field" {
		f := b.fields[b.stepIdx-len(b.steps)]
		question = f.Label
		if f.Kind == "bool" {
			question += " (yes/no)"
		}
	}
	out = append(out, t.Muted.Render(question), b.input.View())
	if b.err != "" {
		out = append(out, t.Bad.Render(views.Fit(b.err, inner)))
	}
	out = append(out, "")
	rows := max(min(m.h-14, 14), 3)
	switch {
	case b.page == "field":
	case b.loading:
		out = append(out, t.Faint.Render("loading live prices and stock…"))
	case len(b.shown) == 0:
		out = append(out, t.Faint.Render("nothing matches"))
	default:
		start := max(0, min(b.cursor-rows/2, len(b.shown)-rows))
		for i := start; i < min(start+rows, len(b.shown)); i++ {
			it := b.items[b.shown[i]]
			out = append(out, b.itemRow(m, it, i == b.cursor, inner))
		}
		if len(b.shown) > rows {
			out = append(out, t.Faint.Render(fmt.Sprintf("%d of %d", b.cursor+1, len(b.shown))))
		}
	}
	out = append(out, "", t.Faint.Render("enter choose · shift+tab back · esc cancel"))
	return t.Dialog.Width(w).Render(strings.Join(out, "\n"))
}

func (b *buyPicker) itemRow(m *Model, it backend.CatalogItem, sel bool, w int) string {
	t := m.theme
	mark := "  "
	if sel {
		mark = "▸ " // the highlight, readable without colour
	}
	if b.picked[it.ID] {
		mark = mark[:len(mark)-1] + "✓"
	}
	mark += " "
	var right []string
	if it.Price.Known {
		right = append(right, it.Price.String())
	}
	switch {
	case it.Stock == 0:
		right = append(right, "out of stock")
	case it.Stock > 0:
		right = append(right, views.Count(it.Stock)+" in stock")
	}
	if it.Rate > 0 {
		right = append(right, fmt.Sprintf("%.0f%% delivered", it.Rate))
	}
	if it.Note != "" {
		right = append(right, it.Note)
	}
	r := strings.Join(right, " · ")
	left := views.Fit(mark+it.Label, max(w-views.Width(r)-2, 10))
	line := views.Fit(left+"  "+r, w)
	switch {
	case sel:
		return t.Selected.Render(line)
	case it.Stock == 0:
		return t.Faint.Render(line)
	}
	return t.Text.Render(line)
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
