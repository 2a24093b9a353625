package mailbox_test

import (
	"fmt"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
)

// Settings are checked before anything is tried, field by field, by the rules the SMTP
// settings follow.
func ExampleConfig_Validate() {
	err := mailbox.Config{Host: "imap.stars.example.eu", TLS: mail.NoTLS}.Validate()
	fmt.Println(err)
	// Output:
	// mailbox: IMAP settings: tls: none is only allowed for a server on this machine (127.0.0.1, ::1 or localhost), not imap.stars.example.eu; user: is required
}

// What a settings screen or a log shows: never the password.
func ExampleConfig_String() {
	cfg := mailbox.Config{Host: "imap.stars.example.eu", TLS: mail.ImplicitTLS, User: "desk@stars.example.eu",
		Password: "s3cret", Folder: "Replies"}
	fmt.Println(cfg)
	// Output:
	// imap.stars.example.eu:993 tls user desk@stars.example.eu (password set) folder Replies
}
