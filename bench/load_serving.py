"""Loopback load test of the production server: gunicorn as the Dockerfile runs it.

Starts `gunicorn` (which reads gunicorn.conf.py: the encoder preloaded in the master,
gthread workers, one torch thread each) on 127.0.0.1, then runs simulated shoppers, each
a loop of "think, then act", in two phases:
1. text: every action a storefront search (`GET /?q=...`, the results page);
2. mix: 80% text searches, 10% photo searches (`POST /api/search/` with a product
   photo), 10% assistant asks (`POST /api/assistant/`, offline backend).
After each phase it reads every worker's memory from /proc/<pid>/smaps_rollup (RSS,
PSS: shared pages divided among the processes sharing them, private).

    SHOP_DB_NAME=load_shop .venv/bin/python bench/load_serving.py [--model dev-tiny|full]
        [--shoppers 50] [--seconds 60] [--think 1 3] [--workers 2] [--threads 4]

Bounded: each phase stops after --seconds or --max-requests, requests time out after
30 s, and the server is stopped at the end whatever happens. The database must hold an
imported, embedded catalog (`make run CATALOG=...` with SHOP_DB_NAME set the same).
All shoppers share one address, so the per-address rate limits (assistant, photo
search, API) are raised for the run. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

WORDS = [
    "navy blue shirt",
    "red dress",
    "running shoes",
    "leather wallet",
    "gold watch",
    "white sneakers",
    "black jeans",
    "floral top",
    "sports shoes for men",
    "kurta",
    "blue tshirt",
    "brown belt",
    "sunglasses",
    "casual shoes",
    "handbag for women",
]
ASKS = [
    "an outfit for a summer wedding",
    "two options of running shoes",
    "a shirt and a tie for the office",
    "what goes with white sneakers?",
]
TIMEOUT_S = 30.0


async def http(port: int, method: str, path: str, body: bytes = b"", ctype: str = "") -> int:
    """One HTTP/1.1 request on a fresh connection; returns the status code."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if body:
            head += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        status_line = await reader.readline()
        while await reader.read(65536):
            pass
        return int(status_line.split()[1])
    finally:
        writer.close()


def multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def shopper(
    port: int,
    mix: bool,
    deadline: float,
    think: tuple[float, float],
    photos: list[bytes],
    results: list[tuple[str, int, float]],
    budget: list[int],
) -> None:
    rng = random.Random()
    while time.monotonic() < deadline and budget[0] > 0:
        await asyncio.sleep(rng.uniform(*think))
        if time.monotonic() >= deadline or budget[0] <= 0:
            return
        budget[0] -= 1
        roll = rng.random() if mix else 1.0
        started = time.perf_counter()
        try:
            if roll < 0.1:
                kind = "photo"
                body, ctype = multipart({"k": "12"}, rng.choice(photos))
                request = http(port, "POST", "/api/search/", body, ctype)
            elif roll < 0.2:
                kind = "assistant"
                body = json.dumps({"message": rng.choice(ASKS)}).encode()
                request = http(port, "POST", "/api/assistant/", body, "application/json")
            else:
                kind = "text"
                # A shopper's words plus a number: fresh text every time, so the
                # encoder's cache of recent texts never hides the model's share.
                query = f"{rng.choice(WORDS)} {rng.randrange(10**6)}"
                request = http(port, "GET", "/?" + urllib.parse.urlencode({"q": query}))
            status = await asyncio.wait_for(request, TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, IndexError):
            status = 0
        results.append((kind, status, (time.perf_counter() - started) * 1000))


