"""Turning what durable_rules concluded into reasons, evidence and open questions."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Literal

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.catalog.labels import label_of, show_value
from kundenkompass.catalog.memo import result_memo, typed
from kundenkompass.catalog.origins import portable_origin
from kundenkompass.inference.compile import Alternative, CompiledRules
from kundenkompass.inference.runner import Inference
from kundenkompass.models import text_in
from kundenkompass.results import (
    AnswerWithoutMeasure,
    ChecklistAnswer,
    DerivationStep,
    DerivedFact,
    Evidence,
    Firing,
    LeafCheck,
    MeasureExplanation,
    OpenQuestion,
    Recommendation,
    RuleCheck,
    RuleOutcome,
)
from kundenkompass.rules.evaluate import blocked, evaluate, evaluate_leaf
from kundenkompass.rules.language import Leaf, Rule, iter_leaves, to_alternatives
from kundenkompass.texts import text
from kundenkompass.vocabulary import PHASES, PRIORITIES, Truth


def all_known(known: Mapping[str, Any], inference: Inference) -> dict[str, Any]:
    """Inputs plus the facts rules derived."""
    combined = dict(known)
    for key, derived in inference.derived.items():
        combined[f"facts.{key}"] = derived.value
    return combined


def evidence_for(
    leaves: tuple[Leaf, ...],
    values: Mapping[str, Any],
    inference: Inference,
    catalog: Catalog,
    memo_key: Hashable | None = None,
) -> list[Evidence]:
    """The evidence of ``leaves`` under ``values``; ``memo_key`` names the leaves for the
    catalog's memo (their labels and tests depend on the catalog alone)."""
    evidence = []
    for ref, label, test, derived_key in _described(leaves, catalog, memo_key):
        value = values.get(ref)
        derived_by: list[str] = []
        if derived_key is not None and derived_key in inference.derived:
            derived_by = sorted({name.split("#")[0] for name in inference.derived[derived_key].by})
        evidence.append(
            Evidence(
                ref=ref,
                label=label,
                value=list(value) if isinstance(value, tuple) else value,
                shown=_shown(ref, value, catalog),
                test=test,
                derived_by=derived_by,
            )
        )
    return evidence


def _described(
    leaves: tuple[Leaf, ...], catalog: Catalog, memo_key: Hashable | None
) -> tuple[tuple[str, str, str, str | None], ...]:
    """Per leaf: its ref, label, test and the fact key it may find derived."""
    key = ("described", memo_key)
    found = catalog.memo.get(key) if memo_key is not None else None
    if found is None:
        found = tuple(
            (
                leaf.ref,
                label_of(leaf.ref, catalog).rstrip(".?"),
                leaf.describe(),
                leaf.key if leaf.subject == "fact" else None,
            )
            for leaf in leaves
        )
        if memo_key is not None:
            catalog.memo[key] = found
    return found


def _shown(ref: str, value: Any, catalog: Catalog) -> str:
    """:func:`show_value`, remembered per catalog for the values audits repeat."""
    try:
        key = ("shown", ref, type(value), value)  # the type keeps True apart from 1 and 1.0
        found = catalog.memo.get(key)
    except TypeError:  # an unhashable value
        return show_value(ref, value, catalog)
    if found is None:
        found = catalog.memo[key] = show_value(ref, value, catalog)
    return found


def unless_evidence(
    rule: Rule, values: Mapping[str, Any], inference: Inference, catalog: Catalog
) -> list[Evidence]:
    """The inputs a rule's ``unless`` tests, with their values (each input once)."""
    if rule.unless is None:
        return []
    return evidence_for(
        unless_leaves(rule, catalog), values, inference, catalog, ("unless", rule.id)
    )


def unless_leaves(rule: Rule, catalog: Catalog) -> tuple[Leaf, ...]:
    """The leaves of a rule's ``unless`` (each once), remembered per catalog."""
    if rule.unless is None:
        return ()
    key = ("unless", rule.id)
    leaves = catalog.memo.get(key)
    if leaves is None:
        leaves = catalog.memo[key] = tuple(dict.fromkeys(iter_leaves(rule.unless)))
    return leaves


