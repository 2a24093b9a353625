package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// gridEdit is a small table edited in place: a header row, one entry a cell, a button that
// removes a row, and one that adds a row. It holds text; its owner reads the figures.
type gridEdit struct {
	headers []string
	widths  []float32
	rows    [][]string
	table   *widget.Table
	content fyne.CanvasObject
	changed func() // after any edit, if set
}

func newGridEdit(headers []string, widths []float32, visibleRows int) *gridEdit {
	g := &gridEdit{headers: headers, widths: widths}
	g.table = &widget.Table{
		Length: func() (int, int) { return len(g.rows), len(g.headers) + 1 },
		CreateCell: func() fyne.CanvasObject {
			e := widget.NewEntry()
			remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)
			return container.NewStack(e, remove)
		},
		UpdateCell:    g.updateCell,
		ShowHeaderRow: true,
		CreateHeader: func() fyne.CanvasObject {
			return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		},
		UpdateHeader: func(id widget.TableCellID, o fyne.CanvasObject) {
			text := ""
			if id.Col >= 0 && id.Col < len(g.headers) {
				text = g.headers[id.Col]
			}
			o.(*widget.Label).SetText(text)
		},
	}
	g.table.ExtendBaseWidget(g.table)
	width := float32(48)
	for i, w := range widths {
		g.table.SetColumnWidth(i, w)
		width += w
	}
	g.table.SetColumnWidth(len(widths), 44)
	add := widget.NewButtonWithIcon("Add row", theme.ContentAddIcon(), func() {
		g.rows = append(g.rows, make([]string, len(g.headers)))
		g.table.Refresh()
		g.table.ScrollToBottom()
		g.edited()
	})
	rowHeight := widget.NewEntry().MinSize().Height + theme.Padding()
	size := fyne.NewSize(width, rowHeight*float32(visibleRows+1))
	g.content = container.NewVBox(container.NewGridWrap(size, g.table), container.NewHBox(add))
	return g
}

func (g *gridEdit) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	objs := o.(*fyne.Container).Objects
	e, remove := objs[0].(*widget.Entry), objs[1].(*widget.Button)
	if id.Row >= len(g.rows) {
		return
	}
	if id.Col == len(g.headers) {
		e.Hide()
		remove.Show()
		row := id.Row
		remove.OnTapped = func() {
			if row < len(g.rows) {
				g.rows = append(g.rows[:row:row], g.rows[row+1:]...)
				g.table.Refresh()
				g.edited()
			}
		}
		return
	}
	remove.Hide()
	e.Show()
	e.OnChanged = nil
	e.SetText(g.rows[id.Row][id.Col])
	e.SetPlaceHolder(g.headers[id.Col])
	e.OnChanged = func(text string) {
		if id.Row < len(g.rows) && id.Col < len(g.rows[id.Row]) {
			g.rows[id.Row][id.Col] = text
			g.edited()
		}
	}
}

func (g *gridEdit) edited() {
	if g.changed != nil {
		g.changed()
	}
}

// set replaces the rows.
func (g *gridEdit) set(rows [][]string) {
	g.rows = rows
	g.table.Refresh()
}

// filled returns the rows with anything typed in them, trimmed, and their numbers from 1.
func (g *gridEdit) filled() (rows [][]string, numbers []int) {
	for i, r := range g.rows {
		clean := make([]string, len(r))
		empty := true
		for j, c := range r {
			clean[j] = strings.TrimSpace(c)
			empty = empty && clean[j] == ""
		}
		if !empty {
			rows = append(rows, clean)
			numbers = append(numbers, i+1)
		}
	}
	return rows, numbers
}