async def phase(
    port: int, server_pid: int, args: argparse.Namespace, mix: bool, photos: list[bytes]
) -> dict:
    results: list[tuple[str, int, float]] = []
    budget = [args.max_requests]
    pids = [server_pid, *workers_of(server_pid)]
    cpu_before = cpu_seconds(pids)
    started = time.monotonic()
    deadline = started + args.seconds
    await asyncio.gather(
        *(
            shopper(port, mix, deadline, tuple(args.think), photos, results, budget)
            for _ in range(args.shoppers)
        )
    )
    elapsed = time.monotonic() - started
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for kind, status, ms in results:
        by_kind[kind].append(ms)
        if not 200 <= status < 300:
            errors[f"{kind} {status or 'no answer'}"] += 1
    cpu_ms = (cpu_seconds(pids) - cpu_before) * 1000 / max(1, len(results))
    return {
        "elapsed": elapsed,
        "n": len(results),
        "by_kind": by_kind,
        "errors": dict(errors),
        "cpu_ms": cpu_ms,
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def memory(pid: int) -> dict[str, float]:
    """MB of RSS, PSS and private memory of one process (smaps_rollup)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) / 1024
    private = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {"rss": fields["Rss"], "pss": fields["Pss"], "private": private}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used (from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def report_memory(label: str, master: int) -> None:
    rows = [("master", master)] + [(f"worker {i + 1}", p) for i, p in enumerate(workers_of(master))]
    print(f"memory after {label} (MB):")
    for name, pid in rows:
        m = memory(pid)
        print(f"  {name:9} RSS {m['rss']:7.0f}  PSS {m['pss']:7.0f}  private {m['private']:7.0f}")


def report(label: str, result: dict, shoppers: int) -> None:
    print(
        f"{label}: {shoppers} shoppers, {result['n']} requests in {result['elapsed']:.0f} s "
        f"({result['n'] / result['elapsed']:.1f}/s), errors: {result['errors'] or 0}; "
        f"gunicorn CPU {result['cpu_ms']:.0f} ms a request (PostgreSQL not counted)"
    )
    for kind, values in sorted(result["by_kind"].items()):
        print(
            f"  {kind:9} n={len(values):5}  p50 {statistics.median(values):7.0f} ms  "
            f"p95 {pct(values, 0.95):7.0f} ms  max {max(values):7.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="dev-tiny", help="dev-tiny, full, or a checkpoint")
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="per phase")
    parser.add_argument("--max-requests", type=int, default=5000, help="per phase")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, default=None, help="gunicorn.conf.py's default")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn.conf.py's default")
    parser.add_argument("--torch-threads", type=int, default=None)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-mix", action="store_true")
    args = parser.parse_args()

    model = args.model
    if model == "full":
        from encoder_full_size import full_size_checkpoint

        model = str(full_size_checkpoint())
    env = dict(
        os.environ,
        DEBUG="false",
        SECRET_KEY="load-test-only",
        ALLOWED_HOSTS="127.0.0.1",
        SHOP_BIND=f"127.0.0.1:{args.port}",
        SHOP_EMBEDDING_MODEL=model,
        SHOP_ASSISTANT_RATE_PER_MINUTE="100000",
        SHOP_PHOTO_SEARCH_RATE_PER_MINUTE="100000",
        SHOP_API_RATE_PER_MINUTE="100000",
        STATIC_ROOT=str(ROOT / "var" / "load-static"),
    )
    for name, value in (
        ("WEB_CONCURRENCY", args.workers),
        ("GUNICORN_THREADS", args.threads),
        ("SHOP_WORKER_TORCH_THREADS", args.torch_threads),
    ):
        if value is not None:
            env[name] = str(value)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    photos = [p.read_bytes() for p in sorted((ROOT / "var" / "media").rglob("*.jpg"))[:40]]
    if not photos:
        sys.exit("No product photos under var/media: import a catalog first.")

    print(
        f"uptime: load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; model {args.model}; "
        f"workers {env.get('WEB_CONCURRENCY', 'default')}, threads "
        f"{env.get('GUNICORN_THREADS', 'default')}, think {args.think[0]}-{args.think[1]} s"
    )
    started = time.monotonic()
    with open(ROOT / "var" / "load-gunicorn.log", "w") as log:
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn")],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        ready_at = None
        while time.monotonic() - started < 600 and server.poll() is None:
            try:
                if asyncio.run(http(args.port, "GET", "/")) == 200:
                    ready_at = time.monotonic()
                    break
            except OSError:
                time.sleep(0.5)
        if ready_at is None:
            sys.exit("gunicorn did not come up; see var/load-gunicorn.log")
        first = time.perf_counter()
        status = asyncio.run(http(args.port, "GET", "/?q=first+shopper"))
        print(
            f"server ready in {ready_at - started:.1f} s; first text search {status} in "
            f"{(time.perf_counter() - first) * 1000:.0f} ms"
        )
        report_memory("start-up", server.pid)
        result = asyncio.run(phase(args.port, server.pid, args, False, photos))
        report("text searches", result, args.shoppers)
        report_memory("text searches", server.pid)
        if not args.skip_mix:
            result = asyncio.run(phase(args.port, server.pid, args, True, photos))
            report("mix (10% photo, 10% assistant)", result, args.shoppers)
            report_memory("the mix", server.pid)
        print(f"uptime at end: load {os.getloadavg()[0]:.1f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
