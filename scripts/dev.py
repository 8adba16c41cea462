"""Provision the services PLC needs, then run the app or its tests.

    python scripts/dev.py run     # make run
    python scripts/dev.py test    # make test (extra arguments go to pytest)

PostgreSQL and Redis: a server that answers on DATABASE_URL / REDIS_URL (or on the
local defaults) is reused. Otherwise a private one is started from the system
binaries under .local/ (installed with apt when missing and running as root) and
stopped again when this script ends.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/plc"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PRIVATE_PG_PORT = 54329
PRIVATE_REDIS_PORT = 63799
CHROMIUM = "/usr/bin/chromium"
# Names what belongs to this checkout (its private cluster, its test database).
CHECKOUT_ID = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]

started: list[tuple[str, list[str]]] = []  # (what, command that stops it)


class SetupError(Exception):
    """Something the machine lacks; the message says what to do."""


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(what: str, *packages: str) -> None:
    command = "apt-get install -y " + " ".join(packages)
    if not is_root():
        raise SetupError(f"{what} is not installed. Install it with: sudo {command}")
    say(f"Installing {' '.join(packages)} with apt")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# PostgreSQL -----------------------------------------------------------------


def pg_error(url: str) -> str | None:
    """None when the server at `url` lets us in, else why not."""
    import psycopg2

    parts = urlsplit(url)
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        psycopg2.connect(maintenance, connect_timeout=3).close()
    except psycopg2.Error as error:
        return str(error).strip().splitlines()[0]
    return None


def pg_create_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "plc"
    connection = psycopg2.connect(
        urlunsplit(parts._replace(path="/postgres")), connect_timeout=3
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            say(f"Creating database {name}")
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def pg_bin_dir() -> Path | None:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: (
            int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0
        ),
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def as_postgres_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; root runs it as the "postgres" account.
    return ["runuser", "-u", "postgres", "--", *command] if is_root() else command


def private_pg_dir() -> Path:
    data = LOCAL / "postgres"
    if is_root():
        # The postgres account must be able to reach the folder; a checkout under
        # /root usually is not reachable, so fall back to a folder it can use.
        check = subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(LOCAL)],
            capture_output=True,
        )
        if check.returncode != 0:
            data = Path("/var/tmp") / f"plc-postgres-{CHECKOUT_ID}"  # noqa: S108
    return data


def start_private_postgres() -> str:
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        apt_install("PostgreSQL", "postgresql")
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise SetupError("PostgreSQL was installed but pg_ctl was not found.")
    LOCAL.mkdir(exist_ok=True)
    data = private_pg_dir()
    socket_dir = data / "socket"
    url = f"postgres://postgres@127.0.0.1:{PRIVATE_PG_PORT}/plc"
    if port_answers("127.0.0.1", PRIVATE_PG_PORT) and pg_error(url) is None:
        return url  # a private server from an earlier run is still up
    if not (data / "PG_VERSION").exists():
        say(f"Creating a private PostgreSQL cluster in {data}")
        data.mkdir(parents=True, exist_ok=True)
        if is_root():
            shutil.chown(data, "postgres", "postgres")
        subprocess.run(
            as_postgres_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    socket_dir.mkdir(exist_ok=True)
    if is_root():
        shutil.chown(socket_dir, "postgres", "postgres")
    say(f"Starting a private PostgreSQL on 127.0.0.1:{PRIVATE_PG_PORT}")
    subprocess.run(
        as_postgres_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(data / "server.log"),
                "-o",
                f"-p {PRIVATE_PG_PORT} -k {socket_dir} -c listen_addresses=127.0.0.1",
                "-w",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    started.append(
        (
            "PostgreSQL",
            as_postgres_user(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            ),
        )
    )
    return url


def ensure_postgres() -> str:
    explicit = os.environ.get("DATABASE_URL")
    url = explicit or DEFAULT_DATABASE_URL
    error = pg_error(url)
    if error is None:
        pg_create_database(url)
        return url
    if explicit:
        raise SetupError(
            f"DATABASE_URL={explicit} cannot be used: {error}. Check the host, port, "
            "user and password, or unset DATABASE_URL to use a local server."
        )
    parts = urlsplit(url)
    say(f"No usable PostgreSQL on {parts.hostname}:{parts.port} ({error})")
    url = start_private_postgres()
    pg_create_database(url)
    return url


# Redis ----------------------------------------------------------------------


def redis_error(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        return str(error)
    return None


def start_private_redis() -> str:
    url = f"redis://127.0.0.1:{PRIVATE_REDIS_PORT}/0"
    if redis_error(url) is None:
        return url
    server = shutil.which("redis-server")
    if server is None:
        apt_install("Redis", "redis-server")
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
    data = LOCAL / "redis"
    data.mkdir(parents=True, exist_ok=True)
    say(f"Starting a private Redis on 127.0.0.1:{PRIVATE_REDIS_PORT}")
    subprocess.run(
        [
            server,
            "--port",
            str(PRIVATE_REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--dir",
            str(data),
            "--pidfile",
            str(data / "redis.pid"),
            "--logfile",
            str(data / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    for _ in range(50):
        if redis_error(url) is None:
            break
        time.sleep(0.1)
    else:
        raise SetupError(f"The private Redis did not start; see {data / 'redis.log'}")
    cli = shutil.which("redis-cli")
    if cli:
        started.append(
            ("Redis", [cli, "-p", str(PRIVATE_REDIS_PORT), "shutdown", "nosave"])
        )
    return url


def ensure_redis() -> str:
    explicit = os.environ.get("REDIS_URL")
    url = explicit or DEFAULT_REDIS_URL
    error = redis_error(url)
    if error is None:
        return url
    if explicit:
        raise SetupError(f"REDIS_URL={explicit} does not answer: {error}.")
    say(f"No Redis answers on {url} ({error})")
    return start_private_redis()


def stop_started_services() -> None:
    for what, command in reversed(started):
        say(f"Stopping the private {what}")
        subprocess.run(command, capture_output=True)
    started.clear()


def ensure_dotenv() -> None:
    """A git-ignored .env so `manage.py` works in this checkout without exports."""
    path = ROOT / ".env"
    if path.exists():
        return
    import secrets

    path.write_text(
        "# Written by `make run` for this checkout only; never commit it.\n"
        "DEBUG=1\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )
    path.chmod(0o600)


def service_env() -> dict[str, str]:
    ensure_dotenv()
    env = dict(os.environ)
    env["DATABASE_URL"] = ensure_postgres()
    env["REDIS_URL"] = ensure_redis()
    env.setdefault("DEBUG", "1")
    return env


def manage(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, **kwargs)


# Commands -------------------------------------------------------------------


def run() -> int:
    env = service_env()
    port = int(env.get("PORT", "8000"))
    if port_answers("127.0.0.1", port):
        raise SetupError(
            f"Port {port} is already in use (another `make run`?). Stop it, or "
            f"choose another port: PORT={port + 1} make run"
        )
    if manage(env, "migrate", "--noinput", stdout=subprocess.DEVNULL).returncode:
        return 1
    if manage(env, "seed_demo", "--if-empty").returncode:
        return 1
    logins = manage(env, "demo_logins", capture_output=True, text=True).stdout
    LOCAL.mkdir(exist_ok=True)
    celery = str(VENV_BIN / "celery")
    queue = env.get("CELERY_QUEUE", "plc")
    processes = {
        "web": [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"],
        "worker": [celery, "-A", "plc", "worker", "-Q", queue, "-c", "2", "-l", "info"],
        "beat": [
            celery,
            "-A",
            "plc",
            "beat",
            "-l",
            "info",
            "-s",
            str(LOCAL / "celerybeat-schedule"),
        ],
    }
    children = {
        name: subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        for name, command in processes.items()
    }
    print(
        f"\nPLC is running at http://127.0.0.1:{port}/  (Ctrl-C stops everything)\n\n"
        "Demo logins (role  e-mail  password):\n" + logins,
        flush=True,
    )
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(
                    f"The {name} process stopped (exit {child.returncode}).", flush=True
                )
                exit_code = child.returncode or 1
                stopping = True
        time.sleep(0.3)
    say("Stopping the web server, worker and beat")
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    return exit_code


def ensure_chromium() -> None:
    if not Path(CHROMIUM).exists():
        apt_install("Chromium (for the browser tests)", "chromium")


def test(pytest_args: list[str]) -> int:
    env = service_env()
    ensure_chromium()
    env.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use")
    # A test database per checkout: two clones tested at once never drop each
    # other's database.
    env.setdefault("DATABASE_TEST_NAME", f"test_plc_{CHECKOUT_ID}")
    say("ruff check")
    if subprocess.run([str(VENV_BIN / "ruff"), "check", "."], cwd=ROOT).returncode:
        return 1
    say("ruff format --check")
    if subprocess.run(
        [str(VENV_BIN / "ruff"), "format", "--check", "."], cwd=ROOT
    ).returncode:
        print("Run `make format` to format the code.")
        return 1
    say("makemigrations --check")
    if manage(
        env, "makemigrations", "--check", "--dry-run", stdout=subprocess.DEVNULL
    ).returncode:
        print("Models changed without a migration: run manage.py makemigrations.")
        return 1
    say("pytest")
    return subprocess.run(
        [PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT, env=env
    ).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "env"}:
        print(__doc__)
        return 2
    try:
        if sys.argv[1] == "run":
            return run()
        if sys.argv[1] == "env":
            env = service_env()
            print(
                f"export DATABASE_URL={env['DATABASE_URL']} "
                f"REDIS_URL={env['REDIS_URL']}"
            )
            return 0
        return test(sys.argv[2:])
    except SetupError as error:
        print(f"\033[31mError: {error}\033[0m", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(
            f"\033[31mError: {' '.join(map(str, error.cmd))} failed.\033[0m",
            file=sys.stderr,
        )
        return 1
    finally:
        if sys.argv[1] != "env":
            stop_started_services()


if __name__ == "__main__":
    sys.exit(main())
