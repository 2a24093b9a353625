package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
	"github.com/xchangedesk/xchangedesk/store/outbox"
)

func (c *cli) reschedule(args []string) error {
	fs := flags("reschedule")
	first := fs.String("first", "", "")
	last := fs.String("last", "", "")
	travel := fs.String("travel-days", "", "")
	id, s, err := c.onPlacement(fs, args, "first", "last")
	if err != nil {
		return err
	}
	f, err := dateArg("first", *first)
	if err != nil {
		return err
	}
	l, err := dateArg("last", *last)
	if err != nil {
		return err
	}
	var td exchange.TravelDays
	if *travel != "" {
		if td, err = exchange.ParseTravelDays(*travel); err != nil {
			return err
		}
	}
	p, err := s.Reschedule(id, f, l, td)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s %s, %s, sequence %d\n", p.ID, wording.Range(p.First, p.Last), p.Price.LumpSum, p.Sequence)
	return nil
}

type messageJSON struct {
	ID          string `json:"id"`
	PlacementID string `json:"placement_id"`
	Kind        string `json:"kind"`
	To          string `json:"to"`
	Subject     string `json:"subject"`
	Status      string `json:"status"`
	Attempts    int    `json:"attempts"`
	LastError   string `json:"last_error"`
	Sequence    int    `json:"sequence"`
	Method      string `json:"method"`
	MessageID   string `json:"message_id"`
	Created     string `json:"created"`
	SentAt      string `json:"sent_at,omitempty"`
	NextAttempt string `json:"next_attempt,omitempty"` // when a queued message that failed for now is tried again
}

func (c *cli) outbox(args []string) error {
	asJSON, s, err := c.listing("outbox", args)
	if err != nil {
		return err
	}
	ms, err := s.Outbox()
	if err != nil {
		return err
	}
	if asJSON {
		out := []messageJSON{}
		for _, m := range ms {
			j := messageJSON{m.ID.String(), m.PlacementID.String(), string(m.Kind), m.To, m.Subject, string(m.Status), m.Attempts,
				m.LastError, m.Sequence, m.Method, m.MessageID(), m.Created.Format(time.RFC3339), "", ""}
			if !m.SentAt.IsZero() {
				j.SentAt = m.SentAt.Format(time.RFC3339)
			}
			if m.Status == store.Queued && !m.NextAttempt.IsZero() {
				j.NextAttempt = m.NextAttempt.Format(time.RFC3339)
			}
			out = append(out, j)
		}
		return c.json(out)
	}
	var rows [][]string
	for _, m := range ms {
		rows = append(rows, []string{m.ID.String(), string(m.Status), fmt.Sprint(m.Attempts), string(m.Kind), m.Method, m.To, m.Subject, m.LastError})
	}
	c.table("ID\tSTATUS\tTRIES\tKIND\tMETHOD\tTO\tSUBJECT\tLAST ERROR", rows)
	return nil
}

func (c *cli) send(args []string) error {
	if _, err := parse(flags("send"), args, 0); err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	sender := &outbox.Sender{Outbox: s, Now: s.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r, err := sender.Once(ctx)
	if err != nil {
		return err
	}
	if !r.Configured {
		return &exchange.RuleError{Field: "smtp", Rule: exchange.RuleRequired, Reason: fmt.Sprintf(
			"no SMTP settings: %d messages wait in the outbox (xchange smtp --host … --port … --tls … --user …, or export-eml)", r.Waiting)}
	}
	fmt.Fprintf(c.stdout, "%s; %d waiting\n", r, r.Waiting)
	if len(r.Problems) > 0 {
		return fmt.Errorf("%d not sent: %s", len(r.Problems), strings.Join(r.Problems, "; "))
	}
	if r.Waiting > 0 {
		next, err := s.NextDue()
		if err != nil {
			return err
		}
		return fmt.Errorf("%d messages still wait after earlier failures; the next try is due %s (see outbox)",
			r.Waiting, wording.Stamp(next))
	}
	return nil
}

func (c *cli) exportEML(args []string) error {
	pos, err := parse(flags("export-eml"), args, 1)
	if err != nil {
		return err
	}
	dir := pos[0]
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fileErr(dir, "cannot be made a folder", err)
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	ms, err := s.Outbox()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := writeFileAtomic(filepath.Join(dir, m.ID.String()+".eml"), m.Raw); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "wrote %d messages to %s\n", len(ms), dir)
	return nil
}

