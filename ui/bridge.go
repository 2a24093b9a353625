package ui

import "fyne.io/fyne/v2"

// bridge carries work between the UI goroutine and the goroutines the app starts. It is the
// only caller of fyne.Do: a screen's load runs off the UI goroutine and its apply runs on it,
// and a load overtaken by a newer one for the same screen is dropped, so a slow read never
// shows older data over newer.
type bridge struct {
	// now runs everything at once on the caller's goroutine; tests set it, so that what a
	// test does next sees what a load read.
	now    bool
	latest map[string]int // by key: the number of the newest load; UI goroutine only
}

func newBridge() *bridge { return &bridge{latest: map[string]int{}} }

// load runs read off the UI goroutine and then apply with its result on the UI goroutine,
// unless a newer load with the same key was started meanwhile. Call it on the UI goroutine.
func load[T any](b *bridge, key string, read func() (T, error), apply func(T, error)) {
	b.latest[key]++
	this := b.latest[key]
	b.work(func() func() {
		v, err := read()
		return func() {
			if b.latest[key] == this {
				apply(v, err)
			}
		}
	})
}

// drop forgets any load with key still in flight: its result will not be applied.
func (b *bridge) drop(key string) { b.latest[key]++ }

// work runs do off the UI goroutine, then the function it returns on the UI goroutine.
func (b *bridge) work(do func() func()) {
	if b.now {
		do()()
		return
	}
	go func() {
		then := do()
		fyne.Do(then)
	}()
}

// post runs f on the UI goroutine; any goroutine may call it.
func (b *bridge) post(f func()) {
	if b.now {
		f()
		return
	}
	fyne.Do(f)
}

// change runs write off the UI goroutine, so that a change waiting for the disk (or a first
// gazetteer lookup) never freezes the window, then done with its result on the UI goroutine.
// Call it on the UI goroutine.
func change[T any](b *bridge, write func() (T, error), done func(T, error)) {
	b.work(func() func() {
		v, err := write()
		return func() { done(v, err) }
	})
}
