"""The HTML model report is one file with every section and chart, fetching nothing."""

import re
from pathlib import Path

import pandas as pd

from fengkong.scoring.lab import train_model
from fengkong.scoring.report import write_html

SECTIONS = (
    "summary",
    "discrimination",
    "distribution",
    "calibration",
    "gains",
    "stability",
    "bins",
    "reject-inference",
)


def test_report_has_every_section_and_no_external_link(
    german: pd.DataFrame, tmp_path: Path
) -> None:
    accepted, declined = german.iloc[:800], german.iloc[800:].drop(columns="creditability")
    result = train_model(accepted, "creditability", rejects=declined)
    path = write_html(tmp_path / "report.html", result, title="application-v1")
    text = path.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'<section id="{section}">' in text
    assert text.count("<svg") == 4  # ROC, KS, score distribution, calibration
    assert "<polyline" in text and "auc_after" in text
    sc = result.scorecard
    assert sc is not None and all(name in text for name in sc.features)
    assert not re.search(r"(src|href)\s*=|https?://|<script|<link|@import", text)
