"""QIDO-RS over many parents in a few requests: one query per chunk of UIDs, in parallel.

A worklist of 500 studies must not cost 500 sequential series queries (10 s at a VPN's
20 ms round trip). QIDO-RS allows UID list matching (`StudyInstanceUID=uid1,uid2,...`,
PS3.18 8.3.4.1), so the series of 100 studies come back in one answer, and the chunks go
out together over the client's connection pool. 100 UIDs (at most 65 characters each with
the comma) make a request line under 6.6 kB, within the 8 kB limit of common front ends
(nginx, Apache). A parent missing from the answers (a
server that refuses or ignores list matching: every study has a series, every series an
instance) is asked for on its own, so the result is the same on any server, only slower.
"""
from __future__ import annotations

import concurrent.futures as cf
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TypeVar

from pydicom.dataset import Dataset

from common.background import lower_priority
from worklist.centre import BadData
from worklist.dicom_json import datasets_from_json, text
from worklist.dicomweb import DicomWebClient

__all__ = ["UIDS_PER_QUERY", "Mapper", "bounded_map", "search_grouped"]

log = logging.getLogger(__name__)

UIDS_PER_QUERY = 100

T = TypeVar("T")
R = TypeVar("R")
# How requests are fanned out: `bounded_map` with a worker count, or `pool.map` of an
# executor shared by several searches (so together they never exceed the connection pool).
Mapper = Callable[[Callable[[T], R], Sequence[T]], Iterable[R]]


def bounded_map(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """`[fn(x) for x in items]`, at most `workers` at a time; the first error is raised."""
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with cf.ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="yomi-qido",
                               initializer=lower_priority) as pool:
        return list(pool.map(fn, items))


def search_grouped(client: DicomWebClient, level_path: str, key: tuple[str, str], uids: Sequence[str], *,
                   includefield: Sequence[str], keep: Collection[str], workers: int,
                   one_parent: Callable[[str], list[dict]], match: dict[str, str] | None = None,
                   expected: Collection[str] | None = None, mapper: Mapper | None = None
                   ) -> dict[str, list[Dataset]]:
    """Answers of `level_path` (e.g. 'series') for each parent UID, grouped by it.

    `key` is the parent attribute as (tag, keyword), e.g. ('0020000D', 'StudyInstanceUID');
    `one_parent(uid)` asks for one parent alone (the fallback); `keep` are the tags read.
    `expected` are the parents known to have answers (default: all); with a `match` some
    parents may legitimately have none (e.g. Modality=SR). `mapper` replaces the pool of
    `workers` threads by a shared one.
    """
    fan_out: Mapper = mapper or (lambda fn, items: bounded_map(fn, items, workers))
    tag, keyword = key
    wanted = list(dict.fromkeys(uids))
    grouped: dict[str, list[Dataset]] = {uid: [] for uid in wanted}
    keep = {*keep, tag}
    chunks = [wanted[i:i + UIDS_PER_QUERY] for i in range(0, len(wanted), UIDS_PER_QUERY)]

    refused: list[str] = []

    def ask(chunk: list[str]) -> list[dict]:
        try:
            return client.search(level_path, {**(match or {}), tag: ",".join(chunk)},
                                 includefield=(*includefield, tag))
        except BadData:  # e.g. 400 for list matching, 414 for the URL: ask one by one below
            log.info("QIDO %s: the server refused a UID list; asking per %s", level_path, keyword)
            refused.extend(chunk)
            return []

    for answer in fan_out(ask, chunks):
        for ds in datasets_from_json(answer, what=f"a QIDO {level_path} result", keep=keep):
            group = grouped.get(text(ds, keyword))
            if group is not None:  # a server that ignored the filter may answer more
                group.append(ds)
    must = set(wanted if expected is None else expected)
    missing = list(dict.fromkeys([*refused, *(uid for uid, found in grouped.items() if not found and uid in must)]))
    if missing:
        log.info("QIDO %s: %d of %d parents not in the batched answers; asking each", level_path,
                 len(missing), len(wanted))
        for uid, answer in zip(missing, fan_out(one_parent, missing)):
            grouped[uid] = datasets_from_json(answer, what=f"a QIDO {level_path} result", keep=keep)
    return grouped
