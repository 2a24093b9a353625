package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// replyJSON is one line of import-reply --json and fetch-replies --json.
type replyJSON struct {
	File        string `json:"file,omitempty"`
	Source      string `json:"source,omitempty"`
	Outcome     string `json:"outcome"`
	PlacementID string `json:"placement_id,omitempty"`
	Method      string `json:"method,omitempty"`
	PartStat    string `json:"partstat,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// outcomeError is the outcome of a file that could not be read.
const outcomeError = "error"

// importReply applies the replies in mail (.eml) and calendar (.ics) files, one line a file.
// It exits 1 when any file was refused or could not be read.
func (c *cli) importReply(args []string) error {
	fs := flags("import-reply")
	asJSON := fs.Bool("json", false, "")
	files, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("name at least one .eml or .ics file")
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	var out []replyJSON
	bad := 0
	for _, f := range files {
		r := applyFile(s, f)
		if r.Outcome == string(store.Refused) || r.Outcome == outcomeError {
			bad++
		}
		out = append(out, r)
	}
	if *asJSON {
		if err := c.json(out); err != nil {
			return err
		}
	} else {
		for _, r := range out {
			line := r.File + ": " + r.Outcome
			if r.Method == "REPLY" && r.PartStat != "" {
				line += " (" + strings.ToLower(r.PartStat) + ")"
			}
			if r.Reason != "" {
				line += " — " + r.Reason
			}
			fmt.Fprintln(c.stdout, line)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d %s refused or could not be read", bad, len(out), plural(len(out), "file was", "files were"))
	}
	return nil
}

// applyFile reads one file and applies the reply in it.
func applyFile(s *store.Store, path string) replyJSON {
	out := replyJSON{File: path}
	r, err := store.ReadReplyFile(path)
	switch {
	case errors.Is(err, store.ErrNotAReply):
		out.Outcome = string(store.NotReply)
		return out
	case err != nil:
		out.Outcome, out.Reason = outcomeError, wording.Error(err)
		return out
	}
	out.Method, out.PartStat = r.Method, r.PartStat
	res, err := s.ApplyReply(r)
	if err != nil {
		out.Outcome, out.Reason = outcomeError, wording.Error(err)
		return out
	}
	out.Outcome = string(res.Outcome)
	if !res.PlacementID.IsZero() {
		out.PlacementID = res.PlacementID.String()
	}
	if res.Reason != nil {
		out.Reason = wording.Error(res.Reason)
	}
	return out
}

// counter accepts or refuses the host's pending proposal of other dates.
func (c *cli) counter(args []string) error {
	fs := flags("counter")
	comment := fs.String("comment", "", "")
	pos, err := parse(fs, args, 2)
	if err != nil {
		return err
	}
	id, err := idArg("placement", pos[0])
	if err != nil {
		return err
	}
	var accept bool
	switch pos[1] {
	case "accept":
		accept = true
	case "refuse":
	default:
		return usagef("answer accept or refuse, not %q", pos[1])
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	p, err := s.AnswerCounter(id, accept, *comment)
	if err != nil {
		return err
	}
	if accept {
		fmt.Fprintf(c.stdout, "moved to %s; updates are queued for everyone invited\n", wording.Range(p.First, p.Last))
	} else {
		fmt.Fprintf(c.stdout, "the dates stay %s; the host's proposal is answered\n", wording.Range(p.First, p.Last))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// fetchReplies reads the organiser's mailbox once and applies the replies in it, one line a
// message. It exits 1 when the mailbox cannot be read, or any reply was refused.
func (c *cli) fetchReplies(args []string) error {
	fs := flags("fetch-replies")
	asJSON := fs.Bool("json", false, "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	var out []replyJSON
	bad := 0
	p := s.MailboxPoller(func(f store.Fetched) {
		r := replyJSON{Source: f.Source, Outcome: string(f.Result.Outcome), Method: f.Reply.Method, PartStat: f.Reply.PartStat}
		switch {
		case f.Err != nil:
			r.Outcome, r.Reason = outcomeError, wording.Error(f.Err)
		case f.Result.Reason != nil:
			r.Reason = wording.Error(f.Result.Reason)
		}
		if !f.Result.PlacementID.IsZero() {
			r.PlacementID = f.Result.PlacementID.String()
		}
		if r.Outcome == string(store.Refused) || r.Outcome == outcomeError {
			bad++
		}
		out = append(out, r)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	round := p.Once(ctx)
	if round.NotSet {
		return &exchange.RuleError{Field: "imap", Rule: exchange.RuleRequired,
			Reason: "no mailbox is set: give its server with `xchange imap --host … --user … --password-stdin`"}
	}
	if *asJSON {
		if out == nil {
			out = []replyJSON{}
		}
		if err := c.json(out); err != nil {
			return err
		}
	} else {
		for _, r := range out {
			line := r.Source + ": " + r.Outcome
			if r.Method == "REPLY" && r.PartStat != "" {
				line += " (" + strings.ToLower(r.PartStat) + ")"
			}
			if r.Reason != "" {
				line += " — " + r.Reason
			}
			fmt.Fprintln(c.stdout, line)
		}
		fmt.Fprintf(c.stdout, "%d new %s, %d %s\n", round.Fetched, plural(round.Fetched, "message", "messages"),
			round.Replies, plural(round.Replies, "reply", "replies"))
	}
	if round.Err != nil {
		return round.Err
	}
	if bad > 0 || len(round.Failed) > 0 {
		return fmt.Errorf("%d %s refused or could not be read, %d could not be stored and are read again next time", bad,
			plural(bad, "message was", "messages were"), len(round.Failed))
	}
	return nil
}

// imap shows and changes the organiser's mailbox settings. As for smtp, a command that fails
// writes nothing: the settings are checked, the password read and the test made first.
func (c *cli) imap(args []string) error {
	fs := flags("imap")
	host := fs.String("host", "", "")
	port := fs.Int("port", 0, "")
	tlsMode := fs.String("tls", "starttls", "")
	user := fs.String("user", "", "")
	folder := fs.String("folder", "", "")
	passwordStdin := fs.Bool("password-stdin", false, "")
	auth := fs.String("auth", "", "")
	test := fs.Bool("test", false, "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	s, err := c.open()
	if err != nil {
		return err
	}
	cur, ok, err := s.IMAP()
	if err != nil {
		return err
	}
	changed := set["host"] || set["port"] || set["tls"] || set["user"] || set["folder"] || set["auth"]
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
		if set["folder"] {
			cur.Folder = *folder
		}
		if err := cur.Validate(); err != nil {
			return err
		}
		ok = cur.Host != ""
	}
	password := ""
	if *passwordStdin && cur.OAuth2() {
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
	} else if ok {
		password = mail.IMAPPassword(cur.Host, cur.User)
	}
	if *test {
		if !ok {
			return &exchange.RuleError{Field: "imap", Rule: exchange.RuleRequired, Reason: "no mailbox settings to test: give --host, --tls and --user"}
		}
		cfg := cur.Config(password)
		if cur.OAuth2() {
			src, err := s.OAuthSource()
			if err != nil {
				return err
			}
			cfg = cur.OAuth2Config(src)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := mailbox.Test(ctx, cfg)
		cancel()
		if err != nil {
			return err
		}
	}
	if *passwordStdin {
		if err := mail.SaveIMAPPassword(cur.Host, cur.User, password); err != nil {
			return err
		}
	}
	if changed {
		if err := s.SetIMAP(cur); err != nil {
			return err
		}
		cur, _, _ = s.IMAP()
	}
	if !ok {
		fmt.Fprintln(c.stdout, "no mailbox settings: hosts' answers are read from files (import-reply)")
		return nil
	}
	if cur.OAuth2() {
		fmt.Fprintf(c.stdout, "host %s\nport %d\ntls %s\nfolder %s\nauth oauth2 (the mailbox signed in with xchange signin)\n",
			cur.Host, cur.Port, cur.TLS, cur.Folder)
	} else {
		state := "not set"
		if mail.IMAPPassword(cur.Host, cur.User) != "" {
			state = "set"
		}
		fmt.Fprintf(c.stdout, "host %s\nport %d\ntls %s\nuser %s\nfolder %s\npassword %s (kept in the system keyring, or %s)\n",
			cur.Host, cur.Port, cur.TLS, cur.User, cur.Folder, state, mail.IMAPPasswordVariable)
	}
	if *test {
		fmt.Fprintf(c.stdout, "signed in and opened %s\n", cur.Folder)
	}
	return nil
}
