package mail

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/zalando/go-keyring"
)

// The SMTP password never enters the data file, the preferences or a log: it lives in the
// operating system's keyring (Secret Service on Linux, Keychain on macOS, Credential
// Manager on Windows). Where there is none — a headless server, CI — it comes from the
// environment variable PasswordVariable.
const (
	keyringService   = "Xchange Desk"
	PasswordVariable = "XCHANGE_SMTP_PASSWORD"
)

// ErrNoKeyring means the system has no keyring to keep a password in.
var ErrNoKeyring = errors.New("mail: the system keyring cannot keep the password (none, or locked); set " + PasswordVariable + " instead")

func keyringUser(host, user string) string { return "smtp://" + user + "@" + host }

// keyringAvailable is false where asking would only fail or hang: on Linux without a
// session bus (no desktop session, so no Secret Service).
func keyringAvailable() bool {
	return runtime.GOOS != "linux" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// SavePassword keeps the password for user at host in the keyring.
func SavePassword(host, user, password string) error {
	if !keyringAvailable() {
		return ErrNoKeyring
	}
	if err := keyring.Set(keyringService, keyringUser(host, user), password); err != nil {
		return fmt.Errorf("%w (%v)", ErrNoKeyring, err)
	}
	return nil
}

// Password returns the password for user at host: from the keyring, else from
// PasswordVariable, else "" (no login).
func Password(host, user string) string {
	if keyringAvailable() {
		if p, err := keyring.Get(keyringService, keyringUser(host, user)); err == nil {
			return p
		}
	}
	return os.Getenv(PasswordVariable)
}

// IMAPPasswordVariable holds the mailbox password where there is no keyring: the IMAP
// login of the organiser's mailbox (package exchange/mailbox), kept apart from the SMTP one
// as the two may differ.
const IMAPPasswordVariable = "XCHANGE_IMAP_PASSWORD"

func imapKeyringUser(host, user string) string { return "imap://" + user + "@" + host }

// noIMAPKeyring names the mailbox's variable and matches ErrNoKeyring.
type noIMAPKeyring struct{ cause error }

func (e noIMAPKeyring) Error() string {
	s := "mail: the system keyring cannot keep the password (none, or locked); set " + IMAPPasswordVariable + " instead"
	if e.cause != nil {
		s += " (" + e.cause.Error() + ")"
	}
	return s
}

func (e noIMAPKeyring) Is(target error) bool { return target == ErrNoKeyring }

// SaveIMAPPassword keeps the mailbox password for user at host in the keyring. Without
// one it returns an error matching ErrNoKeyring that names IMAPPasswordVariable.
func SaveIMAPPassword(host, user, password string) error {
	if !keyringAvailable() {
		return noIMAPKeyring{}
	}
	if err := keyring.Set(keyringService, imapKeyringUser(host, user), password); err != nil {
		return noIMAPKeyring{err}
	}
	return nil
}

// IMAPPassword returns the mailbox password for user at host: from the keyring, else from
// IMAPPasswordVariable, else "".
func IMAPPassword(host, user string) string {
	if keyringAvailable() {
		if p, err := keyring.Get(keyringService, imapKeyringUser(host, user)); err == nil {
			return p
		}
	}
	return os.Getenv(IMAPPasswordVariable)
}
