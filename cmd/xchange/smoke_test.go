//go:build smoke && linux

// The smoke test opens the real desktop app the way a person would: it builds
// the binary, starts it in a virtual X server (Xvfb) on a data file filled by
// the demo verb, waits for the "Xchange Desk" window, checks from a screenshot
// that the window drew something, then closes the window as a window manager
// would and checks the app exits cleanly.
//
//	go test -tags smoke -run Smoke -count=1 -v ./cmd/xchange
//
// It needs Xvfb, xwininfo (x11-utils) and import (imagemagick): `make deps`
// installs them. Without them it is skipped, except under CI, where it fails.
// XCHANGE_SMOKE_BIN runs a prebuilt binary instead of building this package;
// XCHANGE_SMOKE_SCREENSHOT keeps the screenshot at that path.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	smokeTitle = "Xchange Desk" // the main window's title, exactly

	windowTimeout = 30 * time.Second // from start to a visible window
	drawTimeout   = 10 * time.Second // from a visible window to a drawn one
	exitTimeout   = 10 * time.Second // from the close request to the process exit

	// minColours tells a drawn window from an empty one: a flat background has
	// one or two colours, antialiased text and icons have hundreds.
	minColours = 50
)

func TestSmokeWindowOpensDrawsAndCloses(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xwininfo", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (run `make deps`): %v", tool, err)
			}
			t.Skipf("%s is not installed (run `make deps`)", tool)
		}
	}

	dir := t.TempDir()
	bin := smokeBinary(t, dir)
	display := startXvfb(t, dir)
	env := appEnv(dir, display)
	db := filepath.Join(dir, "x.db")
	// A development build under the temp dir, like this one, reads FyneApp.toml
	// (ID, icon, fyneDo migration) from its working folder: run it from the
	// module root so that it finds it.
	root := moduleRoot(t)

	// Sample data first, so the window has something to draw.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	demo := exec.CommandContext(ctx, bin, "--db", db, "demo")
	demo.Env, demo.Dir = env, root
	if out, err := demo.CombinedOutput(); err != nil {
		t.Fatalf("xchange --db %s demo: %v\n%s", db, err, out)
	}

	logPath := filepath.Join(dir, "app.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	appLog := func() string {
		b, _ := os.ReadFile(logPath)
		return string(b)
	}

	app := exec.Command(bin, "--db", db)
	app.Env, app.Dir = env, root
	app.Stdout, app.Stderr = logFile, logFile
	app.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = app.Process.Kill()
			<-exited
		}
	})

	win, err := waitForWindow(display, smokeTitle, exited)
	if err != nil {
		t.Fatalf("%v\napp output:\n%s", err, appLog())
	}
	t.Logf("window %#x %q is visible after %v", win, smokeTitle, time.Since(start).Round(time.Millisecond))

	// Let the first screen load and settle, then look at it.
	time.Sleep(2 * time.Second)
	shot, colours, err := waitForDrawing(display, win)
	if err != nil {
		t.Fatalf("%v\napp output:\n%s", err, appLog())
	}
	if keep := os.Getenv("XCHANGE_SMOKE_SCREENSHOT"); keep != "" {
		if err := os.WriteFile(keep, shot, 0o644); err != nil {
			t.Error(err)
		}
	}
	t.Logf("screenshot of the window has %d colours", colours)

	closing := time.Now()
	if err := closeWindow(display, win); err != nil {
		t.Fatalf("asking the window to close: %v", err)
	}
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if err != nil {
			t.Fatalf("the app did not exit cleanly after its window was closed: %v\napp output:\n%s", err, appLog())
		}
		t.Logf("the app exited %v after its window was closed", time.Since(closing).Round(time.Millisecond))
	case <-time.After(exitTimeout):
		_ = app.Process.Signal(syscall.SIGTERM)
		t.Fatalf("the app was still running %v after its window was closed; sent SIGTERM\napp output:\n%s",
			exitTimeout, appLog())
	}
}

