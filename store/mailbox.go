package store

import (
	"encoding/binary"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
)

// The organiser's mailbox, where hosts' replies arrive (package exchange/mailbox): its
// settings in meta, and the messages processed on a server that keeps no keywords.
var (
	bucketMailboxSeen = []byte("mailbox_seen") // UIDVALIDITY (uint32) | UID (uint32) → ""
	keyIMAP           = []byte("imap")
)

// IMAPSettings are how the app reads the organiser's mailbox. The password is not here: it
// lives in the operating system's keyring (mail.IMAPPassword), as does an OAuth2 sign-in's
// refresh token (package exchange/oauth).
type IMAPSettings struct {
	Host   string `json:"host"`
	Port   int    `json:"port"` // zero: 143, or 993 for tls
	TLS    string `json:"tls"`  // starttls, tls or none (none only for this machine)
	User   string `json:"user"`
	Folder string `json:"folder,omitempty"` // empty: INBOX
	// Auth is how the mailbox is signed in to: "password" (or empty) with User and the
	// keyring's password, or "oauth2" with the OAuth2 sign-in (OAuthSettings, the token
	// source shared with the sender), whose mailbox is then the user; User may be empty.
	Auth string `json:"auth,omitempty"`
}

// The ways to sign in to the mailbox (IMAPSettings.Auth).
const (
	AuthPassword = "password"
	AuthOAuth2   = "oauth2"
)

// OAuth2 reports whether the mailbox is signed in to with OAuth2.
func (settings IMAPSettings) OAuth2() bool {
	return strings.EqualFold(strings.TrimSpace(settings.Auth), AuthOAuth2)
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
// mode and the folder written out ("starttls", "INBOX") when left empty, and Auth in
// lower case ("password" is kept as empty, its default).
func (s *Store) SetIMAP(settings IMAPSettings) error {
	if err := settings.Validate(); err != nil {
		return err
	}
	mode, _ := mail.ParseTLSMode(settings.TLS)
	settings.TLS = string(mode)
	settings.Host = strings.TrimSpace(settings.Host)
	if settings.Auth = strings.ToLower(strings.TrimSpace(settings.Auth)); settings.Auth == AuthPassword {
		settings.Auth = "" // the default, and the data file holds nothing called a password
	}
	if settings.Folder = strings.TrimSpace(settings.Folder); settings.Folder == "" {
		settings.Folder = mailbox.DefaultFolder
	}
	return s.db.Update(func(tx *bolt.Tx) error { return put(tx, bucketMeta, keyIMAP, settings) })
}

// Validate checks the settings as SetIMAP does, without saving them. The errors are
// *exchange.RuleError values for the fields host, port, tls, user, folder and auth,
// wrapped in mailbox.ErrConfig. With oauth2 the user may be empty: it is the signed-in
// mailbox.
func (settings IMAPSettings) Validate() error {
	var errs []error
	for _, v := range exchange.Violations(settings.Config("").Validate()) {
		if settings.OAuth2() && v.Field == "user" && v.Rule == exchange.RuleRequired {
			continue
		}
		errs = append(errs, v)
	}
	switch strings.ToLower(strings.TrimSpace(settings.Auth)) {
	case "", AuthPassword, AuthOAuth2:
	default:
		errs = append(errs, &exchange.RuleError{Field: "auth", Rule: exchange.RuleFormat, Value: settings.Auth,
			Reason: fmt.Sprintf("%q is not a way to sign in (want password or oauth2)", settings.Auth)})
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", mailbox.ErrConfig, exchange.Problems(errs))
	}
	return nil
}

// Config is what mailbox.Dial needs: these settings and the password (from
// mail.IMAPPassword).
func (settings IMAPSettings) Config(password string) mailbox.Config {
	return mailbox.Config{Host: settings.Host, Port: settings.Port, TLS: mail.TLSMode(settings.TLS), User: settings.User,
		Password: password, Folder: settings.Folder}
}

// OAuth2Config is what mailbox.Dial needs to sign in with OAuth2: these settings and the
// token source (Store.OAuthSource, shared with the sender), whose mailbox is the user.
func (settings IMAPSettings) OAuth2Config(src *oauth.Source) mailbox.Config {
	return settings.Config("").WithOAuth2(src)
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
