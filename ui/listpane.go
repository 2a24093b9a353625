package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/xchangedesk/xchangedesk/exchange"
)

// listPane is a searchable list of hosts or visitors with a button to add one.
type listPane[T any] struct {
	search   *widget.Entry
	list     *widget.List
	count    *widget.Label
	all      []T
	shown    []T
	selected exchange.ID
	content  fyne.CanvasObject
	quiet    bool // re-selecting after a reload: don't disturb the form

	id       func(T) exchange.ID
	lines    func(T) (title, sub string)
	haystack func(T) string
	onSelect func(T)
}

func newListPane[T any](placeholder string, add *widget.Button, id func(T) exchange.ID, lines func(T) (string, string),
	haystack func(T) string, onSelect func(T)) *listPane[T] {
	p := &listPane[T]{id: id, lines: lines, haystack: haystack, onSelect: onSelect, count: widget.NewLabel("")}
	p.search = searchEntry(placeholder, func(string) { p.filter() })
	p.list = &widget.List{
		Length: func() int { return len(p.shown) },
		CreateItem: func() fyne.CanvasObject {
			t := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			t.Truncation = fyne.TextTruncateEllipsis
			s := widget.NewLabel("")
			s.Truncation = fyne.TextTruncateEllipsis
			return container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()*3), t, s)
		},
		UpdateItem: func(i widget.ListItemID, o fyne.CanvasObject) {
			title, sub := p.lines(p.shown[i])
			objs := o.(*fyne.Container).Objects
			objs[0].(*widget.Label).SetText(title)
			objs[1].(*widget.Label).SetText(sub)
		},
		OnSelected: func(i widget.ListItemID) {
			p.selected = p.id(p.shown[i])
			if !p.quiet {
				p.onSelect(p.shown[i])
			}
		},
	}
	p.list.ExtendBaseWidget(p.list)
	p.content = container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, add, p.search), p.count), nil, nil, nil, p.list)
	return p
}

func (p *listPane[T]) setItems(items []T) {
	p.all = items
	p.filter()
}

// filter shows the items that match every search term, keeping the selection.
func (p *listPane[T]) filter() {
	terms := searchTerms(p.search.Text)
	p.shown = p.shown[:0]
	for _, x := range p.all {
		if matches(terms, p.haystack(x)) {
			p.shown = append(p.shown, x)
		}
	}
	p.count.SetText(fmt.Sprintf("%d of %d", len(p.shown), len(p.all)))
	p.list.UnselectAll()
	p.list.Refresh()
	for i, x := range p.shown {
		if p.id(x) == p.selected {
			p.quiet = true
			p.list.Select(i)
			p.quiet = false
			return
		}
	}
}
