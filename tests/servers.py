"""Real SPARQL servers on 127.0.0.1 for the remote-store tests, each in its own temporary directory.

>>> with oxigraph_server() as (query_url, update_url, credentials):   # doctest: +SKIP
...     SparqlStore(query_url, update_url)

Both context managers pick a free port, wait until the server answers, and stop it by its process
id when the block ends (even when the block fails). They raise :class:`ServerUnavailable` with the
reason when the server cannot be started here (executable missing, start failed), which a pytest
fixture turns into a skip.

- ``oxigraph_server()``: ``oxigraph serve`` from the PyPI package ``oxigraph``, with
  ``--union-default-graph`` so that queries see the union of the named graphs, like the embedded store.
  Anonymous; query at ``/query``, update at ``/update``, Graph Store protocol at ``/store``.
- ``virtuoso_server()``: ``virtuoso-t`` from Debian's ``virtuoso-opensource-7``, with a copy of the
  packaged ini that binds SQL and HTTP to 127.0.0.1 only and keeps its database in the temporary
  directory. The ``dba`` password is changed to a random one, and the store talks to the
  digest-authenticated ``/sparql-auth`` endpoint with it (credentials ``("dba", password)``).
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
START_TIMEOUT = 60.0


class ServerUnavailable(Exception):
    """The server cannot be started on this machine; the message says why."""


class Endpoint(NamedTuple):
    query_url: str
    update_url: str
    credentials: tuple[str, str] | None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _executable(name: str, *extra_dirs: Path) -> str:
    for directory in extra_dirs:
        candidate = directory / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise ServerUnavailable(f"`{name}` is not installed (.ci/install-packages.sh installs it)")
    return found


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"the server exited with status {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if not with 200
        except OSError:
            time.sleep(0.1)
    raise ServerUnavailable(f"the server did not answer {url} within {timeout:g} s:\n{_tail(log)}")


def _stop(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """Stop the server we started, by its own process id only."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


@contextmanager
def _started(command: list[str], cwd: Path, log: Path) -> Iterator[subprocess.Popen]:
    with open(log, "wb") as out:
        try:
            process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise ServerUnavailable(f"cannot start {command[0]}: {exc}") from exc
        try:
            yield process
        finally:
            _stop(process)


# ----------------------------------------------------------------------------------------------
# Oxigraph


