"""A real learning record store for the xAPI tests: Ralph (the `ralph-malph` package),
run with its file-system backend on 127.0.0.1.

Ralph pins its own dependencies (pydantic, fastapi...), so it lives in a venv of its own,
found by SHAREDRESP_RALPH_PYTHON (default ~/.cache/sharedresp/ralph/bin/python; .ci/run
makes it). Without it the tests skip, except under CI, where that is an error.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

USERNAME = "sharedresp"
PASSWORD = "lrs-test-password"
DEFAULT_PYTHON = Path.home() / ".cache" / "sharedresp" / "ralph" / "bin" / "python"


# Ralph's file-system backend creates its one statements file on the first POST and
# refuses every later one ("bulk indexation failed"): a development backend's default,
# where the Elasticsearch or MongoDB backends that production Ralph runs on append. Set to
# append, it keeps every statement; the xAPI handling is Ralph's own, unchanged.
RUN_RALPH = """
import sys, uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def ralph_python() -> Path:
    python = Path(os.environ.get("SHAREDRESP_RALPH_PYTHON", DEFAULT_PYTHON))
    if not python.exists():
        message = f"Ralph LRS not installed at {python} (see tests/lms/lrs.py)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return python


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Ralph:
    """One LRS on a fixed port and data directory: stop() and start() again keep both."""

    def __init__(self, python: Path, root: Path):
        self.python = python
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI"
        self.env = {
            **os.environ,
            "RALPH_APP_DIR": str(root / "app"),
            "RALPH_AUTH_FILE": str(root / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(root / "data"),
        }
        self.log = root / "ralph.log"
        self.process = None
        subprocess.run(  # noqa: S603 - our own command line
            [
                *(python.parent / "ralph", "auth", "-u", USERNAME, "-p", PASSWORD),
                *("-s", "all", "-M", "mailto:lrs@example.com", "-w"),
            ],
            env=self.env,
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [self.python, "-c", RUN_RALPH, str(self.port)],
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        # Ralph takes some seconds to import; a bounded wait for its heartbeat.
        for _ in range(240):
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.25)
        raise RuntimeError("Ralph did not start within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def statements(self) -> list[dict]:
        """Every statement the LRS stored, following its pages."""
        found, url = [], f"{self.url}/statements?limit=500"
        while url:
            response = requests.get(
                url,
                auth=(USERNAME, PASSWORD),
                headers={"X-Experience-API-Version": "1.0.3"},
                timeout=10,
            )
            response.raise_for_status()
            page = response.json()
            found += page["statements"]
            more = page.get("more")
            url = f"http://127.0.0.1:{self.port}{more}" if more else None
        return found


@pytest.fixture
def lrs(tmp_path, settings):
    """A Ralph LRS, configured as the site's, not yet started (the test starts it)."""
    ralph = Ralph(ralph_python(), tmp_path)
    settings.XAPI_LRS_URL = ralph.url
    settings.XAPI_LRS_USERNAME = USERNAME
    settings.XAPI_LRS_PASSWORD = PASSWORD
    settings.LMS_TIMEOUT = 5
    try:
        yield ralph
    finally:
        ralph.stop()
