"""Work over partitions (`core.partitions`): rows are cut into contiguous, non-empty slices of
sizes differing by at most one, in order; the in-process runner maps them in order; a partition
count below 1 is refused in both languages."""

from __future__ import annotations

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.partitions import (
    IN_PROCESS,
    bounds,
    check_partitions,
    partition_count,
    split,
)


@pytest.mark.parametrize("length", [0, 1, 2, 7, 10, 11])
@pytest.mark.parametrize("parts", [1, 2, 3, 4, 16])
def test_slices_cover_every_item_once_in_order(length: int, parts: int) -> None:
    items = list(range(length))
    pieces = split(items, parts)
    assert [x for piece in pieces for x in piece] == items
    assert all(pieces) and len(pieces) == min(parts, length)
    sizes = [len(p) for p in pieces]
    assert not sizes or max(sizes) - min(sizes) <= 1
    assert [(a, b) for a, b in bounds(length, parts)] == [
        (sum(sizes[:k]), sum(sizes[: k + 1])) for k in range(len(sizes))
    ]


def test_in_process_maps_in_order_and_counts_one() -> None:
    assert IN_PROCESS.map(sum, split(list(range(10)), 3)) == [6, 15, 24]
    assert IN_PROCESS.parallelism == 1
    assert partition_count(IN_PROCESS, None) == 1 and partition_count(IN_PROCESS, 5) == 5


@pytest.mark.parametrize("bad", [0, -2, True])
def test_fewer_than_one_partition_is_refused(bad: int) -> None:
    with pytest.raises(Invalid) as refused:
        check_partitions(bad)
    assert refused.value.errors[0].loc == ("partitions",)
    assert "at least 1" in refused.value.errors[0].msg and "分区数" in refused.value.errors[0].msg