// smtp shows and changes the mail server settings. A command that fails writes nothing: the
// new settings are checked, the password read and the test message sent first, and only then
// is the password put in the keyring and the settings saved.
func (c *cli) smtp(args []string) error {
	fs := flags("smtp")
	host := fs.String("host", "", "")
	port := fs.Int("port", 0, "")
	tlsMode := fs.String("tls", "starttls", "")
	user := fs.String("user", "", "")
	passwordStdin := fs.Bool("password-stdin", false, "")
	auth := fs.String("auth", "", "")
	test := fs.String("test", "", "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	s, err := c.open()
	if err != nil {
		return err
	}
	cur, ok, err := s.SMTP()
	if err != nil {
		return err
	}
	changed := set["host"] || set["port"] || set["tls"] || set["user"] || set["auth"]
	if changed {
		if set["auth"] {
			cur.Auth = *auth
		}
		if set["host"] {
			cur.Host = *host
		}
		if set["port"] {
			cur.Port = *port
		}
		if set["tls"] || cur.TLS == "" {
			cur.TLS = *tlsMode
		}
		if set["user"] {
			cur.User = *user
		}
		if err := cur.Validate(); err != nil {
			return err
		}
		ok = cur.Host != ""
	}
	var password string
	if *passwordStdin && oauth2Auth(cur.Auth) {
		return usagef("--password-stdin is for --auth password: with oauth2 the mailbox signs in with `xchange signin`")
	}
	if *passwordStdin {
		if !ok || cur.User == "" {
			return usagef("set --host and --user before the password")
		}
		var err error
		if password, err = c.passwordLine(); err != nil {
			return err
		}
	}
	if *test != "" {
		if !ok {
			return &exchange.RuleError{Field: "smtp", Rule: exchange.RuleRequired, Reason: "no SMTP settings to test: give --host, --port, --tls and --user"}
		}
		if err := c.testSMTP(s, cur, password, *passwordStdin, *test); err != nil {
			return err
		}
	}
	// Everything checked: save, the password first, since the keyring is what may be missing.
	if *passwordStdin {
		if err := mail.SavePassword(cur.Host, cur.User, password); err != nil {
			return err
		}
	}
	if changed {
		if err := s.SetSMTP(cur); err != nil {
			return err
		}
	}
	if !ok {
		fmt.Fprintln(c.stdout, "no SMTP settings: messages wait in the outbox (export them with export-eml)")
		return nil
	}
	if oauth2Auth(cur.Auth) {
		fmt.Fprintf(c.stdout, "host %s\nport %d\ntls %s\nauth oauth2 (the mailbox signed in with xchange signin)\n", cur.Host, cur.Port, cur.TLS)
	} else {
		state := "not set"
		if mail.Password(cur.Host, cur.User) != "" {
			state = "set"
		}
		fmt.Fprintf(c.stdout, "host %s\nport %d\ntls %s\nuser %s\npassword %s (kept in the system keyring, or %s)\n",
			cur.Host, cur.Port, cur.TLS, cur.User, state, mail.PasswordVariable)
	}
	if *test != "" {
		fmt.Fprintf(c.stdout, "sent a test message to %s\n", *test)
	}
	return nil
}

// testSMTP sends a test message to address with settings st, which may not be saved yet;
// password is the one just given when given is true, else the one kept.
func (c *cli) testSMTP(s *store.Store, st store.SMTPSettings, password string, given bool, address string) error {
	prog, err := s.Programme()
	if err != nil {
		return err
	}
	if prog.OrganiserEmail == "" {
		return &exchange.RuleError{Field: "organiser", Rule: exchange.RuleOrganiserMissing, Reason: "set the organiser first"}
	}
	mode, err := mail.ParseTLSMode(st.TLS)
	if err != nil {
		return err
	}
	cfg := mail.SMTPConfig{Host: st.Host, Port: st.Port, TLS: mode, User: st.User}
	if oauth2Auth(st.Auth) {
		src, err := s.OAuthSource()
		if err != nil {
			return err
		}
		cfg.User, cfg.OAuth2 = src.Account(), mail.OAuth2Tokens(src)
	} else if st.User != "" {
		cfg.Password = password
		if !given {
			cfg.Password = mail.Password(st.Host, st.User)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := mail.SendTest(ctx, cfg, mail.Address{Name: prog.OrganiserName, Email: prog.OrganiserEmail}, address); err != nil {
		return fmt.Errorf("the test message was not sent, so nothing was saved: %w", err)
	}
	return nil
}

func (c *cli) organiser(args []string) error {
	fs := flags("organiser")
	name := fs.String("name", "", "")
	email := fs.String("email", "", "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	if *name != "" || *email != "" {
		if err := s.SetOrganiser(*name, *email); err != nil {
			return err
		}
	}
	p, err := s.Programme()
	if err != nil {
		return err
	}
	if p.OrganiserEmail == "" {
		fmt.Fprintln(c.stdout, "no organiser set")
		return nil
	}
	fmt.Fprintf(c.stdout, "%s <%s>\n", p.OrganiserName, p.OrganiserEmail)
	return nil
}

// oauth2Auth says whether a server's sign-in setting is OAuth2 rather than a password.
func oauth2Auth(auth string) bool {
	return strings.EqualFold(strings.TrimSpace(auth), store.AuthOAuth2)
}

// passwordLine reads the password given with --password-stdin: the first line of standard input.
func (c *cli) passwordLine() (string, error) {
	line, err := bufio.NewReader(io.LimitReader(c.stdin(), 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
