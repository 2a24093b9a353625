package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/sample"
	"github.com/xchangedesk/xchangedesk/exchange/wording"
	"github.com/xchangedesk/xchangedesk/store"
)

// Exit statuses.
const (
	exitOK      = 0
	exitRefused = 1 // a broken rule, bad input, not found, data file in use
	exitUsage   = 2
)

// usageError is a command line that does not make sense; it exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// command is one verb of the command line.
type command struct {
	name, args, summary string
	run                 func(c *cli, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"demo", "", "fill an empty data file with the sample programme", (*cli).demo},
		{"hosts", "[--json]", "list hosts", (*cli).hosts},
		{"visitors", "[--json]", "list visitors", (*cli).visitors},
		{"placements", "[--host ID] [--visitor ID] [--status S] [--json]", "list placements", (*cli).placements},
		{"add-host", "--name --kind --country --city --email --contact [--capacity N] [--address]", "add a host; prints its id", (*cli).addHost},
		{"add-visitor", "--name --organisation --country --city --email", "add a visitor; prints its id", (*cli).addVisitor},
		{"book", "--host ID --visitor ID --first YYYY-MM-DD --last YYYY-MM-DD [--travel-days both|first|last|none]", "book a draft placement; prints its id", (*cli).book},
		{"request", "ID", "ask the host (draft → requested)", actVerb(exchange.Request)},
		{"confirm", "ID", "the host accepted (requested → confirmed)", actVerb(exchange.Confirm)},
		{"decline", "ID", "the host declined (requested → declined)", actVerb(exchange.Decline)},
		{"cancel", "ID [--reason TEXT]", "cancel a draft, requested or confirmed placement", actVerb(exchange.Cancel)},
		{"complete", "ID", "the stay is over (confirmed → completed)", actVerb(exchange.Complete)},
		{"close-host", "--host ID --from DATE --to DATE [--reason TEXT]", "add a closed period to a host", (*cli).closeHost},
		{"history", "ID [--json]", "a placement's history", (*cli).history},
		{"quote", "--host ID --visitor ID --first DATE --last DATE [--travel-days …] [--green] [--extra-travel-days N] [--json]", "what a booking would cost, and why", (*cli).quote},
		{"reprice", "ID", "price a placement again with the current rate tables", (*cli).reprice},
		{"budget", "[--json]", "envelope, committed, paid, remaining, by host country and partnership", (*cli).budget},
		{"set-envelope", "AMOUNT", "the programme's budget in EUR", (*cli).setEnvelope},
		{"use-profile", "cxc|erasmus", "the rate profile that prices bookings", (*cli).useProfile},
		{"rates", "export FILE | import FILE", "the rate tables as JSON; import makes a new version", (*cli).rates},
		{"check", "ID ITEM [--undo]", "tick a checklist item: " + itemNames(), (*cli).check},
		{"pay", "ID", "mark a completed placement paid (every document in)", (*cli).pay},
		{"export", "--format csv|xlsx --out FILE", "placements and budget for the partnership's reporting", (*cli).export},
		{"reschedule", "ID --first DATE --last DATE [--travel-days …]", "new dates, every rule checked again; queues updates to everyone invited", (*cli).reschedule},
		{"outbox", "[--json]", "the messages queued, sent and failed", (*cli).outbox},
		{"send", "", "deliver what is queued now; exit 1 if anything was not sent", (*cli).send},
		{"export-eml", "DIR", "write every outbox message as DIR/<id>.eml, byte for byte", (*cli).exportEML},
		{"smtp", "[--host H --port N --tls starttls|tls|none --user U --auth password|oauth2] [--password-stdin] [--test ADDRESS]", "the mail server settings (never the password)", (*cli).smtp},
		{"organiser", "[--name N --email E]", "who sends the invitations", (*cli).organiser},
		{"import-reply", "[--json] FILE...", "apply the hosts' and visitors' answers in .eml and .ics files", (*cli).importReply},
		{"fetch-replies", "[--json]", "read the organiser's mailbox once and apply the replies in it", (*cli).fetchReplies},
		{"imap", "[--host H --port N --tls starttls|tls|none --user U --folder F --auth password|oauth2] [--password-stdin] [--test]", "the organiser's mailbox settings (never the password)", (*cli).imap},
		{"oauth", "[--provider microsoft|google|custom] [--client-id ID] [--tenant T] [--auth-url URL --token-url URL [--device-url URL] [--revoke-url URL]] [--scopes \"…\"] [--account ADDRESS]", "the OAuth2 sign-in provider of the organiser's mailbox (never a token)", (*cli).oauthVerb},
		{"signin", "[--device] [--no-browser]", "sign the organiser's mailbox in with OAuth2; the sign-in is kept in the system keyring", (*cli).signin},
		{"signout", "", "forget the OAuth2 sign-in, and revoke it where the provider can", (*cli).signout},
		{"counter", "ID accept|refuse [--comment TEXT]", "answer a host's proposal of other dates", (*cli).counter},
		{"backup", "FILE", "write a consistent copy of the data file, even while the app runs", (*cli).backup},
	}
}

