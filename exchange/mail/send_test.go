package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mail/mailtest"
)

func outgoing(t *testing.T, id, to string) mail.Outgoing {
	t.Helper()
	m := hostRequest(t)
	m.MessageID = "<" + id + "@xchangedesk>"
	m.To.Email = to
	inv := ical.Invitation{
		UID: uid, Stamp: sentAt, First: facts.First, Last: facts.Last,
		Organizer: ical.Person(organiser), Attendee: ical.Person{Name: host.Name, Email: to},
		Tentative: true, Details: ical.HostRequest(facts.Visit),
	}
	cal, err := ical.Request(inv)
	if err != nil {
		t.Fatal(err)
	}
	m.Calendar = cal
	raw, err := mail.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	return mail.Outgoing{ID: id, From: organiser.Email, To: to, Raw: raw}
}

// noSecrets fails the test if a result shows the password in any form.
func noSecrets(t *testing.T, results []mail.Result, cfg mail.SMTPConfig) {
	t.Helper()
	if cfg.Password == "" {
		return
	}
	secrets := []string{
		cfg.Password,
		base64.StdEncoding.EncodeToString([]byte(cfg.Password)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + cfg.User + "\x00" + cfg.Password)),
	}
	var seen []string
	for _, r := range results {
		seen = append(seen, r.Reply, fmt.Sprint(r), fmt.Sprintf("%+v", r))
		if r.Err != nil {
			seen = append(seen, r.Err.Error())
		}
	}
	seen = append(seen, cfg.String(), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg))
	for _, s := range seen {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("the password shows in %q", s)
			}
		}
	}
}

