"""The "Served decisions under load" section of docs/performance.md, from what `bench.load`
measured: one table of phases, and, after a `--profile` run, one of CPU per decision by
component."""

from __future__ import annotations

import os

from bench.harness import Section, cpu_reference_seconds
from bench.load import PAST_SATURATION, Components, Measured, Options, Row
from bench.load_driver import SHED_KINDS
from bench.load_profile import COMPONENTS

HEADER = (
    "database",
    "workers",
    "endpoint",
    "load",
    "req/s",
    "p50 ms",
    "p99 ms",
    "p99.9 ms",
    "shed",
    "errors",
    "accepted lost",
    "SQL/request",
    "CPU ms/request server (driver)",
    "req/s ÷ floor",
    "p99 × floor",
)


def _ratio(row: Row, floors: dict[tuple[str, int, str, str], Row]) -> tuple[str, str]:
    """Throughput as a share of the floor's at the same clients and workers, and p99 as a
    multiple of it: "bare / select 1"."""
    bare = floors.get((row.database, row.workers, "bare", row.load))
    one = floors.get((row.database, row.workers, "select 1", row.load))
    if row.target != "decision" or bare is None or one is None:
        return "", ""
    share = " / ".join(
        f"{row.per_second / f.per_second:.2f}" if f.per_second else "-" for f in (bare, one)
    )
    times = " / ".join(f"{row.p(0.99) / f.p(0.99):.0f}×" if f.p(0.99) else "-" for f in (bare, one))
    return share, times


def _kinds(row: Row, shed: bool) -> str:
    kinds = row.outcome.kinds()
    chosen = [f"{k}: {n}" for k, n in kinds.items() if (k in SHED_KINDS) == shed]
    text = ", ".join(chosen) or "0"
    if not shed and row.outcome.ran_out:
        text += " (bodies ran out)"
    return text


def _cpu(row: Row) -> str:
    server, driver = row.server_cpu_ms(), row.driver_cpu_ms()
    if driver is None:
        return ""
    return f"{'-' if server is None else f'{server:.1f}'} ({driver:.1f})"


def _cells(row: Row, floors: dict[tuple[str, int, str, str], Row]) -> tuple[str, ...]:
    sql = (
        ""
        if row.sql_per_decision is None or row.sqlalchemy_per_decision is None
        else f"{row.sql_per_decision:.1f} ({row.sqlalchemy_per_decision:.1f})"
    )
    return (
        row.database, str(row.workers), row.target, row.load, f"{row.per_second:,.0f}",
        f"{row.p(0.5):.1f}", f"{row.p(0.99):.1f}", f"{row.p(0.999):.1f}", _kinds(row, True),
        _kinds(row, False), "" if row.accepted_lost is None else str(row.accepted_lost), sql,
        _cpu(row), *_ratio(row, floors),
    )  # fmt: skip


def _shedding(row: Row) -> str:
    """What a phase past saturation (the open loop at twice saturation, wrk's connections)
    did with what it was sent."""
    kinds = row.outcome.kinds()
    shed = sum(n for k, n in kinds.items() if k in SHED_KINDS)
    with_header = sum(n for k, n in kinds.items() if k.endswith("+ Retry-After"))
    return (
        f"{row.database}, {row.workers} worker(s), {row.load}: "
        f"{sum(row.outcome.statuses.values())} sent, {row.outcome.ok} accepted (2xx, p99 "
        f"{row.p(0.99):.0f} ms), {shed} shed ({with_header} with Retry-After), "
        f"{sum(kinds.values()) - shed} errors, {row.accepted_lost} accepted lost."
    )


def components_table(profiled: list[Components]) -> list[str]:
    """CPU ms per decision by component, a column per profiled database: "ms (share)"."""
    if not profiled:
        return []
    first = profiled[0]
    out = [
        f"CPU per decision by component (`--profile`): the decision phase at {first.clients} "
        f"clients with {first.workers} worker(s), run again with each worker thread profiled "
        "(`bench.load_profile`); each component's share of the workers' profiled CPU, times "
        "the CPU ms per decision of the unprofiled phase.",
        "",
        "| component | " + " | ".join(f"{c.database} ms/decision (share)" for c in profiled) + " |",
        "| --- | " + " | ".join("---" for _ in profiled) + " |",
    ]
    for name, _ in COMPONENTS:
        cells = []
        for c in profiled:
            share = c.shares.get(name)
            if share is None:
                cells.append("")
            elif c.cpu_ms_per_decision is None:
                cells.append(f"({share:.0%})")
            else:
                cells.append(f"{share * c.cpu_ms_per_decision:.2f} ({share:.0%})")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [
        "" if c.cpu_ms_per_decision is None else f"{c.cpu_ms_per_decision:.2f} (100%)"
        for c in profiled
    ]
    out.append("| all (workers' CPU) | " + " | ".join(totals) + " |")
    return out


def _python_method(opts: Options) -> str:
    text = (
        "A load generator in its own process (asyncio + httpx; its CPU per request shares the "
        f"cores): closed loop at {', '.join(map(str, opts.clients))} clients for "
        f"{opts.seconds:g} s each"
    )
    if opts.rate > 0:
        text += (
            f", then an open loop at {opts.rate:g} arrivals/s (latency from each request's due "
            "time)"
        )
    if opts.read_clients > 0:
        text += (
            f"; then `GET /v1/applications/{{id}}` at {opts.read_clients} clients over the "
            'applications decided so far (target "read")'
        )
    if opts.shed_seconds > 0:
        text += (
            f"; then an open loop at twice the best decisions/s seen for {opts.shed_seconds:g} s "
            '("2× saturation"), to see whether the server sheds load (429/503 with '
            "Retry-After) or queues"
        )
    return text + ". "


