package cache

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"switchboard/backend"
)

// The tests below re-run this test binary as a second process (a second
// Switchboard, or a writer to kill). helperEnv selects what it does.
const (
	helperEnv = "SWITCHBOARD_CACHE_HELPER"
	dirEnv    = "SWITCHBOARD_CACHE_DIR"
	roundEnv  = "SWITCHBOARD_CACHE_ROUND"
)

func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("helper for the multi-process tests")
	case "open":
		helperOpen()
	case "writer":
		helperWriter()
	}
	os.Exit(0)
}

// helperOpen tries to open the store and reports how it went.
func helperOpen() {
	start := time.Now()
	s, err := Open(os.Getenv(dirEnv), Options{})
	elapsed := time.Since(start)
	if err == nil {
		_ = s.Close()
		fmt.Printf("OPENED %d\n", elapsed.Milliseconds())
		return
	}
	fmt.Printf("FAILED %d %s\n", elapsed.Milliseconds(), err)
}

// helperWriter ingests messages (and journal entries and state) until it is
// killed, printing each one only after the call that stored it returned.
func helperWriter() {
	round := os.Getenv(roundEnv)
	s, err := Open(os.Getenv(dirEnv), Options{FlushInterval: 5 * time.Millisecond})
	if err != nil {
		fmt.Printf("ERROR %v\n", err)
		os.Exit(1)
	}
	fmt.Println("READY")
	for i := range 100_000 {
		batch := make([]backend.Message, 4)
		acks := make([]string, len(batch))
		for j := range batch {
			line := lineKey((i + j) % 7)
			id := fmt.Sprintf("r%s-b%d-m%d", round, i, j)
			batch[j] = sampleMessage(line, id, t0.Add(time.Duration(i)*time.Millisecond))
			acks[j] = string(line) + "|" + id
		}
		// Resending part of the last batch must not duplicate anything.
		if i > 0 {
			batch = append(batch, sampleMessage(lineKey(i%7), fmt.Sprintf("r%s-b%d-m0", round, i-1), t0))
		}
		if _, err := s.AddMessages(batch); err != nil {
			fmt.Printf("ERROR %v\n", err)
			os.Exit(1)
		}
		fmt.Println("MSG " + strings.Join(acks, " "))

		if i%5 == 0 {
			id := fmt.Sprintf("r%s-a%d", round, i)
			if err := s.Journal(sampleEntry(id, backend.JournalPending, t0)); err != nil {
				fmt.Printf("ERROR %v\n", err)
				os.Exit(1)
			}
			fmt.Println("JRN " + id)
		}
		if i%7 == 0 {
			l := sampleLine(i)
			l.Key = backend.MakeKey(backend.NonVoip, "nv", backend.ItemLine, round+"-"+strconv.Itoa(i))
			s.Save(backend.StateChange{Lines: []backend.Line{l}})
			if err := s.Flush(); err != nil {
				fmt.Printf("ERROR %v\n", err)
				os.Exit(1)
			}
			fmt.Println("LINE " + string(l.Key))
		}
	}
	_ = s.Close()
}

func helperCommand(t *testing.T, mode, dir string, round int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, dirEnv+"="+dir, roundEnv+"="+strconv.Itoa(round))
	cmd.Stderr = os.Stderr
	return cmd
}

// A second Switchboard on the same directory fails within about a second,
// naming the pid that holds it.
func TestSecondProcessGetsInUseError(t *testing.T) {
	dir := t.TempDir()
	openStore(t, dir, Options{})
	out, err := helperCommand(t, "open", dir, 0).Output()
	if err != nil {
		t.Fatalf("helper: %v (%s)", err, out)
	}
	var ms int
	var msg string
	line := strings.TrimSpace(string(out))
	if n, _ := fmt.Sscanf(line, "FAILED %d", &ms); n != 1 {
		t.Fatalf("second process: %q, want a failure", line)
	}
	if parts := strings.SplitN(line, " ", 3); len(parts) == 3 {
		msg = parts[2]
	}
	t.Logf("second process: %s", msg)
	want := fmt.Sprintf("state is in use by another switchboard (pid %d)", os.Getpid())
	if !strings.Contains(msg, want) {
		t.Errorf("error %q does not say %q", msg, want)
	}
	// At least the lock timeout (it did wait), never a hang (generous for
	// a loaded machine).
	if ms < 900 || ms > 5000 {
		t.Errorf("second process gave up after %d ms, want about 1000", ms)
	}
}

