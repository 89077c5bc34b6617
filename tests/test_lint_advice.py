"""`audit lint` on the advice: uncovered "nein" answers, reasons mentioning untested inputs."""

from __future__ import annotations

from pathlib import Path

from kundenkompass.engine import Engine
from kundenkompass.tools.lint import lint
from kundenkompass.tools.lint_advice import recommended

from .test_lint import FACTS, HEADER, only, rule

ITEMS = """
[[item]]
id = "punkt"
phase = "kauf"
statement.de = "Wir tun es."
reference = "Kauf"

[[item]]
id = "laden_punkt"
phase = "kauf"
channels = ["laden"]
statement.de = "Im Laden tun wir es."
reference = "Kauf"
"""


def check(tmp_path: Path, body: str):
    path = tmp_path / "pruefling.toml"
    path.write_text(HEADER + FACTS + ITEMS + body, encoding="utf-8")
    return [p for p in lint([path]).problems if p.source == "ruleset:pruefling"]


COVERED = rule("punkt_fehlt", '{ answer = "punkt", equals = "nein" }') + rule(
    "laden_fehlt", '{ answer = "laden_punkt", in = ["nein", "teilweise"] }'
)


def test_an_item_no_rule_covers_is_reported_per_channel_mix(tmp_path):
    problems = check(tmp_path, rule("laden_fehlt", '{ answer = "laden_punkt", equals = "nein" }'))
    found = only(problems, "uncovered-answer")
    assert {(p.id, p.message.rsplit("über ", 1)[1].removesuffix(" verkauft")) for p in found} == {
        ("punkt", "laden"),
        ("punkt", "onlineshop"),
        ("punkt", "laden und onlineshop"),
    }


def test_an_item_covered_on_every_mix_where_it_is_asked_is_clean(tmp_path):
    assert [p for p in check(tmp_path, COVERED) if p.code == "uncovered-answer"] == []


def test_a_rule_that_needs_a_finer_fact_does_not_cover_the_item(tmp_path):
    body = COVERED.replace(
        '{ answer = "punkt", equals = "nein" }',
        '{ all = [{ answer = "punkt", equals = "nein" }, { fact = "schalter", equals = false }] }',
    )
    found = only(check(tmp_path, body), "uncovered-answer")
    assert {p.id for p in found} == {"punkt"}


def test_a_mention_the_rule_does_not_test_is_reported(tmp_path):
    body = COVERED + (
        '\n[[rule]]\nid = "erwaehnt"\nrecommend = "massnahme"\n'
        'reason.de = "Der Schalter ist aus, und die Zahl ist klein."\n'
        'mentions = ["facts.schalter", "facts.zahl"]\n'
        'when = { fact = "schalter", equals = false }\n'
    )
    (found,) = only(check(tmp_path, body), "untested-mention")
    assert found.id == "erwaehnt"
    assert found.message == "ihre Begründung nennt facts.zahl, das die Regel nicht prüft"


def test_a_mention_tested_through_a_derived_fact_is_clean(tmp_path):
    body = COVERED + rule(
        "ableiten",
        '{ fact = "zahl", lt = 3 }',
        'derive = { fact = "abgeleitet", value = true }',
    )
    body += (
        '\n[[rule]]\nid = "erwaehnt"\nrecommend = "massnahme"\n'
        'reason.de = "Die Zahl ist klein."\nmentions = ["facts.zahl"]\n'
        'when = { fact = "abgeleitet", equals = true }\n'
    )
    assert [p for p in check(tmp_path, body) if p.code == "untested-mention"] == []


def test_the_python_check_and_the_engine_agree_on_the_built_in_plugins(engine: Engine):
    """The lint check infers in Python; the engine on durable_rules: same measures."""
    catalog = engine.catalog
    for item in list(catalog.checklist.values())[::3]:
        for channels in (("laden",), ("onlineshop",)):
            known = {"company.channels": channels, f"answers.{item.id}": "nein"}
            if item.sectors:
                known["company.sector"] = item.sectors[0]
            profile = {
                "company": {
                    "name": "Fall",
                    "channels": list(channels),
                    **({"sector": item.sectors[0]} if item.sectors else {}),
                },
                "answers": {item.id: "nein"},
            }
            by_engine = {r.measure for r in engine.audit(profile).recommendations}
            assert recommended(catalog, known) == by_engine, (item.id, channels)
