package mail_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

// interop is the corpus of what real clients send (../shared/interop beside the checkout).
const interop = "../../../shared/interop"

// corpus lists the corpus files matching pattern. Without the corpus the test is skipped,
// except under CI, which must have it.
func corpus(tb testing.TB, pattern string) []string {
	tb.Helper()
	if _, err := os.Stat(interop); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true but the interop corpus is missing: %v", err)
		}
		tb.Skip("no interop corpus beside the checkout:", err)
	}
	files, err := filepath.Glob(filepath.Join(interop, pattern))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no files match %s: %v", pattern, err)
	}
	return files
}

// cal is a small calendar; its first line tells the parts of a test message apart.
func cal(name string) string {
	return "BEGIN:VCALENDAR\r\nX-PART:" + name + "\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n"
}

func mailText(lines ...string) string { return strings.Join(lines, "\r\n") }

const header = "From: =?UTF-8?Q?J=C3=BCrgen_Weber?= <Weber@BioRegio-Stern.example>\r\n" +
	"To: office@s3martmed.example\r\n" +
	"Subject: =?UTF-8?Q?Angenommen:_Besuch_von_Anna_Nowak_=E2=80=93_M=C3=A4rz?=\r\n" +
	"Date: Tue, 03 Feb 2026 11:15:00 +0100\r\n" +
	"Message-ID: <reply-1@bioregio-stern.example>\r\n" +
	"MIME-Version: 1.0"

func TestReadMessageHeader(t *testing.T) {
	in, err := mail.ReadMessage(strings.NewReader(mailText(header, "Content-Type: text/plain", "", "Thanks!")))
	if err != nil {
		t.Fatal(err)
	}
	want := mail.Incoming{
		MessageID: "reply-1@bioregio-stern.example",
		From:      "weber@bioregio-stern.example",
		Subject:   "Angenommen: Besuch von Anna Nowak – März",
	}
	if in.MessageID != want.MessageID || in.From != want.From || in.Subject != want.Subject {
		t.Errorf("got %+v\nwant %+v", in, want)
	}
	if !in.Date.Equal(time.Date(2026, 2, 3, 10, 15, 0, 0, time.UTC)) {
		t.Errorf("Date = %v", in.Date)
	}
	if in.Calendars != nil {
		t.Errorf("a message with no calendar gave %d calendars", len(in.Calendars))
	}
}

