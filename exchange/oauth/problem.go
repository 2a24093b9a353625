package oauth

import (
	"errors"
	"fmt"
)

// Problem is a sign-in that went wrong, said in a sentence for people; Error adds the
// package's name, as Go errors do.
type Problem struct {
	Text string
	err  error // what it was made from, if anything
}

func (p *Problem) Error() string { return "oauth: " + p.Text }

// Sentence is the problem for people, without the package's name.
func (p *Problem) Sentence() string { return p.Text }

// Unwrap gives the error the problem was made from, if any.
func (p *Problem) Unwrap() error { return p.err }

func problemf(format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	return &Problem{Text: e.Error(), err: errors.Unwrap(e)}
}