func TestSendDeliversOverStartTLSWithLogin(t *testing.T) {
	srv := mailtest.Start(t, mail.StartTLS)
	cfg := srv.Config()
	msg := outgoing(t, "0190-a", host.Email)
	results := mail.Send(t.Context(), cfg, []mail.Outgoing{msg})
	noSecrets(t, results, cfg)
	if r := results[0]; r.Status != mail.Sent || r.Err != nil || r.ID != "0190-a" {
		t.Fatalf("result %+v, want sent", r)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	if got[0].From != organiser.Email || got[0].To != host.Email {
		t.Errorf("envelope %s → %s, want %s → %s", got[0].From, got[0].To, organiser.Email, host.Email)
	}
	if !bytes.Equal(got[0].Data, msg.Raw) {
		t.Errorf("the server received other bytes than composed")
	}
	r := read(t, got[0].Data)
	checkInvitation(t, r, "REQUEST", 0, host, facts.First, facts.Last)
	if id, _ := r.header.MessageID(); id != "0190-a@xchangedesk" {
		t.Errorf("Message-ID = %q, want 0190-a@xchangedesk", id)
	}
}

func TestSendOverImplicitTLS(t *testing.T) {
	srv := mailtest.Start(t, mail.ImplicitTLS)
	cfg := srv.Config()
	cfg.TLS = mail.ImplicitTLS
	results := mail.Send(t.Context(), cfg, []mail.Outgoing{outgoing(t, "0190-b", host.Email)})
	if r := results[0]; r.Status != mail.Sent {
		t.Fatalf("result %+v, want sent", r)
	}
	if n := len(srv.Received()); n != 1 {
		t.Errorf("server received %d messages, want 1", n)
	}
}

func TestSendWithoutTLSToThisMachine(t *testing.T) {
	srv := mailtest.Start(t, mail.NoTLS)
	cfg := srv.Config()
	cfg.TLS, cfg.InsecureSkipVerify = mail.NoTLS, false
	results := mail.Send(t.Context(), cfg, []mail.Outgoing{outgoing(t, "0190-c", host.Email)})
	noSecrets(t, results, cfg)
	if r := results[0]; r.Status != mail.Sent {
		t.Fatalf("result %+v, want sent", r)
	}
	if n := len(srv.Received()); n != 1 {
		t.Errorf("server received %d messages, want 1", n)
	}
}

func TestABatchGoesOverOneConnectionAndARefusalDoesNotStopIt(t *testing.T) {
	srv := mailtest.Start(t, mail.StartTLS)
	cfg := srv.Config()
	batch := []mail.Outgoing{
		outgoing(t, "m1", host.Email),
		outgoing(t, "m2", "reject@bioregio-stern.example"),
		outgoing(t, "m3", visitor.Email),
	}
	results := mail.Send(t.Context(), cfg, batch)
	noSecrets(t, results, cfg)

	want := []mail.Status{mail.Sent, mail.Permanent, mail.Sent}
	for i, r := range results {
		if r.ID != batch[i].ID || r.Status != want[i] {
			t.Errorf("message %d: %s %v (%v), want %v", i+1, r.ID, r.Status, r.Err, want[i])
		}
	}
	if r := results[1]; r.Code != 550 || !strings.Contains(r.Reply, "550 5.1.1 No such user here") ||
		r.Err == nil || !strings.Contains(r.Err.Error(), "No such user here") {
		t.Errorf("refused message: code %d, reply %q, err %v; want the server's 550 reply", r.Code, r.Reply, r.Err)
	}
	got := srv.Received()
	if len(got) != 2 || got[0].To != host.Email || got[1].To != visitor.Email {
		t.Fatalf("server received %v, want messages 1 and 3", got)
	}
	connections := srv.Connections()
	if got[0].Conn != got[1].Conn || connections != 1 {
		t.Errorf("messages came over %d connections (%d and %d), want one", connections, got[0].Conn, got[1].Conn)
	}
	for i, d := range got {
		if !bytes.Equal(d.Data, batch[i*2].Raw) {
			t.Errorf("delivery %d: other bytes than composed", i+1)
		}
	}
}

func TestSendReportsFailures(t *testing.T) {
	down := func(t *testing.T) mail.SMTPConfig {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close() // nothing listens there any more: connection refused
		return mail.SMTPConfig{Host: "127.0.0.1", Port: port, User: mailtest.User, Password: mailtest.Password,
			InsecureSkipVerify: true, Timeout: 2 * time.Second}
	}
	silent := func(t *testing.T) mail.SMTPConfig {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		// Accepts connections and never greets: the client must give up by its timeout.
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
		t.Cleanup(func() { l.Close() })
		return mail.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, User: mailtest.User,
			Password: mailtest.Password, InsecureSkipVerify: true, Timeout: 300 * time.Millisecond}
	}
	tests := []struct {
		name   string
		config func(*testing.T) mail.SMTPConfig
		to     string
		status mail.Status
		code   int
		is     error
		says   string
	}{
		{"a 451 reply is temporary", func(t *testing.T) mail.SMTPConfig { return mailtest.Start(t, mail.StartTLS).Config() },
			"later@bioregio-stern.example", mail.Temporary, 451, nil, "Try again later"},
		{"a 550 reply is permanent with the server's words", func(t *testing.T) mail.SMTPConfig { return mailtest.Start(t, mail.StartTLS).Config() },
			"reject@bioregio-stern.example", mail.Permanent, 550, nil, "No such user here"},
		{"a server that is down is temporary", down, host.Email, mail.Temporary, 0, nil, "refused"},
		{"a server that never answers times out, temporarily", silent, host.Email, mail.Temporary, 0, nil, "timeout"},
		{"a wrong password is a permanent 535", func(t *testing.T) mail.SMTPConfig {
			cfg := mailtest.Start(t, mail.StartTLS).Config()
			cfg.Password = "Wrong-Password-Do-Not-Print-77"
			return cfg
		}, host.Email, mail.Permanent, 535, mail.ErrAuth, "Authentication failed"},
		{"an untrusted certificate is temporary", func(t *testing.T) mail.SMTPConfig {
			cfg := mailtest.Start(t, mail.StartTLS).Config()
			cfg.InsecureSkipVerify = false
			return cfg
		}, host.Email, mail.Temporary, 0, nil, "certificate"},
		{"a server without STARTTLS is refused when STARTTLS is required", func(t *testing.T) mail.SMTPConfig {
			return mailtest.Start(t, mail.NoTLS).Config()
		}, host.Email, mail.Temporary, 0, nil, "STARTTLS"},
		{"TLS none for a remote host is refused before connecting", func(*testing.T) mail.SMTPConfig {
			return mail.SMTPConfig{Host: "smtp.example.org", TLS: mail.NoTLS, User: mailtest.User, Password: mailtest.Password}
		}, host.Email, mail.Permanent, 0, mail.ErrConfig, "only allowed for a server on this machine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.config(t)
			start := time.Now()
			results := mail.Send(t.Context(), cfg, []mail.Outgoing{outgoing(t, "m1", tt.to), outgoing(t, "m2", tt.to)})
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("took %v", d)
			}
			noSecrets(t, results, cfg)
			for _, r := range results {
				t.Logf("%s: %v, reply %q: %v", r.ID, r.Status, r.Reply, r.Err)
				if r.Status != tt.status || r.Code != tt.code || r.Err == nil {
					t.Errorf("%s: %v code %d (%v), want %v code %d", r.ID, r.Status, r.Code, r.Err, tt.status, tt.code)
					continue
				}
				if tt.is != nil && !errors.Is(r.Err, tt.is) {
					t.Errorf("%s: error %v is not %v", r.ID, r.Err, tt.is)
				}
				if !strings.Contains(r.Err.Error(), tt.says) {
					t.Errorf("%s: error %q does not say %q", r.ID, r.Err, tt.says)
				}
				if tt.code != 0 && !strings.HasPrefix(r.Reply, fmt.Sprint(tt.code)) {
					t.Errorf("%s: reply %q does not start with %d", r.ID, r.Reply, tt.code)
				}
				if !strings.HasPrefix(r.Err.Error(), "mail: ") {
					t.Errorf("%s: error %q has no package prefix", r.ID, r.Err)
				}
			}
		})
	}
}

