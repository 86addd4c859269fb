# Two commands on a fresh machine: `make run` and `make test`. Everything else is installed
# into .venv/ by `make install`, which the other targets depend on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint fmt bench messages clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,voicecheck]'
	.ci/pico
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/vidpay validate
	$(BIN)/vidpay demo

test: $(STAMP)
	.ci/services
	$(BIN)/pytest -n auto --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m bench

# The player's interface strings: extract them and merge them into every language's catalogue.
LANGUAGES := nl de tr es  # English is the source language
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel-player.cfg -k N_ --no-location --sort-output -o translations/vidpay-player.pot .
	for lang in $(LANGUAGES); do \
	  po=translations/$$lang/LC_MESSAGES/vidpay-player.po; \
	  if [ -f $$po ]; then $(BIN)/pybabel -q update -D vidpay-player -i translations/vidpay-player.pot -d translations -l $$lang --no-wrap; \
	  else $(BIN)/pybabel -q init -D vidpay-player -i translations/vidpay-player.pot -d translations -l $$lang --no-wrap; fi; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
