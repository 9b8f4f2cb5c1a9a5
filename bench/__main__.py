"""Run the benchmarks and rewrite docs/performance.md.

`python -m bench` runs all; `python -m bench scoring decision` runs some and keeps the other
sections as they were; `python -m bench load --seconds 2 --clients 1,4` runs the load bench
with its options (`python -m bench load --help`). The report holds the current figures only; the experiment diary is
docs/notes/performance-history.md, which no benchmark writes."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

from bench.harness import Section, stamp

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
# Sections written before each named its own date say only their command; the report keeps the
# latest date they can have been measured at.
UNDATED = "Sections that name no date of their own were measured at or before {}."
UNDATED_LINE = r"^Sections that name no date of their own were measured at or before (.+)\.$"
LEGACY_LAST_RUN = r"^Last run (.+?) \(see `bench\.harness\.cpu_reference_seconds`\)\."
UNDATED_SECTION = r"^Measured by `[^`]*`\.$"


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
    fresh: dict[str, Section] = {}
    for name in chosen:
        print(f"running bench.{name} …", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        if name == "load":
            section: Section = module.run(options)
        else:
            section = module.section() if hasattr(module, "section") else module.run()
        section.measured = section.measured or stamp()  # when it ran, not when the page is written
        fresh[name] = section
        print(section.markdown(), file=sys.stderr)
    rewrite(fresh)
    print(f"wrote {REPORT}", file=sys.stderr)
    return 0


def rewrite(fresh: dict[str, Section]) -> None:
    """The report with the sections of `fresh`, each naming when and on which machine it was
    measured (`Section.measured`, `bench.harness.stamp` when unset), and every other section
    as it stands, its own date and machine with it."""
    sections = _existing_sections()
    for name, section in fresh.items():
        section.measured = section.measured or stamp()
        sections[name] = section.markdown()
    _write(sections)


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


def _undated_stamp() -> str | None:
    """When the sections that name no date of their own were measured at the latest, as the
    report says it: the line `UNDATED` wrote, or the single "Last run" line of the reports
    written before each section named its own."""
    if not REPORT.exists():
        return None
    head = REPORT.read_text(encoding="utf-8").split("<!-- bench:", 1)[0]
    for pattern in (UNDATED_LINE, LEGACY_LAST_RUN):
        match = re.search(pattern, head, flags=re.M)
        if match:
            return match.group(1)
    return None


def _write(sections: dict[str, str]) -> None:
    undated = _undated_stamp()
    head = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench`); each section names the command that "
        "measured it, when and on which machine (with the CPU reference, see "
        "`bench.harness.cpu_reference_seconds`). `python -m bench NAME …` rewrites only those "
        "sections.",
    ]
    if undated and any(re.search(UNDATED_SECTION, s, flags=re.M) for s in sections.values()):
        head.append(UNDATED.format(undated))
    head += [
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
