# Remedy: `make demo` fixes the bundled example; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test install install-test bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP) install -q -c constraints.txt -e '.[test]'
	$(PIP) install -q --no-deps xgrammar apache-tvm-ffi
	touch $@

install: $(STAMP)
install-test: $(TEST_STAMP)

demo: $(STAMP)
	@rm -rf .demo && cp -r examples/invoice .demo
	@echo "== remedy fix on a copy of examples/invoice (a bulk discount that starts one item late) =="
	-$(VENV)/bin/remedy fix --root .demo
	@rm -rf .demo

test: $(TEST_STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(VENV)/bin/remedy bench bench/corpus

clean:
	rm -rf $(VENV) .demo build *.egg-info
