package ical

import (
	"bytes"
	"unicode/utf8"
)

// maxLineOctets is the longest content line RFC 5545 § 3.1 allows, not counting the CRLF.
const maxLineOctets = 75

// fold breaks every CRLF-terminated line of b that is longer than 75 octets into a first
// line of at most 75 octets and continuation lines of a space and at most 74 octets. A cut
// never falls inside a UTF-8 sequence. go-ical's encoder writes each property on one line,
// however long, so every calendar passes through here.
func fold(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/maxLineOctets*3)
	for line := range bytes.Lines(b) {
		content, ok := bytes.CutSuffix(line, []byte("\r\n"))
		limit := maxLineOctets
		for len(content) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(content[cut]) {
				cut--
			}
			out.Write(content[:cut])
			out.WriteString("\r\n ")
			content = content[cut:]
			limit = maxLineOctets - 1 // the leading space counts
		}
		out.Write(content)
		if ok {
			out.WriteString("\r\n")
		}
	}
	return out.Bytes()
}
