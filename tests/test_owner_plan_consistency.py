"""The owner's roadmap, project cards and further steps agree with each other and with the plan.

A senior consultant's review found a roadmap placing projects in months 4 to 6 whose
measures were only listed under "Später", card numbers taken from the worksheet's ranking,
card costs computed from measures the card did not show, and projects or measures placed
before what they need. These checks run on every example, on the reviewed profiles
(``tests/data/review``) and on generated profiles.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from kundenkompass.engine import Engine
from kundenkompass.render.markdown import render_markdown
from kundenkompass.render.view import OWNER_MEASURES, report_view
from kundenkompass.results import AuditResult
from kundenkompass.vocabulary import HORIZONS

from .conftest import ROOT
from .strategies import profiles

ENGINE = Engine()
PROFILES = sorted((ROOT / "examples").glob("*.toml")) + sorted(
    (ROOT / "tests" / "data" / "review").glob("*.toml")
)
LATER = HORIZONS[-1]
_EFFORT = ("gering", "mittel", "hoch")
_TIME = ("sofort", "wochen", "monate")
_LIMIT = {"kostenlos": 0, "unter_500": 500, "unter_5000": 5000}


def _audit(path) -> AuditResult:
    return ENGINE.audit(ENGINE.load_profile(path))


@pytest.fixture(scope="module", params=PROFILES, ids=lambda p: p.stem)
def result(request) -> AuditResult:
    return _audit(request.param)


def _cost(bands: list[str]) -> str:
    """The cost band of measures done together, written out independently of the code."""
    if "mehr" in bands:
        return "mehr"
    highest = max(bands, key=list(_LIMIT).index)
    total = _LIMIT[highest] * bands.count(highest)
    return next((band for band, limit in _LIMIT.items() if total <= limit), "mehr")


def check_plan_order(result: AuditResult) -> None:
    """No measure before, or in a later horizon than, one it needs; projects likewise."""
    position = {r.measure: i for i, r in enumerate(result.recommendations)}
    horizon = {r.measure: HORIZONS.index(r.horizon) for r in result.recommendations}
    for rec in result.recommendations:
        for prerequisite in rec.prerequisites:
            if prerequisite in position:
                assert position[prerequisite] < position[rec.measure], (prerequisite, rec.measure)
                assert horizon[prerequisite] <= horizon[rec.measure], (prerequisite, rec.measure)
    order = [p.project for p in result.projects]
    starts = {p.project: HORIZONS.index(p.horizon) for p in result.projects}
    for project in result.projects:
        for other in project.after:
            assert starts[other] <= starts[project.project], (other, project.project)
            assert order.index(other) < order.index(project.project), (other, project.project)


def check_owner_view(result: AuditResult) -> None:
    view = report_view(result, audience="owner")
    cards = view.projects
    shown = [entry for card in cards for entry in card.entries]
    later = [entry.recommendation.measure for entry in view.later]

    # Every measure is either on a card or among the further steps, once; at most ten on cards.
    assert len(shown) <= OWNER_MEASURES
    assert sorted([e.recommendation.measure for e in shown] + later) == sorted(
        r.measure for r in result.recommendations
    )
    # Cards are numbered in the order they are shown.
    assert [entry.number for entry in shown] == list(range(1, len(shown) + 1))

    card_of = {card.plan.project: card for card in cards}
    card_order = [card.plan.project for card in cards]
    for card in cards:
        recs = [entry.recommendation for entry in card.entries]
        assert card.plan.measures == [r.measure for r in recs]
        # What a card says follows from what it shows.
        assert card.plan.effort == max((r.effort for r in recs), key=_EFFORT.index)
        assert card.plan.time_to_effect == max((r.time_to_effect for r in recs), key=_TIME.index)
        assert card.plan.cost == _cost([r.cost for r in recs]), card.plan.project
        assert card.plan.horizon == recs[0].horizon != LATER
        assert all(HORIZONS.index(r.horizon) >= HORIZONS.index(card.plan.horizon) for r in recs)
        # A step planned later than its card says when, and which other projects it needs.
        for entry in card.entries:
            start = view.step_start(card, entry)
            assert bool(start) == (entry.recommendation.horizon != card.plan.horizon)
            for prerequisite in entry.recommendation.prerequisites if start else ():
                other = next((p for p in result.projects if prerequisite in p.measures), None)
                if other and other.project != card.plan.project:
                    assert other.title in start, (entry.recommendation.measure, other.project)
        # A project needed first has a card that starts no later and comes first.
        for other in card.plan.after:
            assert other in card_of, (card.plan.project, other)
            needed = card_of[other].plan.horizon
            assert HORIZONS.index(needed) <= HORIZONS.index(card.plan.horizon)
            assert card_order.index(other) < card_order.index(card.plan.project)

    # The roadmap puts each project once: a carded one in its card's stretch, the others
    # (all their measures among the further steps) in the stretch of the plan's horizon of
    # their first measure, where the further steps list that measure too.
    placed = [p.plan.project for stretch in view.roadmap for p in stretch.projects]
    assert sorted(placed) == sorted(p.project for p in result.projects)
    listed_under = {
        entry.recommendation.measure: group.horizon
        for group in view.later_groups
        for entry in group.entries
    }
    assert sorted(listed_under) == sorted(later)
    for group in view.later_groups:
        assert all(e.recommendation.horizon == group.horizon for e in group.entries)
    for stretch in view.roadmap:
        for project in stretch.projects:
            if project.plan.project in card_of:
                assert card_of[project.plan.project].plan.horizon == stretch.horizon
            else:
                assert set(project.plan.measures) <= set(later), project.plan.project
                assert listed_under[project.plan.measures[0]] == stretch.horizon


def check_owner_markdown(result: AuditResult) -> None:
    """The rendered roadmap names each project in the stretch its card heading shows."""
    markdown = render_markdown(result, "de", "owner")
    roadmap = dict(re.findall(r"^- \*\*(Monat \d+ bis \d+):\*\* (.*)$", markdown, re.MULTILINE))
    headings = dict(
        (title, months)
        for title, months in re.findall(
            r"^### (.+) \((Monat \d+ bis \d+)\)$", markdown, re.MULTILINE
        )
    )
    for months, names in roadmap.items():
        for title, heading in headings.items():
            if title in names:
                assert heading == months, (title, heading, months)
    # Every stretch that holds a project without a card lists its steps under the same
    # months among the further steps.
    groups = re.findall(r"^\*\*(?:.+) · (Monat \d+ bis \d+)\*\*$", markdown, re.MULTILINE)
    titles = [p.title for p in result.projects]
    for months, names in roadmap.items():
        # Titles may hold commas themselves ("Ein Geschäft, das einlädt").
        if any(title in names and title not in headings for title in titles):
            assert months in groups, months
    numbers = [
        int(n)
        for n in re.findall(r"^(\d+)\. \*\*", markdown.split("## Ihr Fahrplan")[-1], re.MULTILINE)
    ]
    assert numbers == list(range(1, len(numbers) + 1))


def test_plan_order(result):
    check_plan_order(result)


def test_owner_view_agrees_with_itself(result):
    check_owner_view(result)


def test_owner_markdown_agrees_with_itself(result):
    check_owner_markdown(result)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(profile=profiles(ENGINE.catalog))
def test_generated_plans_and_owner_reports_agree(profile):
    result = ENGINE.audit(profile)
    check_plan_order(result)
    check_owner_view(result)
    check_owner_markdown(result)


def test_the_free_google_profile_comes_before_the_reviews_on_it():
    result = _audit(ROOT / "tests" / "data" / "review" / "eisenwaren.toml")
    plan = [r.measure for r in result.recommendations]
    assert plan[0] == "google_business_profil_anlegen"
    assert plan.index("bewertungen_beobachten") > 0
    assert plan.index("oeffentlich_professionell_antworten") > 0
    # Planning the channels starts from the channels the target group uses.
    horizon = {r.measure: r.horizon for r in result.recommendations}
    assert plan.index("relevante_kanaele_identifizieren") < plan.index("mehrkanal_praesenz")
    assert HORIZONS.index(horizon["relevante_kanaele_identifizieren"]) <= HORIZONS.index(
        horizon["mehrkanal_praesenz"]
    )


def test_answering_reviews_does_not_wait_for_complaint_training():
    # Making amends needs trained complaint handlers; answering reviews does not, so the
    # reviews project is not held behind the team's training.
    result = _audit(ROOT / "tests" / "data" / "review" / "outdoor_online.toml")
    reviews = next(p for p in result.projects if p.project == "bewertungen_pflegen")
    assert "negative_erfahrung_wiedergutmachen" in reviews.measures
    assert "team_schulen" not in reviews.after
    assert reviews.horizon == "jetzt"
