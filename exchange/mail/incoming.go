package mail

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset" // also registers itself as go-message's charset reader
	gomessagemail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Incoming is what an e-mail holds for the desk: who sent it, which message it is, and the
// calendars it carries, ready for ical.ReadReply.
type Incoming struct {
	MessageID string    // without angle brackets, as in the header; "" if none
	From      string    // the bare address of From, lower-cased; "" if none can be read
	Subject   string    // decoded from RFC 2047 words to UTF-8
	Date      time.Time // the Date header; zero if missing or unreadable
	// Calendars holds every calendar part, decoded (base64 or quoted-printable undone, the
	// charset turned into UTF-8), in document order: inline text/calendar, application/ics,
	// *.ics attachments of any type, at any depth of multipart/alternative, mixed or
	// related. Google sends the same calendar twice (inline and as invite.ics); both are
	// here.
	Calendars [][]byte
}

// Limits that keep a hostile or broken message from costing much: real replies are a few
// kilobytes, and real clients nest at most four multiparts deep.
const (
	maxHeaderBytes   = 1 << 20 // as go-message's own reader
	maxCalendarBytes = 4 << 20
	maxDepth         = 16
	maxParts         = 1000
)

// ReadMessage reads an e-mail (an .eml file, or a message fetched from IMAP) and returns
// its header fields and calendar parts. It never panics.
//
// A well-formed message with no calendar gives an Incoming with no Calendars and a nil
// error. A message whose MIME structure is broken (a boundary that never comes, a body cut
// short) keeps the calendars found before the break; only when none was found does
// ReadMessage return an error, with the header fields it could read. An error means "this
// is not mail" or "no calendar could be recovered from it", and says why after "mail: ".
//
// Parts inside a forwarded message (message/rfc822) are not read: the calendar of a
// forwarded reply was not sent by this message's From.
func ReadMessage(r io.Reader) (in Incoming, err error) {
	defer func() {
		if p := recover(); p != nil {
			in.Calendars = nil
			err = problemf("the message cannot be read (internal error: %v)", p)
		}
	}()
	lr := &headerLimit{r: r, n: maxHeaderBytes}
	br := bufio.NewReader(lr)
	th, err := textproto.ReadHeader(br)
	if err != nil {
		return Incoming{}, problemf("the message header cannot be read: %w", err)
	}
	lr.n = math.MaxInt64
	h := gomessagemail.Header{Header: message.Header{Header: th}}
	in.MessageID = headerMessageID(h)
	in.From = fromAddress(h)
	in.Subject, _ = h.Subject() // on an unknown charset the raw text, which is the best there is
	in.Date, _ = h.Date()

	var w walker
	w.walkPart(h.Header, br, 0)
	in.Calendars = w.calendars
	if len(in.Calendars) == 0 && w.problem != nil {
		return in, w.problem
	}
	return in, nil
}

// headerLimit stops a header that never ends: io.LimitedReader would end it with io.EOF,
// which textproto takes for the end of a header.
type headerLimit struct {
	r io.Reader
	n int64
}

var errHeaderTooLong = fmt.Errorf("longer than %d MiB", maxHeaderBytes>>20)

func (l *headerLimit) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooLong
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// walker collects calendars depth first, in document order, and remembers the first
// structural problem it met.
type walker struct {
	calendars [][]byte
	parts     int
	problem   error
}

func (w *walker) fail(format string, args ...any) {
	if w.problem == nil {
		w.problem = problemf(""+format, args...)
	}
}

// walk visits one entity whose body walkPart has decoded.
func (w *walker) walk(h message.Header, body io.Reader, depth int) {
	w.parts++
	if w.parts > maxParts {
		w.fail("the message has more than %d parts", maxParts)
		return
	}
	mediaType, params := contentType(h)
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		if depth >= maxDepth {
			w.fail("the message nests multiparts more than %d deep", maxDepth)
			return
		}
		boundary := params["boundary"]
		if boundary == "" {
			w.fail("a %s part has no boundary", mediaType)
			return
		}
		mr := textproto.NewMultipartReader(body, boundary)
		for n := 0; ; n++ {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				if n == 0 {
					w.fail("the %s body has no part with its boundary %q", mediaType, boundary)
				}
				return
			}
			if err != nil && n == 0 {
				w.fail("the %s body never reaches its boundary %q", mediaType, boundary)
				return
			}
			if err != nil {
				w.fail("the %s body breaks off after part %d: %v", mediaType, n, err)
				return
			}
			w.walkPart(message.Header{Header: p.Header}, p, depth+1)
		}
	case isCalendar(h, mediaType, params):
		b, err := io.ReadAll(io.LimitReader(body, maxCalendarBytes+1))
		switch {
		case err != nil:
			w.fail("a %s part cannot be decoded: %v", mediaType, err)
		case len(b) > maxCalendarBytes:
			w.fail("a %s part is larger than %d MiB", mediaType, maxCalendarBytes>>20)
		default:
			w.calendars = append(w.calendars, b)
		}
	}
}

// walkPart undoes a part's transfer encoding and charset, then walks it. go-message's
// message.New would do the same, but only for charsets of text/* parts and only when the
// Content-Type parses strictly; real clients send application/ics with a charset, and
// parameters that mime.ParseMediaType refuses.
func (w *walker) walkPart(h message.Header, body io.Reader, depth int) {
	mediaType, params := contentType(h)
	if strings.HasPrefix(mediaType, "multipart/") {
		// RFC 2045 § 6.4 allows no encoding on a multipart, and some clients name one
		// anyway: ignore it, as go-message does.
		w.walk(h, body, depth)
		return
	}
	if !isCalendar(h, mediaType, params) {
		w.parts++ // counted, not read
		return
	}
	decoded, err := transferDecoded(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		decoded = body // an encoding nobody knows: the text may still be plain
	}
	if cs := strings.ToLower(strings.TrimSpace(params["charset"])); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		if r, err := charset.Reader(cs, decoded); err == nil {
			decoded = r
		} // an unknown charset: keep the bytes, calendars are nearly always ASCII
	}
	w.walk(h, decoded, depth)
}

