// Command capture renders the real dashboard — real engine, cache and
// adapters against the simulator on a fixed clock — and writes its frames
// as ANSI files for screenshots/make.sh to turn into SVG:
//
//	go run ./screenshots/capture -out screenshots
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/backend/sim"
	"switchboard/config"
	"switchboard/keymap"
	"switchboard/stack"
	"switchboard/ui"
	"switchboard/views"
)

func main() {
	out := flag.String("out", "screenshots", "directory for the .ansi frames")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "capture:", err)
		os.Exit(1)
	}
}

// start is the scenario clock's start: screenshots are the same on every
// run.
var start = time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)

func run(out string) error {
	rates := map[backend.ProviderKind]int{}
	for _, k := range backend.Kinds() {
		rates[k] = 1200
	}
	s := sim.New(sim.Options{Manual: true, Quiet: true, Seed: 11, Start: start, Accounts: 2, Rates: rates})
	defer s.Close()
	dir, err := os.MkdirTemp("", "switchboard-capture-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o := stack.Sim(s, 1200)
	o.Store.FlushInterval = 20 * time.Millisecond
	o.Engine.Demo = true
	st, err := stack.Open(dir, o)
	if err != nil {
		return err
	}
	defer st.Stop()
	eng := st.Engine
	st.Start()

	// Wait until the dashboard would show everything the simulator holds.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var all backend.Event
	synced := func() error {
		want, err := stack.Read(ctx, o)
		if err != nil {
			return err
		}
		return stack.Synced(ctx, eng.Events(), want, &all)
	}
	if err := synced(); err != nil {
		return err
	}
	// Codes arrive a minute later on two waiting lines.
	s.Advance(time.Minute)
	n := 0
	for _, l := range all.Lines {
		if l.State == backend.LineWaiting && l.Provider == backend.FiveSim && n < 2 {
			_ = s.FiveSim.Deliver(l.ID, []string{"Telegram code: 48213. Do not share it.", "Your WhatsApp code 602-117"}[n])
			n++
		}
	}
	eng.Refresh("") // and whatever the minute moved (queues, leases) shows too
	if err := synced(); err != nil {
		return err
	}
	now := s.Now().Add(5 * time.Second)

	scenes := []struct {
		name string
		w, h int
		keys []string
	}{
		{"wide", 160, 48, nil},
		{"narrow", 80, 24, nil},
		{"detail", 120, 36, []string{"enter"}},
		{"help", 120, 36, []string{"?"}},
		{"filter", 120, 36, []string{"2", "/", "tele"}},
		{"confirm", 120, 36, []string{"3", "r"}},
	}
	for _, sc := range scenes {
		m := ui.New(ui.Options{Backend: eng, Initial: all, Accounts: eng.Accounts(), Theme: "dark", Keys: keymap.Default(),
			Thresholds: views.Thresholds(config.DefaultThresholds), Demo: true, Now: func() time.Time { return now }})
		runCmd(m, m.Init())
		step(m, tea.WindowSizeMsg{Width: sc.w, Height: sc.h})
		for _, k := range sc.keys {
			for _, msg := range keys(k) {
				step(m, msg)
			}
		}
		frame := m.View().Content
		if err := os.WriteFile(filepath.Join(out, sc.name+".ansi"), []byte(frame+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// step runs one message and the commands it returns that answer quickly
// (SMS history reads); clock ticks are left alone.
func step(m *ui.Model, msg tea.Msg) {
	_, cmd := m.Update(msg)
	runCmd(m, cmd)
}

// runCmd runs a command (and a batch's parts) and feeds back the answers
// that come within a moment.
func runCmd(m *ui.Model, cmd tea.Cmd) {
	run := func(c tea.Cmd) {
		if c == nil {
			return
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		select {
		case r := <-done:
			if b, ok := r.(tea.BatchMsg); ok {
				for _, sub := range b {
					if sub != nil {
						ch := make(chan tea.Msg, 1)
						go func() { ch <- sub() }()
						select {
						case rr := <-ch:
							if rr != nil {
								m.Update(rr)
							}
						case <-time.After(300 * time.Millisecond):
						}
					}
				}
				return
			}
			if r != nil {
				m.Update(r)
			}
		case <-time.After(300 * time.Millisecond):
		}
	}
	run(cmd)
}

// keys are the key presses of k: a named key, or text typed a rune at a
// time.
func keys(k string) []tea.Msg {
	if k == "enter" {
		return []tea.Msg{tea.KeyPressMsg{Code: tea.KeyEnter}}
	}
	var out []tea.Msg
	for _, r := range k {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}
