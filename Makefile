# Xchange Desk — build, run and test.
#
#   make run    install what is missing, build, open the app on the default data file
#   make test   install what is missing, then formatting, vet, staticcheck, unit tests, fuzzing
#               (with the race detector) and a smoke test of the real window under Xvfb
#
# Targets meant for people: run build test screenshot deps clean.
# The machine is Debian 12 with Go at /usr/local/go; `deps` installs the rest.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:

export PATH := /usr/local/go/bin:$(PATH)
# Fyne's desktop driver (GLFW) and the race detector both need cgo.
export CGO_ENABLED := 1
GO ?= go

BIN := bin/xchange
# `fyne package` builds with this tag because FyneApp.toml migrates to fyne.Do; every build
# and test here uses it too, so that the binary tested is the binary shipped.
TAGS := migrated_fynedo
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN_DIR)/staticcheck
# staticcheck must understand the Go that builds the code: v0.8.x needs Go >= 1.26.
STATICCHECK_VERSION := v0.8.2

# Debian packages: C toolchain and X11/OpenGL headers for Fyne's cgo driver,
# then Xvfb, xwininfo, xdotool and ImageMagick's `import` for the window tests, and
# Dovecot, the real IMAP server that exchange/mailbox's tests start on 127.0.0.1.
APT_PACKAGES := gcc libc6-dev pkg-config \
	libgl1-mesa-dev libgl1-mesa-dri libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev \
	xvfb x11-utils xdotool imagemagick dovecot-imapd dbus gnome-keyring

TEST_TIMEOUT := 20m
SMOKE_TIMEOUT := 10m

.PHONY: all run build test check unit fuzz smoke screenshot deps apt-deps tools clean

all: build

## deps: install missing Debian packages and Go tools (does nothing when all are there)
deps: apt-deps tools

apt-deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q '^install ok installed$$' \
			|| missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
		export DEBIAN_FRONTEND=noninteractive; \
		log="$$(mktemp)"; \
		if ! { $$sudo apt-get update -qq && \
			$$sudo apt-get install -y -qq --no-install-recommends $$missing; } >"$$log" 2>&1; then \
			cat "$$log"; rm -f "$$log"; echo "deps: apt-get failed"; exit 1; \
		fi; \
		rm -f "$$log"; \
	fi

tools:
	@have="$$("$(STATICCHECK)" -version 2>/dev/null || true)"; \
	if [[ "$$have" != *'($(STATICCHECK_VERSION:v%=%))'* ]]; then \
		echo "deps: go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)"; \
		GOBIN="$(GOBIN_DIR)" $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); \
	fi

## build: compile the app into bin/xchange
build:
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/xchange

## run: open the app on the default data file
run: deps build
	./$(BIN)

## test: everything CI checks
test: deps check unit fuzz smoke

check:
	@echo "== gofmt"
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi
	@echo "== go vet"
	$(GO) vet -tags smoke,$(TAGS) ./...
	@echo "== staticcheck"
	"$(STATICCHECK)" -tags smoke,$(TAGS) ./...

unit:
	@echo "== go test -race"
	LANG=en_GB.UTF-8 $(GO) test -tags $(TAGS) -race -timeout $(TEST_TIMEOUT) ./...

# The reply readers take whatever mail and calendars arrive: each fuzz target runs for a short,
# fixed time, seeded from ../shared/interop at test time.
FUZZ_TIME := 10s
fuzz:
	@echo "== fuzz (reply readers, $(FUZZ_TIME) each)"
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzReadReply$$' -fuzztime $(FUZZ_TIME) ./exchange/ical/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzReadMessage$$' -fuzztime $(FUZZ_TIME) ./exchange/mail/

# The smoke test builds the real binary, opens its window under Xvfb, takes a
# screenshot, closes the window and checks the app exits.
smoke:
	@echo "== smoke test (Xvfb)"
	LANG=en_GB.UTF-8 $(GO) test -tags smoke,$(TAGS) -run Smoke -count=1 -v -timeout $(SMOKE_TIMEOUT) ./cmd/xchange

## screenshot: assets/screenshot.png of the app on demo data, for the README
# Light theme unless FYNE_THEME says otherwise (`make screenshot FYNE_THEME=dark`).
screenshot: deps build
	@tmp="$$(mktemp -d)"; xvfb=""; app=""; \
	cleanup() { \
		[ -z "$$app" ] || kill "$$app" 2>/dev/null || true; \
		[ -z "$$xvfb" ] || kill "$$xvfb" 2>/dev/null || true; \
		wait 2>/dev/null || true; rm -rf "$$tmp"; \
	}; \
	trap cleanup EXIT; \
	exec 3>"$$tmp/display"; \
	Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$$tmp/xvfb.log" 2>&1 & xvfb=$$!; \
	exec 3>&-; \
	for i in $$(seq 300); do [ -s "$$tmp/display" ] && break; sleep 0.1; done; \
	[ -s "$$tmp/display" ] || { echo "screenshot: Xvfb did not start"; cat "$$tmp/xvfb.log"; exit 1; }; \
	export DISPLAY=":$$(head -n1 "$$tmp/display")" XDG_CONFIG_HOME="$$tmp/config" FYNE_THEME="$${FYNE_THEME:-light}"; \
	LANG=en_GB.UTF-8 ./$(BIN) --db "$$tmp/demo.db" demo; \
	LANG=en_GB.UTF-8 ./$(BIN) --db "$$tmp/demo.db" >"$$tmp/app.log" 2>&1 & app=$$!; \
	win="$$(timeout 30 xdotool search --sync --onlyvisible --name '^Xchange Desk$$' | head -n1)" \
		|| { echo "screenshot: no window"; cat "$$tmp/app.log"; exit 1; }; \
	xdotool mousemove 1279 799; \
	sleep 2; \
	mkdir -p assets; \
	import -display "$$DISPLAY" -window "$$win" assets/screenshot.png; \
	echo "screenshot: wrote assets/screenshot.png ($$(xwininfo -id "$$win" | awk '/Width:/{w=$$2} /Height:/{h=$$2} END{print w "x" h}'))"

clean:
	rm -rf bin
