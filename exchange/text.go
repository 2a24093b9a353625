package exchange

import (
	"fmt"
	"unicode/utf8"
)

// CheckLine refuses a one-line field of text (a name, an organisation, a city, an address,
// an e-mail address, a label) that holds a control character: C0 (NUL … US, which includes
// CR, LF, TAB and ESC), DEL, C1 (U+0080 … U+009F), or a Unicode line or paragraph
// separator. Such characters break mail headers and calendar lines and drive terminals.
func CheckLine(field, value string) error { return checkText(field, value, false) }

// CheckText refuses a multi-line field (goals, reasons) that holds a control character other
// than a line break (LF) or a tab.
func CheckText(field, value string) error { return checkText(field, value, true) }

func checkText(field, value string, multiline bool) error {
	for i, r := range value {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(value[i:]); size == 1 {
				return &RuleError{Field: field, Rule: RuleFormat, Value: fmt.Sprintf("byte %#x", value[i]),
					Reason: "is not valid UTF-8 text"}
			}
		}
		if !isControl(r) || (multiline && (r == '\n' || r == '\t')) {
			continue
		}
		return &RuleError{Field: field, Rule: RuleControlChars, Value: fmt.Sprintf("%U", r),
			Reason: fmt.Sprintf("holds the control character %U (%s); %s", r, ControlName(r), lineAdvice(multiline))}
	}
	return nil
}

func lineAdvice(multiline bool) string {
	if multiline {
		return "only line breaks and tabs are kept"
	}
	return "write it on one line, in plain characters"
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029
}

// ControlName names a control character for people: "a line break", "a tab", "an escape
// character", else "a control character".
func ControlName(r rune) string {
	switch r {
	case '\n', 0x2028, 0x2029, 0x85:
		return "a line break"
	case '\r':
		return "a carriage return"
	case '\t':
		return "a tab"
	case 0x1b:
		return "an escape character"
	case 0:
		return "a NUL character"
	}
	return "a control character"
}
