package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
	"github.com/xchangedesk/xchangedesk/exchange/mail/mailtest"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox/mailboxtest"
	"github.com/xchangedesk/xchangedesk/exchange/oauth/oauthtest"
	"github.com/xchangedesk/xchangedesk/store"
)

// The end-to-end test of issue 9: every part real and on this machine — zitadel's OP as the
// authorisation server (oauthtest), gnome-keyring for the refresh token (keyringtest), an
// SMTP server that takes only bearer tokens the authorisation server calls active
// (mailtest), and Dovecot with an oauth2 passdb that asks the same server (mailboxtest).
// The organiser signs in once, with the browser; send and fetch-replies then work with
// OAuth2 alone, and again after the provider ended the access token early.
//
// In production every CLI run is a process of its own, whose token source starts from the
// refresh token in the keyring and so always refreshes first. Here the runs share this
// process, and with it store's one token source (store.Store.OAuthSource): after
// ExpireAccessTokens the source still believes its access token good, so the run presents
// it, the server refuses it, and the source must refresh and sign in again — the harder
// path, the one a long-running window takes. The token endpoint's count shows each refresh.

// oauthMail is a signed-in desk whose SMTP server and mailbox take only OAuth2.
type oauthMail struct {
	idp     *oauthtest.Server
	smtp    *mailtest.Server
	dovecot *mailboxtest.Server
	w       world
	id      string

	mu   sync.Mutex
	seen []string // every bearer token the SMTP server was given
}

func newOAuthMail(t *testing.T) *oauthMail {
	t.Helper()
	// No password anywhere: a password lookup would find nothing to use.
	t.Setenv(mail.PasswordVariable, "")
	t.Setenv(mail.IMAPPasswordVariable, "")
	keyringtest.Start(t) // fails under CI=true without gnome-keyring
	m := &oauthMail{idp: oauthtest.Start(t)}
	m.dovecot = mailboxtest.Start(t, mailboxtest.OAuth2(m.idp.IntrospectURLWithCredentials(), oauthtest.Account)) // fails under CI=true without dovecot
	m.smtp = mailtest.Start(t, mail.NoTLS)
	m.smtp.OAuth2(func(user, token string) bool {
		m.mu.Lock()
		m.seen = append(m.seen, token)
		m.mu.Unlock()
		in := m.idp.Introspect(t, token)
		return in.Active && in.Username == user
	})
	m.w, m.id = requestedPlacement(t)
	return m
}

func (m *oauthMail) tokensSeen() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.seen)
}

func (m *oauthMail) tokenRequests() int { return m.idp.Requests(m.idp.TokenURL) }

