# normalize: everything a fresh clone needs is created by these targets.
#   make normalize   set up .venv and normalize the bundled fixtures (IN=, OUT= to override)
#   make test        set up .venv (the light translate setup and every corpus extra; Chromium from apt for the report tests) and run the whole test suite
#   make bench       benchmarks, each figure next to its reference measured in the same run
#   make wheel       a wheel of normalize with its compiled core, in dist/
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
IN ?= fixtures/seeds
OUT ?= out/seeds.jsonl
# A local CPU build of torch, where the machine has one: pip must never pick
# the registry's CUDA build (several GB) for the benchmark's full Argos stack.
WHEELS := $(wildcard /opt/wheels)
TORCH := torch==2.13.0
# What the set-up installs: normalize with its test and lint tools; for make
# test and make bench also every extra.
CORE := .[test,lint]
ALL := .[test,lint,translate,bench,ray,corpus,datatrove,hf]
# Set-up steps print one line each; their own output (pip's and setuptools'
# chatter) is shown only when they fail.
define quietly
@echo "make: $(1)" >&2
@log=$$($(2) 2>&1) || { printf '%s\n' "$$log" >&2; exit 1; }
endef

.PHONY: normalize test bench wheel fuzz lang-packs toy-packs setup setup-translate clean lint browser

$(PY):
	$(call quietly,creating $(VENV)/,$(PYTHON) -m venv $(VENV) && $(PIP) install -U pip setuptools wheel)

# The compiled core (setup.py): the editable install builds it in place, so
# it is rebuilt whenever its sources change and never left stale.
CORE_SOURCES := setup.py normalize/kernels.py normalize/kernels.pxd \
	normalize/boilerplate/scan.py normalize/boilerplate/scan.pxd \
	normalize/jsonl.py normalize/jsonl.pxd \
	normalize/extract/walk.py normalize/extract/walk.pxd

$(VENV)/.core: pyproject.toml $(CORE_SOURCES) | $(PY)
	$(call quietly,installing normalize (editable) with its test and lint tools into $(VENV)/,$(PIP) install -e '$(CORE)')
	@touch $@

# Translation as normalize uses it (what make test runs on): the translate extra
# (CTranslate2, sentencepiece) and argostranslate without its dependencies, since
# torch, spacy, stanza and minisbd are never imported (see pyproject.toml).
ARGOS := argostranslate>=1.11,<1.12
$(VENV)/.translate: pyproject.toml $(CORE_SOURCES) $(VENV)/.core
	$(call quietly,installing the extras: translate bench ray corpus datatrove hf,$(PIP) install -e '$(ALL)')
	$(call quietly,installing argostranslate without its dependencies,$(PIP) install --no-deps '$(ARGOS)')
	@touch $@

# The translation benchmark's reference, argostranslate.translate.translate(),
# needs Argos's whole stack: torch first (the local CPU build, where the machine
# has one), then the translate-full extra.
$(VENV)/.bench: pyproject.toml $(VENV)/.translate
	$(call quietly,installing torch (CPU) for the translation benchmark's reference,$(PIP) install $(if $(WHEELS),--find-links $(WHEELS)) $(TORCH))
	$(call quietly,installing Argos's whole stack (translate-full) for that reference,$(PIP) install -e '.[translate-full]')
	@touch $@

# langid's model as arrays that load in milliseconds instead of a second and a
# half per process (normalize/identify.py); rebuilt when langid changes.
TABLES := $(VENV)/share/normalize/langid-tables.npy
$(TABLES): $(VENV)/.core
	$(call quietly,saving langid's tables for fast loading,$(PY) -m normalize.identify)

setup: $(VENV)/.core $(TABLES)
setup-translate: $(VENV)/.translate $(TABLES)

normalize: $(VENV)/.core $(TABLES)
	@mkdir -p $(dir $(OUT))
	@$(PY) -m normalize $(IN) -o $(OUT) || [ $$? -eq 1 ]
	@echo "make: the records are in $(OUT); to look at them:" >&2
	@echo "  $(PY) -m normalize report $(OUT) -o $(basename $(OUT)).html   # then open it in a browser" >&2

# Headless Chromium for the report's browser tests (Debian packages), and a
# Devanagari font so that screenshots show the Hindi chrome.
BROWSER_PKGS := chromium fonts-lohit-deva
browser:
	@{ command -v chromium && dpkg -s fonts-lohit-deva; } >/dev/null 2>&1 || { \
	  echo "make: installing $(BROWSER_PKGS) with apt-get (Debian packages): the report's" \
	    "tests open it in headless Chromium and check a screenshot" >&2; \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PKGS) >&2; }

# NORMALIZE_EXPECT_COMPILED: a core that failed to compile fails the tests
# (tests/test_kernels.py) instead of passing on the interpreted path alone.
test: browser $(VENV)/.translate $(TABLES)
	NORMALIZE_EXPECT_COMPILED=1 $(PY) -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

bench: $(VENV)/.bench $(TABLES)
	$(PY) bench/run.py

# A wheel for this machine's Python and platform, with the compiled core
# (pip builds it in an isolated environment with Cython).
wheel: $(PY)
	$(call quietly,building the wheel into dist/,$(PIP) wheel --no-deps -w dist .)
	@ls dist/*.whl >&2

# ruff (the rules selected in pyproject.toml), ruff's formatter, mypy on the package.
lint: $(VENV)/.core
	$(VENV)/bin/ruff check normalize tests bench
	$(VENV)/bin/ruff format --check normalize tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis

FUZZ_SECONDS ?= 600
fuzz: $(VENV)/.core $(TABLES)
	NORMALIZE_FUZZ_SECONDS=$(FUZZ_SECONDS) $(PY) -m pytest -q tests/test_properties.py -k fuzz_for_a_while -p no:cacheprovider

# Install every .argosmodel dropped into lang_packs/ into the packs folder: PACKS_DIR
# when given (make lang-packs PACKS_DIR=/srv/packs), else $$NORMALIZE_PACKS_DIR, else
# the user data folder (normalize packs list names it).
PACKS_DIR ?=
lang-packs: $(VENV)/.translate
	$(PY) -m normalize packs $(if $(PACKS_DIR),--dir $(PACKS_DIR)) install lang_packs

# Rebuild the toy translation packs of fixtures/packs (about 5 min per pack; a
# separate venv with torch and transformers, not needed for the tests).
PACKBUILD ?= /tmp/packbuild-venv
toy-packs:
	test -x $(PACKBUILD)/bin/python || { $(PYTHON) -m venv $(PACKBUILD) && \
	  $(PACKBUILD)/bin/pip install -q $(if $(WHEELS),--find-links $(WHEELS)) $(TORCH) && \
	  $(PACKBUILD)/bin/pip install -q transformers sentencepiece ctranslate2; }
	$(PACKBUILD)/bin/python fixtures/packs/build_toy_pack.py
