package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// bar is a horizontal bar: paid in one colour, committed after it in a lighter one.
type bar struct {
	widget.BaseWidget
	paid, committed float32
}

func newBar(paid, committed float32) *bar {
	b := &bar{paid: paid, committed: committed}
	b.ExtendBaseWidget(b)
	return b
}

func (b *bar) CreateRenderer() fyne.WidgetRenderer {
	p := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	c := canvas.NewRectangle(withAlpha(theme.Color(theme.ColorNamePrimary), 0x70))
	return &barRenderer{b: b, paid: p, committed: c}
}

type barRenderer struct {
	b               *bar
	paid, committed *canvas.Rectangle
}

func (r *barRenderer) Layout(size fyne.Size) {
	h := size.Height * 0.6
	y := (size.Height - h) / 2
	r.paid.Move(fyne.NewPos(0, y))
	r.paid.Resize(fyne.NewSize(size.Width*r.b.paid, h))
	r.committed.Move(fyne.NewPos(size.Width*r.b.paid, y))
	r.committed.Resize(fyne.NewSize(size.Width*r.b.committed, h))
}

func (r *barRenderer) MinSize() fyne.Size           { return fyne.NewSize(60, 20) }
func (r *barRenderer) Refresh()                     { r.Layout(r.b.Size()) }
func (r *barRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.paid, r.committed} }
func (r *barRenderer) Destroy()                     {}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// barLegend says what the bar's two colours mean, in the order the bar draws them.
func barLegend() fyne.CanvasObject {
	swatch := func(c color.Color) fyne.CanvasObject {
		r := canvas.NewRectangle(c)
		r.SetMinSize(fyne.NewSize(16, 16))
		return container.NewCenter(r)
	}
	primary := theme.Color(theme.ColorNamePrimary)
	return container.NewHBox(
		swatch(primary), widget.NewLabel("Paid, then"),
		swatch(withAlpha(primary, 0x70)), widget.NewLabel("committed, not yet paid"))
}
