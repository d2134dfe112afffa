"""A real `smartshare serve` subprocess, and the CLI run the way users run it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fakes.server import free_port


def cli(data_dir: Path, *args: str, stdin: str = "", env: dict | None = None) -> str:
    """Run `smartshare ARGS` and return its stdout; fail on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "-m", "smartshare", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_environment(data_dir, env),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _environment(data_dir: Path, extra: dict | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTSHARE_")}
    env["SMARTSHARE_DATA_DIR"] = str(data_dir)
    env.update(extra or {})
    return env


@dataclass
class Served:
    """A running server; `log` collects its stderr."""

    data_dir: Path
    env: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"serve-{self.port}.log"

    def start(self, timeout: float = 20) -> Served:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "smartshare", "serve", "--port", str(self.port)],
                env=_environment(self.data_dir, self.env),
                stdout=log,
                stderr=log,
            )
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"smartshare serve exited:\n{self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"smartshare serve was not healthy in {timeout} s")

    def log(self) -> str:
        return (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )

    def kill(self) -> None:
        """Stop the process with SIGKILL, as a crash or power loss would."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
                raise
        return self.process.returncode if self.process else 0

    def cli(self, *args: str, stdin: str = "") -> str:
        return cli(self.data_dir, *args, stdin=stdin, env=self.env)

    def setup_owner(self, email="owner@example.com", username="owner_shop") -> str:
        """Create a user, a sandbox account and an API key; return the key."""
        self.cli(
            "user", "create", email, "--password-stdin", stdin="correct horse battery\n"
        )
        self.cli("account", "add", email, username, "--sandbox")
        return self.cli("apikey", "create", email)
