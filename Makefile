# The two commands of the README: `make verify` (the main job) and `make test` (the project's tests; `make test-fast`
# leaves out those marked slow).
# Each sets itself up on a fresh machine: the virtualenv, this package, and the Fashion-MNIST files.

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.gradekit-installed

.PHONY: setup dataset build verify test test-fast bench attacks-uid docker-engine gradescope-check browser-check chromium

setup: $(STAMP) dataset

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# Debian's dataset-fashion-mnist puts the original files in /usr/share/datasets/fashion-mnist/; where it
# cannot be installed, torchvision downloads them on first use.
dataset:
	@if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null) \
		|| echo "warning: could not install dataset-fashion-mnist; torchvision will download Fashion-MNIST"; \
	else echo "note: dataset-fashion-mnist not installed; torchvision will download Fashion-MNIST"; fi

build: setup
	$(VENV)/bin/gradekit build

verify: setup
	$(VENV)/bin/gradekit verify

# Two pytest workers (pytest-xdist), one per core of CI's runner: the suite is CPU-bound there (three workers measured
# 20m39 on a fresh clone against 20m49 for two: no gain, more load on checks' time limits); tests/conftest.py hands each
# a whole file or one lesson's attack or corpus batch.
test: setup
	$(VENV)/bin/gradekit build --check
	$(PY) -m pytest tests -q -n 2

# The tests that neither grade, execute notebooks, train nor start worker pools (those are marked `slow`):
# the unit tests of the build, the wire, the release audit, the markers' rules and each lesson's parts.
test-fast: setup
	$(VENV)/bin/gradekit build --check
	$(PY) -m pytest tests -q -n 2 -m "not slow and not platform"

bench: setup
	$(PY) bench/bench_grading.py
	$(PY) bench/bench_simcuda.py
	$(PY) bench/bench_batch.py

# Gradescope's container for real (tools/platforms/gradescope_container.py): Debian's docker.io and mmdebstrap
# installed and the engine started where this runs as root; the test is skipped, saying why, where Docker cannot run.
gradescope-check: setup docker-engine
	$(PY) -m pytest tests/test_gradescope_container.py -m platform -v -s -rs

# The attack corpus graded in the `uid` layer (no namespaces), the one Gradescope's container gets: as root, with a
# venv whose interpreter other users can read (the worker drops to a uid of its own), e.g. VENV=/opt/venv, made with
# a Python outside root's home (PYTHON=/usr/bin/python3 where python3 is root's pyenv).
attacks-uid: setup
	GRADEKIT_ATTACK_LAYER=uid $(PY) -m pytest tests/test_attacks.py -q -rA

docker-engine:
	@if ! command -v dockerd >/dev/null 2>&1 || ! command -v mmdebstrap >/dev/null 2>&1; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && apt-get install -y -qq docker.io mmdebstrap >/dev/null) \
			|| echo "warning: could not install docker.io and mmdebstrap"; \
		else echo "note: docker.io and mmdebstrap are not installed"; fi; fi
	@if command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "starting dockerd (log: /tmp/gradekit-dockerd.log)"; \
		nohup dockerd >/tmp/gradekit-dockerd.log 2>&1 & \
		for i in $$(seq 30); do docker info >/dev/null 2>&1 && break; sleep 1; done; fi

# The student's notebook in JupyterLab and the feedback page in a real browser (tests/test_browser.py): Debian's
# chromium and chromium-driver installed where this runs as root; the tests are skipped, saying why, without them.
browser-check: setup chromium
	$(PY) -m pytest tests/test_browser.py -m platform -v -s -rs

chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) \
			|| echo "warning: could not install chromium and chromium-driver"; \
		else echo "note: Debian's chromium and chromium-driver are not installed"; fi; fi
