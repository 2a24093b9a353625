package outbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mail/mailtest"
	"github.com/xchangedesk/xchangedesk/store"
)

// world is a data file with an organiser, SMTP settings for the test server, a host and a
// visitor, and the sender that delivers its outbox.
type world struct {
	st      *store.Store
	srv     *mailtest.Server
	sender  *Sender
	host    exchange.Host
	visitor exchange.Visitor
	now     time.Time
	path    string
}

func newWorld(t testing.TB, hostEmail string) *world {
	t.Helper()
	w := &world{srv: mailtest.Start(t, mail.StartTLS), now: time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC)}
	w.path = filepath.Join(t.TempDir(), "x.db")
	w.open(t)
	if err := w.st.SetOrganiser("STARS exchange desk", "desk@stars.example.eu"); err != nil {
		t.Fatal(err)
	}
	if err := w.st.SetSMTP(store.SMTPSettings{Host: "127.0.0.1", Port: w.srv.Port(), TLS: "starttls", User: mailtest.User}); err != nil {
		t.Fatal(err)
	}
	var err error
	w.host, err = w.st.AddHost(exchange.Host{Name: "Fraunhofer HHI", Kind: exchange.ResearchCentre, Country: "DE", City: "Berlin",
		Address: "Einsteinufer 37, 10587 Berlin", Contact: "Jana Weber", Email: hostEmail, Capacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	w.visitor, err = w.st.AddVisitor(exchange.Visitor{Name: "Ana Sousa", Email: "ana@ferrovia.example.pt", Organisation: "Ferrovia Digital Lda", Country: "PT", City: "Porto"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) open(t testing.TB) {
	t.Helper()
	st, err := store.Open(w.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Now = func() time.Time { return w.now }
	t.Cleanup(func() { st.Close() })
	w.st = st
	w.sender = &Sender{Outbox: st, Now: func() time.Time { return w.now }, InsecureSkipVerify: true,
		Password: func(host, user string) string { return mailtest.Password }}
}

func (w *world) book(t *testing.T) exchange.Placement {
	t.Helper()
	p, err := w.st.Book(store.BookingRequest{HostID: w.host.ID, VisitorID: w.visitor.ID,
		First: exchange.MustDate("2027-03-01"), Last: exchange.MustDate("2027-03-05")})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) send(t *testing.T) Report {
	t.Helper()
	r, err := w.sender.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// received is a message as the recipient's client reads it.
type received struct {
	to, messageID, method, calendar string
	parts                           []string // content types, depth first
}

func parse(t *testing.T, d mailtest.Delivery) received {
	t.Helper()
	e, err := message.Read(bytes.NewReader(d.Data))
	if err != nil {
		t.Fatal(err)
	}
	r := received{to: d.To, messageID: e.Header.Get("Message-Id")}
	var walk func(e *message.Entity)
	walk = func(e *message.Entity) {
		ct, params, _ := e.Header.ContentType()
		r.parts = append(r.parts, ct)
		if mpr := e.MultipartReader(); mpr != nil {
			for {
				p, err := mpr.NextPart()
				if err != nil {
					break
				}
				walk(p)
			}
			return
		}
		if ct == "text/calendar" {
			r.method = params["method"]
			b, _ := io.ReadAll(e.Body)
			r.calendar = string(b)
		}
	}
	walk(e)
	return r
}

func field(cal, name string) string {
	for _, l := range strings.Split(cal, "\r\n") {
		if strings.HasPrefix(l, name+":") || strings.HasPrefix(l, name+";") {
			return l
		}
	}
	return ""
}

// The whole story: request → confirm → reschedule → cancel, read back from the server.
func TestTheRightMessagesReachTheRightPeople(t *testing.T) {
	w := newWorld(t, "jana.weber@hhi.example.de")
	p := w.book(t)
	steps := []struct {
		name string
		do   func() error
		want []string // recipient:method:sequence
	}{
		{"asking the host sends her an availability request", func() error { _, err := w.st.Act(p.ID, exchange.Request, ""); return err },
			[]string{"jana.weber@hhi.example.de:REQUEST:0"}},
		{"the host accepting invites the visitor and confirms by e-mail", func() error { _, err := w.st.Act(p.ID, exchange.Confirm, "accepted"); return err },
			[]string{"ana@ferrovia.example.pt:REQUEST:0", "ana@ferrovia.example.pt::"}},
		{"new dates update everyone invited", func() error {
			_, err := w.st.Reschedule(p.ID, exchange.MustDate("2027-03-08"), exchange.MustDate("2027-03-12"), "")
			return err
		}, []string{"jana.weber@hhi.example.de:REQUEST:1", "ana@ferrovia.example.pt:REQUEST:1"}},
		{"cancelling cancels it for everyone invited", func() error { _, err := w.st.Act(p.ID, exchange.Cancel, "visitor ill"); return err },
			[]string{"jana.weber@hhi.example.de:CANCEL:2", "ana@ferrovia.example.pt:CANCEL:2"}},
	}
	seen := 0
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if r := w.send(t); r.Sent != len(step.want) || r.Failed+r.Retrying != 0 {
			t.Fatalf("%s: %v %v", step.name, r, r.Problems)
		}
		got := w.srv.Received()[seen:]
		seen += len(got)
		if len(got) != len(step.want) {
			t.Fatalf("%s: %d messages arrived, want %d", step.name, len(got), len(step.want))
		}
		for i, d := range got {
			m := parse(t, d)
			seq := ""
			if m.calendar != "" {
				seq = strings.TrimPrefix(field(m.calendar, "SEQUENCE"), "SEQUENCE:")
				if strings.Count(m.calendar, "\r\nSEQUENCE") != 1 {
					t.Fatalf("%s: not exactly one SEQUENCE line", step.name)
				}
				if !strings.Contains(m.calendar, "METHOD:"+m.method) || field(m.calendar, "UID") != "UID:"+p.UID {
					t.Fatalf("%s: method= %s, calendar:\n%s", step.name, m.method, m.calendar)
				}
				if !strings.Contains(field(m.calendar, "ORGANIZER"), "desk@stars.example.eu") ||
					!strings.Contains(strings.ReplaceAll(m.calendar, "\r\n ", ""), "mailto:"+d.To) {
					t.Fatalf("%s: organiser or attendee wrong:\n%s", step.name, m.calendar)
				}
				if m.method == "CANCEL" && !strings.Contains(m.calendar, "STATUS:CANCELLED") {
					t.Fatalf("%s: a CANCEL without STATUS:CANCELLED", step.name)
				}
			}
			if key := d.To + ":" + m.method + ":" + seq; key != step.want[i] {
				t.Fatalf("%s: message %d is %s, want %s", step.name, i+1, key, step.want[i])
			}
		}
	}
	// The updated dates: DTSTART the 8th, DTEND (exclusive) the 13th.
	upd := parse(t, w.srv.Received()[3])
	if field(upd.calendar, "DTSTART") != "DTSTART;VALUE=DATE:20270308" || field(upd.calendar, "DTEND") != "DTEND;VALUE=DATE:20270313" {
		t.Fatalf("update dates %q %q", field(upd.calendar, "DTSTART"), field(upd.calendar, "DTEND"))
	}
	ms, _ := w.st.Messages(p.ID)
	for _, m := range ms {
		if m.Status != store.Sent || m.Attempts != 1 {
			t.Fatalf("%s to %s: %s after %d attempts", m.Kind, m.To, m.Status, m.Attempts)
		}
	}
}

func TestFailuresAreRetriedOrRecorded(t *testing.T) {
	tests := []struct {
		name      string
		hostEmail string
		down      bool
		want      store.MessageStatus
		says      string
	}{
		{"a 451 reply is retried later", "later@hhi.example.de", false, store.Queued, "451"},
		{"a 550 reply fails with the server's words", "reject@hhi.example.de", false, store.Failed, "No such user here"},
		{"a server that is down is retried later", "jana@hhi.example.de", true, store.Queued, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.hostEmail)
			p := w.book(t)
			if _, err := w.st.Act(p.ID, exchange.Request, ""); err != nil {
				t.Fatal(err)
			}
			if tt.down {
				w.srv.Stop()
			}
			w.send(t)
			ms, _ := w.st.Messages(p.ID)
			m := ms[0]
			if m.Status != tt.want || m.Attempts != 1 || !strings.Contains(m.LastError, tt.says) {
				t.Fatalf("%s, %d attempts, %q", m.Status, m.Attempts, m.LastError)
			}
			if tt.want == store.Queued {
				if got := m.NextAttempt.Sub(w.now); got != Backoff(1) {
					t.Fatalf("retry in %v, want %v", got, Backoff(1))
				}
				// Not before the back-off: a second round sends nothing.
				if r := w.send(t); r.Sent+r.Retrying+r.Failed != 0 || r.Waiting != 1 {
					t.Fatalf("inside the back-off: %+v", r)
				}
			}
		})
	}
}

func TestACancelNeverOvertakesTheRequestItCancels(t *testing.T) {
	w := newWorld(t, "later@hhi.example.de") // the host's server says 451 for now
	p := w.book(t)
	w.st.Act(p.ID, exchange.Request, "")
	w.send(t)
	w.st.Act(p.ID, exchange.Cancel, "plans changed")
	w.now = w.now.Add(time.Hour) // the request's back-off is over
	due, _ := w.st.Due(w.now)
	if len(due) != 1 || due[0].Kind != store.HostRequest {
		t.Fatalf("due: %+v", due)
	}
}

func TestNoSettingsMeansMessagesWait(t *testing.T) {
	w := newWorld(t, "jana@hhi.example.de")
	if err := w.st.SetSMTP(store.SMTPSettings{}); err == nil {
		t.Fatal("empty settings accepted")
	}
	dir := t.TempDir()
	st2, err := store.Open(filepath.Join(dir, "y.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s := &Sender{Outbox: st2}
	r, err := s.Once(context.Background())
	if err != nil || r.Configured {
		t.Fatalf("%+v %v", r, err)
	}
}

// The sender is killed after the server accepted a message and before that was recorded:
// the next run delivers it again, byte for byte with the same Message-ID, and it is marked
// sent once.
func TestAMessageSentJustBeforeACrashIsSentAgainWithTheSameMessageID(t *testing.T) {
	if os.Getenv("OUTBOX_CRASH_DB") != "" {
		crashingSender() // the child: never returns
	}
	w := newWorld(t, "jana@hhi.example.de")
	p := w.book(t)
	if _, err := w.st.Act(p.ID, exchange.Request, ""); err != nil {
		t.Fatal(err)
	}
	w.st.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAMessageSentJustBeforeACrashIsSentAgainWithTheSameMessageID$")
	cmd.Env = append(os.Environ(), "OUTBOX_CRASH_DB="+w.path)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the sender was not killed: %v\n%s", err, out)
	}
	if got := len(w.srv.Received()); got != 1 {
		t.Fatalf("%d deliveries before the crash", got)
	}
	w.open(t)
	ms, _ := w.st.Messages(p.ID)
	if ms[0].Status != store.Queued {
		t.Fatalf("after the crash the message is %s", ms[0].Status)
	}
	if r := w.send(t); r.Sent != 1 {
		t.Fatalf("%+v", r)
	}
	got := w.srv.Received()
	if len(got) != 2 || !bytes.Equal(got[0].Data, got[1].Data) || parse(t, got[1]).messageID != ms[0].MessageID() {
		t.Fatalf("redelivery differs: %d messages", len(got))
	}
	ms, _ = w.st.Messages(p.ID)
	if ms[0].Status != store.Sent || ms[0].Attempts != 1 {
		t.Fatalf("%s after %d attempts", ms[0].Status, ms[0].Attempts)
	}
	if r := w.send(t); r.Sent != 0 {
		t.Fatal("sent a third time")
	}
}

// crashingSender runs in a child process: it sends the outbox and is killed between the
// server's acceptance and recording it.
func crashingSender() {
	st, err := store.Open(os.Getenv("OUTBOX_CRASH_DB"), nil)
	if err != nil {
		os.Exit(3)
	}
	afterSend = func() { syscall.Kill(os.Getpid(), syscall.SIGKILL) }
	s := &Sender{Outbox: st, InsecureSkipVerify: true, Password: func(string, string) string { return mailtest.Password }}
	s.Once(context.Background())
	os.Exit(4) // not reached
}

// The host's address changed after she was asked: the cancellation still goes to the
// address that got the request, after it.
func TestACancellationGoesWhereTheInvitationWent(t *testing.T) {
	w := newWorld(t, "jana.weber@hhi.example.de")
	p := w.book(t)
	w.st.Act(p.ID, exchange.Request, "")
	h := w.host
	h.Email = "j.weber@hhi.example.de"
	if _, err := w.st.UpdateHost(h); err != nil {
		t.Fatal(err)
	}
	w.st.Act(p.ID, exchange.Cancel, "")
	ms, _ := w.st.Messages(p.ID)
	if len(ms) != 2 || ms[1].Kind != store.Cancellation || ms[1].To != "jana.weber@hhi.example.de" {
		t.Fatalf("messages %+v", ms)
	}
	if due, _ := w.st.Due(w.now); len(due) != 1 || due[0].Kind != store.HostRequest {
		t.Fatalf("the cancellation is due before the request: %+v", due)
	}
	w.send(t)
	got := w.srv.Received()
	if len(got) != 2 || parse(t, got[1]).method != "CANCEL" {
		t.Fatalf("%d received", len(got))
	}
}

// A failed request is not retried once an update has followed it, and a cancellation is
// not sent to someone whose request failed.
func TestASupersededMessageIsNotRetried(t *testing.T) {
	w := newWorld(t, "jana@hhi.example.de")
	p := w.book(t)
	w.st.Act(p.ID, exchange.Request, "")
	if _, err := w.st.Reschedule(p.ID, exchange.MustDate("2027-03-08"), exchange.MustDate("2027-03-12"), ""); err != nil {
		t.Fatal(err)
	}
	ms, _ := w.st.Messages(p.ID)
	if len(ms) != 2 || ms[1].Kind != store.Update {
		t.Fatalf("%+v", ms)
	}
	w.st.MarkFailed(ms[0].ID, "550 mailbox full")
	err := w.st.Retry(ms[0].ID)
	if err == nil || !strings.Contains(err.Error(), "supersedes") {
		t.Fatalf("retrying the superseded request: %v", err)
	}
	w.st.MarkFailed(ms[1].ID, "550 mailbox full")
	if err := w.st.Retry(ms[1].ID); err != nil {
		t.Fatalf("retrying the latest message: %v", err)
	}
	w.st.MarkFailed(ms[1].ID, "550 mailbox full")
	w.st.Act(p.ID, exchange.Cancel, "")
	if ms, _ := w.st.Messages(p.ID); len(ms) != 2 {
		t.Fatalf("a cancellation went to someone who never got the invitation: %+v", ms[len(ms)-1])
	}
}

// The placement is cancelled while the visitor's confirmation still waits: the visitor gets
// the invitation and its cancellation, never "Confirmed: your visit…" in the same burst.
func TestAConfirmationStillQueuedWhenThePlacementIsCancelledIsNotSent(t *testing.T) {
	w := newWorld(t, "jana@hhi.example.de")
	p := w.book(t)
	w.st.Act(p.ID, exchange.Request, "")
	w.send(t)
	if _, err := w.st.Act(p.ID, exchange.Confirm, "accepted"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.Act(p.ID, exchange.Cancel, "visitor ill"); err != nil {
		t.Fatal(err)
	}
	if r := w.send(t); r.Sent != 3 || r.Waiting != 0 {
		t.Fatalf("%v, %d waiting: %v", r, r.Waiting, r.Problems)
	}
	var got []string
	for _, d := range w.srv.Received()[1:] {
		got = append(got, d.To+":"+parse(t, d).method)
	}
	want := []string{"ana@ferrovia.example.pt:REQUEST", "jana@hhi.example.de:CANCEL", "ana@ferrovia.example.pt:CANCEL"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("received %v, want %v", got, want)
	}
	ms, _ := w.st.Messages(p.ID)
	for _, m := range ms {
		if m.Kind == store.Confirmation && (m.Status != store.Superseded || !strings.Contains(m.LastError, "cancelled")) {
			t.Fatalf("the confirmation is %s: %q", m.Status, m.LastError)
		}
	}
}

// A confirmation that was already on its way when the placement was cancelled went: it is
// recorded as sent, not as superseded.
func TestAConfirmationOnItsWayWhenCancelledIsRecordedAsSent(t *testing.T) {
	w := newWorld(t, "jana@hhi.example.de")
	p := w.book(t)
	w.st.Act(p.ID, exchange.Request, "")
	w.st.Act(p.ID, exchange.Confirm, "accepted")
	var confirmation store.Message
	ms, _ := w.st.Messages(p.ID)
	for _, m := range ms {
		if m.Kind == store.Confirmation {
			confirmation = m
		}
	}
	w.st.Act(p.ID, exchange.Cancel, "") // while the sender has it in hand
	if err := w.st.MarkSent(confirmation.ID, w.now); err != nil {
		t.Fatal(err)
	}
	ms, _ = w.st.Messages(p.ID)
	for _, m := range ms {
		if m.ID == confirmation.ID && (m.Status != store.Sent || m.Attempts != 1) {
			t.Fatalf("%s after %d attempts", m.Status, m.Attempts)
		}
	}
}

// The host moved: everyone invited gets an update with the new location and a higher
// SEQUENCE; the dates stay.
func TestANewHostAddressUpdatesTheCalendarsInvited(t *testing.T) {
	w := newWorld(t, "jana.weber@hhi.example.de")
	p := w.book(t)
	w.st.Act(p.ID, exchange.Request, "")
	h := w.host
	h.Address = "Salzufer 6, 10587 Berlin"
	if _, err := w.st.UpdateHost(h); err != nil {
		t.Fatal(err)
	}
	h.Contact = "Jana Weber-Schulz" // not where the visit takes place: no update
	if _, err := w.st.UpdateHost(h); err != nil {
		t.Fatal(err)
	}
	ms, _ := w.st.Messages(p.ID)
	if len(ms) != 2 || ms[1].Kind != store.Update || ms[1].Sequence != 1 || ms[1].To != "jana.weber@hhi.example.de" {
		t.Fatalf("messages %+v", ms)
	}
	w.send(t)
	upd := parse(t, w.srv.Received()[1])
	if !strings.Contains(strings.ReplaceAll(upd.calendar, "\r\n ", ""), "Salzufer 6") || field(upd.calendar, "DTSTART") != "DTSTART;VALUE=DATE:20270301" {
		t.Fatalf("update:\n%s", upd.calendar)
	}
	got, _ := w.st.Placement(p.ID)
	if got.Sequence != 1 || got.History[len(got.History)-1].Action != exchange.HostChanged {
		t.Fatalf("placement %d, %+v", got.Sequence, got.History[len(got.History)-1])
	}
}

// queueRequests books n visitors, each from an organisation of their own, at copies of the
// world's host and asks about each one: n availability requests wait in the outbox.
func (w *world) queueRequests(t testing.TB, n int) []store.Message {
	t.Helper()
	var h exchange.Host
	for i := range n {
		if i%20 == 0 { // a host per twenty visitors keeps booking quick
			var err error
			h = w.host
			h.ID, h.Name, h.Capacity = exchange.ID{}, fmt.Sprintf("Fraunhofer HHI %d", i/20), 20
			if h, err = w.st.AddHost(h); err != nil {
				t.Fatal(err)
			}
		}
		v, err := w.st.AddVisitor(exchange.Visitor{Name: fmt.Sprintf("Visitor %d", i), Email: fmt.Sprintf("v%d@sme.example.pt", i),
			Organisation: fmt.Sprintf("SME %d Lda", i), Country: "PT", City: "Porto"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.st.Book(store.BookingRequest{HostID: h.ID, VisitorID: v.ID,
			First: exchange.MustDate("2027-03-01"), Last: exchange.MustDate("2027-03-05")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.st.Act(p.ID, exchange.Request, ""); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := w.st.Outbox()
	if err != nil || len(ms) != n {
		t.Fatalf("%d messages queued, want %d: %v", len(ms), n, err)
	}
	return ms
}

// byMessageID counts what the server received by Message-ID.
func byMessageID(t *testing.T, got []mailtest.Delivery) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, d := range got {
		n[parse(t, d).messageID]++
	}
	return n
}

// The sender is killed with SIGKILL at random points of a batch of 50, again and again,
// until everything is sent. After each kill at most one message has reached the server
// without being marked sent, so each kill repeats at most one message, and none is lost.
func TestASenderKilledAtRandomRepeatsAtMostOneMessagePerKill(t *testing.T) {
	if path := os.Getenv("OUTBOX_SEND_DB"); path != "" {
		sendAndExit(path) // the child: never returns
	}
	const messages, maxKills = 50, 12
	w := newWorld(t, "jana@hhi.example.de")
	queued := w.queueRequests(t, messages)
	w.st.Close()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 8))
	t.Logf("random seed %d", seed)

	kills := 0
	for run := 1; ; run++ {
		before := len(w.srv.Received())
		cmd := exec.Command(os.Args[0], "-test.run=^TestASenderKilledAtRandomRepeatsAtMostOneMessagePerKill$")
		cmd.Env = append(os.Environ(), "OUTBOX_SEND_DB="+w.path)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Kill it after a random number of new deliveries and a random pause: anywhere
		// between an acceptance and its record, or in the middle of the next message.
		var err error
		if kills < maxKills {
			err = killAfter(w.srv, before+1+rng.IntN(8), time.Duration(rng.IntN(800))*time.Microsecond, cmd, exited)
		} else {
			err = <-exited
		}
		if err == nil {
			break // the child sent everything and exited
		}
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("run %d: %v\n%s", run, err, out.Bytes())
		}
		kills++
		settle(w.srv)

		// What the server holds and the store does not know it holds: at most one message.
		w.open(t)
		got := byMessageID(t, w.srv.Received())
		ms, _ := w.st.Outbox()
		var unrecorded []string
		for _, m := range ms {
			switch {
			case m.Status == store.Queued && got[m.MessageID()] > 0:
				unrecorded = append(unrecorded, m.MessageID())
			case m.Status == store.Sent && got[m.MessageID()] == 0:
				t.Fatalf("kill %d: %s is marked sent but never reached the server", kills, m.MessageID())
			case m.Status != store.Queued && m.Status != store.Sent:
				t.Fatalf("kill %d: %s is %s: %s", kills, m.MessageID(), m.Status, m.LastError)
			}
		}
		if len(unrecorded) > 1 {
			t.Fatalf("kill %d: %d messages reached the server without being marked sent: %v", kills, len(unrecorded), unrecorded)
		}
		w.st.Close()
	}

	w.open(t)
	got := byMessageID(t, w.srv.Received())
	dups := 0
	for _, m := range queued {
		// A message can arrive three times: accepted, not recorded, killed; sent again
		// first thing on the next run, and killed again before it is recorded.
		if n := got[m.MessageID()]; n == 0 {
			t.Errorf("%s never arrived", m.MessageID())
		} else {
			dups += n - 1
		}
	}
	ms, _ := w.st.Outbox()
	for _, m := range ms {
		if m.Status != store.Sent {
			t.Errorf("%s is %s at the end", m.MessageID(), m.Status)
		}
	}
	if len(got) != messages || dups > kills {
		t.Fatalf("%d messages arrived, %d of them twice, after %d kills", len(got), dups, kills)
	}
	t.Logf("%d messages, %d kills, %d duplicates, %d deliveries", messages, kills, dups, len(w.srv.Received()))
}

// killAfter SIGKILLs cmd once the server has had n deliveries in all and pause has passed,
// unless it exits first; it returns how cmd ended.
func killAfter(srv *mailtest.Server, n int, pause time.Duration, cmd *exec.Cmd, exited <-chan error) error {
	tick := time.NewTicker(100 * time.Microsecond)
	defer tick.Stop()
	for len(srv.Received()) < n {
		select {
		case err := <-exited:
			return err
		case <-tick.C:
		}
	}
	time.Sleep(pause)
	cmd.Process.Signal(syscall.SIGKILL)
	return <-exited
}

// settle waits until the server has taken in what a killed sender had already written.
func settle(srv *mailtest.Server) {
	n := len(srv.Received())
	for quiet := 0; quiet < 4; {
		time.Sleep(5 * time.Millisecond)
		if m := len(srv.Received()); m != n {
			n, quiet = m, 0
			continue
		}
		quiet++
	}
}

// sendAndExit runs in a child process: it sends the outbox at path, exiting 0 once nothing waits.
func sendAndExit(path string) {
	st, err := store.Open(path, nil)
	if err != nil {
		fmt.Println(err)
		os.Exit(3)
	}
	s := &Sender{Outbox: st, InsecureSkipVerify: true, Password: func(string, string) string { return mailtest.Password }}
	r, err := s.Once(context.Background())
	st.Close()
	if err != nil || r.Waiting > 0 || len(r.Problems) > 0 {
		fmt.Println(r, err, r.Problems)
		os.Exit(1)
	}
	os.Exit(0)
}

// BenchmarkSendAgainstBareSMTP sends an outbox of availability requests as the send verb
// does — open the data file, send, one transaction per message sent — and then pushes the
// same bytes to the same server with a bare go-smtp client over one connection, which
// records nothing. It reports both and their ratio: what remembering each message costs.
// On loopback the wire takes a fraction of a millisecond per message and the fsync of each
// record is most of the difference; across a network the record hides behind the next
// message's MAIL, RCPT and DATA.
func BenchmarkSendAgainstBareSMTP(b *testing.B) {
	for _, bb := range []struct {
		name     string
		messages int
		rtt      time.Duration
	}{
		{"1000 over loopback", 1000, 0},
		{"200 over a 1 ms round trip", 200, time.Millisecond},
	} {
		b.Run(bb.name, func(b *testing.B) {
			w := newWorld(b, "jana@hhi.example.de")
			queued := w.queueRequests(b, bb.messages)
			port := w.srv.Port()
			if bb.rtt > 0 {
				port = slowLink(b, port, bb.rtt/2)
				if err := w.st.SetSMTP(store.SMTPSettings{Host: "127.0.0.1", Port: port, TLS: "starttls", User: mailtest.User}); err != nil {
					b.Fatal(err)
				}
			}
			w.st.Close()
			pristine, err := os.ReadFile(w.path)
			if err != nil {
				b.Fatal(err)
			}
			var send, bare time.Duration
			for b.Loop() {
				if err := os.WriteFile(w.path, pristine, 0o600); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				st, err := store.Open(w.path, nil)
				if err != nil {
					b.Fatal(err)
				}
				s := &Sender{Outbox: st, InsecureSkipVerify: true, Password: func(string, string) string { return mailtest.Password }}
				r, err := s.Once(context.Background())
				st.Close()
				if err != nil || r.Sent != bb.messages {
					b.Fatalf("%v %v %v", r, err, r.Problems)
				}
				send += time.Since(start)

				start = time.Now()
				if err := bareSMTP(port, queued); err != nil {
					b.Fatal(err)
				}
				bare += time.Since(start)
			}
			n := float64(b.N)
			b.ReportMetric(float64(send.Milliseconds())/n, "send-ms/op")
			b.ReportMetric(float64(bare.Milliseconds())/n, "bare-ms/op")
			b.ReportMetric(float64(send)/float64(bare), "send/bare")
		})
	}
}

// slowLink forwards connections from a port of its own to port, each byte arriving delay
// later in either direction: a mail server across a network rather than on this machine.
func slowLink(t testing.TB, port int, delay time.Duration) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	type chunk struct {
		data []byte
		at   time.Time
	}
	pipe := func(dst, src net.Conn) {
		ch := make(chan chunk, 1024)
		go func() {
			defer close(ch)
			for {
				buf := make([]byte, 32<<10)
				n, err := src.Read(buf)
				if n > 0 {
					ch <- chunk{buf[:n], time.Now().Add(delay)}
				}
				if err != nil {
					return
				}
			}
		}()
		for c := range ch {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.data); err != nil {
				break
			}
		}
		dst.Close()
		src.Close()
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				c.Close()
				continue
			}
			go pipe(s, c)
			go pipe(c, s)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// bareSMTP delivers ms to the server on port with go-smtp's client as plainly as it goes:
// STARTTLS, AUTH PLAIN, then MAIL, RCPT, DATA for each over one connection.
func bareSMTP(port int, ms []store.Message) error {
	c, err := smtp.DialStartTLS(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", mailtest.User, mailtest.Password)); err != nil {
		return err
	}
	for _, m := range ms {
		if err := c.SendMail(m.From, []string{m.To}, bytes.NewReader(m.Raw)); err != nil {
			return err
		}
	}
	return c.Quit()
}
