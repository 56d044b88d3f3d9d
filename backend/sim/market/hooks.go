package market

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend/sim/simcore"
)

// --- test hooks (each takes s.Mu) ----------------------------------------------

// Key is an account's bearer key ("" for an unknown account).
func (p *Market) Key(account string) string {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.byName[account]; a != nil {
		return a.key
	}
	return ""
}

// Deliver puts an SMS on a number order now. A text of 4–8 digits (or
// "123-456") is taken as a bare code and wrapped in a realistic message;
// otherwise the text is the SMS and its code is the first digit group.
// A pending order becomes received. Delivering to a cancelled or expired
// order keeps the message without changing the status (a late simcore.SMS).
func (p *Market) Deliver(orderID, text string) error { return p.deliver(orderID, text, false) }

// DeliverOnCheck gives an SMS to the order's supplier only: the
// marketplace fetches it when asked (POST /numbers/orders/{id}/check), and
// until then the order, its listing and GET show nothing. The text is read
// as Deliver reads it.
func (p *Market) DeliverOnCheck(orderID, text string) error { return p.deliver(orderID, text, true) }

func (p *Market) deliver(orderID, text string, onCheck bool) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	id, err := strconv.ParseInt(strings.TrimSpace(orderID), 10, 64)
	if err != nil {
		return fmt.Errorf("market: bad order id %q", orderID)
	}
	o := p.numbers[id]
	if o == nil {
		return fmt.Errorf("market: no number order %d", id)
	}
	m := simcore.SMS{Sender: simcore.ServiceName(o.service.name), Text: text}
	if t := strings.TrimSpace(text); mkCodeRe.FindString(t) == t && t != "" {
		m.Text = "Your " + simcore.ServiceName(o.service.name) + " verification code is " + t + ". Do not share it."
		m.Code = strings.NewReplacer("-", "", " ", "").Replace(t)
	} else if c := mkCodeRe.FindString(text); c != "" {
		m.Code = strings.NewReplacer("-", "", " ", "").Replace(c)
	}
	o.sentOne = true // the scenario does not add its own code on top
	if onCheck {
		o.held = append(o.held, m)
		return nil
	}
	p.addNumberSMS(o, p.s.Clock(), m)
	return nil
}

// Requests counts the requests the marketplace received for a method and
// a path after /api/v1 ("POST", "/numbers/orders"), whatever it answered.
// A fault injected before the marketplace (a 500, a dropped connection)
// is not a request it received; a lost answer (FaultLoseResponse) is.
func (p *Market) Requests(method, path string) int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	return p.requests[method+" "+path]
}

// Balance is an account's wallet balance.
func (p *Market) Balance(account string) decimal.Decimal {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.byName[account]; a != nil {
		return decimal.New(a.balance, -2)
	}
	return decimal.Decimal{}
}

// SetBalance sets an account's wallet balance ("1500.00").
func (p *Market) SetBalance(account, amount string) error {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return err
	}
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	a := p.byName[account]
	if a == nil {
		return fmt.Errorf("market: no account %q", account)
	}
	a.balance = d.Shift(2).Round(0).IntPart()
	return nil
}

// SetDecimalComma makes every amount the marketplace writes (wallet,
// prices, charges, refunds, amounts in errors) use a decimal comma and
// point-grouped thousands, "1.500,00", instead of "1500.00".
func (p *Market) SetDecimalComma(on bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	p.decimalComma = on
}

// SetEarlyCancelDenied makes a number order's cancel during its first
// MarketCancelCooldown answer 409 EARLY_CANCEL_DENIED with wait_seconds —
// the cooldown NOTES.md reports but marks unverified, so it is off unless
// a test asks for it.
func (p *Market) SetEarlyCancelDenied(on bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	p.earlyCancelDenied = on
}

// NumberOrders counts an account's number orders (seeded ones included).
func (p *Market) NumberOrders(account string) int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.byName[account]; a != nil {
		return len(a.numbers)
	}
	return 0
}

// BoostOrders counts an account's boost orders.
func (p *Market) BoostOrders(account string) int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.byName[account]; a != nil {
		return len(a.boosts)
	}
	return 0
}

// LogsOrders counts an account's logs orders.
func (p *Market) LogsOrders(account string) int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.byName[account]; a != nil {
		return len(a.logs)
	}
	return 0
}

// OrderStatus looks up any order by id (number, boost or logs): its status
// word as the API spells it, its expiry (number orders; zero otherwise)
// and whether it exists.
func (p *Market) OrderStatus(id string) (status string, expires time.Time, ok bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	if o := p.numbers[n]; o != nil {
		return o.status, o.expires, true
	}
	if o := p.boosts[n]; o != nil {
		return mkBoostSpellings[o.spelling][o.state], time.Time{}, true
	}
	if o := p.logs[n]; o != nil {
		return o.status, time.Time{}, true
	}
	return "", time.Time{}, false
}

// SetInProgress makes purchases with this idempotency key answer
// IDEMPOTENCY_KEY_IN_PROGRESS for d (scenario clock). The first payload
// sent meanwhile is carried out when d ends.
func (p *Market) SetInProgress(key string, d time.Duration) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	p.inProgress[key] = &mkInProgress{until: p.s.Clock().Add(d)}
}

// SetStock sets a stock level: catalog "numbers" (id = number service id),
// "area" (id = "serviceID:areaCode") or "logs" (id = logs category id).
func (p *Market) SetStock(catalog, id string, n int) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	switch catalog {
	case "numbers":
		sid, _ := strconv.Atoi(id)
		if svc := p.numService(sid); svc != nil {
			svc.stock = n
			return nil
		}
	case "area":
		sidText, code, _ := strings.Cut(id, ":")
		sid, _ := strconv.Atoi(sidText)
		if svc := p.numService(sid); svc != nil && svc.areaStock != nil {
			if _, ok := svc.areaStock[code]; ok {
				svc.areaStock[code] = n
				return nil
			}
		}
	case "logs":
		cid, _ := strconv.Atoi(id)
		if c := p.logCategory(cid); c != nil {
			c.stock = n
			return nil
		}
	}
	return fmt.Errorf("market: no %s stock %q", catalog, id)
}

// SetBoostState forces a boost order's state: pending, processing,
// completed, partial, canceled, error or refilling. Forcing "processing"
// restarts its delivery clock.
func (p *Market) SetBoostState(id, state string) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	n, _ := strconv.ParseInt(id, 10, 64)
	o := p.boosts[n]
	if o == nil {
		return fmt.Errorf("market: no boost order %q", id)
	}
	if _, ok := mkBoostSpellings[0][state]; !ok {
		return fmt.Errorf("market: unknown boost state %q", state)
	}
	now := p.s.Clock()
	o.state, o.updated = state, now
	switch state {
	case mkBoostPending:
		o.nextMove = now.Add(time.Hour)
	case mkBoostProcessing:
		o.started, o.runFor = now, time.Hour
	case mkBoostRefilling:
		o.nextMove = now.Add(time.Hour)
	}
	return nil
}

// SetBlocked makes an account answer 403 USER_DISABLED or USER_BANNED
// ("" restores it).
func (p *Market) SetBlocked(account, code string) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	a := p.byName[account]
	if a == nil {
		return fmt.Errorf("market: no account %q", account)
	}
	if code != "" && code != "USER_DISABLED" && code != "USER_BANNED" {
		return errors.New("market: blocked code must be USER_DISABLED or USER_BANNED")
	}
	a.blocked = code
	return nil
}
