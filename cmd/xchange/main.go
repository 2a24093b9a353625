// Command xchange is Xchange Desk: with no verb it opens the desktop app, otherwise it runs
// one command-line verb against the data file (see `xchange help`).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	_ "github.com/xchangedesk/xchangedesk/cmd/xchange/locale" // before Fyne: see its doc
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

func main() {
	dbPath, args, err := globalArgs(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		usage(os.Stdout)
		os.Exit(exitOK)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "xchange:", err)
		usage(os.Stderr)
		os.Exit(exitUsage)
	}
	wording.SetLocale("") // dates as LC_ALL, LC_TIME or LANG write them
	if len(args) > 0 {
		os.Exit(runCLI(dbPath, args, os.Stdout, os.Stderr))
	}
	os.Exit(runApp(dbPath))
}

// globalArgs reads --db before the verb and picks the data file: --db, else $XCHANGE_DB,
// else the default under the user's configuration directory.
func globalArgs(args []string) (dbPath string, rest []string, err error) {
	fs := flag.NewFlagSet("xchange", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&dbPath, "db", "", "")
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	if dbPath == "" {
		dbPath = os.Getenv("XCHANGE_DB")
	}
	if dbPath == "" {
		if dbPath, err = store.DefaultPath(); err != nil {
			return "", nil, err
		}
	}
	return dbPath, fs.Args(), nil
}
