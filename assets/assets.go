// Package assets holds the files the app bundles: its icon, and later images
// and translations, embedded in the binary.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the app icon: two arrows in opposite directions on a teal-to-blue
// square, 512×512 PNG.
func Icon() fyne.Resource {
	return fyne.NewStaticResource("icon.png", iconPNG)
}
