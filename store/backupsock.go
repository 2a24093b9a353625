package store

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// A running Xchange Desk holds its data file's lock, so another process cannot open the file
// to back it up. ServeBackups lets it: the app listens on a Unix socket beside the data file
// (mode 0600, so only its owner can ask) and answers "backup PATH" with a hot backup taken in
// its own read transaction. RequestBackup is the other end, used by `xchange backup`.

// SocketPath is where the app that holds dbPath listens for backup requests.
func SocketPath(dbPath string) string { return dbPath + ".sock" }

// ServeBackups answers backup requests until the returned listener is closed.
func (s *Store) ServeBackups() (net.Listener, error) {
	path := SocketPath(s.path)
	_ = os.Remove(path) // a socket left by a crash; we hold the data file's lock, so it is ours
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("store: backup socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("store: backup socket: %w", err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.answerBackup(c)
		}
	}()
	return l, nil
}

func (s *Store) answerBackup(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	dest, ok := strings.CutPrefix(strings.TrimSpace(line), "backup ")
	if !ok || !filepath.IsAbs(dest) {
		fmt.Fprintln(c, "error: want 'backup /absolute/path'")
		return
	}
	if err := s.BackupFile(dest); err != nil {
		fmt.Fprintln(c, "error:", err)
		return
	}
	fmt.Fprintln(c, "ok")
}

// RequestBackup asks the app that holds dbPath to back it up to dest.
func RequestBackup(dbPath, dest string) error {
	dest, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	if SameFile(dest, dbPath) || SameFile(dest, SocketPath(dbPath)) {
		return &exchange.RuleError{Field: "file", Rule: exchange.RuleBackupTarget, Value: dest, Reason: fmt.Sprintf("%s is the data file itself; back it up to another file", dest)}
	}
	c, err := net.DialTimeout("unix", SocketPath(dbPath), 2*time.Second)
	if err != nil {
		return fmt.Errorf("%w: and the program holding it does not answer backup requests (%v)", ErrLocked, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	if _, err := fmt.Fprintf(c, "backup %s\n", dest); err != nil {
		return err
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("store: backup: no answer from the running app: %w", err)
	}
	if reply = strings.TrimSpace(reply); reply != "ok" {
		return errors.New(strings.TrimPrefix(reply, "error: "))
	}
	return nil
}
