package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/store"
)

// repliesData is what importing replies and answering a host's proposal change.
type repliesData interface {
	ApplyReply(store.Reply) (store.ReplyResult, error)
	AnswerCounter(id exchange.ID, accept bool, comment string) (exchange.Placement, error)
}

// replyLine is what became of one file, in words.
type replyLine struct {
	file    string
	outcome store.Outcome // "" when the file could not be read
	text    string
}

// outcomeText says an outcome for people.
func outcomeText(o store.Outcome) string {
	switch o {
	case store.Applied:
		return "Applied"
	case store.Stale:
		return "Recorded, not applied: an older answer"
	case store.Duplicate:
		return "Read before: nothing changed"
	case store.Countered:
		return "Other dates proposed: accept or refuse them on the placement"
	case store.Refused:
		return "Refused"
	case store.NotReply:
		return "Not a reply: left as it is"
	}
	return "Could not be read"
}

// importDialog asks for a mail (.eml) or calendar (.ics) file with a reply, and applies it.
func (d *Desk) importDialog() {
	dlg := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		d.importFiles([]string{path})
	}, d.win)
	dlg.Show()
}

// dropped applies the replies in files dropped on the window.
func (d *Desk) dropped(_ fyne.Position, uris []fyne.URI) {
	var paths []string
	for _, u := range uris {
		if u.Scheme() == "file" {
			paths = append(paths, u.Path())
		}
	}
	if len(paths) > 0 {
		d.importFiles(paths)
	}
}

// importFiles reads and applies the reply in each file off the UI goroutine, then says what
// became of each, tells the desk when a host answered, and shows the screens again.
func (d *Desk) importFiles(paths []string) {
	data, ok := d.data.(repliesData)
	if !ok {
		return
	}
	d.say(fmt.Sprintf("Reading %d %s…", len(paths), plural(len(paths), "file", "files")))
	d.bridge.work(func() func() {
		lines := make([]replyLine, 0, len(paths))
		answered := 0
		for _, p := range paths {
			l := replyLine{file: filepath.Base(p)}
			r, err := store.ReadReplyFile(p)
			if errors.Is(err, store.ErrNotAReply) {
				l.outcome = store.NotReply
			} else if err == nil {
				var res store.ReplyResult
				if res, err = data.ApplyReply(r); err == nil {
					l.outcome = res.Outcome
					if res.Reason != nil {
						l.text = message(res.Reason)
					} else if res.Outcome == store.Applied || res.Outcome == store.Countered {
						l.text = answerSummary(r)
						answered++
					}
				}
			}
			if err != nil {
				l.text = message(err)
			}
			lines = append(lines, l)
		}
		return func() { d.showImported(lines, answered) }
	})
}

// answerSummary says a reply in a few words: "exchanges@mafex.example.es accepted".
func answerSummary(r store.Reply) string {
	if r.Method == "COUNTER" {
		return r.Attendee + " proposed other dates"
	}
	return r.Attendee + " " + strings.ToLower(r.PartStat)
}

// showImported lists what became of each file, and notifies when someone answered.
func (d *Desk) showImported(lines []replyLine, answered int) {
	var rows []fyne.CanvasObject
	counts := map[store.Outcome]int{}
	for _, l := range lines {
		counts[l.outcome]++
		text := outcomeText(l.outcome)
		if l.text != "" {
			text += ". " + l.text
		}
		rows = append(rows, widget.NewLabelWithStyle(l.file, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), wrapped(text))
	}
	d.say(fmt.Sprintf("Read %d %s: %d applied, %d proposals, %d refused or unreadable.", len(lines), plural(len(lines), "file", "files"),
		counts[store.Applied], counts[store.Countered], counts[store.Refused]+counts[""]))
	if answered > 0 {
		d.app.SendNotification(fyne.NewNotification(Title, fmt.Sprintf("%d %s answered: see the placements.", answered,
			plural(answered, "host or visitor", "hosts or visitors"))))
	}
	body := container.NewVScroll(container.NewVBox(rows...))
	body.SetMinSize(fyne.NewSize(560, 240))
	dialog.ShowCustom("Replies read", "Close", body, d.win)
	d.changed()
}