func TestCancellingStopsTheBatch(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	cfg := mail.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: mail.NoTLS, Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	results := mail.Send(ctx, cfg, []mail.Outgoing{outgoing(t, "m1", host.Email)})
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelling took %v", d)
	}
	if r := results[0]; r.Status != mail.Temporary || !errors.Is(r.Err, context.DeadlineExceeded) {
		t.Errorf("result %+v, want temporary with the context's error", r)
	}
}

func TestAPasswordEchoedByTheServerIsRedacted(t *testing.T) {
	srv := mailtest.Start(t, mail.StartTLS)
	srv.EchoLogin()
	cfg := srv.Config()
	results := mail.Send(t.Context(), cfg, []mail.Outgoing{outgoing(t, "m1", host.Email)})
	noSecrets(t, results, cfg)
	r := results[0]
	if r.Status != mail.Permanent || !errors.Is(r.Err, mail.ErrAuth) {
		t.Errorf("result %+v, want a permanent ErrAuth", r)
	}
	if !strings.Contains(r.Reply, "with password [redacted] refused") || !strings.Contains(r.Err.Error(), "[redacted]") {
		t.Errorf("reply %q, error %v: want the password replaced by [redacted]", r.Reply, r.Err)
	}
}

func TestSendTestMessage(t *testing.T) {
	srv := mailtest.Start(t, mail.StartTLS)
	if err := mail.SendTest(t.Context(), srv.Config(), organiser, visitor.Email); err != nil {
		t.Fatal(err)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].To != visitor.Email {
		t.Fatalf("received %v", got)
	}
	r := read(t, got[0].Data)
	if s, _ := r.header.Subject(); s != "Xchange Desk test message" {
		t.Errorf("subject %q", s)
	}
	if body := string(r.leaf(t, "text/plain").body); strings.Contains(body, mailtest.Password) || !strings.Contains(body, "127.0.0.1") {
		t.Errorf("body:\n%s", body)
	}
	cfg := srv.Config()
	cfg.Password = "Wrong-Password-Do-Not-Print-77"
	err := mail.SendTest(t.Context(), cfg, organiser, visitor.Email)
	if !errors.Is(err, mail.ErrAuth) || strings.Contains(err.Error(), cfg.Password) {
		t.Errorf("wrong password: %v", err)
	}
}

func TestSMTPConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   mail.SMTPConfig
		field string // "" when valid
	}{
		{"STARTTLS to a provider is fine", mail.SMTPConfig{Host: "smtp.example.org", User: "u", Password: "p"}, ""},
		{"implicit TLS is fine", mail.SMTPConfig{Host: "smtp.example.org", TLS: mail.ImplicitTLS}, ""},
		{"no TLS to 127.0.0.1 is fine", mail.SMTPConfig{Host: "127.0.0.1", TLS: mail.NoTLS}, ""},
		{"no TLS to ::1 is fine", mail.SMTPConfig{Host: "::1", TLS: mail.NoTLS}, ""},
		{"no TLS to localhost is fine", mail.SMTPConfig{Host: "localhost", TLS: mail.NoTLS}, ""},
		{"no TLS to a provider is refused", mail.SMTPConfig{Host: "smtp.example.org", TLS: mail.NoTLS}, "tls"},
		{"no TLS to a private address is refused", mail.SMTPConfig{Host: "192.168.1.10", TLS: mail.NoTLS}, "tls"},
		{"skipping certificate checks for a provider is refused", mail.SMTPConfig{Host: "smtp.example.org", InsecureSkipVerify: true}, "tls"},
		{"an unknown TLS mode is refused", mail.SMTPConfig{Host: "smtp.example.org", TLS: "ssl"}, "tls"},
		{"a missing host is refused", mail.SMTPConfig{}, "host"},
		{"a host with a port in it is refused", mail.SMTPConfig{Host: "smtp.example.org:587"}, "host"},
		{"a port out of range is refused", mail.SMTPConfig{Host: "smtp.example.org", Port: 70000}, "port"},
		{"a password without user is refused", mail.SMTPConfig{Host: "smtp.example.org", Password: "p"}, "user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, mail.ErrConfig) {
				t.Fatalf("error %v, want an ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tt.field+": ") {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
		})
	}

	cfg := mail.SMTPConfig{Host: "smtp.example.org", User: "office@example.org", Password: mailtest.Password}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v|%+v|%#v|%s", cfg, cfg, cfg, cfg)} {
		if strings.Contains(s, mailtest.Password) {
			t.Errorf("settings print their password: %s", s)
		}
	}
	if got, want := cfg.String(), "smtp.example.org:587 starttls user office@example.org (password set)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// While the caller records a message the server accepted, the next one is written but not
// finished: the server accepts nothing more until the record is done.
func TestSendEachAcceptsNothingMoreUntilTheLastAcceptanceIsRecorded(t *testing.T) {
	srv := mailtest.Start(t, mail.StartTLS)
	msgs := []mail.Outgoing{outgoing(t, "0190-a", host.Email), outgoing(t, "0190-b", host.Email)}
	recording, release := make(chan string), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- mail.SendEach(t.Context(), srv.Config(), msgs, func(r mail.Result) error {
			if r.Status != mail.Sent {
				return fmt.Errorf("%s: %v", r.ID, r.Err)
			}
			recording <- r.ID
			<-release
			return nil
		})
	}()
	if id := <-recording; id != "0190-a" {
		t.Fatalf("recording %s first", id)
	}
	time.Sleep(50 * time.Millisecond) // time enough for the second message to go, were it let
	if got := len(srv.Received()); got != 1 {
		t.Fatalf("the server accepted %d messages while the first was being recorded", got)
	}
	release <- struct{}{}
	if id := <-recording; id != "0190-b" {
		t.Fatalf("recording %s second", id)
	}
	release <- struct{}{}
	if err := <-done; err != nil || len(srv.Received()) != 2 {
		t.Fatalf("%v, %d received", err, len(srv.Received()))
	}
}

// A record that fails stops the batch before the next message is accepted.
func TestSendEachStopsWhenARecordFails(t *testing.T) {
	srv := mailtest.Start(t, mail.StartTLS)
	msgs := []mail.Outgoing{outgoing(t, "0190-a", host.Email), outgoing(t, "0190-b", host.Email), outgoing(t, "0190-c", host.Email)}
	full := errors.New("disk full")
	var reported []string
	err := mail.SendEach(t.Context(), srv.Config(), msgs, func(r mail.Result) error {
		reported = append(reported, r.ID)
		return full
	})
	time.Sleep(50 * time.Millisecond) // the server has had its chance to accept the second
	if !errors.Is(err, full) || strings.Join(reported, " ") != "0190-a" || len(srv.Received()) != 1 {
		t.Fatalf("%v; reported %v; %d received", err, reported, len(srv.Received()))
	}
}

func TestSendEachLeavesOutAMessageMadePointlessDuringTheBatch(t *testing.T) {
	srv := mailtest.Start(t, mail.StartTLS)
	msgs := []mail.Outgoing{outgoing(t, "0190-a", host.Email), outgoing(t, "0190-b", host.Email), outgoing(t, "0190-c", host.Email)}
	asked := 0
	msgs[1].Skip = func() bool { asked++; return true } // superseded after the batch was read
	var reported []string
	err := mail.SendEach(t.Context(), srv.Config(), msgs, func(r mail.Result) error {
		reported = append(reported, r.ID)
		return nil
	})
	if asked != 1 {
		t.Errorf("Skip asked %d times", asked)
	}
	if err != nil || strings.Join(reported, " ") != "0190-a 0190-c" || len(srv.Received()) != 2 {
		t.Fatalf("%v; reported %v; %d received", err, reported, len(srv.Received()))
	}
}
