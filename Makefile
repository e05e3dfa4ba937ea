# OVAC kiosk: the two commands of the README (`make demo`, `make test`) and their helpers.
# Every target installs what it needs itself: Debian packages, the .venv and the project.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Debian packages: the real services the kiosk and its tests use (see ../shared/RECIPES.md).
APT_PACKAGES := python3 python3-venv python3-dev build-essential pkg-config \
	pcscd libpcsclite-dev swig vsmartcard-vpcd pcsc-tools \
	softhsm2 opensc \
	cups-daemon cups-client cups-filters printer-driver-cups-pdf libcups2-dev poppler-utils zbar-tools \
	postgresql tmux gettext fonts-dejavu-core espeak-ng sox \
	systemd cage foot sway grim wtype xinit xterm matchbox-window-manager udiskie nodejs e2fsprogs mount \
	chromium chromium-driver

.PHONY: help deps venv i18n i18n-extract test lint bench demo check-config clean install-kiosk

help:
	@echo "make demo   - install what is missing and start the kiosk on the demo stack (training mode)"
	@echo "make test   - install what is missing, start the services and run every test"
	@echo "make lint   - ruff, mypy --strict, import-linter"
	@echo "make bench  - run the benchmarks and print each figure with its ratio to the reference"

# Install only the Debian packages that are missing, so a ready machine costs no apt run.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml | deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: deps $(STAMP)

# gettext catalogues (Babel): one domain per kiosk sub-package, see tools/i18n.py.
i18n: venv
	$(PY) tools/i18n.py compile

i18n-extract: venv
	$(PY) tools/i18n.py update

test: venv i18n
	$(PY) -m pytest tests

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: venv i18n
	$(PY) -m benchmarks

demo: venv i18n
	$(PY) -m devstack demo --config config.toml

check-config: venv
	$(VENV)/bin/kiosk --check-config config.toml

# Install this checkout as the kiosk of this computer (Debian 12, as root): see docs/deployment.md.
# Extra options: make install-kiosk KIOSK_SETUP_ARGS="--touch --printer-uri usb://..."
install-kiosk: venv
	$(VENV)/bin/kiosk-setup $(KIOSK_SETUP_ARGS)

clean:
	rm -rf $(VENV) .stack build *.egg-info