def firings(
    compiled: CompiledRules,
    inference: Inference,
    values: Mapping[str, Any],
    catalog: Catalog,
) -> dict[str, list[Firing]]:
    """Recommend-firings grouped by measure, each rule once (its first alternative).

    A measure's reasons are ordered by rule priority (hoch first), then rule id, so the
    first reason is the weightiest.
    """
    by_measure: dict[str, list[Firing]] = {}
    seen: set[str] = set()
    recommending = [
        name for name in inference.fired if compiled.alternatives[name].rule.recommend is not None
    ]
    for name in sorted(recommending, key=_order_of(catalog)):
        alternative = compiled.alternatives[name]
        rule = alternative.rule
        if rule.id in seen:
            continue
        seen.add(rule.id)
        by_measure.setdefault(rule.recommend, []).append(  # type: ignore[arg-type]
            _firing(name, alternative, values, inference, catalog)
        )
    rank = {"hoch": 0, "mittel": 1, "niedrig": 2}
    for found in by_measure.values():
        found.sort(key=lambda firing: (rank[firing.priority], firing.rule))
    return by_measure


def _firing(
    name: str,
    alternative: Alternative,
    values: Mapping[str, Any],
    inference: Inference,
    catalog: Catalog,
) -> Firing:
    """The reason an alternative gives; one instance for all audits with the same values
    of its inputs (and the same rules behind its derived facts)."""
    rule = alternative.rule
    inputs = catalog.memo.get(("firing-inputs", name))
    if inputs is None:
        described = _described(alternative.when_leaves, catalog, name)
        unless = unless_leaves(rule, catalog)
        refs = tuple(dict.fromkeys([*(d[0] for d in described), *(leaf.ref for leaf in unless)]))
        derived = tuple(
            dict.fromkeys(
                [
                    *(d[3] for d in described if d[3] is not None),
                    *(leaf.key for leaf in unless if leaf.subject == "fact"),
                ]
            )
        )
        inputs = catalog.memo[("firing-inputs", name)] = (refs, derived)
    refs, derived_keys = inputs
    memo = result_memo(catalog)
    read = tuple(map(values.get, refs))
    types = tuple(map(type, read))
    try:
        key: Hashable = (
            "firing",
            name,
            # The evidence shows each value: a float by its text keeps -0.0 apart from 0.0.
            tuple(map(typed, read)) if float in types else read,
            types,
            tuple(
                inference.derived[fact].by if fact in inference.derived else None
                for fact in derived_keys
            )
            if derived_keys
            else (),
        )
        found = memo.get(key)
    except TypeError:  # an unhashable value: built for this audit alone
        key, found = None, None
    if found is None:
        found = Firing(
            rule=rule.id,
            plugin=rule.plugin,
            origin=portable_origin(rule.origin),
            priority=rule.priority,
            reason=text_in(rule.reason) if rule.reason else None,
            evidence=evidence_for(alternative.when_leaves, values, inference, catalog, name),
            unless=unless_evidence(rule, values, inference, catalog),
        )
        if key is not None:
            memo.put(key, found)
    return found  # type: ignore[no-any-return]


def _order_of(catalog: Catalog) -> Callable[[str], tuple[str, int]]:
    """:func:`_alternative_order`, remembered per catalog for the names it has seen."""
    orders: dict[str, tuple[str, int]] | None = catalog.memo.get("alternative-orders")
    if orders is None:
        orders = catalog.memo["alternative-orders"] = {}

    def order(name: str) -> tuple[str, int]:
        found = orders.get(name)
        if found is None:
            found = orders[name] = _alternative_order(name)
        return found

    return order


def _alternative_order(name: str) -> tuple[str, int]:
    rule_id, index = name.rsplit("#", 1)
    return rule_id, int(index)


def unknown_inputs(
    rule: Rule, values: Mapping[str, Any], catalog: Catalog, visiting: frozenset[str] = frozenset()
) -> set[str]:
    """Unanswered inputs whose answers could make ``rule`` true (empty if it cannot fire).

    Inputs that ``unless`` tests are not among them: they can only silence the rule.
    """
    if evaluate(rule.when, values) is not None or blocked(rule, values):
        return set()
    found: set[str] = set()
    for leaves in _alternatives_of(rule, catalog):
        truths = [evaluate_leaf(leaf, values) for leaf in leaves]
        if False in truths:
            continue
        for leaf, truth in zip(leaves, truths, strict=True):
            if truth is None:
                found |= _inputs_behind(leaf.ref, values, catalog, visiting | {rule.id})
    return found


