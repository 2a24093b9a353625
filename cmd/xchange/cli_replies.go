package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// replyJSON is one line of import-reply --json and fetch-replies --json.
type replyJSON struct {
	File        string `json:"file,omitempty"`
	Source      string `json:"source,omitempty"`
	Outcome     string `json:"outcome"`
	PlacementID string `json:"placement_id,omitempty"`
	Method      string `json:"method,omitempty"`
	PartStat    string `json:"partstat,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// outcomeError is the outcome of a file that could not be read.
const outcomeError = "error"

// importReply applies the replies in mail (.eml) and calendar (.ics) files, one line a file.
// It exits 1 when any file was refused or could not be read.
func (c *cli) importReply(args []string) error {
	fs := flags("import-reply")
	asJSON := fs.Bool("json", false, "")
	files, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("name at least one .eml or .ics file")
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	var out []replyJSON
	bad := 0
	for _, f := range files {
		r := applyFile(s, f)
		if r.Outcome == string(store.Refused) || r.Outcome == outcomeError {
			bad++
		}
		out = append(out, r)
	}
	if *asJSON {
		if err := c.json(out); err != nil {
			return err
		}
	} else {
		for _, r := range out {
			line := r.File + ": " + r.Outcome
			if r.PartStat != "" {
				line += " (" + strings.ToLower(r.Method+" "+r.PartStat) + ")"
			}
			if r.Reason != "" {
				line += " — " + r.Reason
			}
			fmt.Fprintln(c.stdout, line)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d %s refused or could not be read", bad, len(out), plural(len(out), "file was", "files were"))
	}
	return nil
}

// applyFile reads one file and applies the reply in it.
func applyFile(s *store.Store, path string) replyJSON {
	out := replyJSON{File: path}
	r, err := store.ReadReplyFile(path)
	switch {
	case errors.Is(err, store.ErrNotAReply):
		out.Outcome = string(store.NotReply)
		return out
	case err != nil:
		out.Outcome, out.Reason = outcomeError, wording.Error(err)
		return out
	}
	out.Method, out.PartStat = r.Method, r.PartStat
	res, err := s.ApplyReply(r)
	if err != nil {
		out.Outcome, out.Reason = outcomeError, wording.Error(err)
		return out
	}
	out.Outcome = string(res.Outcome)
	if !res.PlacementID.IsZero() {
		out.PlacementID = res.PlacementID.String()
	}
	if res.Reason != nil {
		out.Reason = wording.Error(res.Reason)
	}
	return out
}

// counter accepts or refuses the host's pending proposal of other dates.
func (c *cli) counter(args []string) error {
	fs := flags("counter")
	comment := fs.String("comment", "", "")
	pos, err := parse(fs, args, 2)
	if err != nil {
		return err
	}
	id, err := idArg("placement", pos[0])
	if err != nil {
		return err
	}
	var accept bool
	switch pos[1] {
	case "accept":
		accept = true
	case "refuse":
	default:
		return usagef("answer accept or refuse, not %q", pos[1])
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	p, err := s.AnswerCounter(id, accept, *comment)
	if err != nil {
		return err
	}
	if accept {
		fmt.Fprintf(c.stdout, "moved to %s; updates are queued for everyone invited\n", wording.Range(p.First, p.Last))
	} else {
		fmt.Fprintf(c.stdout, "the dates stay %s; the host's proposal is answered\n", wording.Range(p.First, p.Last))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
