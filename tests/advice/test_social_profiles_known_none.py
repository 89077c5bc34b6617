"""No reason speaks of the company's social media profiles when it lists none.

An owner may rate the presence on social networks "teilweise" (e.g. thinking of a private
profile) while the list of the company's own profiles is empty. Advice on building a presence
fits then; a reason that calls the company's profiles the natural place for something does not.
"""

from __future__ import annotations

from pathlib import Path

from kundenkompass.files.toml_files import tomllib

HERE = Path(__file__).parent


def test_no_own_profiles_are_presumed(engine):
    with (HERE / "profiles" / "metzgerei_partyservice.toml").open("rb") as handle:
        profile = tomllib.load(handle)
    assert profile["facts"]["social_media_kanaele"] == []
    profile["answers"]["social_media_praesenz"] = "teilweise"
    result = engine.audit(profile)
    reasons = [f.reason or "" for r in result.recommendations for f in r.reasons]
    assert not [reason for reason in reasons if "Ihre Social-Media-Profile" in reason]
    assert "social_media_praesenz_aufbauen" in {r.measure for r in result.recommendations}
