package oauth

import (
	"strconv"
	"strings"
)

// XOAUTH2 returns the initial client response of SASL XOAUTH2, as Google and Microsoft
// document it for SMTP and IMAP: the mailbox and the access token, each ended by ^A, and
// a final ^A. SMTP and IMAP send it base64-encoded.
func XOAUTH2(user, accessToken string) []byte {
	return []byte("user=" + user + "\x01auth=Bearer " + accessToken + "\x01\x01")
}

// OAUTHBEARER returns the initial client response of SASL OAUTHBEARER (RFC 7628, 3.1): a
// GS2 header naming the mailbox, then the server's host and port and the access token,
// separated by ^A.
func OAUTHBEARER(user, host string, port int, accessToken string) []byte {
	return []byte("n,a=" + saslName(user) + ",\x01host=" + host + "\x01port=" + strconv.Itoa(port) +
		"\x01auth=Bearer " + accessToken + "\x01\x01")
}

// saslName escapes the GS2 authzid (RFC 5801, 4): "=" and "," would end it.
func saslName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}
