// Package keyringtest gives a test a real Secret Service of its own: a private D-Bus
// session bus with an unlocked gnome-keyring-daemon on it, both started for the test and
// stopped when it ends. The test never touches the keyring of the person running it, and
// needs no desktop session, no systemd and no X: it works as root in a fresh container.
//
// It needs the Debian packages dbus (dbus-daemon, dbus-send) and gnome-keyring, which
// `make deps` installs. Without them a test fails when CI=true and is skipped otherwise.
package keyringtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// Password unlocks the throwaway login keyring. It guards nothing.
const Password = "keyringtest-throwaway"

// LoginCollection is the D-Bus object of the login keyring, where go-keyring keeps secrets.
const LoginCollection = "/org/freedesktop/secrets/collection/login"

// Bus is a private D-Bus session bus that the test's DBUS_SESSION_BUS_ADDRESS points at.
type Bus struct {
	Address string // DBUS_SESSION_BUS_ADDRESS of the bus
}

// Keyring is an unlocked gnome-keyring-daemon serving the Secret Service on a private bus.
type Keyring struct {
	Bus
	// Dir is the daemon's home: its keyring files are under Dir/.local/share/keyrings.
	Dir string
	log *buffer
}

// Start starts a private session bus and an unlocked gnome-keyring-daemon on it, points
// the test's DBUS_SESSION_BUS_ADDRESS at that bus with t.Setenv (so the test may not be
// parallel) and stops both when the test ends. It returns once the Secret Service answers.
func Start(t testing.TB) *Keyring {
	t.Helper()
	need(t, "gnome-keyring-daemon")
	bus := StartBus(t)
	dir := t.TempDir()
	k := &Keyring{Bus: *bus, Dir: dir, log: &buffer{}}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
		"HOME=" + dir,
		"XDG_DATA_HOME=" + filepath.Join(dir, ".local", "share"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, ".cache"),
		"XDG_RUNTIME_DIR=" + mkdir(t, filepath.Join(dir, "run")),
		"DBUS_SESSION_BUS_ADDRESS=" + bus.Address,
	}
	// --unlock reads the login keyring's password from standard input, creating the
	// keyring with it the first time; --foreground keeps the daemon our child, to stop.
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(Password)
	cmd.Stdout, cmd.Stderr = k.log, k.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("keyringtest: gnome-keyring-daemon: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stop(cmd, exited) })

	// Wait until the login collection answers: before the daemon owns its name on the bus,
	// go-keyring gets "service unknown" (the private bus starts nothing on demand). This
	// also outlives go-keyring's one shared connection (godbus's SessionBus) to an earlier
	// test's bus, which fails once and is then made anew to this one.
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := keyring.Get("keyringtest", "probe")
		if errors.Is(err, keyring.ErrNotFound) {
			return k
		}
		select {
		case werr := <-exited:
			exited <- werr
			t.Fatalf("keyringtest: gnome-keyring-daemon exited (%v): %s", werr, k.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyringtest: the Secret Service did not answer in time (last: %v): %s", err, k.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StartBus starts a private session bus with nothing on it, and nothing it would start
// on demand: no Secret Service. It points the test's DBUS_SESSION_BUS_ADDRESS at it with
// t.Setenv and stops it when the test ends.
func StartBus(t testing.TB) *Bus {
	t.Helper()
	need(t, "dbus-daemon")
	// The socket's path must fit in sun_path (108 bytes), which t.TempDir's may not.
	sock, err := os.MkdirTemp("", "keyringtest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sock) })
	conf := filepath.Join(sock, "session.conf")
	// The session bus's policy, without service directories: no daemon may be started by
	// the bus itself (a locked keyring would otherwise appear behind the test's back).
	err = os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+filepath.Join(sock, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	log := &buffer{}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--print-address=1")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("keyringtest: dbus-daemon: %v", err)
	}
	lines, drained := make(chan string, 1), make(chan struct{})
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		lines <- strings.TrimSpace(line)
		r.WriteTo(log) // keep the pipe drained until the daemon ends
		close(drained)
	}()
	exited := make(chan error, 1)
	go func() {
		<-drained // Wait closes the pipe: only once it is read to the end
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { stop(cmd, exited) })
	select {
	case addr := <-lines:
		if addr == "" {
			t.Fatalf("keyringtest: dbus-daemon printed no address: %s", log)
		}
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		return &Bus{Address: addr}
	case <-time.After(15 * time.Second):
		t.Fatalf("keyringtest: dbus-daemon printed no address in time: %s", log)
		return nil
	}
}

// Lock locks the login keyring, as a screen lock or a session without PAM leaves it.
func (k *Keyring) Lock(t testing.TB) {
	t.Helper()
	k.Send(t, "/org/freedesktop/secrets", "org.freedesktop.Secret.Service.Lock", "array:objpath:"+LoginCollection)
}

// Send calls method on the Secret Service's object path with dbus-send and returns the
// reply as dbus-send prints it.
func (b *Bus) Send(t testing.TB, path, method string, args ...string) string {
	t.Helper()
	need(t, "dbus-send")
	argv := append([]string{"--bus=" + b.Address, "--print-reply", "--reply-timeout=10000",
		"--dest=org.freedesktop.secrets", path, method}, args...)
	cmd := exec.Command("dbus-send", argv...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("keyringtest: dbus-send %s: %v: %s", method, err, out)
	}
	return string(out)
}

// Files returns the daemon's keyring files and their contents.
func (k *Keyring) Files(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(k.Dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Log is what the daemon said, for a failing test's message.
func (k *Keyring) Log() string { return k.log.String() }

// need fails the test under CI=true, and skips it elsewhere, when program is missing.
func need(t testing.TB, program string) {
	t.Helper()
	if _, err := exec.LookPath(program); err == nil {
		return
	}
	msg := fmt.Sprintf("keyringtest: %s is not installed (Debian: make deps installs dbus and gnome-keyring)", program)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func mkdir(t testing.TB, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// stop ends a daemon and its process group: TERM, then KILL if it lingers.
func stop(cmd *exec.Cmd, exited chan error) {
	pid := cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-exited
	}
}

// buffer is a bytes.Buffer safe for a daemon's output and the test's reading.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
