package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// ErrLocked is returned by Open when another Xchange Desk holds the data file.
var ErrLocked = errors.New("store: data file is in use")

// ErrNewerSchema is returned by Open for a file written by a newer Xchange Desk.
var ErrNewerSchema = errors.New("store: data file was written by a newer version")

// ErrNotEmpty is returned by Seed when the data file already holds data.
var ErrNotEmpty = errors.New("store: data file already holds data")

var (
	bucketMeta         = []byte("meta")
	bucketHosts        = []byte("hosts")
	bucketVisitors     = []byte("visitors")
	bucketPlacements   = []byte("placements")
	bucketByHost       = []byte("by_host")
	bucketByVisitor    = []byte("by_visitor")
	bucketByOrg        = []byte("by_organisation")
	bucketReplies      = []byte("replies") // reply key → replyRecord: what became of each reply read
	keySchema          = []byte("schema")
	keyProgramme       = []byte("programme")
	defaultLockTimeout = 2 * time.Second
)

// migrations bring a file from schema version i to i+1. The list is append-only: never edit
// or reorder an entry once released.
var migrations = []func(tx *bolt.Tx) error{
	// 1: the first layout.
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketHosts, bucketVisitors, bucketPlacements, bucketByHost, bucketByVisitor, bucketByOrg} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 2: rate tables, budget totals, coordinates and prices (travel budgets); frozen in
	// migrate2.go.
	migration2,
	// 3: the outbox.
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketOutbox, bucketOutboxRaw, bucketOutboxQueued, bucketOutboxByPl} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 4: the replies read from mail and files, by Message-ID or calendar digest.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("replies"))
		return err
	},
	// 5: the messages processed on an IMAP server that keeps no keywords.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("mailbox_seen"))
		return err
	},
}

// SchemaVersion is the version this build writes.
var SchemaVersion = uint64(len(migrations))

// Options tune Open.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the file.
	LockTimeout time.Duration
}

// Store is an open data file.
type Store struct {
	db   *bolt.DB
	path string

	// Now is the clock used for history and for "today"; tests replace it.
	Now func() time.Time
	// Actor is who is recorded in placement histories: the login of the person using the app.
	Actor string
}

// DefaultPath is the data file used when neither --db nor XCHANGE_DB names one: a file in the
// user's configuration directory.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("store: no configuration directory: %w", err)
	}
	return filepath.Join(dir, "xchange-desk", "xchange.db"), nil
}

// Open opens or creates the data file at path (mode 0600) and brings its schema up to date.
// It returns ErrLocked when another process holds the file for longer than the lock timeout.
func Open(path string, opts *Options) (*Store, error) {
	timeout := defaultLockTimeout
	if opts != nil && opts.LockTimeout > 0 {
		timeout = opts.LockTimeout
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s is open in another Xchange Desk window or command; close it and try again", ErrLocked, path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return nil, fmt.Errorf("store: %s is not an Xchange Desk data file (%v)", path, err)
	case err != nil:
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	s := &Store{db: db, path: path, Now: time.Now, Actor: currentUser()}
	// Only write when there is something to migrate: every bbolt commit rewrites a meta page,
	// and opening a file to read it should leave it byte for byte as it was.
	var current bool
	_ = db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			v := meta.Get(keySchema)
			current = len(v) == 8 && binary.BigEndian.Uint64(v) == SchemaVersion
		}
		return nil
	})
	if !current {
		if err := db.Update(migrate); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: %s: %w", path, err)
		}
	}
	if err := db.View(checkLayout); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s is damaged: %w", path, err)
	}
	return s, nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

func migrate(tx *bolt.Tx) error {
	var version uint64
	if meta := tx.Bucket(bucketMeta); meta != nil {
		if v := meta.Get(keySchema); len(v) == 8 {
			version = binary.BigEndian.Uint64(v)
		}
	} else if tx.Bucket(bucketHosts) == nil && hasBuckets(tx) {
		return errors.New("not an Xchange Desk data file (unknown buckets)")
	}
	if version > SchemaVersion {
		return fmt.Errorf("%w (schema %d; this build knows %d)", ErrNewerSchema, version, SchemaVersion)
	}
	for i := version; i < SchemaVersion; i++ {
		if err := migrations[i](tx); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	if version == SchemaVersion {
		return nil
	}
	return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, SchemaVersion))
}

// allBuckets are the buckets the current schema has; every method may rely on them.
var allBuckets = [][]byte{bucketMeta, bucketHosts, bucketVisitors, bucketPlacements, bucketByHost, bucketByVisitor,
	bucketByOrg, bucketRates, bucketOutbox, bucketOutboxRaw, bucketOutboxQueued, bucketOutboxByPl, bucketReplies,
	bucketMailboxSeen}

// checkLayout refuses a file whose schema version claims buckets it does not have, rather
// than failing later in the middle of a screen.
func checkLayout(tx *bolt.Tx) error {
	for _, b := range allBuckets {
		if tx.Bucket(b) == nil {
			return fmt.Errorf("the %q part is missing", b)
		}
	}
	return nil
}

func hasBuckets(tx *bolt.Tx) bool {
	found := false
	_ = tx.ForEach(func([]byte, *bolt.Bucket) error { found = true; return nil })
	return found
}

// Path is the data file's location.
func (s *Store) Path() string { return s.path }

// Close releases the file.
func (s *Store) Close() error { return s.db.Close() }

// Backup writes a consistent copy of the data file to w while the store stays usable.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a consistent copy of the data file to path. The copy appears whole or not
// at all: it is written beside path and renamed into place.
func (s *Store) BackupFile(path string) error {
	if SameFile(path, s.path) || SameFile(path, SocketPath(s.path)) {
		return &exchange.RuleError{Field: "file", Rule: exchange.RuleBackupTarget, Value: path, Reason: fmt.Sprintf("%s is the data file itself; back it up to another file", path)}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".xchange-backup-*")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("store: backup: %w", err)
	}
	if _, err := s.Backup(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// SameFile reports whether two paths name the same file (or, for paths that do not exist
// yet, the same cleaned absolute path).
func SameFile(a, b string) bool {
	ia, erra := os.Stat(a)
	ib, errb := os.Stat(b)
	if erra == nil && errb == nil {
		return os.SameFile(ia, ib)
	}
	aa, _ := filepath.Abs(a)
	bb, _ := filepath.Abs(b)
	return filepath.Clean(aa) == filepath.Clean(bb)
}

// get decodes the JSON record under key in bucket into v; it reports whether it was there.
func get(tx *bolt.Tx, bucket, key []byte, v any) (bool, error) {
	b := tx.Bucket(bucket).Get(key)
	if b == nil {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("store: %s/%x: %w", bucket, key, err)
	}
	return true, nil
}

func put(tx *bolt.Tx, bucket, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put(key, b)
}

// each decodes every record of bucket into a fresh T and calls fn with it.
func each[T any](tx *bolt.Tx, bucket []byte, fn func(T) error) error {
	return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
		var r T
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("store: %s/%x: %w", bucket, k, err)
		}
		return fn(r)
	})
}
