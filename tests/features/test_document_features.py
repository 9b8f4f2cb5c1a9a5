from datetime import date

from fengkong.features.documents import DocumentFeature, DocumentFeatures


def _compute(doc: dict[str, float], as_of: date) -> dict[str, float | str | bool | None]:
    balance, limit = doc["balance"], doc["limit"]
    return {
        "toy.utilisation": balance / limit if limit else None,
        "toy.band": "high" if balance > 100 else "low",
        "toy.maxed": balance >= limit,
        "toy.days": float((as_of - date(2026, 1, 1)).days),
    }


TOY = DocumentFeatures(
    name="toy",
    version="1",
    features=tuple(
        DocumentFeature(n, k, n, n, f"{n} adverse", f"{n}不利")  # type: ignore[arg-type]
        for n, k in (
            ("toy.utilisation", "numerical"),
            ("toy.band", "categorical"),
            ("toy.maxed", "flag"),
            ("toy.days", "numerical"),
        )
    ),
    compute=_compute,
)


def test_batch_is_the_online_function_row_by_row() -> None:
    docs = [
        ({"balance": 50.0, "limit": 100.0}, date(2026, 3, 1)),
        ({"balance": 150.0, "limit": 0.0}, date(2026, 1, 2)),
    ]
    frame = TOY.compute_batch(docs)
    assert frame.columns == list(TOY.names)
    assert frame.to_dicts() == [TOY.compute_online(d, at) for d, at in docs]
    assert frame.row(1, named=True)["toy.utilisation"] is None
