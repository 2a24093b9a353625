package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange/wording"
)

// backupData is what File → Backup… needs: a consistent copy of the data file, written to
// another file.
type backupData interface {
	BackupFile(path string) error
}

// shortcut is one keyboard shortcut, its name in Help → Shortcuts and what it does.
type shortcut struct {
	key  fyne.KeyName
	name string
	do   func()
}

// shortcuts lists every keyboard shortcut of the main window, in the order Help shows them.
func (d *Desk) shortcuts() []shortcut {
	list := []shortcut{
		{fyne.KeyN, "New booking", func() { d.openBooking(nil) }},
		{fyne.KeyF, "Search the list on screen", d.focusSearch},
		{fyne.KeyE, "Export the report", d.budget.exportDialog},
		{fyne.KeyB, "Back up the data file", d.backupDialog},
		{fyne.KeyI, "Import replies from .eml or .ics files", d.importDialog},
	}
	for i, item := range d.tabs.Items {
		i := i
		list = append(list, shortcut{fyne.KeyName(fmt.Sprint(i + 1)), "Show " + tabName(item), func() { d.tabs.SelectIndex(i) }})
	}
	return list
}

// tabName is a tab's title without the count of waiting messages.
func tabName(item *container.TabItem) string {
	name, _, _ := strings.Cut(item.Text, " (")
	return name
}

// menus sets the main menu and binds the shortcuts to the window.
func (d *Desk) menus() {
	keys := map[fyne.KeyName]*desktop.CustomShortcut{}
	var view []*fyne.MenuItem
	for _, s := range d.shortcuts() {
		do := s.do
		key := &desktop.CustomShortcut{KeyName: s.key, Modifier: fyne.KeyModifierShortcutDefault}
		keys[s.key] = key
		// On the canvas too, for drivers without a main menu.
		d.win.Canvas().AddShortcut(key, func(fyne.Shortcut) { do() })
		if s.key == fyne.KeyF || s.key >= fyne.Key1 && s.key <= fyne.Key9 {
			view = append(view, item(s.name, do, key))
		}
	}
	// The main menu's shortcuts work also while a field has the focus: the window asks the
	// menu before the focused entry, which would swallow a shortcut it does not know.
	d.win.SetMainMenu(fyne.NewMainMenu(
		fyne.NewMenu("File",
			item("New booking…", func() { d.openBooking(nil) }, keys[fyne.KeyN]),
			fyne.NewMenuItemSeparator(),
			item("Import replies…", d.importDialog, keys[fyne.KeyI]),
			item("Export report…", d.budget.exportDialog, keys[fyne.KeyE]),
			item("Backup…", d.backupDialog, keys[fyne.KeyB]),
		),
		fyne.NewMenu("View", view...),
		fyne.NewMenu("Help",
			fyne.NewMenuItem("Shortcuts", d.showShortcuts),
			fyne.NewMenuItem("About "+Title, d.about),
		),
	))
}

// item is a menu item with its keyboard shortcut.
func item(label string, do func(), key fyne.Shortcut) *fyne.MenuItem {
	i := fyne.NewMenuItem(label, do)
	i.Shortcut = key
	return i
}

// shortcutText is how a shortcut is written on this platform: "Ctrl+N", or "⌘N" on a Mac.
func shortcutText(key fyne.KeyName) string {
	if fyne.KeyModifierShortcutDefault == fyne.KeyModifierSuper {
		return "⌘" + string(key)
	}
	return "Ctrl+" + string(key)
}

// showShortcuts lists the keyboard shortcuts.
func (d *Desk) showShortcuts() {
	list := d.shortcuts()
	rows := make([]fyne.CanvasObject, 0, 2*len(list))
	for _, s := range list {
		rows = append(rows, widget.NewLabelWithStyle(shortcutText(s.key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			widget.NewLabel(s.name))
	}
	dialog.ShowCustom("Keyboard shortcuts", "Close", container.New(layout.NewFormLayout(), rows...), d.win)
}

// focusSearch puts the cursor in the search field of the screen on show.
func (d *Desk) focusSearch() {
	var e *widget.Entry
	switch d.tabs.SelectedIndex() {
	case 0:
		e = d.placements.search
	case 1:
		e = d.hosts.pane.search
	case 2:
		e = d.visitors.pane.search
	case 4:
		e = d.outbox.pane.search
	}
	if e != nil {
		d.win.Canvas().Focus(e)
	}
}

// backupDialog asks where to write a copy of the data file and writes it, as `xchange backup`
// does: the copy is consistent and only the user can read it.
func (d *Desk) backupDialog() {
	b, ok := d.data.(backupData)
	if !ok {
		d.say("This programme lives on a server; back it up there.")
		return
	}
	dlg := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close() // the backup replaces the empty file the dialog made
		d.backupTo(b, path)
	}, d.win)
	dlg.SetFileName("xchange-backup.db")
	dlg.Show()
}

// backupTo writes the copy off the UI goroutine and says how it went.
func (d *Desk) backupTo(b backupData, path string) {
	d.say("Backing up…")
	d.bridge.work(func() func() {
		err := b.BackupFile(path)
		return func() {
			if err != nil {
				d.fail(err)
				return
			}
			d.say("Backed up the data file to " + path + " at " + wording.Stamp(time.Now()) + ".")
		}
	})
}
