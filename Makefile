# Remedy: `make demo` fixes the bundled example; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
NODE_STAMP := node_modules/.installed

.PHONY: demo test lint install install-test extension e2e-deps bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP) install -q -c constraints.txt -e '.[test]'
	$(PIP) install -q --no-deps xgrammar apache-tvm-ffi
	touch $@

# The VS Code extension: npm ci + compile (skipped, with a warning, where npm is missing; the
# extension tests then skip loudly too).
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund && npm run compile && touch $@; \
	else echo "WARNING: npm not found: the VS Code extension is not built or tested"; fi

# The extension's end-to-end test drives VS Code with Debian's chromium; install it once, as root
# on a clean CI machine.
e2e-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v rg >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ripgrep libkrb5-dev >/dev/null; \
	  else echo "WARNING: chromium/ripgrep missing and cannot apt-get install them"; fi; \
	fi

extension: $(NODE_STAMP)

install: $(STAMP)
install-test: $(TEST_STAMP)

demo: $(STAMP)
	@rm -rf .demo && cp -r examples/invoice .demo
	@echo "== remedy fix on a copy of examples/invoice (a bulk discount that starts one item late) =="
	-$(VENV)/bin/remedy fix --root .demo
	@rm -rf .demo

# ruff, with the rules pyproject.toml selects (and why some are off), then mypy on agent/ and
# server/ in its default mode ([tool.mypy]).
lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check agent server tests bench
	$(VENV)/bin/mypy

test: lint $(NODE_STAMP) e2e-deps
	$(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(VENV)/bin/remedy bench bench/corpus

clean:
	rm -rf $(VENV) .demo build *.egg-info node_modules out .e2e remedy-*.vsix
