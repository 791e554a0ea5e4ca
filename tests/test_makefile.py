"""``make run`` as a newcomer types it: on PORT (default 8000), through honcho's -p to the web process."""

import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


def run_recipe(*args: str) -> str:
    """The commands ``make run`` would execute (``-n``: printed, not run)."""
    # Run as a newcomer would, not as a sub-make of ``make test``: a parent make's flags would add
    # its "Entering/Leaving directory" lines (and any -j or -k) to what this one prints.
    environment = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEFILES"}}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args],
        cwd=ROOT, capture_output=True, text=True, check=True, env=environment,
    )
    return done.stdout.splitlines()[-1]


def test_make_run_serves_on_the_port_given():
    assert "honcho start -f Procfile -p 8123" in run_recipe("PORT=8123")


def test_make_run_serves_on_8000_by_default():
    assert "honcho start -f Procfile -p 8000" in run_recipe()


def test_the_web_process_listens_on_the_port_honcho_gives_it():
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assert web.endswith("runserver 127.0.0.1:$PORT")


def test_ctrl_c_ends_the_recipe_normally():
    # honcho exits 130 on Ctrl-C; the trap turns that into the recipe's normal end, not "Error 130".
    assert run_recipe().startswith("trap 'exit 0' INT;")