type cli struct {
	dbPath         string
	stdout, stderr io.Writer
	in             io.Reader // standard input; nil is os.Stdin
	st             *store.Store
}

func (c *cli) stdin() io.Reader {
	if c.in != nil {
		return c.in
	}
	return os.Stdin
}

// runCLI runs one verb and returns the exit status. args are the arguments after the global
// flags; dbPath is the data file.
func runCLI(dbPath string, args []string, stdout, stderr io.Writer) int {
	return runCLIWithInput(dbPath, args, nil, stdout, stderr)
}

// runCLIWithInput is runCLI reading standard input from stdin (nil is os.Stdin).
func runCLIWithInput(dbPath string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{dbPath: dbPath, in: stdin, stdout: stdout, stderr: stderr}
	verb := args[0]
	if verb == "help" || verb == "-h" || verb == "--help" {
		usage(stdout)
		return exitOK
	}
	for _, cmd := range commands {
		if cmd.name != verb {
			continue
		}
		err := cmd.run(c, args[1:])
		if c.st != nil {
			c.st.Close()
		}
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "xchange %s: %v\nusage: xchange [--db PATH] %s %s\n", verb, err, cmd.name, cmd.args)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "xchange %s: %s\n", verb, refusal(err))
			return exitRefused
		}
	}
	fmt.Fprintf(stderr, "xchange: unknown verb %q\n", verb)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: xchange [--db PATH]            open the desktop app")
	fmt.Fprintln(w, "       xchange [--db PATH] VERB [flags]")
	fmt.Fprintln(w, "\nverbs:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nThe data file is --db PATH, else $XCHANGE_DB, else", defaultPathHint())
}

func defaultPathHint() string {
	p, err := store.DefaultPath()
	if err != nil {
		return "a file in the user's configuration directory"
	}
	return p
}

// refusal says why a verb was refused, on one line: the wording the app shows too, plus
// what only a command line can offer.
func refusal(err error) string {
	switch {
	case errors.Is(err, store.ErrLocked):
		return "The data file is open in another Xchange Desk window or command; close it and try again."
	case errors.Is(err, mail.ErrNoKeyring):
		return "This system has no keyring to keep the password in, so nothing was saved; set " + mail.PasswordVariable + " instead."
	case errors.Is(err, store.ErrNewerSchema):
		return "The data file was written by a newer Xchange Desk; update this one to open it."
	}
	msg := wording.Error(err)
	for _, v := range exchange.Violations(err) {
		switch v.Rule {
		case exchange.RuleUnknownCity, exchange.RuleAmbiguousCity:
			msg += " Give them with --lat and --lon."
		case exchange.RuleClosingReport:
			msg += " Tick it with: xchange check ID closing-report."
		case exchange.RuleOrganiserMissing:
			msg += " Set it with: xchange organiser --name NAME --email ADDRESS."
		}
	}
	return msg
}

// oneLine keeps an error's own message on one line, for --json.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// open opens the data file for this command.
func (c *cli) open() (*store.Store, error) {
	s, err := store.Open(c.dbPath, nil)
	if err != nil {
		return nil, err
	}
	c.st = s
	return s, nil
}

