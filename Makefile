# Set-up and everyday commands. Each target installs what it needs first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SYSTEM_PACKAGES := fonts-liberation2 chromium poppler-utils
# `make test` also needs LibreOffice Writer (tests/test_word.py opens the Word reports with it) and Impress
# (tests/test_slides_e2e.py opens report.pptx with it); `make bench` needs Pango for WeasyPrint, the PDF engine it
# compares with Chromium.
test: EXTRA_SYSTEM_PACKAGES += libreoffice-writer-nogui libreoffice-impress-nogui
bench: EXTRA_SYSTEM_PACKAGES += libpango-1.0-0 libpangoft2-1.0-0

.PHONY: setup system-deps report test check lab bench reliability clean

setup: system-deps $(VENV)/.installed

# Debian packages: a serif font with every Vietnamese glyph (Liberation Serif, metric-compatible
# with Times New Roman) and Chromium, which prints the PDFs. Installed when we are root with apt-get.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES) $(EXTRA_SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "Please install these system packages:$$missing"; fi

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==25.3
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev,lab]'
	$(BIN)/python -m ipykernel install --sys-prefix --name thads --display-name "Python (thads)" >/dev/null
	touch $@

# The sample reports: Hậu Giang 11 months 2024 (the seed article) and Cần Thơ 2026, a merged city.
report: setup
	$(BIN)/thads validate
	$(BIN)/thads run --period 2024-M11 --province 93 --date 2024-09-26 --format html,pdf,docx
	$(BIN)/thads run --period 2026-M12 --province 92 --format html,pdf,docx

# The whole suite, as CI runs it, in two processes (pytest-xdist): about 15 minutes on a 2-core machine.
test: setup
	$(BIN)/python -m pytest -n 2

# The fast loop: unit tests only (no kernel, no browser, no batch), in seconds, on every core (pytest-xdist).
check: setup
	$(BIN)/python -m pytest -m "not slow" -n auto

lab: setup
	$(BIN)/jupyter lab notebooks/

# Figures, not tests: batch speed and memory, and the table of bad inputs and faults.
bench: setup
	$(BIN)/python -m bench.batch
	$(BIN)/python -m bench.export
	$(BIN)/python -m bench.cold --offices

reliability: setup
	$(BIN)/python -m bench.reliability

clean:
	rm -rf $(VENV) outputs/*/
