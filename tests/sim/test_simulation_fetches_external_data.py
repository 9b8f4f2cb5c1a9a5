"""A month of the simulated lender under retail-bureau-v1: the run serves its own credit bureau
and statement provider over HTTP (`sim.population_sources`), and every decision goes through
the platform's fetch path — the applicants' consents, the HTTP client, the recording. Each
decision cites the bureau answer it used and carries the report's features; statements are
fetched only above the policy's amount; replay reads the recordings, never the provider."""

from __future__ import annotations

from pathlib import Path

from fengkong.decision.replay import Replayer
from fengkong.sim.run import simulate
from fengkong.sources.connector import Answer, SourceRequest
from fengkong.sources.services import SourceServices
from sim.lifecycle_runs import applications, lifecycle_plan, run_context, sim_settings

STATEMENTS_ABOVE = 2_000_000  # retail-bureau-v1: statements only above ¥20,000


class Refusing:
    provider = "nobody"

    def fetch(self, request: SourceRequest) -> Answer:
        raise AssertionError(f"replay called a provider for {request.kind}")


def test_a_month_decided_on_the_bureau_and_statements(tmp_path: Path) -> None:
    settings = sim_settings(tmp_path / "home")
    plan = lifecycle_plan(months=1, per_day=3, seed=5, policy="retail-bureau-v1")
    outcome = simulate(settings, plan, tmp_path / "run")
    assert outcome.books_ok
    with run_context(settings, plan, tmp_path / "run") as ctx:
        rows = applications(ctx)
        assert len(rows) >= 40
        offline = SourceServices(ctx.uow, ctx.clock, ctx.sources.recording, lambda k: Refusing())
        with ctx.uow() as uow:
            decisions = [uow.decisions.for_application(row.id) for row in rows]
            statuses: dict[str, int] = {}
            for d in decisions:
                assert d is not None
                status = str(d.facts.get("source.credit_bureau"))
                statuses[status] = statuses.get(status, 0) + 1
                cited = {s["kind"]: s for s in d.inputs.get("sources", [])}
                if status == "ok":
                    assert "credit_bureau" in cited
                    assert "bureau.worst_dpd_24m" in d.facts
                wanted = d.facts.get("amount", 0) > STATEMENTS_ABOVE  # type: ignore[operator]
                assert ("bank_statement" in cited) == (
                    wanted and d.facts.get("source.bank_statement") == "ok"
                )
                if not wanted:
                    assert d.facts.get("source.bank_statement") == "not_asked"
            # the provider answered (a few calls may time out and refer, never most)
            assert statuses.get("ok", 0) >= 0.8 * len(decisions)
            replayer = Replayer(uow, ctx.artifacts_dir, offline)
            for d in decisions[:10]:
                assert d is not None
                result = replayer.replay(d)
                assert result.matches, result.differences