// transferDecoded undoes a Content-Transfer-Encoding with go-message's own decoders,
// reached through message.New on a header that names only the encoding.
func transferDecoded(encoding string, body io.Reader) (io.Reader, error) {
	var h message.Header
	h.Set("Content-Type", "application/octet-stream")
	if encoding != "" {
		h.Set("Content-Transfer-Encoding", strings.TrimSpace(encoding))
	}
	e, err := message.New(h, body)
	if err != nil {
		return nil, err
	}
	return e.Body, nil
}

// isCalendar reports whether a leaf part holds a calendar: by its type, or by a file name
// ending in .ics (Lotus Notes sends application/octet-stream; name="c124211.ics").
func isCalendar(h message.Header, mediaType string, params map[string]string) bool {
	switch mediaType {
	case "text/calendar", "application/ics", "text/x-vcalendar", "application/x-ics":
		return true
	}
	if strings.HasPrefix(mediaType, "multipart/") || strings.HasPrefix(mediaType, "message/") {
		return false
	}
	name := params["name"]
	if v := h.Get("Content-Disposition"); v != "" {
		_, dp := parseParams(v)
		if fn := dp["filename"]; fn != "" {
			name = fn
		}
	}
	return strings.HasSuffix(strings.ToLower(strings.TrimSpace(name)), ".ics")
}

// contentType returns the lower-case media type and the parameters of a part, leniently:
// a part with no Content-Type is text/plain (RFC 2045 § 5.2).
func contentType(h message.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	return parseParams(v)
}

// parseParams parses a header value with parameters (Content-Type, Content-Disposition).
// mime.ParseMediaType does it strictly, RFC 2231 continuations and RFC 2047 words included;
// what it refuses (a duplicate parameter, a stray semicolon, an unquoted space) is read
// leniently: the first value of each name wins.
func parseParams(v string) (string, map[string]string) {
	dec := new(mime.WordDecoder)
	dec.CharsetReader = charset.Reader
	if t, params, err := mime.ParseMediaType(v); err == nil {
		for k, p := range params {
			if d, err := dec.DecodeHeader(p); err == nil {
				params[k] = d
			}
		}
		return t, params
	}
	t, rest, _ := strings.Cut(v, ";")
	params := map[string]string{}
	for rest != "" {
		var field string
		rest = strings.TrimLeft(rest, " \t\r\n;")
		name, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		name = strings.ToLower(strings.TrimSpace(name))
		after = strings.TrimLeft(after, " \t")
		if strings.HasPrefix(after, `"`) {
			end := 1
			for end < len(after) && after[end] != '"' {
				if after[end] == '\\' {
					end++
				}
				end++
			}
			field = strings.ReplaceAll(after[1:min(end, len(after))], `\"`, `"`)
			rest = after[min(end+1, len(after)):]
			if i := strings.IndexByte(rest, ';'); i >= 0 {
				rest = rest[i+1:]
			} else {
				rest = ""
			}
		} else {
			field, rest, _ = strings.Cut(after, ";")
			field = strings.TrimSpace(field)
		}
		if _, seen := params[name]; !seen && name != "" {
			if d, err := dec.DecodeHeader(field); err == nil {
				field = d
			}
			params[name] = field
		}
	}
	return strings.ToLower(strings.TrimSpace(t)), params
}

// headerMessageID is the Message-ID without its angle brackets. A malformed one (which
// go-message refuses) is kept as written, brackets trimmed: it still tells duplicates
// apart.
func headerMessageID(h gomessagemail.Header) string {
	if id, err := h.MessageID(); err == nil {
		return id
	}
	v := strings.TrimSpace(h.Get("Message-Id"))
	v = strings.TrimPrefix(v, "<")
	if i := strings.IndexByte(v, '>'); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// fromAddress is the bare, lower-cased address of the first From mailbox. A From that
// net/mail refuses (an unquoted comma in the name, an unknown charset) still gives the
// address in its angle brackets, or the lone word holding an @.
func fromAddress(h gomessagemail.Header) string {
	if list, err := h.AddressList("From"); err == nil && len(list) > 0 {
		return strings.ToLower(list[0].Address)
	}
	v := h.Get("From")
	if a, err := netmail.ParseAddress(v); err == nil {
		return strings.ToLower(a.Address)
	}
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.ToLower(strings.TrimSpace(v[i+1 : i+j]))
		}
	}
	for _, f := range strings.Fields(v) {
		if strings.Contains(f, "@") {
			return strings.ToLower(strings.Trim(f, `<>"(),;`))
		}
	}
	return ""
}

// Problem is a mail the reader cannot use, said in a sentence for people; Error adds the
// package's name, as Go errors do.
type Problem struct {
	Text string
	err  error // what fmt.Errorf wrapped, if anything
}

func (p *Problem) Error() string { return "mail: " + p.Text }

// Sentence is the problem for people, without the package's name.
func (p *Problem) Sentence() string { return p.Text }

// Unwrap gives the error the problem was made from, if any.
func (p *Problem) Unwrap() error { return p.err }

func problemf(format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	return &Problem{Text: e.Error(), err: errors.Unwrap(e)}
}