def _reads(rule: Rule, catalog: Catalog) -> tuple[str, ...]:
    """Every input :func:`unknown_inputs` may read for ``rule`` (a superset), per catalog."""
    key = ("reads", rule.id)
    found = catalog.memo.get(key)
    if found is None:
        refs: dict[str, None] = {}
        pending, seen = [rule], {rule.id}
        while pending:
            current = pending.pop()
            leaves = [*iter_leaves(current.when), *unless_leaves(current, catalog)]
            for leaf in leaves:
                refs[leaf.ref] = None
                if leaf.subject != "fact":
                    continue
                if leaf.key in catalog.thresholds:
                    refs[catalog.thresholds[leaf.key].input] = None
                if leaf.key in catalog.derivations:
                    refs.update(dict.fromkeys(catalog.derivations[leaf.key].inputs))
                for deriving in catalog.rules_deriving(leaf.key):
                    if deriving.id not in seen:
                        seen.add(deriving.id)
                        pending.append(deriving)
        found = catalog.memo[key] = tuple(refs)
    return found


def _inputs_behind(
    ref: str, values: Mapping[str, Any], catalog: Catalog, visiting: frozenset[str]
) -> set[str]:
    key = ref.split(".", 1)[1]
    if ref.startswith("facts.") and key in catalog.thresholds:
        return (
            {catalog.thresholds[key].input}
            if catalog.thresholds[key].input not in values
            else set()
        )
    if ref.startswith("facts.") and key in catalog.derivations:
        return {i for i in catalog.derivations[key].inputs if i not in values}
    if ref.startswith("facts.") and key in catalog.rule_derived_facts:
        found: set[str] = set()
        for rule in catalog.rules_deriving(key):
            if rule.id not in visiting:
                found |= unknown_inputs(rule, values, catalog, visiting)
        return found
    return {ref}


def _alternatives_of(rule: Rule, catalog: Catalog) -> list[tuple[Leaf, ...]]:
    """``rule.when`` in disjunctive normal form, expanded once per catalog."""
    key = ("when", rule.id)
    found = catalog.memo.get(key)
    if found is None or found[0] is not rule:
        found = catalog.memo[key] = (rule, to_alternatives(rule.when))
    return found[1]


def asked_of(
    ref: str, catalog: Catalog, channels: AbstractSet[str], ruled_out: Collection[str] = ()
) -> bool:
    """Whether the question behind ``ref`` is asked of a company with these channels.

    Derived facts are never asked, nor questions whose precondition the profile rules out.
    """
    if ref in ruled_out:
        return False
    asked = _channels_asked(catalog)
    wanted = asked.get(ref)
    if wanted is None:
        wanted = asked[ref] = _channels_asking(ref, catalog)
    return wanted if isinstance(wanted, bool) else not wanted.isdisjoint(channels)


def _channels_asked(catalog: Catalog) -> dict[str, bool | frozenset[str]]:
    """:func:`_channels_asking` per key path, remembered per catalog."""
    found: dict[str, bool | frozenset[str]] | None = catalog.memo.get("channels-asked")
    if found is None:
        found = catalog.memo["channels-asked"] = {}
    return found


def _channels_asking(ref: str, catalog: Catalog) -> bool | frozenset[str]:
    """The channels of which the question behind ``ref`` is asked; True for every
    company, False for none (a derived fact)."""
    kind, key = ref.split(".", 1)
    if kind == "facts" and key in catalog.facts and catalog.facts[key].source == "derived":
        return False
    source = catalog.checklist.get(key) if kind == "answers" else catalog.facts.get(key)
    wanted = frozenset(getattr(source, "channels", ()) or ())
    return wanted or True


_RANK = {"hoch": 0, "mittel": 1, "niedrig": 2}


