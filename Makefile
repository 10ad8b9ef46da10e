# The two commands of the README: `make verify` (the main job) and `make test` (the project's tests).
# Each sets itself up on a fresh machine: the virtualenv, this package, and the Fashion-MNIST files.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.gradekit-installed

.PHONY: setup dataset build verify test bench

setup: $(STAMP) dataset

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
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

test: setup
	$(VENV)/bin/gradekit build --check
	$(PY) -m pytest tests -q

bench: setup
	$(PY) bench/bench_grading.py 2_3_1 2_3_2 2_3_3
	$(PY) bench/bench_simcuda.py
	$(PY) bench/bench_batch.py
