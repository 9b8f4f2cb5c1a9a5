"""Run the benchmarks and rewrite docs/performance.md.

`python -m bench` runs all; `python -m bench scoring decision` runs some and keeps the other
sections as they were; `python -m bench load --seconds 2 --clients 1,4` runs the load bench
with its options (`python -m bench load --help`). The report holds the current figures only; the experiment diary is
docs/notes/performance-history.md, which no benchmark writes."""

from __future__ import annotations

import importlib
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import Section, cpu_reference_seconds, machine

BENCHMARKS = (
    "model_quality",
    "model_cv",
    "scoring",
    "decision",
    "policy_eval",
    "fraud_signals",
    "eod",
    "snapshots",
    "console",
    "simulate",
    "load",
)
REPORT = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
MARK = "<!-- bench:{} -->"
# The experiment diary lives beside the report and is written by hand: the report holds only
# the current figures, with their method and machine.
HISTORY_LINK = "notes/performance-history.md"


def main(names: list[str]) -> int:
    if {"-h", "--help"} & set(names) and names[:1] != ["load"]:
        print(__doc__)
        print(f"benchmarks: {', '.join(BENCHMARKS)}")
        return 0
    options: list[str] = []
    if names[:1] == ["load"]:  # the load bench takes options of its own
        names, options = ["load"], names[1:]
    chosen = names or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {unknown}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    sections = _existing_sections()
    for name in chosen:
        print(f"running bench.{name} …", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        if name == "load":
            section: Section = module.run(options)
        else:
            section = module.section() if hasattr(module, "section") else module.run()
        sections[name] = section.markdown()
        print(section.markdown(), file=sys.stderr)
    _write(sections)
    print(f"wrote {REPORT}", file=sys.stderr)
    return 0


def _existing_sections() -> dict[str, str]:
    if not REPORT.exists():
        return {}
    text = REPORT.read_text(encoding="utf-8")
    found = {}
    for name in BENCHMARKS:
        match = re.search(
            re.escape(MARK.format(name)) + r"\n(.*?)(?=\n<!-- bench:|\Z)", text, flags=re.S
        )
        if match:
            found[name] = match.group(1).rstrip() + "\n"
    return found


def _write(sections: dict[str, str]) -> None:
    head = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench`); each section names the command that measured it.",
        f"Last run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; CPU reference "
        f"{cpu_reference_seconds():.2f} s (see `bench.harness.cpu_reference_seconds`).",
        "Shared machines are noisy: quote medians and percentiles, and re-run before comparing.",
        "How these figures came to be (experiments tried, kept and dropped) is in "
        f"[notes/performance-history.md]({HISTORY_LINK}), which `make bench` never writes.",
        "",
    ]
    body = [f"{MARK.format(n)}\n{sections[n]}" for n in BENCHMARKS if n in sections]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(head) + "\n".join(body), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