// smokeBinary builds this package into dir, or returns XCHANGE_SMOKE_BIN.
func smokeBinary(t *testing.T, dir string) string {
	t.Helper()
	if bin := os.Getenv("XCHANGE_SMOKE_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	bin := filepath.Join(dir, "xchange")
	start := time.Now()
	// `go test` puts its own go first on PATH. The tag is the one `fyne package` adds for
	// FyneApp.toml's fyneDo migration: the binary tested is the binary shipped.
	if out, err := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %v", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// moduleRoot is the nearest folder at or above the working folder with a go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// startXvfb starts a virtual X server on a free display and returns its
// number; the test's cleanup stops it.
func startXvfb(t *testing.T, dir string) int {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var logBuf bytes.Buffer
	// -displayfd: Xvfb picks a free display itself and writes its number to
	// fd 3 once it accepts connections, so there is nothing to race against.
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	xvfb.Stdout, xvfb.Stderr = &logBuf, &logBuf
	xvfb.Dir = dir
	xvfb.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := xvfb.Start(); err != nil {
		w.Close()
		t.Fatal(err)
	}
	w.Close()
	done := make(chan struct{})
	go func() { _ = xvfb.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = xvfb.Process.Kill()
		<-done
	})

	type result struct {
		n   int
		err error
	}
	got := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(r) // Xvfb closes fd 3 after writing
		if err != nil {
			got <- result{err: err}
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		got <- result{n, err}
	}()
	select {
	case res := <-got:
		if res.err != nil {
			<-done
			t.Fatalf("Xvfb did not report a display: %v\n%s", res.err, logBuf.String())
		}
		t.Logf("Xvfb is on :%d", res.n)
		return res.n
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not start within 30s")
		return 0
	}
}

// appEnv is the test's environment with the app pointed at the virtual display
// and at configuration folders of its own.
func appEnv(dir string, display int) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XCHANGE_DB",
			"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "LANG", "LC_ALL":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"DISPLAY=:"+strconv.Itoa(display),
		// Fyne logs an error for the C/POSIX locale.
		"LANG=en_GB.UTF-8",
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
	)
}

