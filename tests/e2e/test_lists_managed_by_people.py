"""Black and grey lists managed by people, over HTTP and from `fengkong lists …`, on SQLite and
PostgreSQL: an entry added reaches the next application's fraud signals through the decision
service; removed or expired, it no longer does; an import takes the good rows and reports each
bad one by line; an export imports back; every change is audited, and no value is kept or shown
in clear. Each change by a person is a request that an approver other than the asker approves
(maker-checker): nothing changes before."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import body
from fakes.access import bearer
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app as cli
from fengkong.core.clock import FakeClock
from fengkong.db.fraud_tables import fraud_list_entries
from fengkong.sim.identity import identity

OFFICER = bearer("fks_risk")  # rita, a risk manager, asks
APPROVER = bearer("fks_approver")  # alan approves
runner = CliRunner()


def _approved(client: TestClient, asked: Any) -> dict[str, Any]:
    """Approve the request `asked` answered with, as alan; the approved request."""
    assert asked.status_code == 202, asked.text
    request_id = asked.json()["id"] if "id" in asked.json() else asked.json()["request"]["id"]
    done = client.post(f"/v1/approvals/{request_id}/approve", headers=APPROVER)
    assert done.status_code == 200, done.text
    approved: dict[str, Any] = done.json()
    return approved


def _only_entry(client: TestClient) -> dict[str, Any]:
    (entry,) = client.get("/v1/lists/entries", params={"include_inactive": "true"}).json()
    return entry  # type: ignore[no-any-return]


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _person(context: Context, seed: int) -> dict[str, str]:
    p = identity(35, context.clock.business_date(), random.Random(seed))
    return {"name": p.name, "id_number": p.id_number, "phone": p.phone}


def _decide(client: TestClient, context: Context, person: dict[str, str]) -> dict[str, Any]:
    """Decide an application and return its outcome, reason codes and stored list signals."""
    response = client.post("/v1/applications", json=body(applicant=person))
    assert response.status_code == 201, response.text
    decision = response.json()
    with context.uow() as uow:
        record = uow.decisions.for_application(decision["application_id"])
    assert record is not None
    features = dict(record.features)
    return {
        "outcome": decision["outcome"],
        "codes": [r["code"] for r in decision["reasons"]],
        "black": features["list.black"],
        "grey": features["list.grey"],
    }


def _audit(context: Context) -> list[tuple[str, str, str, dict[str, Any]]]:
    with context.uow() as uow:
        return [
            (r.action, r.actor, r.subject_id, dict(r.payload))
            for r in uow.audit.stream()
            if r.subject_type == "list_entry"
        ]


def _stored_rows(context: Context) -> str:
    with context.db.engine.connect() as conn:
        return repr(conn.execute(sa.select(fraud_list_entries)).all())


def test_an_entry_added_is_hit_until_removed(client: TestClient, context: Context) -> None:
    person = _person(context, 1)
    assert _decide(client, context, person)["black"] is False
    added = client.post(
        "/v1/lists/entries",
        json={
            "list": "black",
            "key_type": "phone",
            "value": person["phone"],
            "reason": "confirmed fraud 确认欺诈",
            "source": "case-7",
        },
        headers=OFFICER,
    )
    assert added.status_code == 202, added.text
    assert _decide(client, context, person)["black"] is False  # nothing changes until approved
    mine = client.post(f"/v1/approvals/{added.json()['id']}/approve", headers=OFFICER)
    assert mine.status_code == 403  # a risk manager is no approver
    _approved(client, added)
    entry = _only_entry(client)
    assert entry["key_type"] == "mobile" and entry["added_by"] == "user:rita" and entry["active"]
    assert person["phone"] not in added.text and entry["display"].count("*") == 4

    hit = _decide(client, context, person)
    assert hit["black"] is True and hit["outcome"] == "decline"
    assert "FR_BLACKLIST" in hit["codes"]

    again = client.post(
        "/v1/lists/entries",
        json={
            "list": "black",
            "key_type": "mobile",
            "value": person["phone"],
            "reason": "x",
            "source": "y",
        },
        headers=OFFICER,
    )
    assert again.status_code == 409 and entry["id"] in again.json()["detail"]
    found = client.post(
        "/v1/lists/entries/search", json={"key_type": "mobile", "value": person["phone"]}
    )
    assert [e["id"] for e in found.json()] == [entry["id"]]

    no_reason = client.post(
        f"/v1/lists/entries/{entry['id']}/remove", json={"reason": " "}, headers=OFFICER
    )
    assert no_reason.status_code == 422
    nobody = client.post(
        f"/v1/lists/entries/{entry['id']}/remove",
        json={"reason": "cleared"},
        headers={"Authorization": ""},
    )
    assert nobody.status_code == 401
    removal = client.post(
        f"/v1/lists/entries/{entry['id']}/remove",
        json={"reason": "cleared on appeal"},
        headers=bearer("fks_risk"),
    )
    twice = client.post(
        f"/v1/lists/entries/{entry['id']}/remove", json={"reason": "again"}, headers=OFFICER
    )
    assert twice.status_code == 409  # its removal is pending
    assert _decide(client, context, person)["black"] is True  # still on it until approved
    _approved(client, removal)
    removed = _only_entry(client)
    assert (removed["removed_by"], removed["active"]) == ("user:rita", False)
    assert (
        client.post(
            f"/v1/lists/entries/{entry['id']}/remove", json={"reason": "again"}, headers=OFFICER
        ).status_code
        == 409
    )
    assert client.get("/v1/lists/entries/lst_nope").status_code == 404

    cleared = _decide(client, context, person)
    assert cleared["black"] is False and "FR_BLACKLIST" not in cleared["codes"]

    audited = _audit(context)
    assert [(a, actor, s) for a, actor, s, _ in audited] == [
        ("list.entry_added", "user:alan", entry["id"]),
        ("list.entry_removed", "user:alan", entry["id"]),
    ]
    assert [(p["maker"], p["checker"]) for *_, p in audited] == [
        ("user:rita", "user:alan"),
        ("user:rita", "user:alan"),
    ]
    assert audited[0][3]["reason"] == "confirmed fraud 确认欺诈"
    assert audited[1][3]["reason"] == "cleared on appeal"
    assert person["phone"] not in repr(audited) and person["phone"] not in _stored_rows(context)


def test_an_expired_entry_is_no_longer_hit(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    person = _person(context, 2)
    tomorrow = (clock.business_date() + timedelta(days=1)).isoformat()
    added = client.post(
        "/v1/lists/entries",
        json={
            "list": "grey",
            "key_type": "id",
            "value": person["id_number"],
            "reason": "ring suspect",
            "source": "rule-R12",
            "expires_at": tomorrow,
        },
        headers=OFFICER,
    )
    _approved(client, added)
    assert _decide(client, context, person)["grey"] is True
    clock.advance(timedelta(days=2))
    assert _decide(client, context, person)["grey"] is False
    assert client.get("/v1/lists/entries").json() == []
    listed = client.get("/v1/lists/entries", params={"include_inactive": "true"}).json()
    assert [(e["key_type"], e["active"]) for e in listed] == [("resident_id", False)]
    past = client.post(
        "/v1/lists/entries",
        json={
            "list": "grey",
            "key_type": "id",
            "value": person["id_number"],
            "reason": "r",
            "source": "s",
            "expires_at": tomorrow,
        },
        headers=OFFICER,
    )
    assert past.status_code == 422 and past.json()["errors"][0]["loc"] == ["expires_at"]


def _import(client: TestClient, text: str) -> Any:
    return client.post(
        "/v1/lists/import",
        content=text.encode(),
        headers={**OFFICER, "Content-Type": "text/csv"},
    )


def test_import_reports_bad_rows_and_an_export_imports_back(
    client: TestClient, context: Context
) -> None:
    people = [_person(context, 10 + i) for i in range(3)]
    text = (
        "list,key_type,value,reason,source,expires_at\n"
        f"black,resident_id,{people[0]['id_number']},stolen identity,police-3,\n"
        f"grey,phone,{people[1]['phone']},ring member,rule-R12,2027-12-31\n"
        "purple,mobile,13812345678,whatever,ops,\n"
        f"black,mobile,{people[2]['phone'][:-1]},too short,ops,\n"
        f"grey,phone,{people[1]['phone']},twice in the file,rule-R12,\n"
        "black,device,dev-ring-9,,ops,\n"
        "white,device,staff-phone-1,QA device,ops,\n"
    )
    report = _import(client, text)
    assert report.status_code == 202, report.text
    doc = report.json()
    assert (len(doc["request"]["payload"]["rows"]), doc["rejected"]) == (4, 3)
    assert client.get("/v1/lists/entries").json() == []  # nothing until approved
    _approved(client, report)
    rejects = {r["line"]: [(e["field"], e["type"]) for e in r["errors"]] for r in doc["rejects"]}
    assert rejects == {
        4: [("list", "enum")],
        5: [("value.mobile", "length")],
        7: [("reason", "missing")],
    }  # the row repeating line 3 is refused when the change is made
    assert _decide(client, context, people[0])["black"] is True
    assert _decide(client, context, people[1])["grey"] is True
    assert len(client.get("/v1/lists/entries").json()) == 3
    assert [a for a, *_ in _audit(context)] == ["list.entry_added"] * 3
    assert {(p["maker"], p["checker"]) for *_, p in _audit(context)} == {("user:rita", "user:alan")}

    assert _import(client, "list,kind,value\nblack,mobile,13812345678\n").status_code == 422
    _approved(client, _import(client, text))
    assert len(client.get("/v1/lists/entries").json()) == 3  # nothing twice

    exported = client.get("/v1/lists/export")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    for p in people:
        assert p["phone"] not in exported.text and p["id_number"] not in exported.text

    def rows(csv_text: str) -> list[tuple[str, ...]]:
        kept = ("list", "key_type", "key_hash", "display", "reason", "source", "expires_at")
        return sorted(tuple(r[k] for k in kept) for r in csv.DictReader(io.StringIO(csv_text)))

    for e in client.get("/v1/lists/entries").json():
        _approved(
            client,
            client.post(
                f"/v1/lists/entries/{e['id']}/remove", json={"reason": "reload"}, headers=OFFICER
            ),
        )
    assert _decide(client, context, people[0])["black"] is False
    reloaded = _import(client, exported.text)
    assert reloaded.json()["rejected"] == 0
    _approved(client, reloaded)
    assert rows(client.get("/v1/lists/export").text) == rows(exported.text)
    assert _decide(client, context, people[0])["black"] is True  # the hash alone still matches

    forged = exported.text.splitlines()[0] + "\nblack,mobile,abc,138,r,s,,,,\n"
    assert [e["field"] for e in _import(client, forged).json()["rejects"][0]["errors"]] == [
        "key_hash"
    ]
    clear_display = exported.text.splitlines()[1].split(",")
    clear_display[3] = people[2]["phone"]  # a display must be masked: never a value in clear
    clear = _import(client, exported.text.splitlines()[0] + "\n" + ",".join(clear_display))
    assert [e["field"] for e in clear.json()["rejects"][0]["errors"]] == ["display"]


@pytest.fixture
def cli_env(context: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Context:
    """The CLI on the context's database and key file (so both hash alike)."""
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return context


