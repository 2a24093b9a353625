package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
)

func TestMailboxSettingsAreKeptWithTheirDefaultsWrittenOut(t *testing.T) {
	s := openTemp(t)
	if _, ok, err := s.IMAP(); ok || err != nil {
		t.Fatalf("a new file has mailbox settings: %v, %v", ok, err)
	}
	in := IMAPSettings{Host: " imap.stars.example.eu ", Port: 993, TLS: "TLS", User: "desk@stars.example.eu"}
	if err := s.SetIMAP(in); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.IMAP()
	want := IMAPSettings{Host: "imap.stars.example.eu", Port: 993, TLS: "tls", User: "desk@stars.example.eu", Folder: "INBOX"}
	if err != nil || !ok || got != want {
		t.Fatalf("IMAP() = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if cfg := got.Config("pw"); cfg.Password != "pw" || cfg.Addr() != "imap.stars.example.eu:993" || cfg.Validate() != nil {
		t.Errorf("Config: %v (%v)", cfg, cfg.Validate())
	}
}

func TestMailboxSettingsThatCannotWorkAreRefusedByFieldAndNothingIsWritten(t *testing.T) {
	s := openTemp(t)
	good := IMAPSettings{Host: "imap.stars.example.eu", TLS: "starttls", User: "desk@stars.example.eu", Folder: "Replies"}
	if err := s.SetIMAP(good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*IMAPSettings)
		field string
	}{
		{"a host is required", func(c *IMAPSettings) { c.Host = "" }, "host"},
		{"a port is a port", func(c *IMAPSettings) { c.Port = -1 }, "port"},
		{"a TLS mode is starttls, tls or none", func(c *IMAPSettings) { c.TLS = "ssl/tls" }, "tls"},
		{"none is only for a server on this machine", func(c *IMAPSettings) { c.TLS = "none" }, "tls"},
		{"a user is required", func(c *IMAPSettings) { c.User = "" }, "user"},
		{"a folder is one line", func(c *IMAPSettings) { c.Folder = "Replies\nINBOX" }, "folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := good
			tc.edit(&bad)
			err := s.SetIMAP(bad)
			var re *exchange.RuleError
			if !errors.As(err, &re) || !errors.Is(err, mailbox.ErrConfig) {
				t.Fatalf("err = %v, want a RuleError in mailbox.ErrConfig", err)
			}
			if v := exchange.Violations(err); len(v) != 1 || v[0].Field != tc.field {
				t.Fatalf("violations %v, want one for %s", v, tc.field)
			}
			if got, _, _ := s.IMAP(); got != good {
				t.Errorf("refused settings were written: %+v", got)
			}
		})
	}
	if err := (IMAPSettings{Host: "127.0.0.1", Port: 1143, TLS: "none", User: "desk"}).Validate(); err != nil {
		t.Errorf("none for 127.0.0.1: %v", err)
	}
}

func TestProcessedMessagesAreRememberedByUIDValidityAndUID(t *testing.T) {
	s := openTemp(t)
	if err := s.MarkSeen(1700000000, 3, 4); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSeen(1700000000); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		validity, uid uint32
		want          bool
	}{
		{1700000000, 3, true},
		{1700000000, 4, true},
		{1700000000, 5, false},
		{1700000001, 3, false}, // a rebuilt folder: its UID 3 is another message
	} {
		if got, err := s.Seen(tc.validity, tc.uid); err != nil || got != tc.want {
			t.Errorf("Seen(%d, %d) = %v, %v; want %v", tc.validity, tc.uid, got, err, tc.want)
		}
	}
}

func TestAFileOfTheSchemaBeforeTheMailboxGainsItsBucket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, m := range migrations[:4] {
			if err := m(tx); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte{0, 0, 0, 0, 0, 0, 0, 4})
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.MarkSeen(7, 1); err != nil {
		t.Fatal(err)
	}
	if seen, err := s.Seen(7, 1); !seen || err != nil {
		t.Fatalf("Seen after migrating: %v, %v", seen, err)
	}
}

func TestTheMailboxPasswordNeverEntersTheDataFile(t *testing.T) {
	s := openTemp(t)
	// The settings have no field for it; the form hands it to the keyring. This checks
	// the file holds the settings and nothing that looks like a password field.
	if err := s.SetIMAP(IMAPSettings{Host: "imap.stars.example.eu", User: "desk@stars.example.eu"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "imap.stars.example.eu") || strings.Contains(strings.ToLower(string(b)), "password") {
		t.Error("the data file holds something called a password")
	}
}