func TestReadMessageFindsCalendars(t *testing.T) {
	for _, tc := range []struct {
		name string
		mail string
		want []string // the X-PART of each calendar found, in order
	}{
		{"a message that is itself a calendar is read", mailText(header,
			"Content-Type: text/calendar; method=REPLY; charset=UTF-8", "", cal("whole")), []string{"whole"}},
		{"inline text/calendar without method= is read", mailText(header,
			`Content-Type: multipart/alternative; boundary="b1"`, "",
			"--b1", "Content-Type: text/plain", "", "Accepted.",
			"--b1", "Content-Type: text/calendar", "", cal("inline"),
			"--b1--"), []string{"inline"}},
		{"Google's inline part and invite.ics attachment are both read, in order", mailText(header,
			"Content-Type: multipart/mixed; boundary=outer", "",
			"--outer", "Content-Type: multipart/alternative; boundary=inner", "",
			"--inner", "Content-Type: text/plain; charset=UTF-8", "", "Accepted",
			"--inner", "Content-Type: text/calendar; charset=UTF-8; method=REPLY", "Content-Transfer-Encoding: 7bit", "", cal("inline"),
			"--inner--",
			"--outer", `Content-Type: application/ics; name="invite.ics"`, `Content-Disposition: attachment; filename="invite.ics"`, "Content-Transfer-Encoding: base64", "",
			"QkVHSU46VkNBTEVOREFSDQpYLVBBUlQ6YXR0YWNobWVudA0KTUVUSE9EOlJFUExZDQpFTkQ6VkNB", "TEVOREFSDQo=",
			"--outer--"), []string{"inline", "attachment"}},
		{"quoted-printable with =0D=0A and soft breaks is decoded", mailText(header,
			`Content-Type: multipart/alternative; boundary="b"`, "",
			"--b", "Content-Type: text/calendar; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "",
			"BEGIN:VCALENDAR=0D=0AX-PART:q=", "p=0D=0AMETHOD=3AREPLY=0D=0AEND:VCALENDAR=0D=0A",
			"--b--"), []string{"qp"}},
		{"an octet-stream attachment named .ics is read, as Lotus Notes sends it", mailText(header,
			"Content-Type: multipart/mixed; boundary=m", "",
			"--m", "Content-Type: text/plain", "", "Invitation",
			"--m", `Content-Type: application/octet-stream; name="c124211.ICS"`, "", cal("notes"),
			"--m--"), []string{"notes"}},
		{"an attachment named only in Content-Disposition, RFC 2231 style, is read", mailText(header,
			"Content-Type: multipart/mixed; boundary=m", "",
			"--m", `Content-Type: application/octet-stream`, `Content-Disposition: attachment; filename*=UTF-8''Einladung%20M%C3%A4rz.ics`, "", cal("2231"),
			"--m--"), []string{"2231"}},
		{"a calendar in multipart/related inside mixed inside alternative is found", mailText(header,
			"Content-Type: multipart/alternative; boundary=a", "",
			"--a", "Content-Type: text/plain", "", "see below",
			"--a", "Content-Type: multipart/mixed; boundary=m", "",
			"--m", "Content-Type: multipart/related; boundary=r", "",
			"--r", "Content-Type: text/html", "", "<p>hi</p>",
			"--r", "Content-Type: text/calendar;\r\n\tx-unix-mode=0644;\r\n\tname=\"iCal-1.ics\"", "", cal("deep"),
			"--r--", "--m--", "--a--"), []string{"deep"}},
		{"a windows-1252 calendar is turned into UTF-8", mailText(header,
			"Content-Type: multipart/mixed; boundary=m", "",
			"--m", "Content-Type: text/calendar; charset=windows-1252", "Content-Transfer-Encoding: quoted-printable", "",
			"BEGIN:VCALENDAR=0D=0AX-PART:J=FCrgen=0D=0AMETHOD:REPLY=0D=0AEND:VCALENDAR=0D=0A",
			"--m--"), []string{"Jürgen"}},
		{"an application/ics in ISO-8859-1 is turned into UTF-8 too", mailText(header,
			"Content-Type: multipart/mixed; boundary=m", "",
			"--m", "Content-Type: application/ics; charset=ISO-8859-1", "Content-Transfer-Encoding: quoted-printable", "",
			"BEGIN:VCALENDAR=0D=0AX-PART:M=E4rz=0D=0AMETHOD:REPLY=0D=0AEND:VCALENDAR=0D=0A",
			"--m--"), []string{"März"}},
		{"a Content-Type with a duplicate parameter is still read", mailText(header,
			"Content-Type: multipart/mixed; boundary=m; boundary=other", "",
			"--m", "Content-Type: text/calendar; method=REPLY; method=REPLY; charset=UTF-8", "", cal("dup"),
			"--m--"), []string{"dup"}},
		{"a base64 body with a Content-Transfer-Encoding on the multipart is still read", mailText(header,
			"Content-Type: multipart/mixed; boundary=m", "Content-Transfer-Encoding: quoted-printable", "",
			"--m", "Content-Type: text/calendar", "Content-Transfer-Encoding: BASE64", "",
			"QkVHSU46VkNBTEVOREFSDQpYLVBBUlQ6YjY0DQpNRVRIT0Q6UkVQTFkNCkVORDpWQ0FMRU5EQVINCg==",
			"--m--"), []string{"b64"}},
		{"a forwarded message's calendar is not this message's", mailText(header,
			"Content-Type: multipart/mixed; boundary=m", "",
			"--m", "Content-Type: message/rfc822", "", "From: other@example.org", "Content-Type: text/calendar", "", cal("forwarded"),
			"--m--"), nil},
		{"a part cut short keeps the calendars before it", mailText(header,
			"Content-Type: multipart/mixed; boundary=m", "",
			"--m", "Content-Type: text/calendar", "", cal("before"),
			"--m", "Content-Type: text/plain", "", "and then the connection dro"), []string{"before"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := mail.ReadMessage(strings.NewReader(tc.mail))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range in.Calendars {
				first, _, _ := strings.Cut(strings.TrimPrefix(string(c), "BEGIN:VCALENDAR\r\nX-PART:"), "\r\n")
				got = append(got, first)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("calendars %q, want %q", got, tc.want)
			}
			if in.From != "weber@bioregio-stern.example" {
				t.Errorf("From = %q", in.From)
			}
		})
	}
}

func TestReadMessageRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, mail, says string
	}{
		{"a header that never ends is refused", "From: a@example.org\r\nSubject: " + strings.Repeat("x", 2<<20), "header"},
		{"a multipart whose boundary never comes is refused", mailText(header, "Content-Type: multipart/mixed; boundary=m", "", "--other", "", "text"), `never reaches its boundary "m"`},
		{"a multipart without a boundary is refused", mailText(header, "Content-Type: multipart/mixed", "", "--m", "", "text"), "has no boundary"},
		{"multiparts nested beyond reason are refused", mailText(header, "Content-Type: multipart/mixed; boundary=m", "", nested(40)), "nests multiparts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mail.ReadMessage(strings.NewReader(tc.mail))
			if err == nil || !strings.HasPrefix(err.Error(), "mail: ") || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %v, want one saying %q after \"mail: \"", err, tc.says)
			}
		})
	}
	t.Run("a reader that fails is an error, not a panic", func(t *testing.T) {
		_, err := mail.ReadMessage(iotest.ErrReader(errors.New("disk on fire")))
		if err == nil {
			t.Error("no error")
		}
	})
	t.Run("a From that net/mail refuses still gives its address", func(t *testing.T) {
		in, err := mail.ReadMessage(strings.NewReader("From: Weber, Jürgen <Weber@BioRegio-Stern.example>\r\n\r\nhi"))
		if err != nil || in.From != "weber@bioregio-stern.example" {
			t.Errorf("From = %q, %v", in.From, err)
		}
	})
}

// nested is the body of a multipart/mixed with boundary m holding n multiparts, each
// inside the one before.
func nested(n int) string {
	var b strings.Builder
	b.WriteString("--m\r\n")
	for i := range n {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=m%d\r\n\r\n--m%d\r\n", i, i)
	}
	return b.String()
}

// Every message in the corpus is read without a panic; every one but the malformed CalConnect
// example holds a calendar.
func TestReadMessageOtherClients(t *testing.T) {
	for _, f := range corpus(t, "imip/*/*.eml") {
		name := filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in, err := mail.ReadMessage(bytes.NewReader(raw))
			if name == "calconnect/imip_example.eml" {
				if err == nil {
					t.Fatal("read, but the corpus marks it malformed (its boundary never comes)")
				}
				t.Logf("refused: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Calendars) == 0 || in.From == "" || in.MessageID == "" || in.Date.IsZero() {
				t.Errorf("got From %q, Message-ID %q, Date %v, %d calendars", in.From, in.MessageID, in.Date, len(in.Calendars))
			}
			for i, c := range in.Calendars {
				if !bytes.HasPrefix(bytes.TrimPrefix(c, []byte("\uFEFF")), []byte("BEGIN:VCALENDAR")) {
					t.Errorf("calendar %d starts %q", i, c[:min(len(c), 30)])
				}
			}
		})
	}
}