// flags makes a flag set for a verb that reports usage problems as usageError.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags that may stand before or after positional arguments, and returns the
// positional arguments; want is how many there must be, or -1 for any number.
func parse(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if want >= 0 && len(pos) != want {
		if want == 0 {
			return nil, usagef("unexpected argument %q", pos[0])
		}
		return nil, usagef("want %d argument(s), got %d", want, len(pos))
	}
	return pos, nil
}

func required(fs *flag.FlagSet, names ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var missing []string
	for _, n := range names {
		if !set[n] {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usagef("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// listing parses a listing verb, whose only flag is --json, and opens the data file.
func (c *cli) listing(name string, args []string) (asJSON bool, s *store.Store, err error) {
	fs := flags(name)
	j := fs.Bool("json", false, "")
	if _, err := parse(fs, args, 0); err != nil {
		return false, nil, err
	}
	s, err = c.open()
	return *j, s, err
}

// onPlacement parses a verb's flags (the named ones required) and its one argument, a
// placement id, and opens the data file.
func (c *cli) onPlacement(fs *flag.FlagSet, args []string, need ...string) (exchange.ID, *store.Store, error) {
	pos, err := parse(fs, args, 1)
	if err != nil {
		return exchange.ID{}, nil, err
	}
	if err := required(fs, need...); err != nil {
		return exchange.ID{}, nil, err
	}
	id, err := idArg("placement", pos[0])
	if err != nil {
		return id, nil, err
	}
	s, err := c.open()
	return id, s, err
}

// idArg reads an id given for field (host, visitor, placement).
func idArg(field, s string) (exchange.ID, error) {
	id, err := exchange.ParseID(s)
	if err != nil {
		return id, &exchange.RuleError{Field: field, Rule: exchange.RuleFormat, Value: s, Reason: err.Error()}
	}
	return id, nil
}

// dateArg reads a date given for field, from 2000-01-01 to 2099-12-31.
func dateArg(field, s string) (exchange.Date, error) {
	return exchange.ParseDateInRange(field, s)
}

func (c *cli) json(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c *cli) table(header string, rows [][]string) {
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

func (c *cli) demo(args []string) error {
	if _, err := parse(flags("demo"), args, 0); err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	data := sample.Programme(exchange.DateOf(s.Now()))
	if err := s.Load(store.Seed(data)); err != nil {
		if errors.Is(err, store.ErrNotEmpty) {
			return fmt.Errorf("%s already holds data; demo only fills an empty data file", c.dbPath)
		}
		return err
	}
	fmt.Fprintf(c.stdout, "loaded the sample programme: %d hosts, %d visitors, %d placements into %s\n",
		len(data.Hosts), len(data.Visitors), len(data.Placements), c.dbPath)
	return nil
}

type hostJSON struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Kind        string       `json:"kind"`
	Country     string       `json:"country"`
	City        string       `json:"city"`
	Address     string       `json:"address,omitempty"`
	Email       string       `json:"email"`
	Contact     string       `json:"contact"`
	Capacity    int          `json:"capacity"`
	Partnership string       `json:"partnership,omitempty"`
	Closed      []closedJSON `json:"closed"`
	Lat         float64      `json:"lat"`
	Lon         float64      `json:"lon"`
}

type closedJSON struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason,omitempty"`
}

func (c *cli) hosts(args []string) error {
	asJSON, s, err := c.listing("hosts", args)
	if err != nil {
		return err
	}
	hs, err := s.Hosts()
	if err != nil {
		return err
	}
	if asJSON {
		out := []hostJSON{}
		for _, h := range hs {
			j := hostJSON{h.ID.String(), h.Name, string(h.Kind), h.Country, h.City, h.Address, h.Email, h.Contact, h.Capacity, h.Partnership, []closedJSON{},
				h.Coordinates.Lat, h.Coordinates.Lon}
			for _, p := range h.Closed {
				j.Closed = append(j.Closed, closedJSON{p.From.String(), p.To.String(), p.Reason})
			}
			out = append(out, j)
		}
		return c.json(out)
	}
	var rows [][]string
	for _, h := range hs {
		rows = append(rows, []string{h.ID.String(), h.Name, h.Kind.Label(), h.Country, h.City, fmt.Sprint(h.Capacity), h.Contact + " <" + h.Email + ">"})
	}
	c.table("ID\tNAME\tKIND\tCOUNTRY\tCITY\tCAPACITY\tCONTACT", rows)
	return nil
}

type visitorJSON struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Organisation string  `json:"organisation"`
	Country      string  `json:"country"`
	City         string  `json:"city"`
	Email        string  `json:"email"`
	Partnership  string  `json:"partnership,omitempty"`
	Lat          float64 `json:"lat"`
	Lon          float64 `json:"lon"`
}

func (c *cli) visitors(args []string) error {
	asJSON, s, err := c.listing("visitors", args)
	if err != nil {
		return err
	}
	vs, err := s.Visitors()
	if err != nil {
		return err
	}
	if asJSON {
		out := []visitorJSON{}
		for _, v := range vs {
			out = append(out, visitorJSON{v.ID.String(), v.Name, v.Organisation, v.Country, v.City, v.Email, v.Partnership, v.Coordinates.Lat, v.Coordinates.Lon})
		}
		return c.json(out)
	}
	var rows [][]string
	for _, v := range vs {
		rows = append(rows, []string{v.ID.String(), v.Name, v.Organisation, v.Country, v.City, v.Email})
	}
	c.table("ID\tNAME\tORGANISATION\tCOUNTRY\tCITY\tEMAIL", rows)
	return nil
}

type placementJSON struct {
	ID           string   `json:"id"`
	HostID       string   `json:"host_id"`
	VisitorID    string   `json:"visitor_id"`
	First        string   `json:"first"`
	Last         string   `json:"last"`
	Status       string   `json:"status"`
	WorkingDays  int      `json:"working_days"`
	TravelDays   string   `json:"travel_days"`
	Host         string   `json:"host"`
	Visitor      string   `json:"visitor"`
	LumpSumCents *int64   `json:"lump_sum_cents"`
	DistanceKm   *float64 `json:"distance_km"`
	PaymentDue   string   `json:"payment_due,omitempty"`
	PaidOn       string   `json:"paid_on,omitempty"`
	Missing      []string `json:"missing_documents"`
}

func (c *cli) placements(args []string) error {
	fs := flags("placements")
	asJSON := fs.Bool("json", false, "")
	hostID := fs.String("host", "", "")
	visitorID := fs.String("visitor", "", "")
	status := fs.String("status", "", "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	var f store.Filter
	var err error
	if *hostID != "" {
		if f.HostID, err = idArg("host", *hostID); err != nil {
			return err
		}
	}
	if *visitorID != "" {
		if f.VisitorID, err = idArg("visitor", *visitorID); err != nil {
			return err
		}
	}
	if *status != "" {
		if f.Status, err = exchange.ParseStatus(strings.ToLower(*status)); err != nil {
			return err
		}
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	ps, err := s.Placements(f)
	if err != nil {
		return err
	}
	snap, err := s.Snapshot()
	if err != nil {
		return err
	}
	hosts, visitors := byID(snap.Hosts, func(h exchange.Host) exchange.ID { return h.ID }), byID(snap.Visitors, func(v exchange.Visitor) exchange.ID { return v.ID })
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].First.Before(ps[j].First) })
	if *asJSON {
		out := []placementJSON{}
		for _, p := range ps {
			h := hosts[p.HostID]
			j := placementJSON{ID: p.ID.String(), HostID: p.HostID.String(), VisitorID: p.VisitorID.String(), First: p.First.String(),
				Last: p.Last.String(), Status: string(p.Status), WorkingDays: p.WorkingDays(h), TravelDays: string(p.Travel),
				Host: h.Name, Visitor: visitors[p.VisitorID].Name, PaymentDue: p.PaymentDue().String(), PaidOn: p.PaidOn.String(),
				Missing: []string{}}
			if p.Price != nil {
				lump, km := int64(p.Price.LumpSum), p.Price.DistanceKm
				j.LumpSumCents, j.DistanceKm = &lump, &km
			}
			for _, it := range p.Missing() {
				j.Missing = append(j.Missing, string(it))
			}
			out = append(out, j)
		}
		return c.json(out)
	}
	var rows [][]string
	for _, p := range ps {
		h := hosts[p.HostID]
		lump := "not priced"
		if p.Price != nil {
			lump = p.Price.LumpSum.String()
		}
		rows = append(rows, []string{p.ID.String(), wording.Date(p.First), wording.Date(p.Last), fmt.Sprint(p.WorkingDays(h)), string(p.Status), lump, visitors[p.VisitorID].Name, h.Name})
	}
	c.table("ID\tFIRST\tLAST\tDAYS\tSTATUS\tLUMP SUM\tVISITOR\tHOST", rows)
	return nil
}

func byID[T any](xs []T, id func(T) exchange.ID) map[exchange.ID]T {
	m := make(map[exchange.ID]T, len(xs))
	for _, x := range xs {
		m[id(x)] = x
	}
	return m
}

func (c *cli) addHost(args []string) error {
	fs := flags("add-host")
	var h exchange.Host
	var kind string
	fs.StringVar(&h.Name, "name", "", "")
	fs.StringVar(&kind, "kind", "", "")
	fs.StringVar(&h.Country, "country", "", "")
	fs.StringVar(&h.City, "city", "", "")
	fs.StringVar(&h.Address, "address", "", "")
	fs.StringVar(&h.Email, "email", "", "")
	fs.StringVar(&h.Contact, "contact", "", "")
	fs.StringVar(&h.Partnership, "partnership", "", "")
	fs.IntVar(&h.Capacity, "capacity", exchange.DefaultCapacity, "")
	lat, lon := coordFlags(fs)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := setCoordinates(fs, &h.Coordinates, *lat, *lon); err != nil {
		return err
	}
	if err := required(fs, "name", "kind", "country", "city", "email", "contact"); err != nil {
		return err
	}
	k, err := exchange.ParseKind(kind)
	if err != nil {
		return err
	}
	h.Kind = k
	s, err := c.open()
	if err != nil {
		return err
	}
	if h, err = s.AddHost(h); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, h.ID)
	return nil
}

