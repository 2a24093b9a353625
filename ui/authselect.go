package ui

import (
	"strings"

	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/store"
)

// The ways a mail server is signed in to, as the settings forms offer them.
const (
	authPasswordLabel = "Password"
	authOAuth2Label   = "OAuth2: the signed-in mailbox"
)

// newAuthSelect offers a password or the OAuth2 sign-in; the password field only matters
// for the first.
func newAuthSelect(password *widget.Entry) *widget.Select {
	sel := widget.NewSelect([]string{authPasswordLabel, authOAuth2Label}, func(label string) {
		if label == authOAuth2Label {
			password.Disable()
		} else {
			password.Enable()
		}
	})
	sel.SetSelected(authPasswordLabel)
	return sel
}

// authValue is the setting for what the select shows.
func authValue(sel *widget.Select) string {
	if sel.Selected == authOAuth2Label {
		return store.AuthOAuth2
	}
	return ""
}

// showAuth selects what a stored setting says.
func showAuth(sel *widget.Select, auth string) {
	if strings.EqualFold(strings.TrimSpace(auth), store.AuthOAuth2) {
		sel.SetSelected(authOAuth2Label)
	} else {
		sel.SetSelected(authPasswordLabel)
	}
}
