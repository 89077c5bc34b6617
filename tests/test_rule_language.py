"""The rule language: parsing, validation against the catalog, normal forms."""

from __future__ import annotations

import pytest
from kundenkompass.errors import RuleError
from kundenkompass.files.toml_files import parse_toml_text
from kundenkompass.rules.language import AllOf, Leaf, parse_rule, parse_rules, to_alternatives


def rule(text: str):
    return parse_rules(parse_toml_text(text), "rules.toml")[0]


def test_leaf_and_action_are_parsed():
    parsed = rule(
        """
        [[rule]]
        id = "gbp_fehlt"
        recommend = "gbp_anlegen"
        priority = "hoch"
        reason.de = "Kein Profil."
        when = { answer = "gbp", in = ["nein", "teilweise"] }
        """
    )
    assert parsed.id == "gbp_fehlt"
    assert parsed.priority == "hoch"
    assert parsed.when == Leaf(
        subject="answer", key="gbp", operator="in", value=("nein", "teilweise")
    )
    assert parsed.origin == "rules.toml"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('recommend = "m"\nwhen = { answer = "x", is = "nein" }', "unbekannte Schlüssel ['is']"),
        ('recommend = "m"\nwhen = { answer = "x" }', "genau einen Operator"),
        ('recommend = "m"\nwhen = { answer = "x", fact = "y", equals = 1 }', "genau eines von"),
        ('recommend = "m"\nwhen = { all = [] }', "nicht leere Liste"),
        ('recommend = "m"\nwhen = { answer = "x", in = "nein" }', "nicht leere Liste"),
        ('recommend = "m"\nwhen = { fact = "x", is_unknown = "yes" }', "true oder false"),
        ('when = { answer = "x", equals = "nein" }', "genau eine Aktion"),
        ('recommend = "m"', "'when' fehlt"),
        (
            'recommend = "m"\npriority = "urgent"\nwhen = { answer = "x", equals = "nein" }',
            "Priorität 'urgent'",
        ),
        (
            'recommend = "m"\nwhen = { answer = "x", equals = "nein" }\nthen = 1',
            "unbekannte Schlüssel",
        ),
    ],
)
def test_malformed_rules_name_the_rule_and_the_problem(body, message):
    with pytest.raises(RuleError) as caught:
        rule(f'[[rule]]\nid = "r1"\n{body}\n')
    assert "Regel 'r1'" in str(caught.value)
    assert "rules.toml" in str(caught.value)
    assert message in str(caught.value)


def test_not_is_pushed_into_the_leaves():
    parsed = parse_rule(
        {
            "id": "r",
            "recommend": "m",
            "when": {"not": {"any": [{"fact": "a", "lt": 3}, {"answer": "b", "equals": "ja"}]}},
        },
        "x",
    )
    assert to_alternatives(parsed.when) == [
        (
            Leaf(subject="fact", key="a", operator="gte", value=3),
            Leaf(subject="answer", key="b", operator="not_equals", value="ja"),
        )
    ]


def test_any_expands_into_alternatives():
    condition = AllOf(
        conditions=(
            Leaf(subject="fact", key="a", operator="equals", value=True),
            parse_rule(
                {
                    "id": "r",
                    "recommend": "m",
                    "when": {"any": [{"fact": "b", "equals": 1}, {"fact": "c", "equals": 2}]},
                },
                "x",
            ).when,
        )
    )
    alternatives = to_alternatives(condition)
    assert [[leaf.key for leaf in alt] for alt in alternatives] == [["a", "b"], ["a", "c"]]
