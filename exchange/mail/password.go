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
var ErrNoKeyring = errors.New("mail: no keyring on this system; set " + PasswordVariable + " instead")

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
