package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// message turns an error into what staff read: the words come from the error's fields (see
// package wording), and the store's own conditions are said here.
func message(err error) string {
	switch {
	case errors.Is(err, store.ErrLocked):
		return "The data file is open in another Xchange Desk window or command. Close it and try again."
	case errors.Is(err, store.ErrNotEmpty):
		return "The data file already holds data, so the sample programme was not loaded."
	}
	return wording.Error(err)
}

// fieldErrors are the red lines under a form's fields, by field name.
type fieldErrors map[string]*widget.Label

func (f fieldErrors) add(field string) *widget.Label {
	l := errorLine()
	f[field] = l
	return l
}

// show puts each rule error under its field and returns the messages of errors that belong
// to no field of this form.
func (f fieldErrors) show(err error) []string {
	f.clear()
	var rest []string
	vs := exchange.Violations(err)
	var nf *exchange.NotFoundError
	if len(vs) == 0 && errors.As(err, &nf) {
		vs = []*exchange.RuleError{{Field: nf.Field, Reason: "it no longer exists"}}
	}
	if len(vs) == 0 && err != nil {
		return []string{message(err)}
	}
	for _, v := range vs {
		l, ok := f[v.Field]
		if !ok {
			rest = append(rest, wording.Violation(v))
			continue
		}
		msg := wording.Violation(v)
		if l.Text != "" {
			msg = l.Text + " " + msg
		}
		setLine(l, []string{msg})
	}
	return rest
}

func (f fieldErrors) clear() {
	for _, l := range f {
		setLine(l, nil)
	}
}

// text returns the error shown under field ("" when none), for tests.
func (f fieldErrors) text(field string) string {
	if l, ok := f[field]; ok {
		return l.Text
	}
	return ""
}

// errorLine is a red, wrapping line of text, hidden while empty.
func errorLine() *widget.Label {
	l := &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	l.ExtendBaseWidget(l)
	l.Hide()
	return l
}

func setLine(l *widget.Label, msgs []string) {
	text := strings.Join(msgs, " ")
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
	l.SetText(text)
}
