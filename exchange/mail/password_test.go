package mail_test

import (
	"errors"
	"testing"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

func TestWithoutAKeyringThePasswordComesFromTheEnvironment(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "") // no desktop session: no Secret Service
	t.Setenv(mail.PasswordVariable, "from-the-environment")
	if err := mail.SavePassword("smtp.example.org", "desk", "secret"); !errors.Is(err, mail.ErrNoKeyring) {
		t.Fatalf("saving without a keyring: %v", err)
	}
	if got := mail.Password("smtp.example.org", "desk"); got != "from-the-environment" {
		t.Fatalf("password %q", got)
	}
	t.Setenv(mail.PasswordVariable, "")
	if got := mail.Password("smtp.example.org", "desk"); got != "" {
		t.Fatalf("password %q with neither keyring nor variable", got)
	}
}
