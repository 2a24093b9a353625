package store

import (
	"encoding/binary"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
)

// The organiser's mailbox, where hosts' replies arrive (package exchange/mailbox): its
// settings in meta, and the messages processed on a server that keeps no keywords.
var (
	bucketMailboxSeen = []byte("mailbox_seen") // UIDVALIDITY (uint32) | UID (uint32) → ""
	keyIMAP           = []byte("imap")
)

// IMAPSettings are how the app reads the organiser's mailbox. The password is not here: it
// lives in the operating system's keyring (mail.IMAPPassword).
type IMAPSettings struct {
	Host   string `json:"host"`
	Port   int    `json:"port"` // zero: 143, or 993 for tls
	TLS    string `json:"tls"`  // starttls, tls or none (none only for this machine)
	User   string `json:"user"`
	Folder string `json:"folder,omitempty"` // empty: INBOX
}

// IMAP returns the mailbox settings; ok is false when none are set (no mailbox is read).
func (s *Store) IMAP() (settings IMAPSettings, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		ok, err = get(tx, bucketMeta, keyIMAP, &settings)
		return err
	})
	return settings, ok && settings.Host != "", err
}

// SetIMAP stores the mailbox settings, checked by mailbox.Config.Validate, with the TLS
// mode and the folder written out ("starttls", "INBOX") when left empty.
func (s *Store) SetIMAP(settings IMAPSettings) error {
	if err := settings.Validate(); err != nil {
		return err
	}
	mode, _ := mail.ParseTLSMode(settings.TLS)
	settings.TLS = string(mode)
	settings.Host = strings.TrimSpace(settings.Host)
	if settings.Folder = strings.TrimSpace(settings.Folder); settings.Folder == "" {
		settings.Folder = mailbox.DefaultFolder
	}
	return s.db.Update(func(tx *bolt.Tx) error { return put(tx, bucketMeta, keyIMAP, settings) })
}

// Validate checks the settings as SetIMAP does, without saving them. The errors are
// *exchange.RuleError values for the fields host, port, tls, user and folder, wrapped in
// mailbox.ErrConfig.
func (settings IMAPSettings) Validate() error { return settings.Config("").Validate() }

// Config is what mailbox.Dial needs: these settings and the password (from
// mail.IMAPPassword).
func (settings IMAPSettings) Config(password string) mailbox.Config {
	return mailbox.Config{Host: settings.Host, Port: settings.Port, TLS: mail.TLSMode(settings.TLS), User: settings.User,
		Password: password, Folder: settings.Folder}
}

func seenKey(uidValidity, uid uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(make([]byte, 0, 8), uidValidity), uid)
}

// Seen reports whether the message uid of the folder with that UIDVALIDITY was processed
// on a server that keeps no keywords (MarkSeen).
func (s *Store) Seen(uidValidity, uid uint32) (seen bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		seen = tx.Bucket(bucketMailboxSeen).Get(seenKey(uidValidity, uid)) != nil
		return nil
	})
	return seen, err
}

// MarkSeen remembers messages processed on a server that keeps no keywords, so they are
// not read again; Seen then reports them. A new UIDVALIDITY (the folder was rebuilt)
// starts afresh, as its UIDs name other messages.
func (s *Store) MarkSeen(uidValidity uint32, uids ...uint32) error {
	if len(uids) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMailboxSeen)
		for _, uid := range uids {
			if err := b.Put(seenKey(uidValidity, uid), []byte{}); err != nil {
				return err
			}
		}
		return nil
	})
}
