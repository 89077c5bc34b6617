"""Sector scoping: content with `sectors` belongs to companies of those sectors only."""

from __future__ import annotations

import pytest
from kundenkompass import hookimpl
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine
from kundenkompass.errors import ProfileError
from kundenkompass.files.toml_files import parse_toml_text
from kundenkompass.models import ChecklistItem, FactDefinition, FactType, Measure
from kundenkompass.rules.language import parse_rules

from .conftest import SAMPLE_PLUGIN

RULES = """
[[rule]]
id = "kein_rad_service"
recommend = "rad_service_einfuehren"
priority = "mittel"
reason.de = "Es gibt keinen Radservice."
when = { answer = "rad_service", equals = "nein" }

[[rule]]
id = "vermessung_fehlt"
recommend = "rad_service_einfuehren"
priority = "hoch"
reason.de = "Niemand wird vermessen."
when = { fact = "vermessung", equals = false }

[[rule]]
id = "rad_gbp"
recommend = "gbp_anlegen"
priority = "niedrig"
reason.de = "Radhändler werden über Google gefunden."
when.all = [
  { company = "sector", equals = "fahrradhandel" },
  { fact = "vermessung", is_unknown = false },
]
"""


class BikePlugin:
    """A small sector plugin, as a third party would write it."""

    KUNDENKOMPASS_PLUGIN_NAME = "rad"

    @hookimpl
    def register_checklist_items(self):
        return [
            ChecklistItem(
                id="rad_service",
                phase="informationssuche",
                sectors=("fahrradhandel",),
                statement={"de": "Wir bieten einen Radservice an."},
                reference="Test",
            )
        ]

    @hookimpl
    def register_facts(self):
        return [
            FactDefinition(
                key="vermessung",
                type=FactType.BOOL,
                phase="informationssuche",
                sectors=("fahrradhandel",),
                question={"de": "Vermessen Sie Kunden?"},
            )
        ]

    @hookimpl
    def register_measures(self):
        return [
            Measure(
                id="rad_service_einfuehren",
                phase="informationssuche",
                sectors=("fahrradhandel",),
                title={"de": "Radservice einführen"},
                description={"de": "Bieten Sie einen Radservice an."},
                reference="Test",
            )
        ]

    @hookimpl
    def register_rules(self):
        return parse_rules(parse_toml_text(RULES), "rad/rules.toml")


@pytest.fixture(scope="module")
def scoped_engine() -> Engine:
    return Engine([PluginData(SAMPLE_PLUGIN), BikePlugin()], discover=False)


def company(sector: str | None) -> dict:
    found = {"name": "Test GmbH", "channels": ["laden"]}
    if sector is not None:
        found["sector"] = sector
    return found


def items(result) -> list[str]:
    return [answer.item for phase in result.phases for answer in phase.checklist]


def recommended(result) -> list[str]:
    return [r.measure for r in result.recommendations]


def test_sector_items_show_only_for_their_sector(scoped_engine):
    bike = scoped_engine.audit({"company": company("fahrradhandel")})
    other = scoped_engine.audit({"company": company("moebel")})
    none = scoped_engine.audit({"company": company(None)})
    assert "rad_service" in items(bike)
    assert "rad_service" not in items(other)
    assert "rad_service" not in items(none)
    (info,) = [p for p in bike.phases if p.phase == "informationssuche"]
    (info_other,) = [p for p in other.phases if p.phase == "informationssuche"]
    assert info.items == info_other.items + 1


def test_sector_measures_are_recommended_with_their_reasons(scoped_engine):
    result = scoped_engine.audit(
        {
            "company": company("fahrradhandel"),
            "answers": {"rad_service": "nein"},
            "facts": {"vermessung": False},
        }
    )
    (service,) = [r for r in result.recommendations if r.measure == "rad_service_einfuehren"]
    assert service.priority == "hoch"
    assert {firing.rule for firing in service.reasons} == {"kein_rad_service", "vermessung_fehlt"}
    assert all(firing.plugin == "rad" for firing in service.reasons)


def test_answers_and_facts_of_other_sectors_are_refused_with_the_key_path(scoped_engine):
    with pytest.raises(ProfileError) as caught:
        scoped_engine.audit({"company": company("moebel"), "answers": {"rad_service": "ja"}})
    message = str(caught.value)
    assert "answers.rad_service" in message
    assert 'gilt nur für Unternehmen der Branche "fahrradhandel"' in message
    assert 'die Branche des Profils ist "moebel"' in message

    with pytest.raises(ProfileError) as caught:
        scoped_engine.audit({"company": company(None), "facts": {"vermessung": True}})
    assert "facts.vermessung" in str(caught.value)
    assert "das Profil nennt keine Branche" in str(caught.value)


def test_a_misspelt_sector_is_caught_through_the_refused_answers(scoped_engine):
    with pytest.raises(ProfileError) as caught:
        scoped_engine.audit({"company": company("Fahrradhandel"), "answers": {"rad_service": "ja"}})
    assert '"Fahrradhandel"' in str(caught.value)


def test_rules_on_built_in_measures_test_the_sector(scoped_engine):
    facts = {"vermessung": True}
    bike = scoped_engine.audit({"company": company("fahrradhandel"), "facts": facts})
    assert "gbp_anlegen" in recommended(bike)
    evidence = bike.recommendations[0].reasons[0].evidence
    assert evidence[0].ref == "company.sector"
    assert evidence[0].shown == "fahrradhandel"
    other = scoped_engine.audit({"company": company("moebel")})
    assert "gbp_anlegen" not in recommended(other)


def test_open_questions_of_other_sectors_are_left_out(scoped_engine):
    bike = scoped_engine.audit({"company": company("fahrradhandel")})
    other = scoped_engine.audit({"company": company("moebel")})
    none = scoped_engine.audit({"company": company(None)})
    bike_refs = {q.ref for q in bike.open_questions}
    assert {"answers.rad_service", "facts.vermessung"} <= bike_refs
    for result in (other, none):
        refs = {q.ref for q in result.open_questions}
        assert not refs & {"answers.rad_service", "facts.vermessung", "company.sector"}


def test_the_catalog_knows_the_sectors(scoped_engine):
    assert scoped_engine.catalog.sectors == ["fahrradhandel"]


def test_scoped_audits_are_deterministic(scoped_engine):
    profile = {"company": company("fahrradhandel"), "answers": {"rad_service": "nein"}}
    fresh = Engine([PluginData(SAMPLE_PLUGIN), BikePlugin()], discover=False)
    assert fresh.audit(profile).to_json() == scoped_engine.audit(profile).to_json()


def test_several_plugin_folders_register_under_their_folder_names(tmp_path):
    import shutil

    copy = tmp_path / "zweites_plugin"
    shutil.copytree(SAMPLE_PLUGIN, copy)
    for name in ("checklist.toml", "facts.toml", "measures.toml", "rules.toml"):
        (copy / name).unlink()
    engine = Engine([PluginData(SAMPLE_PLUGIN), PluginData(copy)], discover=False)
    assert [info.name for info in engine.catalog.plugins] == ["sample_plugin", "zweites_plugin"]
