package ical

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	goical "github.com/emersion/go-ical"
)

// ErrNoCalendar means a text held no complete VCALENDAR: it was empty, truncated before
// END:VCALENDAR, or not iCalendar at all.
var ErrNoCalendar = errors.New("ical: no calendar")

// Parse decodes the first VCALENDAR in b, as other clients send it: a UTF-8 byte order mark
// is skipped, and line folding with CRLF or LF is undone by go-ical. A malformed text gives
// an error, never a panic (go-ical's decoder panics on some malformed content lines, for
// example a parameter with no colon after it). A text that ends before END:VCALENDAR gives
// ErrNoCalendar rather than the silent io.EOF go-ical returns for it.
func Parse(b []byte) (cal *goical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, fmt.Errorf("ical: malformed calendar: %v", r)
		}
	}()
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	cal, err = goical.NewDecoder(bytes.NewReader(b)).Decode()
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, ErrNoCalendar
	case err != nil:
		return nil, err // go-ical's errors already say "ical: …"
	}
	return cal, nil
}