// currentAccessToken is the access token the shared source holds now: the one the last run
// used, for IMAP too.
func currentAccessToken(t *testing.T, db string) string {
	t.Helper()
	st, err := store.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, err := st.OAuthSource()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// run runs a verb that must succeed silently: exit 0, nothing on standard error.
func run(t *testing.T, db string, outputs *[]string, args ...string) string {
	t.Helper()
	code, out, errs := xchange(t, db, args...)
	*outputs = append(*outputs, out, errs)
	if code != 0 || errs != "" {
		t.Fatalf("xchange %s: exit %d: %s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// fetchOne runs fetch-replies --json and wants one record, applied, exit 0, quiet.
func fetchOne(t *testing.T, db string, outputs *[]string, uid int, want map[string]string) {
	t.Helper()
	code, rs, errs := fetchReplies(t, db)
	*outputs = append(*outputs, errs)
	for _, r := range rs {
		for _, v := range r {
			*outputs = append(*outputs, v)
		}
	}
	if code != 0 || errs != "" || len(rs) != 1 {
		t.Fatalf("fetch-replies: exit %d, %v, stderr %q; want one record, exit 0", code, rs, errs)
	}
	if rs[0]["source"] != source(uid) {
		t.Errorf("source %q, want %q", rs[0]["source"], source(uid))
	}
	checkReplyJSON(t, rs[0], want)
}

func (m *oauthMail) checkLogins(t *testing.T, from int) {
	t.Helper()
	for _, l := range m.smtp.Logins()[from:] {
		if l.User != oauthtest.Account || (l.Mechanism != mailtest.XOAUTH2 && l.Mechanism != "OAUTHBEARER") {
			t.Errorf("login %+v, want OAuth2 as the signed-in mailbox %s", l, oauthtest.Account)
		}
	}
}

func TestOAuth2SignInOnceThenSendAndFetchRepliesAlsoAfterTheAccessTokenExpired(t *testing.T) {
	needCorpus(t)
	m := newOAuthMail(t)
	db, id := m.w.db, m.id
	var outputs []string // everything the CLI wrote, to search for tokens

	useServer(t, db, m.idp)
	out, errs := signInWithBrowser(t, db)
	outputs = append(outputs, out, errs)
	said := []string{out, errs} // what prints no ids either: searched for anything like a token
	firstRefresh := keptRefreshToken(t, m.idp)
	run(t, db, &outputs, "smtp", "--host", "127.0.0.1", "--port", strconv.Itoa(m.smtp.Port()), "--tls", "none", "--auth", "oauth2")
	run(t, db, &outputs, "imap", "--host", mailboxtest.Host, "--port", strconv.Itoa(m.dovecot.Port()), "--tls", "none",
		"--auth", "oauth2", "--folder", "INBOX")
	for _, verb := range []string{"smtp", "imap"} {
		got := run(t, db, &outputs, verb)
		said = append(said, got)
		if !strings.Contains(got, "auth oauth2") {
			t.Errorf("%s says %q, want auth oauth2", verb, got)
		}
	}

	// 1. send delivers the host request, signed in with the access token the sign-in gave.
	said = append(said, run(t, db, &outputs, "send"))
	got := m.smtp.Received()
	if len(got) != 1 || got[0].To != hostEmail || (got[0].Auth != mailtest.XOAUTH2 && got[0].Auth != "OAUTHBEARER") {
		t.Fatalf("received %+v, want the host request to %s over XOAUTH2 or OAUTHBEARER", got, hostEmail)
	}
	if l := m.smtp.Logins(); len(l) != 1 || !l[0].OK {
		t.Errorf("logins %+v, want one, accepted", l)
	}
	m.checkLogins(t, 0)
	if n := len(m.tokensSeen()); n != 1 {
		t.Errorf("the SMTP server was given %d tokens, want 1", n)
	}

	// 2. The host accepts; fetch-replies signs in to Dovecot with OAuth2 and applies it.
	acceptance := rewriteFixture(t, fixture(t, "imip/bluemind/google.reply.accept.eml"), ours(id))
	m.dovecot.Append("INBOX", acceptance) // UID 1
	fetchOne(t, db, &outputs, 1, map[string]string{"outcome": "applied", "placement_id": id, "method": "REPLY",
		"partstat": "ACCEPTED", "reason": ""})
	if s := placementStatus(t, db, id); s != "confirmed" {
		t.Fatalf("the placement is %s, want confirmed", s)
	}
	want := []string{"host-request " + hostEmail, "visitor-invitation " + visitorEmail,
		"confirmation " + visitorEmail, "host-confirmed " + hostEmail}
	if got := outboxOf(t, db, id); !slices.Equal(got, want) {
		t.Fatalf("outbox %q, want %q", got, want)
	}
	accessBefore := currentAccessToken(t, db)
	if in := m.idp.Introspect(t, accessBefore); !in.Active {
		t.Fatalf("the access token in use is inactive before the expiry: %+v", in)
	}

	// 3. The provider ends the access token early. send presents it, is refused, refreshes
	// once and delivers the three messages the acceptance queued, all without a word.
	m.idp.ExpireAccessTokens()
	before, logins := m.tokenRequests(), len(m.smtp.Logins())
	out = run(t, db, &outputs, "send")
	said = append(said, out)
	if !strings.Contains(out, "0 waiting") {
		t.Errorf("send after the expiry says %q", out)
	}
	if n := m.tokenRequests() - before; n != 1 {
		t.Errorf("%d token requests for the send after the expiry, want the one refresh", n)
	}
	got = m.smtp.Received()
	var to []string
	for _, d := range got[1:] {
		to = append(to, d.To)
		if d.Auth != mailtest.XOAUTH2 && d.Auth != "OAUTHBEARER" {
			t.Errorf("a message went out over %s", d.Auth)
		}
	}
	slices.Sort(to)
	if wantTo := []string{visitorEmail, visitorEmail, hostEmail}; !slices.Equal(to, wantTo) {
		t.Errorf("after the expiry the server received messages to %q, want %q", to, wantTo)
	}
	ls := m.smtp.Logins()[logins:]
	// The shared source presented the expired token first (see the note at the top): one
	// refused login, then the refreshed token, accepted.
	if len(ls) < 2 || ls[0].OK || !ls[len(ls)-1].OK {
		t.Errorf("logins after the expiry %+v, want the expired token refused, then the new one accepted", ls)
	}
	m.checkLogins(t, logins)
	for _, ms := range outboxJSON(t, db, &outputs) {
		if ms["status"] != "sent" {
			t.Errorf("after the second send a message is %v", ms)
		}
	}
	accessAfterSend := currentAccessToken(t, db)
	if accessAfterSend == accessBefore {
		t.Error("the send after the expiry kept the expired access token")
	}

	// 4. The visitor accepts too; the provider ends the new access token as well.
	// fetch-replies presents it to Dovecot, is refused, refreshes and applies the answer.
	visitorAccepts := rewriteFixture(t, fixture(t, "imip/bluemind/outlook.reply.accept.eml"),
		replyEdit{UID: id + "@xchangedesk", Attendee: visitorEmail, Sequence: 0, From: visitorEmail})
	m.dovecot.Append("INBOX", visitorAccepts) // UID 2
	m.idp.ExpireAccessTokens()
	before = m.tokenRequests()
	fetchOne(t, db, &outputs, 2, map[string]string{"outcome": "applied", "placement_id": id, "method": "REPLY",
		"partstat": "ACCEPTED", "reason": ""})
	if n := m.tokenRequests() - before; n != 1 {
		t.Errorf("%d token requests for fetch-replies after the expiry, want the one refresh", n)
	}
	if h := run(t, db, &outputs, "history", id); !strings.Contains(h, "Ana Sousa accepted") || !strings.Contains(h, "mailbox INBOX, UID 2") {
		t.Errorf("the history does not say the visitor accepted, read from UID 2:\n%s", h)
	}
	if s := placementStatus(t, db, id); s != "confirmed" {
		t.Errorf("the placement is %s after the visitor's answer, want confirmed", s)
	}
	accessAfterFetch := currentAccessToken(t, db)
	if accessAfterFetch == accessAfterSend {
		t.Error("fetch-replies after the expiry kept the expired access token")
	}
	if in := m.idp.Introspect(t, accessAfterFetch); !in.Active || in.Username != oauthtest.Account {
		t.Errorf("the server says of the access token fetch-replies used: %+v", in)
	}

	// 5. No token anywhere: not in the data file (nor anything beside it, the exported mail
	// included), the settings, the outbox, the mail sent, or anything the CLI wrote.
	emlDir := filepath.Join(filepath.Dir(db), "eml")
	run(t, db, &outputs, "export-eml", emlDir)
	emls, _ := filepath.Glob(filepath.Join(emlDir, "*.eml"))
	if len(emls) != 4 {
		t.Errorf("export-eml wrote %d files, want the 4 messages", len(emls))
	}
	for _, verb := range []string{"oauth", "smtp", "imap"} {
		said = append(said, run(t, db, &outputs, verb))
	}
	outboxJSON(t, db, &outputs)
	lastRefresh := keptRefreshToken(t, m.idp)
	if lastRefresh == firstRefresh {
		t.Error("the refresh token did not rotate through two refreshes")
	}
	secrets := append([]string{firstRefresh, lastRefresh, accessBefore, accessAfterSend, accessAfterFetch}, m.tokensSeen()...)
	var sent []string
	for _, d := range m.smtp.Received() {
		sent = append(sent, string(d.Data))
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("an empty token")
		}
		nothingHolds(t, db, s)
		for _, o := range append(slices.Clone(outputs), sent...) {
			if strings.Contains(o, s) {
				t.Errorf("a token shows in %.300q", o)
			}
		}
	}
	noTokenIn(t, lastRefresh, said...)
	if len(emls) > 0 {
		for _, s := range secrets {
			for _, f := range emls {
				b, _ := os.ReadFile(f)
				if strings.Contains(string(b), s) {
					t.Errorf("%s holds a token", f)
				}
			}
		}
	}
}

// outboxJSON is outbox --json, its output kept among the outputs.
func outboxJSON(t *testing.T, db string, outputs *[]string) []map[string]any {
	t.Helper()
	out := run(t, db, outputs, "outbox", "--json")
	var ms []map[string]any
	if err := json.Unmarshal([]byte(out), &ms); err != nil || len(ms) == 0 {
		t.Fatalf("outbox --json printed %q: %v", out, err)
	}
	return ms
}

func TestOAuth2ARevokedSignInStopsSendAndFetchRepliesUntilTheNextSignIn(t *testing.T) {
	needCorpus(t)
	m := newOAuthMail(t)
	db, id := m.w.db, m.id
	var outputs []string

	useServer(t, db, m.idp)
	out, errs := signInWithBrowser(t, db)
	outputs = append(outputs, out, errs)
	revoked := keptRefreshToken(t, m.idp)
	run(t, db, &outputs, "smtp", "--host", "127.0.0.1", "--port", strconv.Itoa(m.smtp.Port()), "--tls", "none", "--auth", "oauth2")
	run(t, db, &outputs, "imap", "--host", mailboxtest.Host, "--port", strconv.Itoa(m.dovecot.Port()), "--tls", "none",
		"--auth", "oauth2", "--folder", "INBOX")
	m.dovecot.Append("INBOX", rewriteFixture(t, fixture(t, "imip/bluemind/google.reply.accept.eml"), ours(id)))

	// An administrator ends the sign-in, and the access token with it.
	m.idp.RevokeRefreshTokens()
	m.idp.ExpireAccessTokens()
	dataBefore := sum(t, db)

	code, out, errs := xchange(t, db, "send")
	outputs = append(outputs, out, errs)
	if code != 1 || !strings.Contains(strings.ToLower(errs), "sign in again: the provider no longer accepts the sign-in of "+oauthtest.Account) {
		t.Errorf("send with a revoked sign-in: exit %d, %q %q; want exit 1 and sign in again", code, out, errs)
	}
	if n := len(m.smtp.Received()); n != 0 {
		t.Errorf("%d messages went out with a revoked sign-in", n)
	}
	ms := outboxJSON(t, db, &outputs)
	for _, msg := range ms {
		if msg["status"] != "queued" {
			t.Errorf("after the refused send a message is %v, want queued", msg)
		}
	}

	code, out, errs = xchange(t, db, "fetch-replies", "--json")
	outputs = append(outputs, out, errs)
	if code != 1 || !strings.Contains(strings.ToLower(errs), "sign in again: the provider no longer accepts the sign-in of "+oauthtest.Account) {
		t.Errorf("fetch-replies with a revoked sign-in: exit %d, %q %q; want exit 1 and sign in again", code, out, errs)
	}
	if s := placementStatus(t, db, id); s != "requested" {
		t.Errorf("the placement is %s after a refused fetch, want requested", s)
	}
	if sum(t, db) != dataBefore {
		t.Error("the refused send or fetch-replies changed the data file")
	}

	// Signing in again is all it takes: both go ahead, with the new sign-in.
	out, errs = signInWithBrowser(t, db)
	outputs = append(outputs, out, errs)
	run(t, db, &outputs, "send")
	if got := m.smtp.Received(); len(got) != 1 || got[0].To != hostEmail {
		t.Errorf("after signing in again the server received %+v, want the host request", got)
	}
	fetchOne(t, db, &outputs, 1, map[string]string{"outcome": "applied", "placement_id": id, "partstat": "ACCEPTED"})
	if s := placementStatus(t, db, id); s != "confirmed" {
		t.Errorf("the placement is %s, want confirmed", s)
	}
	fresh := keptRefreshToken(t, m.idp)
	for _, s := range append([]string{revoked, fresh, currentAccessToken(t, db)}, m.tokensSeen()...) {
		nothingHolds(t, db, s)
		for _, o := range outputs {
			if strings.Contains(o, s) {
				t.Errorf("a token shows in %.300q", o)
			}
		}
	}
}
