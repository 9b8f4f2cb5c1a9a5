"""Scorecard ⇄ plain JSON-able data (no pickle: an auditor can read the file)."""

from __future__ import annotations

from typing import Any

from fengkong.scoring.points import Bin, Characteristic, Scaling, Scorecard

SCORECARD_FORMAT = "fengkong.scorecard/1"


def scorecard_to_dict(sc: Scorecard) -> dict[str, Any]:
    return {
        "format": SCORECARD_FORMAT,
        "scaling": {
            "base_score": sc.scaling.base_score,
            "base_odds": sc.scaling.base_odds,
            "pdo": sc.scaling.pdo,
        },
        "characteristics": [
            {
                "name": ch.name,
                "dtype": ch.dtype,
                "coefficient": ch.coefficient,
                "iv": ch.iv,
                "splits": list(ch.splits),
                "special_codes": list(ch.special_codes),
                "bins": [
                    {
                        "label": b.label,
                        "kind": b.kind,
                        "points": b.points,
                        "woe": b.woe,
                        "count": b.count,
                        "event_rate": b.event_rate,
                        "lower": b.lower,
                        "upper": b.upper,
                        "categories": list(b.categories),
                    }
                    for b in ch.bins
                ],
            }
            for ch in sc.characteristics
        ],
    }


def scorecard_from_dict(data: dict[str, Any]) -> Scorecard:
    if data.get("format") != SCORECARD_FORMAT:
        raise ValueError(f"not a scorecard artifact: format {data.get('format')!r}")
    return Scorecard(
        characteristics=tuple(
            Characteristic(
                name=ch["name"],
                dtype=ch["dtype"],
                coefficient=ch["coefficient"],
                iv=ch["iv"],
                splits=tuple(ch["splits"]),
                special_codes=tuple(ch["special_codes"]),
                bins=tuple(
                    Bin(
                        label=b["label"],
                        kind=b["kind"],
                        points=b["points"],
                        woe=b["woe"],
                        count=b["count"],
                        event_rate=b["event_rate"],
                        lower=b["lower"],
                        upper=b["upper"],
                        categories=tuple(b["categories"]),
                    )
                    for b in ch["bins"]
                ),
            )
            for ch in data["characteristics"]
        ),
        scaling=Scaling(**data["scaling"]),
    )
