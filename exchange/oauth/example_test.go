package oauth_test

import (
	"encoding/base64"
	"fmt"

	"github.com/xchangedesk/xchangedesk/exchange/oauth"
)

// XOAUTH2 is what an SMTP AUTH XOAUTH2 or an IMAP AUTHENTICATE XOAUTH2 sends, base64-encoded.
func ExampleXOAUTH2() {
	b := oauth.XOAUTH2("organiser@example.org", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
	fmt.Printf("%q\n", b)
	fmt.Println(base64.StdEncoding.EncodeToString(b))
	// Output:
	// "user=organiser@example.org\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
	// dXNlcj1vcmdhbmlzZXJAZXhhbXBsZS5vcmcBYXV0aD1CZWFyZXIgeWEyOS52RjlkZnQ0cW1UYzJOdmIzUmxja0JoZEhSaGRtbHpkR0V1WTI5dENnAQE=
}

// OAUTHBEARER (RFC 7628) names the server too; a comma or "=" in the user is escaped.
func ExampleOAUTHBEARER() {
	fmt.Printf("%q\n", oauth.OAUTHBEARER("organiser@example.org", "imap.example.org", 993, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="))
	fmt.Printf("%q\n", oauth.OAUTHBEARER("a,b=c@example.org", "smtp.example.org", 587, "t"))
	// Output:
	// "n,a=organiser@example.org,\x01host=imap.example.org\x01port=993\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
	// "n,a=a=2Cb=3Dc@example.org,\x01host=smtp.example.org\x01port=587\x01auth=Bearer t\x01\x01"
}
