"""A run's own memory, kept between simulated days so an interrupted run resumes where it
stopped: which loans and lines the simulated borrowers hold (the platform's ids), what each
borrower means to pay and when, the referrals awaiting the officer, and the statistics so far.

It is written whole, atomically, after every completed day (`RunState.save`); a run stopped
during a day starts that day again, and every step of a day is safe to repeat (`sim.engine`)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fengkong.core.errors import Conflict
from fengkong.sim.stats import RunStats

STATE_FILE = "state.json"
SNAPSHOT_PREFIX = "portfolio-"  # portfolio-2026-01.json: that month's end
FORMAT = 2


@dataclass
class BookedLoan:
    """A loan (or a line's draw) a simulated borrower holds."""

    loan_id: str
    applicant: str  # the applicant's key
    loan_number: int  # the borrower's how-many-th loan, draws included (0-based)
    booked_month: str
    due: list[str]  # ISO due date of each instalment, in order
    line_id: str | None = None
    # Payments the borrower means to make: ISO date → [instalment, share, settle]
    planned: dict[str, list[Any]] = field(default_factory=dict)
    collateral: str | None = None  # the pledged item's id, for a small business's loan
    collateral_value: int = 0  # fen, as first valued

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> BookedLoan:
        return cls(**doc)


@dataclass
class HeldLine:
    """A credit line a simulated borrower holds, and when they mean to draw next."""

    line_id: str
    applicant: str
    limit: int
    draws: int
    next_draw: str | None  # ISO date; None: they draw no more
    pd: str | None = None  # the probability of default the line was approved on

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> HeldLine:
        return cls(**doc)


@dataclass
class RunState:
    """Where a run stands after its last completed day."""

    params: dict[str, Any]  # what the run was asked to do; a resume must ask the same
    next_day: int
    stats: RunStats
    loans: dict[str, BookedLoan] = field(default_factory=dict)
    lines: dict[str, HeldLine] = field(default_factory=dict)
    referrals: dict[str, str] = field(default_factory=dict)  # application id → applicant key
    # Applicants' keys by how many loans (draws included) each has had, for their numbering.
    loan_counts: dict[str, int] = field(default_factory=dict)
    finished: bool = False
    database: str = ""  # where the run's book is (password hidden): a resume must use the same

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "params": self.params,
            "next_day": self.next_day,
            "finished": self.finished,
            "database": self.database,
            "stats": self.stats.as_dict(),
            "loans": [loan.as_dict() for loan in self.loans.values()],
            "lines": [line.as_dict() for line in self.lines.values()],
            "referrals": self.referrals,
            "loan_counts": self.loan_counts,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> RunState:
        return cls(
            params=dict(doc["params"]),
            next_day=int(doc["next_day"]),
            finished=bool(doc.get("finished", False)),
            database=str(doc.get("database", "")),
            stats=RunStats.from_dict(doc["stats"]),
            loans={d["loan_id"]: BookedLoan.from_dict(d) for d in doc.get("loans", [])},
            lines={d["line_id"]: HeldLine.from_dict(d) for d in doc.get("lines", [])},
            referrals=dict(doc.get("referrals", {})),
            loan_counts={k: int(v) for k, v in doc.get("loan_counts", {}).items()},
        )

    def save(self, folder: Path) -> None:
        """Write the state whole, then move it into place: a crash leaves the old or the new.
        Month-end snapshots are written once each, beside it, when first saved."""
        folder.mkdir(parents=True, exist_ok=True)
        doc = self.as_dict()
        snapshots = doc["stats"].pop("snapshots")
        for month, rows in snapshots.items():
            path = folder / f"{SNAPSHOT_PREFIX}{month}.json"
            if not path.exists():
                _write_atomically(path, {"month": month, "loans": rows})
        _write_atomically(folder / STATE_FILE, doc)

    @classmethod
    def load(cls, folder: Path) -> RunState | None:
        """The state of the run kept in `folder`, or None when it has not completed a day."""
        path = folder / STATE_FILE
        if not path.exists():
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise Conflict(f"{path} was written by another version of the simulator")
        months = {m["month"] for m in doc["stats"].get("months", [])}
        doc["stats"]["snapshots"] = {}
        for snapshot in sorted(folder.glob(f"{SNAPSHOT_PREFIX}*.json")):
            kept = json.loads(snapshot.read_text(encoding="utf-8"))
            if kept["month"] in months:  # not one of a later, unfinished, day's
                doc["stats"]["snapshots"][kept["month"]] = kept["loans"]
        return cls.from_dict(doc)

    def next_loan_number(self, applicant: str) -> int:
        number = self.loan_counts.get(applicant, 0)
        self.loan_counts[applicant] = number + 1
        return number


def _write_atomically(path: Path, doc: dict[str, Any]) -> None:
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        json.dump(doc, out, separators=(",", ":"))
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


__all__ = ["STATE_FILE", "BookedLoan", "HeldLine", "RunState"]
