package simcore

import (
	"fmt"
	"strings"
	"time"
)

// SMSPlan is when a waiting line hears from the service.
type SMSPlan struct {
	First  time.Time // zero: never (the order will time out)
	Second time.Time // a follow-up, code-less SMS; zero: none
}

// PlanSMS draws a delivery plan for an order placed at t (Mu held).
func (c *Core) PlanSMS(t time.Time) SMSPlan {
	if c.Opts.Quiet || c.Chance(c.Opts.NoSMS) {
		return SMSPlan{}
	}
	p := SMSPlan{First: t.Add(c.Between(c.Opts.SMSDelay[0], c.Opts.SMSDelay[1]))}
	if c.Chance(c.Opts.SecondSMS) {
		p.Second = p.First.Add(c.Between(3*time.Second, 20*time.Second))
	}
	return p
}

// SMS is one generated message.
type SMS struct{ Sender, Text, Code string }

// CodeSMS writes a realistic verification SMS for a service (Mu held).
func (c *Core) CodeSMS(service string) SMS {
	name := ServiceName(service)
	n := 4 + c.Rng.IntN(3)
	if c.Chance(0.5) {
		n = 6
	}
	code := c.Digits(n)
	tmpl := []string{
		"Your %s verification code is %s. Do not share it with anyone.",
		"%s: %s is your code. Expires in 10 minutes.",
		"<#> %s code: %s\nFA+9qCX9VSu",
		"Use %s login code %s to sign in.",
		"%s security code: %s. If you did not request it, ignore this message.",
		"Код подтверждения %s: %s",
		"Tu código de %s es %s",
		"[%s] 验证码 %s，5分钟内有效。",
	}
	t := c.Pick(tmpl)
	text := fmt.Sprintf(t, name, code)
	if c.Chance(0.15) && n == 6 {
		code = code[:3] + "-" + code[3:]
		text = fmt.Sprintf("%s: your code is %s", name, code)
	}
	return SMS{Sender: name, Text: text, Code: strings.ReplaceAll(code, "-", "")}
}

// FollowUpSMS is a code-less message that often follows a code (Mu held).
func (c *Core) FollowUpSMS(service string) SMS {
	name := ServiceName(service)
	t := c.Pick([]string{
		"Welcome to %s! Your account is ready.",
		"%s: a new device signed in to your account on 12/05 at 14:32.",
		"Thanks for joining %s. Reply STOP to opt out.",
		"%s: your number was confirmed.",
	})
	return SMS{Sender: name, Text: fmt.Sprintf(t, name)}
}

// ServiceName is how a service signs its SMS ("tg" → "Telegram").
func ServiceName(service string) string {
	switch strings.ToLower(service) {
	case "", "any":
		return "Service"
	case "vkontakte", "vk":
		return "VK"
	case "tg":
		return "Telegram"
	}
	r := []rune(service)
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}
