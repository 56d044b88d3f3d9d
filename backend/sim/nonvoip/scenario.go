package nonvoip

import (
	"regexp"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// --- SMS and the scenario -----------------------------------------------------

var (
	nvPinPair  = regexp.MustCompile(`\b(\d{3})[- ](\d{3})\b`)
	nvPinRun   = regexp.MustCompile(`\d{4,8}`)
	nvPinShort = regexp.MustCompile(`\d{3}`)
)

// nvPin picks the code out of a text the way the service's own pin field
// does (see the file comment).
func nvPin(text string) string {
	if m := nvPinPair.FindStringSubmatch(text); m != nil {
		return m[1] + m[2]
	}
	if m := nvPinRun.FindString(text); m != "" {
		return m
	}
	return nvPinShort.FindString(text)
}

// addSMS stores an SMS (s.Mu held) and fires the incoming_message callback.
func (p *NonVoip) addSMS(o *nvOrder, m simcore.SMS, at time.Time) {
	pin := m.Code
	sender := p.s.Digits(4 + p.s.Rng.IntN(3))
	o.sms = append(o.sms, nvSMS{sender: sender, text: m.Text, pin: pin, at: at})
	if o.status == nvReserved {
		o.status = nvCompleted
	}
	typ := "str"
	if o.rental() {
		typ = "ltr"
	}
	p.s.FireWebhook(backend.NonVoip, o.acct.name, nvWebhookUA, map[string]any{"event": "incoming_message",
		"message": nvIncoming{OrderID: nvIDValue(o.id), Number: o.number, Service: o.service, Sender: sender,
			SMS: m.Text, Code: pin, Type: typ}})
}

func (p *NonVoip) tick(now time.Time) {
	s := p.s
	for _, o := range p.list {
		if o.rental() {
			if o.status == nvActive && !now.Before(o.expires) {
				o.status = nvExpired
			}
			if s.Opts.Lively && o.status == nvActive && o.onlineUntil.Before(now.Add(time.Minute)) {
				o.onlineUntil = now.Add(nvOnlineWindow) // the demo keeps rentals awake
			}
		} else if (o.status == nvReserved || o.status == nvCompleted) && !now.Before(o.expires) {
			if len(o.windowSMS()) == 0 {
				o.status = nvExpired
				o.acct.balance += o.lastCharge
				o.lastCharge = 0
			}
			continue
		}
		if !o.receiving(now) {
			continue
		}
		if !o.planned[0] && !o.plan.First.IsZero() && !now.Before(o.plan.First) {
			o.planned[0] = true
			p.addSMS(o, s.CodeSMS(o.service), now)
		}
		if o.planned[0] && !o.planned[1] && !o.plan.Second.IsZero() && !now.Before(o.plan.Second) {
			o.planned[1] = true
			p.addSMS(o, s.FollowUpSMS(o.service), now)
		}
	}
	if s.Opts.Lively && !s.Opts.Quiet && !now.Before(p.nextLive) {
		var open []*nvOrder
		for _, o := range p.list {
			if o.receiving(now) {
				open = append(open, o)
			}
		}
		if len(open) > 0 && !p.nextLive.IsZero() {
			o := open[s.Rng.IntN(len(open))]
			p.addSMS(o, s.CodeSMS(o.service), now)
		}
		p.nextLive = now.Add(s.Between(3*time.Second, 8*time.Second))
	}
}