def open_questions(
    catalog: Catalog,
    values: Mapping[str, Any],
    recommended: set[str],
    applicable: AbstractSet[str],
    channels: AbstractSet[str],
    ruled_out: Collection[str] = (),
) -> list[OpenQuestion]:
    """Unanswered questions whose answers could recommend a measure not yet recommended.

    Questions meant only for channels the company does not have, questions the profile
    rules out (``applies_when``) and derived facts are left out. The questions are
    grouped by phase; within a phase, those that could change the plan most come first
    (the highest priority of a rule they could make fire, then the number of measures).
    """
    could: dict[str, set[str]] = {}
    best: dict[str, int] = {}
    memo = result_memo(catalog)
    memo_get, get = memo.get, values.get
    for measure, rules in _recommending_rules(catalog):
        if measure in recommended or measure not in applicable:
            continue
        for rule, tested, reads in rules:
            if None not in map(get, tested):
                continue  # everything its condition tests is known: it fires or cannot
            # The inputs a rule could still fire on depend only on the values it reads: the
            # same values (and types; -0.0 and 0.0 test alike) give the same inputs. Known
            # values never hold None (unknown is absent), so None stands for absent here.
            read = tuple(map(get, reads))
            try:
                key: Hashable = ("open", rule.id, read, tuple(map(type, read)))
                found = memo_get(key)
            except TypeError:  # an unhashable value: not remembered
                key, found = None, None
            if found is None:
                found = frozenset(unknown_inputs(rule, values, catalog))
                if key is not None:
                    memo.put(key, found)
            for ref in found:
                if asked_of(ref, catalog, channels, ruled_out):
                    could.setdefault(ref, set()).add(measure)
                    best[ref] = min(best.get(ref, 2), _RANK[rule.priority])
    order, measure_order = _question_orders(catalog)
    phases: dict[str, int] = {phase: position for position, phase in enumerate(PHASES)}

    def weight(ref: str) -> tuple[int, int, int, str]:
        return (best[ref], -len(could[ref]), order.get(ref, len(order)), ref)

    ranks = {ref: number for number, ref in enumerate(sorted(could, key=weight), start=1)}
    questions = []
    for ref in could:
        phase, question = _question_of(ref, catalog)
        measures_in_order = sorted(could[ref], key=measure_order.__getitem__)
        questions.append(
            OpenQuestion(
                ref=ref,
                question=question,
                phase=phase,
                could_recommend=measures_in_order,
                could_recommend_titles=[
                    text_in(catalog.measures[m].title) for m in measures_in_order
                ],
                priority=PRIORITIES[best[ref]],
                rank=ranks[ref],
            )
        )
    questions.sort(key=lambda q: (phases.get(q.phase or "", len(phases)), q.rank))
    return questions


def _recommending_rules(
    catalog: Catalog,
) -> tuple[tuple[str, tuple[tuple[Rule, tuple[str, ...], tuple[str, ...]], ...]], ...]:
    """Per measure, the rules that recommend it, each with the inputs its condition tests
    and every input it reads (see :func:`_reads`), per catalog."""
    found = catalog.memo.get("recommending-rules")
    if found is None or found[0] is not catalog.rules:
        by_measure: dict[str, list[tuple[Rule, tuple[str, ...], tuple[str, ...]]]] = {}
        for rule in catalog.rules.values():
            if rule.recommend is not None:
                tested = tuple(dict.fromkeys(leaf.ref for leaf in iter_leaves(rule.when)))
                by_measure.setdefault(rule.recommend, []).append(
                    (rule, tested, _reads(rule, catalog))
                )
        grouped = tuple((measure, tuple(rules)) for measure, rules in by_measure.items())
        found = catalog.memo["recommending-rules"] = (catalog.rules, grouped)
    return found[1]


def _question_orders(catalog: Catalog) -> tuple[dict[str, int], dict[str, int]]:
    """Positions of the questions (key paths) and of the measures in the catalog."""
    found = catalog.memo.get("question-orders")
    if found is None:
        found = catalog.memo["question-orders"] = (
            {ref: position for position, ref in enumerate(catalog.subjects)},
            {measure: position for position, measure in enumerate(catalog.measures)},
        )
    return found


def _question_of(ref: str, catalog: Catalog) -> tuple[str | None, str]:
    """The phase and the question text of an input, per catalog."""
    key = ("question", ref)
    found = catalog.memo.get(key)
    if found is None:
        phase = None
        name = ref.split(".", 1)[1]
        if ref.startswith("answers.") and name in catalog.checklist:
            phase = catalog.checklist[name].phase
        elif ref.startswith("facts.") and name in catalog.facts:
            phase = catalog.facts[name].phase
        found = catalog.memo[key] = (phase, label_of(ref, catalog))
    return found


