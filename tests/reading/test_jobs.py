"""Worker jobs after the reading ended: nothing runs, nothing raises into the caller's loop."""
from __future__ import annotations

from app.reading.jobs import Jobs


def test_a_job_asked_for_after_close_does_not_run_and_does_not_raise(inbox):
    jobs = Jobs(inbox.post, workers=1)
    ran = []
    jobs.run(lambda: ran.append("before"), done=lambda _r: ran.append("told")).result(timeout=10)
    inbox.until(lambda: "told" in ran)
    jobs.close(wait=True)
    late = jobs.run(lambda: ran.append("after"), done=lambda _r: ran.append("told after"))
    assert late.cancelled()
    inbox.drain(0.2)
    assert ran == ["before", "told"]