func (c *cli) addVisitor(args []string) error {
	fs := flags("add-visitor")
	var v exchange.Visitor
	var kind string
	fs.StringVar(&v.Name, "name", "", "")
	fs.StringVar(&v.Organisation, "organisation", "", "")
	fs.StringVar(&kind, "kind", string(exchange.SME), "")
	fs.StringVar(&v.Country, "country", "", "")
	fs.StringVar(&v.City, "city", "", "")
	fs.StringVar(&v.Email, "email", "", "")
	fs.StringVar(&v.Partnership, "partnership", "", "")
	lat, lon := coordFlags(fs)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := setCoordinates(fs, &v.Coordinates, *lat, *lon); err != nil {
		return err
	}
	if err := required(fs, "name", "organisation", "country", "city", "email"); err != nil {
		return err
	}
	k, err := exchange.ParseKind(kind)
	if err != nil {
		return err
	}
	v.Kind = k
	s, err := c.open()
	if err != nil {
		return err
	}
	if v, err = s.AddVisitor(v); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, v.ID)
	return nil
}

func (c *cli) book(args []string) error {
	fs := flags("book")
	req := bookingFlags(fs)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	r, err := req()
	if err != nil {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	p, err := s.Book(r)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, p.ID)
	return nil
}

// bookingFlags declares the flags of a booking on fs; the returned function reads them once
// parsed.
func bookingFlags(fs *flag.FlagSet) func() (store.BookingRequest, error) {
	hostID := fs.String("host", "", "")
	visitorID := fs.String("visitor", "", "")
	first := fs.String("first", "", "")
	last := fs.String("last", "", "")
	travel := fs.String("travel-days", "both", "")
	goals := fs.String("goals", "", "")
	green := fs.Bool("green", false, "")
	extra := fs.Int("extra-travel-days", 0, "")
	return func() (store.BookingRequest, error) {
		var r store.BookingRequest
		if err := required(fs, "host", "visitor", "first", "last"); err != nil {
			return r, err
		}
		var err error
		if r.HostID, err = idArg("host", *hostID); err != nil {
			return r, err
		}
		if r.VisitorID, err = idArg("visitor", *visitorID); err != nil {
			return r, err
		}
		if r.First, err = dateArg("first", *first); err != nil {
			return r, err
		}
		if r.Last, err = dateArg("last", *last); err != nil {
			return r, err
		}
		if r.Travel, err = exchange.ParseTravelDays(*travel); err != nil {
			return r, err
		}
		r.Goals, r.GreenTravel, r.ExtraTravelDays = *goals, *green, *extra
		return r, nil
	}
}