@contextmanager
def oxigraph_server() -> Iterator[Endpoint]:
    """``oxigraph serve`` on a free loopback port with an on-disk store in a temporary directory."""
    import sys
    executable = _executable("oxigraph", Path(sys.executable).parent)
    with tempfile.TemporaryDirectory(prefix="oxigraph-server-") as tmp:
        directory = Path(tmp)
        port = free_port()
        command = [executable, "serve", "--location", str(directory / "data"),
                   "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        with _started(command, directory, directory / "server.log") as process:
            base = f"http://127.0.0.1:{port}"
            _wait_until_answering(f"{base}/query?query=ASK%7B%7D", process, directory / "server.log")
            yield Endpoint(f"{base}/query", f"{base}/update", None)


# ----------------------------------------------------------------------------------------------
# Virtuoso


def virtuoso_ini(template: str, directory: Path, sql_port: int, http_port: int, max_rows: int = 1_000_000) -> str:
    """The packaged ini with loopback-only ports, private database paths and small buffers."""
    settings = {
        "Database": {
            "DatabaseFile": directory / "virtuoso.db", "ErrorLogFile": directory / "virtuoso.log",
            "LockFile": directory / "virtuoso.lck", "TransactionFile": directory / "virtuoso.trx",
            "xa_persistent_file": directory / "virtuoso.pxa",
        },
        "TempDatabase": {
            "DatabaseFile": directory / "virtuoso-temp.db", "TransactionFile": directory / "virtuoso-temp.trx",
        },
        "Parameters": {
            "ServerPort": f"127.0.0.1:{sql_port}",
            "DirsAllowed": f"., {directory}, /usr/share/virtuoso-opensource-7/vad",
            "NumberOfBuffers": "10000", "MaxDirtyBuffers": "6000", "MaxQueryMem": "256M",
            "ThreadsPerQuery": "2", "CheckpointInterval": "0",
        },
        "HTTPServer": {
            "ServerPort": f"127.0.0.1:{http_port}", "ServerRoot": "/var/lib/virtuoso-opensource-7/vsp",
            "MaxClientConnections": "10",
        },
        # a dump of a whole test store must not be cut at the packaged 10,000 rows
        "SPARQL": {"ResultSetMaxRows": str(max_rows), "MaxQueryExecutionTime": "60"},
        "URIQA": {"DefaultHost": f"127.0.0.1:{http_port}"},
        "Zero Config": {"ServerName": ""},
    }
    out, section, seen = [], None, set()

    def missing(name):
        return [f"{key} = {value}" for key, value in settings.get(name, {}).items() if (name, key) not in seen]

    for line in template.splitlines():
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            if section is not None:
                out.extend(missing(section))
            section = header.group(1).strip()
            out.append(line)
            continue
        entry = re.match(r"\s*([A-Za-z0-9_]+)\s*=", line)
        if section in settings and entry and entry.group(1) in settings[section]:
            key = entry.group(1)
            if (section, key) not in seen:  # the packaged ini repeats some keys
                out.append(f"{key} = {settings[section][key]}")
                seen.add((section, key))
            continue
        out.append(line)
    if section is not None:
        out.extend(missing(section))
    for name in settings:  # sections the template lacks
        if not re.search(rf"^\s*\[{re.escape(name)}\]", template, re.MULTILINE):
            out.append(f"[{name}]")
            out.extend(missing(name))
    return "\n".join(out) + "\n"


def isql(sql_port: int, password: str, script: str, *, timeout: float = 30.0) -> str:
    """Run SQL through ``isql-vt`` against our instance; raise on errors."""
    executable = _executable("isql-vt")
    result = subprocess.run([executable, f"127.0.0.1:{sql_port}", "dba", password, "VERBOSE=OFF",
                             "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=stdout"],
                            input=script.encode(), capture_output=True, timeout=timeout)
    output = result.stdout.decode(errors="replace")
    if result.returncode != 0 or "*** Error" in output:
        raise ServerUnavailable(f"isql failed: {output[-500:]} {result.stderr.decode(errors='replace')[-300:]}")
    return output


@contextmanager
def virtuoso_server(max_rows: int = 1_000_000) -> Iterator[Endpoint]:
    """Virtuoso on free loopback ports (SQL and HTTP) with its database in a temporary directory.

    ``max_rows`` is its ResultSetMaxRows (the package's 10,000 would cut dumps short)."""
    executable = _executable("virtuoso-t")
    _executable("isql-vt")
    if not VIRTUOSO_INI.is_file():
        raise ServerUnavailable(f"{VIRTUOSO_INI} is missing (Debian package virtuoso-opensource-7)")
    with tempfile.TemporaryDirectory(prefix="virtuoso-server-") as tmp:
        directory = Path(tmp)
        sql_port, http_port = free_port(), free_port()
        while http_port == sql_port:
            http_port = free_port()
        ini = directory / "virtuoso.ini"
        ini.write_text(virtuoso_ini(VIRTUOSO_INI.read_text(errors="replace"), directory, sql_port, http_port,
                                    max_rows))
        log = directory / "virtuoso.log"
        command = [executable, "+foreground", "+configfile", str(ini)]
        with _started(command, directory, directory / "stdout.log") as process:
            base = f"http://127.0.0.1:{http_port}"
            _wait_until_answering(f"{base}/sparql?query=ASK%7B%7D", process, log)
            password = secrets.token_hex(12)
            isql(sql_port, "dba", f"user_set_password('dba', '{password}');\n")
            yield Endpoint(f"{base}/sparql-auth", f"{base}/sparql-auth", ("dba", password))


def serve_or_skip(server) -> Iterator[Endpoint]:
    """For session fixtures: ``yield from serve_or_skip(virtuoso_server)``; skips with the reason."""
    import pytest
    try:
        manager = server()
        endpoint = manager.__enter__()
    except ServerUnavailable as exc:
        name = getattr(server, '__name__', None) or getattr(getattr(server, 'func', None), '__name__', 'server')
        pytest.skip(f"{name.replace('_', ' ')} unavailable: {exc}")
    try:
        yield endpoint
    finally:
        manager.__exit__(None, None, None)