// CRASH: a writer killed with SIGKILL at random moments, 50 times over the
// same files, never loses a message (or journal entry, or flushed line) it
// acknowledged, and the files always open cleanly.
func TestKilledWriterLosesNothingAcknowledged(t *testing.T) {
	rounds := 50
	if testing.Short() {
		rounds = 10
	}
	dir := t.TempDir()
	// Create the files first: a kill during their very first creation is
	// bbolt's business, not what this test is about.
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	msgAcks := map[string]map[string]bool{} // line → ids
	var jrnAcks, lineAcks []string
	totalMsgs := 0
	start := time.Now()
	for round := range rounds {
		lines := runAndKill(t, dir, round, rng)
		for _, l := range lines {
			kind, rest, _ := strings.Cut(l, " ")
			switch kind {
			case "MSG":
				for _, ack := range strings.Fields(rest) {
					line, id, _ := strings.Cut(ack, "|")
					if msgAcks[line] == nil {
						msgAcks[line] = map[string]bool{}
					}
					msgAcks[line][id] = true
					totalMsgs++
				}
			case "JRN":
				jrnAcks = append(jrnAcks, rest)
			case "LINE":
				lineAcks = append(lineAcks, rest)
			case "ERROR":
				t.Fatalf("round %d: writer failed: %s", round, rest)
			}
		}
	}
	t.Logf("%d rounds in %v: %d messages, %d journal entries, %d lines acknowledged",
		rounds, time.Since(start).Round(time.Millisecond), totalMsgs, len(jrnAcks), len(lineAcks))
	if totalMsgs == 0 {
		t.Fatal("no message was ever acknowledged: the test proves nothing")
	}

	s = openStore(t, dir, Options{})
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Notes) != 0 {
		t.Errorf("files did not open cleanly: %q", snap.Notes)
	}
	for line, acked := range msgAcks {
		stored, err := s.Messages(backend.Key(line), 0)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, m := range stored {
			if have[m.ID] {
				t.Errorf("%s: message %s stored twice", line, m.ID)
			}
			have[m.ID] = true
		}
		for id := range acked {
			if !have[id] {
				t.Errorf("%s: acknowledged message %s is missing", line, id)
			}
		}
	}
	pending := map[string]bool{}
	for _, e := range snap.Pending {
		pending[e.Action.ID] = true
	}
	for _, id := range jrnAcks {
		if !pending[id] {
			t.Errorf("acknowledged journal entry %s is missing", id)
		}
	}
	haveLines := map[string]bool{}
	for _, l := range snap.Lines {
		haveLines[string(l.Key)] = true
	}
	for _, k := range lineAcks {
		if !haveLines[k] {
			t.Errorf("flushed line %s is missing", k)
		}
	}
}

// runAndKill starts a writer, kills it at a random moment and returns the
// complete lines it printed.
func runAndKill(t *testing.T, dir string, round int, rng *rand.Rand) []string {
	t.Helper()
	cmd := helperCommand(t, "writer", dir, round)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		lines []string
		ready = make(chan struct{})
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		r := bufio.NewReader(stdout)
		once := sync.OnceFunc(func() { close(ready) })
		defer once()
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				// A line cut short by the kill was never acknowledged.
				if !errors.Is(err, io.EOF) {
					t.Errorf("reading writer output: %v", err)
				}
				return
			}
			l = strings.TrimSuffix(l, "\n")
			if l == "READY" {
				once()
			}
			mu.Lock()
			lines = append(lines, l)
			mu.Unlock()
		}
	}()

	// Half the rounds die anywhere (including while opening); half die
	// while writing.
	if round%2 == 0 {
		time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond)
	} else {
		select {
		case <-ready:
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: writer never became ready", round)
		}
		time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	_ = cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	return lines
}