func actVerb(a exchange.Action) func(c *cli, args []string) error {
	return func(c *cli, args []string) error {
		fs := flags(string(a))
		reason := ""
		if a == exchange.Cancel {
			fs.StringVar(&reason, "reason", "", "")
		}
		pos, err := parse(fs, args, 1)
		if err != nil {
			return err
		}
		id, err := idArg("placement", pos[0])
		if err != nil {
			return err
		}
		s, err := c.open()
		if err != nil {
			return err
		}
		p, err := s.Act(id, a, reason)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s %s\n", p.ID, p.Status)
		return nil
	}
}

func (c *cli) closeHost(args []string) error {
	fs := flags("close-host")
	hostID := fs.String("host", "", "")
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	reason := fs.String("reason", "", "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := required(fs, "host", "from", "to"); err != nil {
		return err
	}
	id, err := idArg("host", *hostID)
	if err != nil {
		return err
	}
	var cp exchange.ClosedPeriod
	if cp.From, err = dateArg("from", *from); err != nil {
		return err
	}
	if cp.To, err = dateArg("to", *to); err != nil {
		return err
	}
	cp.Reason = *reason
	s, err := c.open()
	if err != nil {
		return err
	}
	h, err := s.CloseHost(id, cp)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s is closed on %s\n", h.Name, wording.Period(cp.Period))
	return nil
}