def _wrk_method(opts: Options) -> str:
    n = opts.wrk_connections
    text = (
        f"{'Then w' if opts.python else 'W'}rk (C, `bench.load_wrk`; its CPU per request is a "
        f"small fraction of the Python driver's): the floor and the decisions at {n} "
        f'connections for {max(1, round(opts.seconds))} s (load "{n} conns (wrk)", a second '
        "reading beside the Python driver's)"
    )
    if opts.shed_seconds > 0:
        text += (
            f", and last the decisions at {PAST_SATURATION * n} connections for "
            f"{max(1, round(opts.shed_seconds))} s (past saturation, so that what is measured is "
            "the server's admission control shedding, 503 with Retry-After, not the driver "
            "falling behind)"
        )
    return text + (
        ". wrk runs a closed loop, each connection with one request outstanding; its Lua script "
        "posts every application once, counts the answers by status and Retry-After and keeps "
        "the accepted ids. wrk's latency percentiles (p99.9 asked of its histogram beside the "
        "50/75/90/99 it prints) are of every request answered within 30 s, shed ones included, "
        "with wrk's own correction for coordinated omission; a request still outstanding when "
        "the run ends is not counted. "
    )


def _method(opts: Options) -> str:
    workers = ", ".join(map(str, opts.workers))
    every, rusage = (" (wrk's: of every answered request)", " (wrk's from its rusage)")
    if not opts.wrk:
        every = rusage = ""
    return (
        f"uvicorn with {workers} worker(s) on loopback serving the API as `fengkong serve` "
        "builds it (JSON request logs, rate limits off), the demo-german policy and a scorecard "
        "trained on the German credit data; distinct full applications posted with a channel "
        f"key. {_python_method(opts) if opts.python else ''}"
        f"{_wrk_method(opts) if opts.wrk else ''}"
        "The floor is served the same way: a bare FastAPI route and a bare `SELECT 1` (sync "
        f"routes, the same body). Latency is of answered 2xx requests{every}. Shed counts 429 "
        "and 503 answers, with and without Retry-After; errors count the other statuses (4xx, "
        "5xx) and requests with no answer (timeout after 30 s, transport). Accepted lost: the "
        "2xx decisions whose application the database does not hold after the phase (must be "
        "0). SQL is statements per answered request counted in the workers: every statement "
        "the driver ran (psycopg `execute`/`executemany` calls; SQLite's trace, transaction "
        "control left out), and in brackets those SQLAlchemy executed (`before_cursor_execute`)"
        " — the rest is the decision path's own pipelined driver SQL. CPU is per answered "
        "request: the server's processes (supervisor and workers, utime + stime from /proc "
        "around the phase) and, in brackets, the load generator's own"
        f"{rusage}, which shares the cores. Ratios: decisions/s as a share of the floor's at "
        "the same clients (or connections) and workers, and p99 as a multiple of the floor's "
        "(bare / SELECT 1). The first run read, with its method in detail: "
        "[notes/2026-12-07-served-decisions-under-load.md]"
        "(notes/2026-12-07-served-decisions-under-load.md); the path made shorter, admission "
        "control, the before and after and why 1,000 decisions/s is out of reach on two cores: "
        "[notes/2026-12-08-serving-path-and-shedding.md]"
        "(notes/2026-12-08-serving-path-and-shedding.md)."
    )


def command(opts: Options) -> str:
    """The command line that runs `opts`: its options that differ from the defaults."""
    defaults, out = Options(), ["python -m bench load"]
    for name, flag in (
        ("seconds", "--seconds"), ("clients", "--clients"), ("rate", "--rate"),
        ("workers", "--workers"), ("databases", "--databases"),
        ("read_clients", "--read-clients"), ("shed_seconds", "--shed-seconds"),
        ("profile", "--profile"), ("profile_clients", "--profile-clients"),
        ("driver", "--driver"), ("wrk_connections", "--wrk-connections"),
    ):  # fmt: skip
        value = getattr(opts, name)
        if value == getattr(defaults, name):
            continue
        if isinstance(value, bool):
            out.append(flag)
        elif isinstance(value, tuple):
            out.append(f"{flag} {','.join(map(str, value))}")
        elif isinstance(value, str):
            out.append(f"{flag} {value}")
        else:
            out.append(f"{flag} {value:g}")
    return " ".join(out)


def section(measured: Measured, opts: Options, notes: list[str]) -> Section:
    """The report's "Served decisions under load" section for `measured`."""
    rows = measured.rows
    floors = {
        (r.database, r.workers, r.target, r.load): r
        for r in rows
        if r.target in ("bare", "select 1")
    }
    out = Section(
        title="Served decisions under load",
        command=command(opts),
        lines=[_method(opts)],
        table_header=HEADER,
        after_table=components_table(measured.components),
    )
    out.rows += [_cells(r, floors) for r in rows]
    out.notes += [_shedding(r) for r in rows if r.past_saturation]
    out.notes += notes
    out.notes.append(
        f"CPU reference {cpu_reference_seconds():.2f} s; 1-minute load average "
        f"{os.getloadavg()[0]:.1f} after the run on {os.cpu_count()} cores, client and server "
        "on the same machine: the client's CPU is in these figures, read the ratios."
    )
    return out
