package ui

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/xchangedesk/xchangedesk/store"
)

func press(d *Desk, key fyne.KeyName) {
	d.win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault})
}

func TestShortcutsSwitchScreensAndHelpListsThem(t *testing.T) {
	d, _ := newDesk(t, true)
	tests := []struct {
		key    fyne.KeyName
		screen string
		shows  string
	}{
		{fyne.Key2, "Hosts", "Add host"},
		{fyne.Key3, "Visitors", "Add visitor"},
		{fyne.Key4, "Budget", "Programme budget"},
		{fyne.Key5, "Outbox", "Mail server (SMTP)"},
		{fyne.Key1, "Placements", "Book placement…"},
	}
	for _, tt := range tests {
		t.Run(tt.screen, func(t *testing.T) {
			press(d, tt.key)
			shows(t, d.win, tt.shows)
		})
	}
	press(d, fyne.KeyF)
	if d.win.Canvas().Focused() != d.placements.search {
		t.Fatalf("Ctrl+F focused %T", d.win.Canvas().Focused())
	}
	press(d, fyne.KeyN)
	if d.booking == nil {
		t.Fatal("Ctrl+N opened no booking window")
	}
	shows(t, d.booking.win, "Book as draft")
	d.booking.close()

	d.showShortcuts()
	shows(t, d.win, "Keyboard shortcuts", "Ctrl+N", "New booking", "Ctrl+F", "Search the list on screen",
		"Ctrl+E", "Export the report", "Ctrl+B", "Back up the data file", "Ctrl+4", "Show Budget")
	test.Tap(button(t, d.win, "Close"))
	hides(t, d.win, "Keyboard shortcuts")
}

func TestTheMainMenuOffersBackupAndShortcuts(t *testing.T) {
	d, _ := newDesk(t, true)
	var items []string
	for _, m := range d.win.MainMenu().Items {
		for _, it := range m.Items {
			items = append(items, m.Label+" → "+it.Label)
		}
	}
	for _, want := range []string{"File → New booking…", "File → Export report…", "File → Backup…", "Help → Shortcuts", "Help → About Xchange Desk"} {
		found := false
		for _, it := range items {
			found = found || it == want
		}
		if !found {
			t.Errorf("no %q in the menus %q", want, items)
		}
	}
}

func TestBackupWritesACopyOnlyTheUserCanRead(t *testing.T) {
	d, s := newDesk(t, true)
	path := filepath.Join(t.TempDir(), "copy.db")
	d.backupTo(s, path)
	shows(t, d.win, "Backed up the data file to "+path)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
		t.Fatalf("backup %v: %v", fi, err)
	}
	copied, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	want, _ := s.Placements(store.Filter{})
	if got, _ := copied.Placements(store.Filter{}); len(got) != len(want) {
		t.Fatalf("the copy holds %d placements, the data file %d", len(got), len(want))
	}
	// Backing up onto the data file itself is refused and says so.
	d.backupTo(s, s.Path())
	shows(t, d.win, "⚠ ")
}
