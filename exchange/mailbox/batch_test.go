package mailbox_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox/mailboxtest"
)

func numbered(n int) []byte {
	return bytes.Replace(newsletter, []byte("<news-2026-02@"), fmt.Appendf(nil, "<news-%d@", n), 1)
}

func TestABacklogIsHandedOverABatchAtATimeAndARoundReadsItAll(t *testing.T) {
	defer mailbox.SetLimits(2, 5, 1<<20, 1<<20)()
	d := mailboxtest.Start(t)
	var msgs [][]byte
	for i := range 12 {
		msgs = append(msgs, numbered(i))
	}
	d.Append("INBOX", msgs...)

	c, err := mailbox.Dial(ctx(t), d.Config())
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Fetch(ctx(t), nil)
	c.Close()
	if err != nil || len(batch) != 5 || batch[0].UID != 1 || batch[4].UID != 5 {
		t.Fatalf("first batch: %d messages (%v), want the oldest 5", len(batch), err)
	}

	p := &mailbox.Poller{
		Config: func() (mailbox.Config, bool, error) { return d.Config(), true, nil },
		Handle: (&reader{}).handle,
	}
	if r := p.Once(ctx(t)); r.Err != nil || r.Fetched != 12 || r.NotReplies != 12 {
		t.Fatalf("round: %+v, want all 12 read in one round", r)
	}
	if r := p.Once(ctx(t)); r.Err != nil || r.Fetched != 0 {
		t.Fatalf("second round: %+v", r)
	}
}

func TestABatchStopsAfterEnoughBytesAndHugeMessagesAreLeftAlone(t *testing.T) {
	small := len(numbered(0))
	defer mailbox.SetLimits(1, 100, 2*small, 4*small)()
	d := mailboxtest.Start(t)
	huge := append(numbered(99), bytes.Repeat([]byte("All work and no play.\r\n"), 4*small/20)...)
	d.Append("INBOX", numbered(1), huge, numbered(2), numbered(3))

	c, err := mailbox.Dial(ctx(t), d.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	batch, err := c.Fetch(ctx(t), nil)
	if err != nil || len(batch) != 2 || batch[0].UID != 1 || batch[1].UID != 3 {
		t.Fatalf("batch: %v (%v), want UIDs 1 and 3: two messages' worth, without the huge one", uids(batch), err)
	}
	if ok, err := c.MarkProcessed(ctx(t), uids(batch)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	rest, err := c.Fetch(ctx(t), nil)
	if err != nil || len(rest) != 1 || rest[0].UID != 4 {
		t.Fatalf("rest: %v (%v), want UID 4", uids(rest), err)
	}
}

func uids(msgs []mailbox.Message) []uint32 {
	var out []uint32
	for _, m := range msgs {
		out = append(out, m.UID)
	}
	return out
}

// slowServer answers LOGIN slowly but steadily: a line every 100 ms, for longer than the
// client's timeout, then the rest of a login and a SELECT as a real server would.
func slowServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		fmt.Fprint(conn, "* OK [CAPABILITY IMAP4rev1] slow but alive\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			tag, cmd, _ := strings.Cut(strings.TrimSpace(line), " ")
			switch verb, _, _ := strings.Cut(cmd, " "); strings.ToUpper(verb) {
			case "LOGIN":
				for i := range 10 {
					fmt.Fprintf(conn, "* OK still checking the password (%d)\r\n", i)
					time.Sleep(100 * time.Millisecond)
				}
				fmt.Fprintf(conn, "%s OK logged in\r\n", tag)
			case "SELECT":
				fmt.Fprintf(conn, "* 0 EXISTS\r\n* FLAGS (\\Seen)\r\n* OK [PERMANENTFLAGS (\\Seen \\*)] ok\r\n"+
					"* OK [UIDVALIDITY 7] ok\r\n%s OK [READ-WRITE] selected\r\n", tag)
			case "LOGOUT":
				fmt.Fprintf(conn, "* BYE\r\n%s OK bye\r\n", tag)
				return
			default:
				fmt.Fprintf(conn, "%s BAD not here\r\n", tag)
			}
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func TestTheTimeoutCountsFromTheLastByteReceived(t *testing.T) {
	port := slowServer(t)
	cfg := mailbox.Config{Host: "127.0.0.1", Port: port, TLS: mail.NoTLS, User: mailboxtest.User, Password: "x",
		Timeout: 400 * time.Millisecond}
	// The login takes a second, longer than the timeout, but the server never falls
	// silent for as long as 400 ms.
	c, err := mailbox.Dial(ctx(t), cfg)
	if err != nil {
		t.Fatalf("a server that keeps talking was cut off: %v", err)
	}
	if c.UIDValidity() != 7 || !c.KeywordsAllowed() {
		t.Errorf("UIDVALIDITY %d, keywords %v", c.UIDValidity(), c.KeywordsAllowed())
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}
