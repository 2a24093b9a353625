package mailbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/xchangedesk/xchangedesk/exchange/oauth"
)

// The SASL mechanisms of OAuth2 sign-in.
const (
	mechOAuthBearer = "OAUTHBEARER" // RFC 7628
	mechXOAuth2     = "XOAUTH2"     // Google's and Microsoft's
)

// token asks Config.Token for an access token, bounded by the timeout.
func (c *Client) token(ctx context.Context) (string, error) {
	tctx, cancel := context.WithTimeout(ctx, c.cfg.timeout())
	defer cancel()
	tok, err := c.cfg.Token(tctx)
	switch {
	case err == nil && tok == "":
		err = errors.New("the token source gave an empty access token")
	case err == nil:
		return tok, nil
	case ctx.Err() != nil:
		return "", fmt.Errorf("mailbox: signing in to %s stopped: %w", c.cfg.Addr(), ctx.Err())
	case errors.Is(err, oauth.ErrSignInAgain):
		// The source says it once and then the same without asking the provider again.
		return "", &Error{Kind: ErrToken, Err: err,
			Text: fmt.Sprintf("%v; the mailbox %s is not read until then", err, c.cfg.Addr())}
	}
	return "", &Error{Kind: ErrToken, Err: err,
		Text: fmt.Sprintf("no access token to sign in to the mail server %s as %s: %v", c.cfg.Addr(), c.cfg.User, err)}
}

// authenticate signs in with the access token, by OAUTHBEARER where the server offers it
// and XOAUTH2 otherwise. A refusal is told to Config.Refused; when Config.Token then gives
// another token (the refused one had ended early at the provider: revoked, or expired
// before its time), it tries once more, so that an expired token is replaced silently.
func (c *Client) authenticate(ctx context.Context, token string) error {
	var caps imap.CapSet
	if err := c.do(ctx, "capability", func() error { caps = c.imap.Caps(); return nil }); err != nil {
		return err
	}
	mech := mechXOAuth2
	if caps.Has(imap.AuthCap(mechOAuthBearer)) {
		mech = mechOAuthBearer
	}
	for attempt := 0; ; attempt++ {
		sc := &oauthClient{mech: mech, ir: c.initialResponse(mech, token)}
		err := c.do(ctx, "authenticate", func() error { return c.imap.Authenticate(sc) })
		var refused *imap.Error
		if !errors.As(err, &refused) {
			return err
		}
		if c.cfg.Refused != nil {
			c.cfg.Refused(token)
		}
		if attempt == 0 {
			again, terr := c.token(ctx)
			if terr != nil {
				return terr // "sign in again", most often
			}
			if again != token {
				token = again
				continue
			}
		}
		text := fmt.Sprintf("the server refused the OAuth2 sign-in (%s) for user %s: %s", mech, c.cfg.User, words(err))
		if sc.status != "" {
			text += " (status " + sc.status + ")"
		}
		return &Error{Kind: ErrAuth, Err: err, Text: text}
	}
}

func (c *Client) initialResponse(mech, token string) []byte {
	if mech == mechOAuthBearer {
		return oauth.OAUTHBEARER(c.cfg.User, strings.Trim(strings.TrimSpace(c.cfg.Host), "[]"), c.cfg.port(), token)
	}
	return oauth.XOAUTH2(c.cfg.User, token)
}

// oauthClient is the client side of SASL XOAUTH2 and OAUTHBEARER (a sasl.Client). Both
// send everything in the initial response. A server that refuses sends a JSON error as a
// challenge and waits for the client's answer before it says NO: OAUTHBEARER answers ^A
// (RFC 7628, 3.2.3), and so does XOAUTH2, whose servers take any answer there. (Google
// documents an empty one, but go-imap writes an empty answer as "=", which Dovecot refuses
// as bad base64 instead of giving its words.) go-sasl's OAUTHBEARER client would end the
// exchange at the challenge, leaving the command without its NO.
type oauthClient struct {
	mech   string
	ir     []byte
	status string // from the server's JSON error, if any
}

func (c *oauthClient) Start() (string, []byte, error) { return c.mech, c.ir, nil }

func (c *oauthClient) Next(challenge []byte) ([]byte, error) {
	var e struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(challenge, &e) == nil {
		c.status = e.Status
	}
	return []byte{0x01}, nil
}