def answers_without_measure(
    catalog: Catalog,
    rows: Sequence[tuple[str, ChecklistAnswer]],
    recommendations: Sequence[Recommendation],
    applicable: AbstractSet[str],
    values: Mapping[str, Any],
    inference: Inference,
) -> list[AnswerWithoutMeasure]:
    """The items answered "nein" or "teilweise" that no recommended measure takes up.

    ``rows`` are the checklist rows the audit shows, each with its phase. A measure takes
    an item up when it addresses the item or one of its reasons rests on the answer. For
    each item left: the rules whose condition tests it and holds, but whose ``unless`` is
    known to be true (for a measure the company could be recommended), and the answers
    and facts that make it true. Those are what the advisor clarifies with the company.
    """
    measures = catalog.measures
    addressed = {item for r in recommendations for item in measures[r.measure].addresses}
    left: list[tuple[str, ChecklistAnswer, Literal["nein", "teilweise"]]] = []
    for phase, row in rows:
        answer = row.answer
        if (answer == "nein" or answer == "teilweise") and row.item not in addressed:
            left.append((phase, row, answer))
    if not left:
        return []
    wanted = {f"answers.{row.item}" for _, row, _ in left}
    rested = {
        evidence.ref
        for r in recommendations
        for firing in r.reasons
        for evidence in firing.evidence
        if evidence.ref in wanted
    }
    found = []
    for phase, row, answer in left:
        if f"answers.{row.item}" in rested:
            continue
        standing_back: list[str] = []
        holding: dict[Leaf, None] = {}
        for rule, unless_alternatives in _rules_testing(catalog).get(row.item, ()):
            if rule.recommend not in applicable or evaluate(rule.when, values) is not True:
                continue
            held = [
                leaves
                for leaves in unless_alternatives
                if all(evaluate_leaf(leaf, values) is True for leaf in leaves)
            ]
            if held:
                standing_back.append(rule.id)
                holding.update(dict.fromkeys(leaf for leaves in held for leaf in leaves))
        because: dict[str, Evidence] = {}
        for evidence in evidence_for(tuple(holding), values, inference, catalog):
            because.setdefault(evidence.ref, evidence)  # a list tested twice is shown once
        found.append(
            AnswerWithoutMeasure(
                item=row.item,
                phase=phase,
                statement=row.statement,
                answer=answer,
                because=list(because.values()),
                rules=sorted(standing_back),
            )
        )
    return found


def _rules_testing(
    catalog: Catalog,
) -> dict[str, tuple[tuple[Rule, list[tuple[Leaf, ...]]], ...]]:
    """Checklist item → the recommending rules with ``unless`` whose condition tests its
    answer, each with its ``unless`` as alternatives, per catalog."""
    found = catalog.memo.get("rules-testing-answers")
    if found is None or found[0] is not catalog.rules:
        by_item: dict[str, list[tuple[Rule, list[tuple[Leaf, ...]]]]] = {}
        for rule in catalog.rules.values():
            if rule.recommend is None or rule.unless is None:
                continue
            alternatives = to_alternatives(rule.unless)
            items = {leaf.key for leaf in iter_leaves(rule.when) if leaf.subject == "answer"}
            for item in sorted(items):
                by_item.setdefault(item, []).append((rule, alternatives))
        found = catalog.memo["rules-testing-answers"] = (
            catalog.rules,
            {item: tuple(rules) for item, rules in by_item.items()},
        )
    return found[1]


def derived_facts(
    compiled: CompiledRules,
    inference: Inference,
    values: Mapping[str, Any],
    catalog: Catalog,
    keys: set[str] | None = None,
) -> list[DerivedFact]:
    """The facts rules derived (all, or those in ``keys``), each with its derivation steps."""
    found = []
    for key, derived in sorted(inference.derived.items()):
        if keys is not None and key not in keys:
            continue
        steps = []
        seen: set[str] = set()
        for name in sorted(derived.by, key=_alternative_order):
            alternative = compiled.alternatives[name]
            if alternative.rule.id in seen:
                continue
            seen.add(alternative.rule.id)
            steps.append(
                DerivationStep(
                    rule=alternative.rule.id,
                    evidence=evidence_for(
                        alternative.when_leaves, values, inference, catalog, name
                    ),
                )
            )
        found.append(
            DerivedFact(
                key=key,
                label=label_of(f"facts.{key}", catalog).rstrip(".?"),
                value=derived.value,
                by=sorted(seen),
                steps=steps,
            )
        )
    return found


def _truth(value: bool | None) -> Truth:
    return "unknown" if value is None else "true" if value else "false"


