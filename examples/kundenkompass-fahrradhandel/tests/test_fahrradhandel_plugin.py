"""The example plugin's own tests, written with Kundenkompass' test kit for plugin authors.

Run them from the package folder with ``python -m pytest tests``; Kundenkompass' own test
suite runs them too.
"""

from __future__ import annotations

import kundenkompass_fahrradhandel
import pytest
from kundenkompass.testing import PluginTester, make_profile


@pytest.fixture(scope="module")
def tester() -> PluginTester:
    return PluginTester(kundenkompass_fahrradhandel.plugin)


def test_the_plugin_passes_lint(tester: PluginTester) -> None:
    tester.assert_lint_clean()


def test_a_bike_shop_without_body_measurement_is_advised_to_measure(tester: PluginTester) -> None:
    bike_shop = make_profile("fahrradhandel", answers={"passform_durch_vermessung": "nein"})
    assert "koerpervermessung_anbieten" in tester.recommended(bike_shop)


def test_measurements_kept_unused_are_advised_through_the_derived_fact(
    tester: PluginTester,
) -> None:
    bike_shop = make_profile(
        "fahrradhandel",
        channels=["laden", "onlineshop"],
        answers={"passform_durch_vermessung": "ja"},
        facts={"groessenempfehlung_online": False},
    )
    reasons = tester.reasons("koerperdaten_kanaluebergreifend_nutzen", bike_shop)
    assert reasons == ["rad_passformdaten_ungenutzt"]
    explanation = tester.explain("koerperdaten_kanaluebergreifend_nutzen", bike_shop)
    assert [fact.key for fact in explanation.derived_facts] == ["passformdaten_ungenutzt"]


def test_the_content_stays_out_of_other_sectors(tester: PluginTester) -> None:
    furniture = make_profile("moebel", answers={"passform_durch_vermessung": "nein"})
    with pytest.raises(Exception, match="gilt nur für Unternehmen der Branche"):
        tester.audit(furniture)
    items = tester.checklist(make_profile("moebel"))
    assert "passform_durch_vermessung" not in items
    assert "koerpervermessung_anbieten" not in tester.recommended(make_profile("moebel"))


def test_the_example_profile_audits_with_the_bundled_ruleset() -> None:
    # radwerk.toml also answers the bundled ruleset "fahrradhandel", which complements
    # the plugin: test the two together.
    from pathlib import Path

    tester = PluginTester(kundenkompass_fahrradhandel.plugin, bundled_rulesets=True)
    result = tester.audit(Path(__file__).parent.parent / "radwerk.toml")
    assert result.company.sector == "fahrradhandel"
    assert "koerperdaten_kanaluebergreifend_nutzen" in [r.measure for r in result.recommendations]