// waitForWindow polls the X server for a viewable top-level window named
// title and returns its id; it gives up when the app exits or after windowTimeout.
func waitForWindow(display int, title string, exited chan error) (uint32, error) {
	named := regexp.MustCompile(`(?m)^\s*(0x[0-9a-fA-F]+) "` + regexp.QuoteMeta(title) + `":`)
	deadline := time.Now().Add(windowTimeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return 0, fmt.Errorf("the app exited before showing a window: %v", err)
		default:
		}
		tree, err := xcmd(display, "xwininfo", "-root", "-tree")
		if err == nil {
			last = tree
			if m := named.FindStringSubmatch(tree); m != nil {
				id, err := strconv.ParseUint(m[1], 0, 32)
				if err != nil {
					return 0, err
				}
				info, err := xcmd(display, "xwininfo", "-id", m[1])
				if err == nil && strings.Contains(info, "Map State: IsViewable") {
					return uint32(id), nil
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return 0, fmt.Errorf("no viewable window named %q within %v; windows:\n%s", title, windowTimeout, last)
}

// waitForDrawing takes screenshots of the window until one has at least
// minColours colours, and returns it as PNG.
func waitForDrawing(display int, win uint32) ([]byte, int, error) {
	deadline := time.Now().Add(drawTimeout)
	for {
		shot, err := xcmd(display, "import", "-window", fmt.Sprintf("%#x", win), "png:-")
		if err != nil {
			return nil, 0, fmt.Errorf("screenshot: %v", err)
		}
		img, err := png.Decode(strings.NewReader(shot))
		if err != nil {
			return nil, 0, fmt.Errorf("screenshot: %v", err)
		}
		n := countColours(img)
		if n >= minColours {
			return []byte(shot), n, nil
		}
		if time.Now().After(deadline) {
			return nil, 0, fmt.Errorf("the window shows only %d colours after %v: it did not draw (want at least %d)",
				n, drawTimeout+2*time.Second, minColours)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func countColours(img image.Image) int {
	seen := make(map[[4]uint32]struct{})
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, b, a}] = struct{}{}
		}
	}
	return len(seen)
}

// xcmd runs an X client against the display and returns its standard output.
func xcmd(display int, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, append([]string{"-display", ":" + strconv.Itoa(display)}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %v: %s", name, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return string(out), nil
}

// closeWindow asks the window to close the way a window manager does when a
// person clicks its close button: a WM_DELETE_WINDOW client message
// (ICCCM §4.1.2.7). Xvfb runs no window manager, and xdotool's windowclose
// destroys the window instead of asking, so this speaks the X11 protocol
// itself: a handful of requests, little-endian, over the display's socket.
func closeWindow(display int, win uint32) error {
	c, err := net.DialTimeout("unix", fmt.Sprintf("/tmp/.X11-unix/X%d", display), 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	le := binary.LittleEndian

	// Connection setup: byte order, protocol 11.0, no authorisation (Xvfb
	// without -auth lets local clients in).
	if _, err := c.Write([]byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		return err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(c, head); err != nil {
		return err
	}
	rest := make([]byte, int(le.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(c, rest); err != nil {
		return err
	}
	if head[0] != 1 {
		reason := rest
		if n := int(head[1]); n <= len(reason) {
			reason = reason[:n]
		}
		return fmt.Errorf("X server refused the connection: %s", reason)
	}

	intern := func(name string) (uint32, error) {
		req := make([]byte, 8+(len(name)+3)/4*4)
		req[0] = 16 // InternAtom, only-if-exists false
		le.PutUint16(req[2:], uint16(len(req)/4))
		le.PutUint16(req[4:], uint16(len(name)))
		copy(req[8:], name)
		if _, err := c.Write(req); err != nil {
			return 0, err
		}
		reply, err := readReply(c)
		if err != nil {
			return 0, fmt.Errorf("InternAtom %s: %w", name, err)
		}
		return le.Uint32(reply[8:]), nil
	}
	protocols, err := intern("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	deleteWindow, err := intern("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}

	req := make([]byte, 44)
	req[0] = 25 // SendEvent, propagate false
	le.PutUint16(req[2:], 11)
	le.PutUint32(req[4:], win)
	// An empty event mask sends the event to the client that created the window.
	le.PutUint32(req[8:], 0)
	ev := req[12:]
	ev[0] = 33 // ClientMessage
	ev[1] = 32 // format: 32-bit data
	le.PutUint32(ev[4:], win)
	le.PutUint32(ev[8:], protocols)
	le.PutUint32(ev[12:], deleteWindow)
	le.PutUint32(ev[16:], 0) // CurrentTime
	if _, err := c.Write(req); err != nil {
		return err
	}
	// SendEvent has no reply; a GetInputFocus round trip brings back any error.
	if _, err := c.Write([]byte{43, 0, 1, 0}); err != nil {
		return err
	}
	if _, err := readReply(c); err != nil {
		return fmt.Errorf("SendEvent WM_DELETE_WINDOW: %w", err)
	}
	return nil
}

// readReply reads the next reply, skipping events and returning errors.
func readReply(c net.Conn) ([]byte, error) {
	for {
		msg := make([]byte, 32)
		if _, err := io.ReadFull(c, msg); err != nil {
			return nil, err
		}
		switch msg[0] {
		case 0:
			return nil, fmt.Errorf("X error %d (major opcode %d)", msg[1], msg[10])
		case 1:
			if extra := binary.LittleEndian.Uint32(msg[4:]); extra > 0 {
				if _, err := io.CopyN(io.Discard, c, int64(extra)*4); err != nil {
					return nil, err
				}
			}
			return msg, nil
		}
		// An event: none are selected, but skip any that come.
	}
}
