"""A second load generator: `wrk` (C), for the phases the Python driver (`bench.load_driver`)
cannot drive without falling behind itself. Its requests cost the shared cores next to nothing,
so past saturation it is the server's admission control that is measured.

wrk runs a closed loop: `Load.clients` connections, each with one request outstanding, over
`THREADS` threads. A Lua script (`script`) hands out the prepared bodies, each once across the
threads (body n goes to thread n mod `THREADS`; a thread that runs out stops), and in its
`response` callback counts the answers by status, the 429/503 answers that carry
`Retry-After`, and keeps each 2xx answer's `application_id`; its `done` callback writes these,
with the latency percentiles, to a results file (`parse_results`). wrk's own summary on stdout
gives the run's wall time, requests/s and socket errors (`parse_output`).

`drive_wrk(load)` returns the `Outcome` the Python driver returns, read the same way, except:
wrk's latency is a histogram of every answered request (2xx and shed alike, answered within
`--timeout`), to which wrk adds the samples a stalled connection would have taken (its own
correction for coordinated omission); the outcome holds its percentiles
(`Outcome.percentiles_ms`), not each latency. A request still outstanding when the run ends is
not counted; wrk runs whole seconds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.load_driver import TIMEOUT_SECONDS, Load, Outcome

WRK = "wrk"
THREADS = 2  # the machine's cores; wrk's threads each run their connections' event loop
QUANTILES = (0.5, 0.75, 0.9, 0.99, 0.999)  # asked of wrk's histogram in `done`
PRINTED = (0.5, 0.75, 0.9, 0.99)  # what `wrk --latency` prints
IDLE_PATH = "/healthz"  # never shed: what a thread sends, unanswered, once it has run out

_LUA = r"""-- bench.load_wrk: hands out the prepared bodies, each once across wrk's threads, and
-- counts the answers; done() writes what every thread counted to the results file.
local bodies_file = %(bodies)s
local results_file = %(results)s
local path = %(path)s
local threads = %(threads)d
local collect_ids = %(collect)s
local quantiles = {%(quantiles)s}
local headers = {%(headers)s}
local idle_path = %(idle)s
local kept = {}

