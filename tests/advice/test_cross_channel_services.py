"""A cross-channel service known to be in place is never denied in a reason.

An owner with a store and an online shop may answer "nein" to linking both while a finer
fact shows one link exists (customers reserve online, collect online orders or return online
purchases in the store). The "nein" still yields advice to link both further, but no reason
says the channels stand side by side without any way between them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kundenkompass.files.toml_files import tomllib

HERE = Path(__file__).parent
DENIALS = ("ohne dass Kunden zwischen ihnen wechseln", "noch nicht verknüpft")


def _plan(engine, **facts: object):
    with (HERE / "profiles" / "elektronik_reparatur_onlineshop.toml").open("rb") as handle:
        profile = tomllib.load(handle)
    profile["answers"]["online_offline_verbunden"] = "nein"
    profile["facts"].update({"kooperation_verbund": False, **facts})
    # None leaves a fact unknown.
    profile["facts"] = {key: value for key, value in profile["facts"].items() if value is not None}
    return engine.audit(profile)


@pytest.mark.parametrize(
    "service",
    [
        {"reserve_and_collect": True},
        {"reserve_and_collect": False, "retoure_online_im_laden": True},
        {"reserve_and_collect": False, "click_and_collect": True},
        {"reserve_and_collect": None, "retoure_online_im_laden": None, "click_and_collect": True},
    ],
    ids=["reservation", "returns", "collection", "collection-only-known"],
)
def test_a_known_service_is_not_denied(engine, service):
    result = _plan(engine, **service)
    reasons = [f.reason or "" for r in result.recommendations for f in r.reasons]
    assert not [reason for reason in reasons if any(d in reason for d in DENIALS)]
    # The "nein" still yields advice: linking both channels further.
    cited = {
        r.measure
        for r in result.recommendations
        for f in r.reasons
        if any(e.ref == "answers.online_offline_verbunden" for e in f.evidence)
    }
    assert "online_offline_verknuepfen" in cited


def test_without_any_service_the_gap_is_named(engine):
    result = _plan(engine, reserve_and_collect=False)
    assert "online_offline_verknuepfen" in {r.measure for r in result.recommendations}