def _json(*args: str) -> Any:
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _cli_approved(staff_login: Callable[[str], None], request_id: str) -> None:
    staff_login("fks_approver")
    _json("approvals", "approve", request_id)
    staff_login("fks_risk")


def test_lists_from_the_cli(
    cli_env: Context, client: TestClient, tmp_path: Path, staff_login: Callable[[str], None]
) -> None:
    context = cli_env
    person = _person(context, 30)
    add = [
        "lists",
        "add",
        "--list",
        "black",
        "--key-type",
        "id",
        "--value",
        person["id_number"],
        "--reason",
        "stolen identity",
        "--source",
        "police-9",
    ]
    assert runner.invoke(cli, add).exit_code == 1  # nobody logged in
    staff_login("fks_risk")
    bad = runner.invoke(cli, [*add[:7], "110105194912310022", *add[8:]])
    assert bad.exit_code == 2 and "value" in bad.stderr
    asked = _json(*add)
    assert person["id_number"] not in json.dumps(asked) and asked["status"] == "pending"
    assert runner.invoke(cli, ["approvals", "approve", asked["id"]]).exit_code == 1  # no approver
    assert _decide(client, context, person)["black"] is False
    pending = _json("approvals", "list", "--kind", "list.change")
    assert [r["id"] for r in pending] == [asked["id"]]
    _cli_approved(staff_login, asked["id"])
    assert runner.invoke(cli, add).exit_code == 1  # already on it
    assert _decide(client, context, person)["black"] is True

    shown = _json("lists", "show", "--key-type", "resident_id", "--value", person["id_number"])
    (entry,) = shown
    table = runner.invoke(cli, ["lists", "show"])
    assert table.exit_code == 0 and person["id_number"] not in table.stdout
    assert runner.invoke(cli, ["lists", "show", "--list", "purple"]).exit_code == 2

    removal = _json("lists", "remove", entry["id"], "--reason", "cleared")
    staff_login("fks_approver")
    refused = _json("approvals", "reject", removal["id"], "--reason", "no evidence")
    assert (refused["status"], refused["checker"]) == ("rejected", "user:alan")
    staff_login("fks_risk")
    assert _decide(client, context, person)["black"] is True  # a rejected change changes nothing
    removal = _json("lists", "remove", entry["id"], "--reason", "cleared on appeal")
    _cli_approved(staff_login, removal["id"])
    assert _decide(client, context, person)["black"] is False

    source = tmp_path / "in.csv"
    source.write_text(
        "list,key_type,value,reason,source,expires_at\n"
        f"grey,phone,{person['phone']},ring member,rule-R12,2099-12-31\n"
        "grey,phone,not-a-phone,ring member,rule-R12,\n",
        encoding="utf-8",
    )
    imported = runner.invoke(cli, ["lists", "import", str(source), "--json"])
    assert imported.exit_code == 2  # a row was rejected; the good one is asked for all the same
    report = json.loads(imported.stdout)
    assert [r["line"] for r in report["rejects"]] == [3]
    assert "line 3" in imported.stderr
    assert _decide(client, context, person)["grey"] is False
    _cli_approved(staff_login, report["request"]["id"])
    assert _decide(client, context, person)["grey"] is True

    out = tmp_path / "out.csv"
    assert _json("lists", "export", "--out", str(out)) == {"exported": 1, "out": str(out)}
    assert person["phone"] not in out.read_text(encoding="utf-8")
    assert runner.invoke(cli, ["lists", "import", str(tmp_path / "nope.csv")]).exit_code == 2

    actions = [(a, actor, p["maker"]) for a, actor, _, p in _audit(context)]
    assert actions == [
        ("list.entry_added", "user:alan", "user:rita"),
        ("list.entry_removed", "user:alan", "user:rita"),
        ("list.entry_added", "user:alan", "user:rita"),
    ]