type eventJSON struct {
	At     string `json:"at"`
	By     string `json:"by"`
	Action string `json:"action"`
	Detail string `json:"detail"`
}

func (c *cli) history(args []string) error {
	fs := flags("history")
	asJSON := fs.Bool("json", false, "")
	id, s, err := c.onPlacement(fs, args)
	if err != nil {
		return err
	}
	p, err := s.Placement(id)
	if err != nil {
		return err
	}
	if *asJSON {
		out := []eventJSON{}
		for _, e := range p.History {
			out = append(out, eventJSON{e.At.UTC().Format("2006-01-02T15:04:05Z"), e.By, string(e.Action), e.Detail})
		}
		return c.json(out)
	}
	var rows [][]string
	for _, e := range p.History {
		rows = append(rows, []string{wording.Stamp(e.At), e.By, e.Action.Past(), e.Detail})
	}
	c.table("WHEN\tWHO\tWHAT\tDETAIL", rows)
	return nil
}

func (c *cli) backup(args []string) error {
	pos, err := parse(flags("backup"), args, 1)
	if err != nil {
		return err
	}
	dest := pos[0]
	if _, err := os.Stat(c.dbPath); err != nil {
		return fmt.Errorf("no data file at %s", c.dbPath)
	}
	s, err := store.Open(c.dbPath, &store.Options{LockTimeout: 500 * time.Millisecond})
	if errors.Is(err, store.ErrLocked) {
		// The app has the file open: ask it for the copy.
		if err := store.RequestBackup(c.dbPath, dest); err != nil {
			return err
		}
	} else if err != nil {
		return err
	} else {
		c.st = s
		if err := s.BackupFile(dest); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "backed up %s to %s\n", c.dbPath, dest)
	return nil
}
