// Package locale gives the process a real locale when it runs under the POSIX "C" locale
// (LANG=C.UTF-8 is common on servers and in containers). Fyne cannot parse "C" and logs an
// error at start-up, which would spoil the one-line messages of the command line.
//
// It must run before Fyne's lang package initialises. Go initialises packages in import-path
// order among those whose imports are ready; this package imports only os, and its path sorts
// before golang.org/x/text, which Fyne's lang package waits for. main imports it first.
package locale

import (
	"os"
	"strings"
)

// Fallback is the locale used instead of C: English with European dates (day/month/year).
const Fallback = "en_GB.UTF-8"

func init() {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
			os.Setenv(name, Fallback)
		}
	}
}
