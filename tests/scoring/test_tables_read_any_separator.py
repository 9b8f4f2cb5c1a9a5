"""`scoring.tables`: one reader for CSV with any separator, TSV, Parquet and gzip CSV/TSV, the
same frame from each; an unreadable file is a clear `Invalid`, never a traceback."""

import gzip
import re
from pathlib import Path

import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.batch import score_file
from fengkong.scoring.registry import LoadedScorecard
from fengkong.scoring.tables import read_table, table_chunks, table_columns, table_rows
from fengkong.scoring.train import TrainedScorecard

FRAME = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y, z", None], "c": [0.5, None, 2.0]})


def _write(frame: pd.DataFrame, path: Path, sep: str = ",") -> Path:
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, sep=sep, compression="infer")
    return path


@pytest.mark.parametrize(
    ("name", "sep", "given"),
    [
        ("f.csv", ",", None),
        ("f.tsv", "\t", None),
        ("f.tsv.gz", "\t", None),
        ("f.csv.gz", ",", None),
        ("f.parquet", ",", None),
        ("f.csv", ";", ";"),
        ("f.txt", "|", "pipe"),
        ("f.csv", "\t", "tab"),
    ],
)
def test_every_format_reads_the_same_frame(
    tmp_path: Path, name: str, sep: str, given: str | None
) -> None:
    path = _write(FRAME, tmp_path / name, sep)
    pd.testing.assert_frame_equal(read_table(path, sep=given), FRAME, check_dtype=False)
    assert table_columns(path, sep=given) == ("a", "b", "c")
    assert table_rows(path, sep=given) == 3
    parts = list(table_chunks(path, 2, sep=given))
    assert [len(p) for p in parts] == [2, 1]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), FRAME, check_dtype=False)


def test_bad_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="no such file"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(Invalid, match=re.escape("unsupported file type '.xlsx'")):
        read_table(_write(FRAME, tmp_path / "f.csv").rename(tmp_path / "f.xlsx"))
    semicolons = _write(FRAME, tmp_path / "semi.csv", ";")
    with pytest.raises(Invalid, match="pass --sep ';'") as caught:
        read_table(semicolons)
    assert caught.value.errors[0].loc == ("data",)
    fake_gzip = tmp_path / "f.csv.gz"
    fake_gzip.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(Invalid, match=re.escape("cannot read f.csv.gz")):
        read_table(fake_gzip, "rejects")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(Invalid, match=re.escape("cannot read latin.csv")):
        read_table(latin)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(Invalid, match=re.escape("cannot read broken.parquet")):
        read_table(broken)
    with pytest.raises(Invalid, match="one character"):
        read_table(semicolons, sep=";;")
    truncated = tmp_path / "cut.csv.gz"
    packed = gzip.compress(
        ("a,b\n" + "".join(f"{i},{i * 7919 % 104729}\n" for i in range(5000))).encode()
    )
    truncated.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(Invalid, match=re.escape("cannot read cut.csv.gz")):
        read_table(truncated)


def test_batch_scoring_reads_a_gzip_tsv(
    trained: TrainedScorecard, german: pd.DataFrame, tmp_path: Path
) -> None:
    loaded = LoadedScorecard("application-v1", "0" * 64, trained.model.scorecard_)
    rows = german.drop(columns="creditability").iloc[:50]
    data = _write(rows, tmp_path / "in.tsv.gz", "\t")
    out = tmp_path / "out.csv"
    result = score_file(loaded, data, out, chunk_rows=20)
    assert result.scored == 50
    plain = tmp_path / "plain.csv"
    score_file(loaded, _write(rows, tmp_path / "in.csv"), plain)
    assert pd.read_csv(out)["score"].tolist() == pd.read_csv(plain)["score"].tolist()