func TestReadMessageFacts(t *testing.T) {
	corpus(t, "imip/*/*.eml")
	for _, tc := range []struct {
		name      string
		file      string
		from, id  string
		subject   string
		calendars int
	}{
		{"Google sends the reply inline and as invite.ics", "bluemind/google.reply.accept.eml",
			"tcataldo@gmail.com", "00504502c30547588004c13c4b33@google.com", "Accepted: Avec tcataldo@gmail.com @ Wed May 30 11:00 - 12:00 (Thomas Cataldo)", 2},
		{"Outlook for Mac sends one inline part", "bluemind/outlook.reply.accept.eml",
			"admin@willow.vmw", "CBE584A3.3CE%admin@willow.vmw", "Accepted: Invitation: Avec admin + contact externe", 1},
		{"iOS encodes its subject in UTF-8 words and its calendar quoted-printable", "bluemind/ios.reply.accept.eml",
			"admin@willow.vmw", "F063B888-54E6-46D7-973C-736F35ABA259@willow.vmw", "Acceptée\u00a0: Avec admin + contact externe", 1},
		{"Android encodes its subject in ISO-8859-1 words and its calendar base64", "bluemind/android.reply.accept.eml",
			"david.phan@blue-mind.net", "20120704104923.AF1A61C8B99@bm-prod.blue-mind.loc", "Réunion acceptée\u00a0: Invitation: Bbq (iPhone)", 1},
		{"Apple Mail nests the calendar as an attachment in alternative → mixed", "apple-ccs/good_reply.eml",
			"xyzzy@example.com", "1983F777-BE86-4B98-881E-06D938E60920@example.com", "Event accepted: New Event", 1},
		{"Lotus Notes sends text/calendar and an octet-stream .ics", "bluemind/domino.invite.new.eml",
			"rkidai@mairie-saint-ouen.fr", "OF359CF5F8.4C3771EE-ONC1257A56.003ACB62-C1257A56.003ACB5F@mairie-saint-ouen.fr", "Invitation : test agenda BM (14 Août 11:00 CEDT)", 2},
		{"Office 365 nests the calendar in related → alternative", "bluemind/office365_invitation_inline_image.eml",
			"outlook_18fbe5ca4758e317@outlook.com", "AM6PR07MB6007265F8A77450078E0F0BBEB779@AM6PR07MB6007.eurprd07.prod.outlook.com", "Test O365 invitation", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(interop, "imip", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			in, err := mail.ReadMessage(f)
			if err != nil {
				t.Fatal(err)
			}
			if in.From != tc.from || in.MessageID != tc.id || in.Subject != tc.subject || len(in.Calendars) != tc.calendars {
				t.Errorf("got From %q, Message-ID %q, Subject %q, %d calendars\nwant From %q, Message-ID %q, Subject %q, %d calendars",
					in.From, in.MessageID, in.Subject, len(in.Calendars), tc.from, tc.id, tc.subject, tc.calendars)
			}
		})
	}
}

// FuzzReadMessage: no message makes ReadMessage panic, what it returns is consistent, and
// the calendars it finds go through ical.ReadReply without an internal error.
// Seeded from the corpus at test time (its files keep their own licences and stay out of
// testdata).
func FuzzReadMessage(f *testing.F) {
	f.Add([]byte(mailText(header, "Content-Type: multipart/mixed; boundary=m", "", "--m", "Content-Type: text/calendar", "", cal("x"), "--m--")))
	f.Add([]byte(mailText(header, "Content-Type: application/ics; name=a.ics", "Content-Transfer-Encoding: base64", "", "QkVHSU46")))
	if _, err := os.Stat(interop); err == nil || os.Getenv("CI") == "true" {
		for _, file := range corpus(f, "imip/*/*.eml") {
			raw, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil && (!strings.HasPrefix(err.Error(), "mail: ") || strings.Contains(err.Error(), "internal error")) {
			t.Errorf("error %q", err)
		}
		if err != nil && len(in.Calendars) > 0 {
			t.Errorf("an error (%v) with %d calendars", err, len(in.Calendars))
		}
		if in.From != strings.ToLower(in.From) {
			t.Errorf("From %q is not lower-case", in.From)
		}
		for _, c := range in.Calendars {
			if len(c) > len(raw)*4+16 {
				t.Errorf("a calendar of %d bytes from a message of %d", len(c), len(raw))
			}
			if _, err := ical.ReadReply(c); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Errorf("ReadReply: %v", err)
			}
		}
	})
}
