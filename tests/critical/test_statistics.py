"""The centre's statistics from SRs stored in a real Orthanc, checked figure by figure in the
CSV against the known readings of tests/critical/readings.py."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from app.reading.statistics import StatisticsError, compute_statistics, fetch_readings, write_csv
from tests.critical.readings import EXPECTED_2031, exam_srs
from tests.fixtures.orthanc import OrthancServer
from worklist.dicomweb import ClientSettings, DicomWebClient

pytestmark = pytest.mark.orthanc
FROM, TO = date(2031, 1, 1), date(2031, 12, 31)


@pytest.fixture(scope="module")
def client(orthanc: OrthancServer):
    orthanc.upload(exam_srs())
    return DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))


def _figures(text: str) -> dict[tuple[str, str], str]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "item", "value"]
    return {(r[0], r[1]): r[2] for r in rows[1:]}


def test_csv_matches_the_known_readings(client, tmp_path):
    seen = []
    readings = fetch_readings(client, FROM, TO, on_study=lambda s, p: seen.append(p))
    stats = compute_statistics(readings, FROM, TO)
    out = tmp_path / "stats.csv"
    f = _figures(write_csv(stats, out))
    assert out.read_text(encoding="utf-8") == write_csv(stats)
    assert sorted(set(seen)) == ["STAT-0", "STAT-1", "STAT-2", "STAT-3"]  # for the audit trail
    assert f == EXPECTED_2031


def test_a_narrower_range_and_a_reversed_one(client):
    spring = compute_statistics(fetch_readings(client, date(2031, 3, 1), date(2031, 5, 31)),
                                date(2031, 3, 1), date(2031, 5, 31))
    assert spring.examinees == 2 and spring.referred == 2 and spring.reconciled == 1
    with pytest.raises(StatisticsError, match="before it begins"):
        fetch_readings(client, TO, FROM)
