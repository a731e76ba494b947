"""The emulator as a child process, for tests and the demo that need it outside their own event loop.

``EmulatorProcess`` starts ``python -m modelarts_operator.emulator --port 0``, reads the
port from the ready line, and on exit stops the process (SIGTERM, then SIGKILL), so
no emulator outlives the block.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import deque
from types import TracebackType
from typing import IO

from modelarts_operator.emulator.admin import EmulatorAdmin
from modelarts_operator.emulator.cli import READY_PREFIX

OUTPUT_LINES_KEPT = 200


class EmulatorStartError(RuntimeError):
    """The emulator process exited or stayed silent before printing its ready line."""


class EmulatorProcess:
    """Context manager that runs an emulator subprocess on 127.0.0.1 and a free port.

    ``extra_args`` are passed to the emulator's command line, e.g.
    ``("--credentials", "AK:SK", "--start-delay", "0.2")``. They are never shown in
    errors or the repr because they may contain a secret key.
    """

    def __init__(self, *extra_args: str, startup_timeout: float = 30.0, stop_timeout: float = 5.0) -> None:
        self._args = [sys.executable, "-m", "modelarts_operator.emulator", "--port", "0", *extra_args]
        self._startup_timeout = startup_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[str] | None = None
        self._output: deque[str] = deque(maxlen=OUTPUT_LINES_KEPT)
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None
        self._url: str | None = None
        self._admin: EmulatorAdmin | None = None

    def __repr__(self) -> str:
        return f"EmulatorProcess(url={self._url!r})"

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:40123``, while the process runs."""
        if self._url is None:
            raise RuntimeError("the emulator process is not running. Use EmulatorProcess as a context manager")
        return self._url

    @property
    def admin(self) -> EmulatorAdmin:
        """A control API client for this emulator."""
        if self._admin is None:
            self._admin = EmulatorAdmin(self.url)
        return self._admin

    @property
    def pid(self) -> int | None:
        """The process ID while the process exists."""
        return None if self._process is None else self._process.pid

    def __enter__(self) -> EmulatorProcess:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the process and wait for its ready line, or raise EmulatorStartError with its output."""
        self._process = subprocess.Popen(
            self._args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        assert self._process.stdout is not None
        self._reader = threading.Thread(target=self._read_output, args=(self._process.stdout,), daemon=True)
        self._reader.start()

        if not self._ready.wait(self._startup_timeout) or self._url is None:
            status = self._process.poll()
            self.stop()
            state = f"exited with status {status}" if status is not None else "did not print its ready line"
            output = "".join(self._output) or "(no output)\n"
            raise EmulatorStartError(
                f"emulator process {state} within {self._startup_timeout} s. Its output:\n{output}"
            )

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after ``stop_timeout``) and wait for it."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        process, self._process = self._process, None
        if process is None:
            return

        if process.poll() is None:
            process.terminate()
            try:
                process.wait(self._stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._reader is not None:
            self._reader.join(self._stop_timeout)
        if process.stdout is not None:
            process.stdout.close()
        self._url = None

    def _read_output(self, stream: IO[str]) -> None:
        # Keeps draining after the ready line: a full pipe would block the emulator's logging.
        for line in stream:
            self._output.append(line)
            if self._url is None and line.startswith(READY_PREFIX):
                self._url = line[len(READY_PREFIX) :].strip()
                self._ready.set()
        self._ready.set()
