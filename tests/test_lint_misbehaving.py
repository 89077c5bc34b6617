"""`audit lint` never fails, whatever a plugin's hooks do; the engine refuses such a plugin
with a PluginError (or RuleError) naming it, never with another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kundenkompass.catalog.hookspecs import hookimpl
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.catalog.plugin_manager import hook_names
from kundenkompass.engine import Engine
from kundenkompass.errors import KundenkompassError
from kundenkompass.models import ChecklistItem, Derivation, FactDefinition, Measure, Threshold
from kundenkompass.plugins import bedarfsentstehung, bindung, informationssuche, kauf, produktwahl
from kundenkompass.rules.language import parse_rule
from kundenkompass.tools.lint import lint_plugins

BUILT_IN = [m.plugin for m in (bedarfsentstehung, bindung, informationssuche, kauf, produktwahl)]

FACT = FactDefinition(key="probe_fakt", type="int", question={"de": "Wie viele?"}, phase="kauf")
ITEM = ChecklistItem(
    id="probe_punkt", phase="kauf", statement={"de": "Wir prüfen."}, reference="Kauf"
)
MEASURE = Measure(
    id="probe_massnahme",
    phase="kauf",
    title={"de": "Prüfen"},
    description={"de": "Prüfen Sie."},
    reference="Kauf",
    addresses=("probe_punkt",),
)
RULE = parse_rule(
    {
        "id": "probe_regel",
        "recommend": "probe_massnahme",
        "reason": {"de": "Es fehlt."},
        "when": {"answer": "probe_punkt", "equals": "nein"},
    },
    "probe.py",
)
DANGLING_RULE = parse_rule(
    {"id": "probe_lose", "recommend": "gibt_es_nicht", "when": {"fact": "fehlt", "gt": 1}},
    "probe.py",
)
THRESHOLD = Threshold(
    key="probe_schwelle", input="facts.probe_fakt", operator="gte", value=3, our_default=True,
    description={"de": "Mindestens drei"},
)  # fmt: skip
DERIVATION = Derivation(
    fact="probe_abgeleitet", inputs=("facts.probe_fakt",), compute=lambda known: None,
    description={"de": "Abgeleitet"},
)  # fmt: skip
BUILT_IN_MEASURE = Measure(  # an id a built-in plugin already contributes
    id="google_business_profil_anlegen",
    phase="informationssuche",
    title={"de": "Doppelt"},
    description={"de": "Doppelt."},
    reference="Informationssuche",
)
VALID = [FACT, ITEM, MEASURE, RULE, DANGLING_RULE, THRESHOLD, DERIVATION, BUILT_IN_MEASURE]

entries = st.one_of(
    st.sampled_from(VALID),
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.dictionaries(st.sampled_from(["id", "key", "phase", "when"]), st.text(max_size=5)),
    st.just(Measure.model_construct(id=5, phase="nirgends")),  # skips validation
    st.just(FactDefinition.model_construct(key="roh", type="weird")),
)
results = st.one_of(
    st.lists(entries, max_size=6),
    st.lists(st.sampled_from(VALID), max_size=3).map(lambda found: found + found),  # repeats
    st.none(),
    st.sampled_from([{}, "text", 42, (x for x in ()), {"id": "x"}]),
    st.sampled_from(
        [RuntimeError("kaputt"), ValueError("falsch"), KeyError("k"), KundenkompassError("k")]
    ),
)


def misbehaving(behaviour: dict[str, Any]) -> object:
    """A plugin object whose hooks return (or raise) what ``behaviour`` says."""

    class Misbehaving:
        KUNDENKOMPASS_PLUGIN_NAME = "stoerenfried"

    def hook(result: Any) -> Any:
        def implementation(self: object) -> Any:
            if isinstance(result, BaseException):
                raise result
            return result

        return hookimpl(implementation)

    for name, result in behaviour.items():
        setattr(Misbehaving, name, hook(result))
    return Misbehaving()


hooks = st.dictionaries(
    st.sampled_from([n for n in hook_names() if n != "register_rulesets"]), results, min_size=1
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hooks)
def test_lint_reports_whatever_hooks_do_and_never_fails(behaviour):
    report = lint_plugins([misbehaving(behaviour)])
    for problem in report.problems:
        assert problem.file and problem.line and problem.column, problem
        assert problem.source in ("stoerenfried", *(p.name for p in report.checked)), problem
    built_in_files = {"checklist.toml", "measures.toml", "rules.toml", "facts.toml"}
    # a duplicate is the newcomer's problem, never the built-in file's
    assert not [p for p in report.problems if p.file.split("/")[-1] in built_in_files], [
        str(p) for p in report.problems
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hooks)
def test_the_engine_refuses_misbehaving_hooks_with_a_plugin_error(behaviour):
    try:
        Engine([*BUILT_IN, misbehaving(behaviour)], discover=False)
    except KundenkompassError as error:
        assert "stoerenfried" in str(error) or "probe.py" in str(error), str(error)


def test_a_list_of_dicts_is_a_problem_of_the_plugin_not_a_crash():
    report = lint_plugins([misbehaving({"register_measures": [{"id": "x"}]})])
    (problem,) = [p for p in report.problems if p.source == "stoerenfried"]
    assert problem.code == "invalid-file"
    assert "register_measures lieferte dict an Position 0; erwartet: Measure" in problem.message
    assert problem.file.endswith("test_lint_misbehaving.py") and problem.line


def test_a_duplicate_is_blamed_on_the_plugin_that_introduces_it():
    report = lint_plugins([misbehaving({"register_measures": [BUILT_IN_MEASURE]})])
    (problem,) = report.problems
    assert (problem.code, problem.source) == ("duplicate-id", "stoerenfried")
    assert "auch von 'informationssuche'" in problem.message


def test_the_root_problem_is_reported_once_without_follow_on_problems(tmp_path):
    folder = tmp_path / "kaputt"
    folder.mkdir()
    (folder / "measures.toml").write_text(
        '[[measure]]\nid = "eins"\nphase = "kauf"\ntitle.de = "T"\n', encoding="utf-8"
    )
    (folder / "rules.toml").write_text(
        '[[rule]]\nid = "r"\nrecommend = "eins"\nwhen = { answer = "eigene_website", equals = "nein" }\n',
        encoding="utf-8",
    )
    report = lint_plugins([PluginData(folder)])
    assert [(p.code, p.line, p.column) for p in report.problems] == [("invalid-file", 1, 1)]
    assert "description" in report.problems[0].message