-- thread:get copies strings whole but tables wrongly (wrk 4.1 swaps their keys and values),
-- so a thread hands over what it counted as one text, built when done() asks for "counted".
local function counted_text()
  local lines = {}
  for s, n in pairs(statuses) do lines[#lines + 1] = string.format("status %%s %%d", s, n) end
  for s, n in pairs(retry_after) do lines[#lines + 1] = string.format("retry %%s %%d", s, n) end
  for _, id in ipairs(ids) do lines[#lines + 1] = "id " .. id end
  if ran_out then lines[#lines + 1] = "ran_out" end
  lines[#lines + 1] = ""
  return table.concat(lines, "\n")
end

setmetatable(_G, {__index = function(_, name)
  if name == "counted" then return counted_text() end
end})

function setup(thread)
  thread:set("tid", #kept)
  kept[#kept + 1] = thread
end

function init(args)
  mine, next_body, ran_out = {}, 1, false
  statuses, retry_after, ids = {}, {}, {}
  local n = 0
  for line in io.lines(bodies_file) do
    if n %% threads == tid then mine[#mine + 1] = line end
    n = n + 1
  end
end

function request()
  local body = mine[next_body]
  if body == nil then
    -- no body is sent twice: this thread stops; its last request goes unanswered
    ran_out = true
    wrk.thread:stop()
    return wrk.format("GET", idle_path, {})
  end
  next_body = next_body + 1
  return wrk.format("POST", path, headers, body)
end

function response(status, answer_headers, body)
  local s = tostring(status)
  statuses[s] = (statuses[s] or 0) + 1
  if status == 429 or status == 503 then
    for name, _ in pairs(answer_headers) do
      if string.lower(name) == "retry-after" then
        retry_after[s] = (retry_after[s] or 0) + 1
        break
      end
    end
  elseif collect_ids and status >= 200 and status < 300 then
    ids[#ids + 1] = string.match(body, '"application_id"%%s*:%%s*"([^"]*)"') or ""
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(results_file, "w"))
  for _, thread in ipairs(kept) do out:write(thread:get("counted")) end
  if #latency > 0 then
    for _, q in ipairs(quantiles) do
      out:write(string.format("latency %%s %%d\n", q[1], latency:percentile(q[2])))
    end
  end
  out:close()
end
"""


def wrk_load(connections: int) -> str:
    """The load of a phase wrk drives, as the bench's table names it."""
    return f"{connections} conns (wrk)"


def installed() -> str | None:
    """Where `wrk` is on PATH, or None."""
    return shutil.which(WRK)


def lua_string(text: str) -> str:
    """`text` as a Lua string literal (every byte outside printable ASCII escaped)."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def script(
    path: str,
    headers: dict[str, str],
    bodies_file: Path,
    results_file: Path,
    threads: int = THREADS,
    collect_ids: bool = False,
) -> str:
    """The Lua script that posts the bodies of `bodies_file` (one a line) to `path` with
    `headers`, and writes what it counted to `results_file` when wrk is done."""
    quantiles = ", ".join(f"{{{lua_string(repr(q))}, {q * 100:.10g}}}" for q in QUANTILES)
    pairs = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
    return _LUA % {
        "bodies": lua_string(str(bodies_file)),
        "results": lua_string(str(results_file)),
        "path": lua_string(path),
        "threads": threads,
        "collect": "true" if collect_ids else "false",
        "quantiles": quantiles,
        "headers": pairs,
        "idle": lua_string(IDLE_PATH),
    }


@dataclass(frozen=True, slots=True)
class Summary:
    """wrk's summary on stdout: requests answered, the run's wall time, requests/s, the
    printed latency distribution (quantile → ms), socket errors, and the answers of status
    400 and above ("Non-2xx or 3xx")."""

    requests: int
    seconds: float
    requests_per_second: float
    latency_ms: dict[float, float]
    connect: int = 0
    read: int = 0
    write: int = 0
    timeout: int = 0  # answers later than --timeout: counted, their latency left out
    non_2xx: int = 0

    @property
    def transport(self) -> int:
        """Requests that failed on the socket: connect, read and write errors."""
        return self.connect + self.read + self.write


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_TIME = r"([\d.]+)(us|ms|s)"
_DONE = re.compile(rf"^\s*(\d+) requests in {_TIME}", re.M)
_RATE = re.compile(r"^Requests/sec:\s*([\d.]+)", re.M)
_POINT = re.compile(rf"^\s*([\d.]+)%\s+{_TIME}\s*$", re.M)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def _ms(amount: str, unit: str) -> float:
    return float(amount) * _UNITS_MS[unit]


def parse_output(text: str) -> Summary:
    """wrk's summary from its stdout (`--latency` for the distribution); ValueError when the
    text is not a finished run's."""
    done, rate = _DONE.search(text), _RATE.search(text)
    if done is None or rate is None:
        raise ValueError(f"not the output of a finished wrk run:\n{text[-2000:]}")
    points = {float(p) / 100: _ms(a, u) for p, a, u in _POINT.findall(text)}
    socket = _SOCKET.search(text)
    connect, read, write, timeout = (int(n) for n in socket.groups()) if socket else (0,) * 4
    non_2xx = _NON_2XX.search(text)
    return Summary(
        requests=int(done.group(1)),
        seconds=_ms(done.group(2), done.group(3)) / 1000,
        requests_per_second=float(rate.group(1)),
        latency_ms={q: points[q] for q in PRINTED if q in points},
        connect=connect,
        read=read,
        write=write,
        timeout=timeout,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


@dataclass
class Results:
    """What the script's threads counted: answers by status, 429/503 answers that carried
    `Retry-After` (by status), the 2xx answers' `application_id`s ("" where none was read),
    whether a thread ran out of bodies, and wrk's latency percentiles in ms."""

    statuses: Counter[str] = field(default_factory=Counter)
    retry_after: Counter[str] = field(default_factory=Counter)
    ids: list[str] = field(default_factory=list)
    ran_out: bool = False
    percentiles_ms: dict[float, float] = field(default_factory=dict)


def parse_results(text: str) -> Results:
    """The results file the script's `done` wrote."""
    out = Results()
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "status":
            status, n = rest.split()
            out.statuses[status] += int(n)
        elif kind == "retry":
            status, n = rest.split()
            out.retry_after[status] += int(n)
        elif kind == "id":
            out.ids.append(rest)
        elif kind == "ran_out":
            out.ran_out = True
        elif kind == "latency":
            q, micros = rest.split()
            out.percentiles_ms[float(q)] = int(micros) / 1000
        elif line:
            raise ValueError(f"not a line of wrk's results: {line!r}")
    return out


def outcome(summary: Summary, results: Results, cpu_seconds: float, collect_ids: bool) -> Outcome:
    """The `Outcome` of one wrk run: statuses as the script counted them, socket errors as
    "transport" (wrk never gives up on a request, so none is a timeout)."""
    statuses = Counter(results.statuses)
    if summary.transport:
        statuses["transport"] += summary.transport
    return Outcome(
        statuses=statuses,
        retry_after=Counter(results.retry_after),
        accepted_ids=list(results.ids) if collect_ids else [],
        seconds=summary.seconds,
        driver_cpu_seconds=cpu_seconds,
        ran_out=results.ran_out,
        percentiles_ms=dict(results.percentiles_ms),
    )


def _write_bodies(bodies: Sequence[bytes], path: Path) -> None:
    with path.open("wb") as out:
        for body in bodies:
            if b"\n" in body or b"\r" in body:
                raise ValueError("wrk's script reads one body a line: a body holds a line break")
            out.write(body + b"\n")


def _run(command: list[str], stdout: Path, stderr: Path) -> tuple[int, float]:
    """`command`'s exit code and the CPU seconds it used (its own rusage, from wait4)."""
    with stdout.open("w") as out, stderr.open("w") as err:
        child = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return child.returncode, usage.ru_utime + usage.ru_stime


def drive_wrk(load: Load) -> Outcome:
    """`load` (a closed loop of POSTs: `load.clients` connections) run by wrk; what it
    measured. `load.seconds` is rounded to whole seconds, at least one."""
    if load.paths or load.rate is not None:
        raise ValueError("wrk drives closed loops of POSTs only")
    binary = installed()
    if binary is None:
        raise RuntimeError("wrk is not on PATH")
    threads = min(THREADS, load.clients)
    seconds = max(1, round(load.seconds))
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        folder = Path(tmp)
        bodies, results = folder / "bodies.txt", folder / "results.txt"
        _write_bodies(load.bodies, bodies)
        lua = folder / "post.lua"
        lua.write_text(script(load.path, load.headers, bodies, results, threads, load.collect_ids))
        command = [
            binary, f"-t{threads}", f"-c{load.clients}", f"-d{seconds}s",
            f"--timeout={TIMEOUT_SECONDS:.0f}s", "--latency", "-s", str(lua), load.base_url,
        ]  # fmt: skip
        code, cpu = _run(command, folder / "stdout.txt", folder / "stderr.txt")
        printed = (folder / "stdout.txt").read_text()
        complaint = (folder / "stderr.txt").read_text()
        if code != 0 or complaint.strip() or not results.exists():
            raise RuntimeError(f"wrk failed (exit {code}):\n{printed[-2000:]}{complaint[-2000:]}")
        return outcome(
            parse_output(printed), parse_results(results.read_text()), cpu, load.collect_ids
        )