def check_rule(
    rule: Rule,
    fired_rules: set[str],
    values: Mapping[str, Any],
    catalog: Catalog,
    channels: set[str],
    ruled_out: Collection[str] = (),
) -> tuple[RuleCheck, set[str]]:
    """Evaluate one rule for explanation; also return the open inputs that could fire it."""
    rule_open = {
        ref
        for ref in unknown_inputs(rule, values, catalog)
        if asked_of(ref, catalog, channels, ruled_out)
    }
    # Unknown only while some unanswered input could still make the rule fire.
    outcome: RuleOutcome = (
        "fired" if rule.id in fired_rules else "unknown" if rule_open else "false"
    )
    if outcome != "fired" and blocked(rule, values) and evaluate(rule.when, values) is not False:
        outcome = "blocked"
    alternatives = [_leaf_checks(leaves, values, catalog) for leaves in to_alternatives(rule.when)]
    unless: list[LeafCheck] = []
    unless_alternatives: list[list[LeafCheck]] = []
    if rule.unless is not None:
        unless = _leaf_checks(tuple(dict.fromkeys(iter_leaves(rule.unless))), values, catalog)
        unless_alternatives = [
            _leaf_checks(leaves, values, catalog) for leaves in to_alternatives(rule.unless)
        ]
    check = RuleCheck(
        rule=rule.id,
        plugin=rule.plugin,
        origin=portable_origin(rule.origin),
        outcome=outcome,
        reason=text_in(rule.reason) if rule.reason else None,
        alternatives=alternatives,
        unless=unless,
        unless_alternatives=unless_alternatives,
        unless_truth=None if rule.unless is None else _truth(evaluate(rule.unless, values)),
    )
    return check, rule_open


def _leaf_checks(
    leaves: tuple[Leaf, ...], values: Mapping[str, Any], catalog: Catalog
) -> list[LeafCheck]:
    row = []
    for leaf in leaves:
        truth = _truth(evaluate_leaf(leaf, values))
        shown = show_value(leaf.ref, values.get(leaf.ref), catalog)
        derived_by_rules = leaf.subject == "fact" and leaf.key in catalog.rule_derived_facts
        if (
            derived_by_rules
            and truth == "unknown"
            and not _inputs_behind(leaf.ref, values, catalog, frozenset())
        ):
            truth, shown = "false", text("answer.nicht_abgeleitet")
        row.append(
            LeafCheck(
                test=leaf.describe(),
                ref=leaf.ref,
                label=label_of(leaf.ref, catalog).rstrip(".?"),
                shown=shown,
                truth=truth,
            )
        )
    return row


def explain_measure(
    measure_id: str,
    compiled: CompiledRules,
    inference: Inference,
    values: Mapping[str, Any],
    catalog: Catalog,
    channels: set[str],
    ruled_out: Collection[str] = (),
) -> MeasureExplanation:
    """The whole chain for one measure: rules that fired, derived facts, inputs; or why not."""
    measure = catalog.measures[measure_id]
    applicable = not measure.channels or bool(set(measure.channels) & channels)
    fired_rules = {name.rsplit("#", 1)[0] for name in inference.fired}
    rules = [rule for rule in catalog.rules.values() if rule.recommend == measure_id]
    # Follow the facts these rules test back through the rules that derive them.
    derived_keys: list[str] = []
    pending = [leaf.key for rule in rules for leaf in rule.leaves() if leaf.subject == "fact"]
    while pending:
        key = pending.pop(0)
        if key in derived_keys or key not in catalog.rule_derived_facts:
            continue
        derived_keys.append(key)
        for rule in catalog.rules.values():
            if rule.derive and rule.derive.fact == key:
                pending.extend(leaf.key for leaf in rule.leaves() if leaf.subject == "fact")
    derivation_rules = [
        rule for rule in catalog.rules.values() if rule.derive and rule.derive.fact in derived_keys
    ]
    checks, open_inputs = [], set()
    for rule in rules:
        check, rule_open = check_rule(rule, fired_rules, values, catalog, channels, ruled_out)
        checks.append(check)
        open_inputs |= rule_open
    derivation_checks = [
        check_rule(rule, fired_rules, values, catalog, channels, ruled_out)[0]
        for rule in derivation_rules
    ]
    return MeasureExplanation(
        measure=measure_id,
        title=text_in(measure.title),
        phase=measure.phase,
        recommended=applicable and any(check.outcome == "fired" for check in checks),
        applicable=applicable,
        channels=list(measure.channels),
        rules=checks,
        derivation_rules=derivation_checks,
        derived_facts=derived_facts(compiled, inference, values, catalog, set(derived_keys)),
        open_inputs=sorted(open_inputs),
    )
