"""What a page costs beside /healthz, the cheapest request: one wrk run per address.

Runs against a deployment started by `deploy/run.sh` (nginx, gunicorn, PostgreSQL).
For each address: requests per second, latency percentiles, errors, and the server's
CPU per request (gunicorn's processes, this database's PostgreSQL backends and nginx,
read from /proc before and after). Anonymous requests carry no cookie, as a crawler's
or a first visit's; logged-in ones carry a session cookie.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME REDIS_URL=redis://127.0.0.1:6379/N \\
        deploy/run.sh start
    DATABASE_URL=... .venv/bin/python bench/page_cost.py --base http://127.0.0.1:8500
"""

import argparse
import http.client
import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
EMAIL = "bench-pages@example.com"
PASSWORD = "bench pages password 7391"  # noqa: S105 - a throwaway account for the run

PAGES = [
    ("healthz", "/healthz", {}),
    ("step", "/lessons/the-stack/six-layers/", {}),
    ("explorer", "/explorer/ec2/operating-system/", {}),
    (
        "fragment",
        "/explorer/ec2/operating-system/",
        {"HX-Request": "true", "HX-Target": "layer-panel", "HX-Current-URL": "/explorer/ec2/"},
    ),
]


def make_account():
    """The bench's learner, made through Django (the site has no test back door)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedresp.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(email=EMAIL, defaults={"name": "Bench"})
    user.set_password(PASSWORD)
    user.save()


def cookies_of(response) -> dict:
    found = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name] = rest.split(";")[0]
    return found


def log_in(base: str) -> str:
    """A Cookie header for a logged-in session, from the real login form."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port)
    connection.request("GET", "/accounts/login/")
    page = connection.getresponse()
    cookies = cookies_of(page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read()).group(1)
    form = urllib.parse.urlencode(
        {"username": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token.decode()}
    )
    connection.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": base + "/accounts/login/",
        },
    )
    done = connection.getresponse()
    done.read()
    cookies.update(cookies_of(done))
    if done.status != 302 or "sessionid" not in cookies:
        sys.exit(f"could not log in: {done.status}")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def server_pids(run_dir: Path, database: str) -> list[int]:
    """The deployment's processes: nginx and gunicorn (masters from their pid files, and
    their children), and this database's PostgreSQL backends."""
    masters = [int(path.read_text()) for path in run_dir.glob("*.pid")]
    table = subprocess.run(
        ["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    pids = list(masters)
    for line in table:
        pid, ppid, args = line.split(None, 2)
        if int(ppid) in masters or (args.startswith("postgres:") and f" {database} " in args):
            pids.append(int(pid))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def wrk(url: str, headers: dict, seconds: int, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    unit = {"us": 0.001, "ms": 1, "s": 1000}

    def latency(percent):
        value, suffix = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * unit[suffix]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
        out,
    )
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "errors": (int(errors.group(1)) if errors else 0)
        + (sum(int(n) for n in socket.groups()) if socket else 0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8500")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--run-dir",
        type=Path,
        default=Path("/tmp/sharedresp-deploy-8500"),  # noqa: S108 - run.sh default
        help="the RUN_DIR of deploy/run.sh",
    )
    options = parser.parse_args()
    database = urllib.parse.urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    make_account()
    session = log_in(options.base)
    compressed = {"Accept-Encoding": "gzip"}
    runs = []
    for who, extra in (("anon", {}), ("user", {"Cookie": session})):
        for name, path, headers in PAGES:
            if name == "healthz" and who == "user":
                continue
            pids = server_pids(options.run_dir, database)
            before = cpu_seconds(pids)
            result = wrk(
                options.base + path,
                compressed | headers | extra,
                options.seconds,
                options.connections,
            )
            result["cpu_ms"] = 1000 * (cpu_seconds(pids) - before) / max(result["requests"], 1)
            result["name"] = name if name == "healthz" else f"{name}_{who}"
            runs.append(result)
            print(
                f"{result['name']:<15} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms"
                f"  p99 {result['p99_ms']:7.1f} ms  errors {result['errors']}"
                f"  cpu {result['cpu_ms']:.2f} ms/request",
                flush=True,
            )
    health = runs[0]
    pages = runs[1:]
    worst = max(health["rps"] / run["rps"] for run in pages)
    ratios = " ".join(f"{run['name']}_x={health['rps'] / run['rps']:.1f}" for run in pages)
    cpu = " ".join(f"{run['name']}_cpu_x={run['cpu_ms'] / health['cpu_ms']:.1f}" for run in pages)
    print(
        f"bench: page_cost requests={sum(run['requests'] for run in runs)} "
        f"errors={sum(run['errors'] for run in runs)} healthz_rps={health['rps']:.0f} "
        f"p50_ms={max(run['p50_ms'] for run in pages):.1f} "
        f"p99_ms={max(run['p99_ms'] for run in pages):.1f} "
        f"server_cpu_ms_per_request={sum(r['cpu_ms'] for r in pages) / len(pages):.2f} "
        f"worst_x={worst:.1f} {ratios} {cpu}"
    )


if __name__ == "__main__":
    main()
