# The two commands: `make run` and `make test`. Everything else is a step they take.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=
# `make run PORT=8123` serves on another port.
PORT ?= 8000

.PHONY: run test install migrate seed messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# sync_schedules too: a database migrated before a change to config/schedules.py gets it now.
migrate: install
	$(MANAGE) migrate --noinput
	$(MANAGE) sync_schedules

seed: migrate
	$(MANAGE) seed_demo

# Serves the portal at http://127.0.0.1:$(PORT) with a Celery worker and beat; Ctrl-C stops all three.
# honcho gives the Procfile's first process (web) the port passed with -p. On Ctrl-C honcho stops
# the three and exits 130; the trap makes that the recipe's normal end rather than "Error 130".
run: seed
	@trap 'exit 0' INT; $(BIN)/honcho start -f Procfile -p $(PORT)

# Two workers (this machine's two cores): the journey, by far the longest test, runs on one while
# the rest share the other (tests/conftest.py puts it first; the broker's tests take turns on a lock).
test: install
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Needs GNU gettext (msgfmt): regenerate and compile the translation catalogues.
messages: install
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=.venv --ignore=staticfiles --ignore=bench
	$(MANAGE) compilemessages --ignore=.venv

# The benchmarks (bench/README.md): the deadline sweep needs DATABASE_URL pointing at PostgreSQL;
# the suggested matches run on it too (on a temporary SQLite file without it).
bench: install
	$(BIN)/python bench/sweep_bench.py
	$(BIN)/python bench/matching_bench.py

clean:
	rm -rf $(VENV) var staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm
