"""Running compiled rules on durable_rules for one audit at a time.

What this module guards against (see the durable_rules field notes in the docs):

* The stock ``Host`` starts background dispatch threads that segfault when states are
  deleted out of order; :class:`QuietHost` switches them off. Audits need no timers.
* The stock dispatch of fired actions is mostly Python glue (a JSON round trip and a
  wrapper object per action); :class:`DirectHost` runs actions in a plain loop over the
  same C engine calls, in the same order (tests/reliability/test_direct_host.py).
* One ruleset per partition and one state (``sid``) per audit; audits are serialized by a
  lock, so there is never more than one state per ruleset (durable_rules allows at most
  1,024 and crashes beyond).
* Creating a state costs more than the audit's matching (durable_rules clears its node
  memory for every new state): after an audit that ended normally, its facts are retracted
  and the emptied state is kept for the next audit. A state that does not come out empty,
  and the state of an audit that failed, is deleted (in ``finally``).
* durable_rules swallows exceptions raised in actions: every action is wrapped, failures
  are recorded with the rule id and raised after the audit as :class:`AuditError`.
* Asserting an identical fact twice raises inside durable_rules; derived facts are
  therefore asserted once per audit, and a second rule deriving the same value only adds
  its provenance.
* A new state's action context is left uninitialized by durable_rules and freed by
  ``delete_state``: deleting a state in which no action ever ran crashes the process
  (segfault or abort). Every state therefore starts with a start fact that a no-op rule
  matches, so one action has run (and the context is cleared) before anything else.
* durable_rules' JSON parser reads a number with an exponent only after a fraction
  (``1.0e-07``, not ``1e-07`` as Python writes it) and fails with error 204 otherwise;
  its JSON encoding is replaced by one that writes every float in a form it reads (by
  each runner when it is created, not as a side effect of importing this module).
* durable_rules identifies a stored fact by a 32-bit hash that includes the state id, so
  two different facts of one audit can collide and the second is refused as "already
  observed" (``MessageObservedException``), depending only on the state id. Facts are
  never asserted twice on purpose, so such a refusal is a collision: the audit is run
  again under a new state id, which gives the result a fresh engine gives.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any, NamedTuple

import durable_rules_engine  # type: ignore[import-not-found]  # durable_rules' C engine
from durable import engine as durable_engine
from kundenkompass.catalog.catalog import Catalog
from kundenkompass.errors import AuditError, RuleError
from kundenkompass.inference.compile import (
    FACT_TYPE,
    CompiledRules,
    member_property,
    property_name,
    unknown_property,
)
from kundenkompass.models import FactType

SINK_RULE = "__sink__"
#: Runs of one audit under new state ids when durable_rules reports a fact identity
#: collision (see the module docstring); with the built-in plugins about one audit in
#: several thousand collides once.
MAX_RUNS = 3
#: Stands for durable_rules itself in the failures of an audit.
DURABLE_RULES = "(durable_rules)"
START_RULE = "__start__"
#: Fact type of the start fact; no pattern but the start rule's tests it.
START_FACT_TYPE = "kk_start"


def _number(value: float) -> str:
    text = repr(value)
    mantissa, exponent_mark, exponent = text.partition("e")
    if exponent_mark and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text


_EXPONENT = re.compile(r"\de[+-]?\d")


def _dumps(value: Any, **options: Any) -> str:
    """JSON as ``json.dumps`` writes it, but with floats durable_rules can parse."""
    text = json.dumps(value, **options)
    # Fast path: the C encoder's output is right unless some number has an exponent, which
    # Python always writes with its sign ("1e-05", "1e+16"); substring tests are cheap.
    if ("e-" not in text and "e+" not in text) or not _EXPONENT.search(text):
        return text
    return _dumps_exactly(value, **options)


def _dumps_exactly(value: Any, **options: Any) -> str:
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(key, **options)}:{_dumps_exactly(item, **options)}"
                for key, item in value.items()
            )
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(_dumps_exactly(item, **options) for item in value) + "]"
    if isinstance(value, float) and math.isfinite(value):
        return _number(value)
    return json.dumps(value, **options)


_TRUE_FALSE = ("false", "true")


def _value_json(value: Any) -> str:
    """One fact value as :func:`_dumps` writes it."""
    kind = value.__class__
    if kind is bool:
        return _TRUE_FALSE[value]
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    return _dumps(value, ensure_ascii=False)


class _DurableJson:
    """Stands in for the ``json`` module inside ``durable.engine``."""

    loads = staticmethod(json.loads)
    dumps = staticmethod(_dumps)


def use_durable_json() -> None:
    """Make durable_rules encode JSON with :func:`_dumps`; idempotent.

    durable_rules serializes every ruleset, fact and state with the ``json`` module that
    ``durable.engine`` imported; replacing that module attribute is the one way in. Each
    :class:`RuleRunner` calls this before it hands durable_rules anything.
    """
    durable_engine.json = _DurableJson


class QuietHost(durable_engine.Host):  # type: ignore[misc]  # durable_rules is untyped
    """A durable_rules host without background dispatch threads."""

    def _run(self) -> None:  # the stock implementation starts timer threads
        return None


class DirectHost(QuietHost):
    """A :class:`QuietHost` that runs the actions of asserted facts in a plain loop.

    The stock dispatch (``durable.engine.Ruleset._flush_actions``) builds a ``Closure`` per
    fired action: it parses the state and the matched facts from JSON into wrapper objects,
    reads the clock twice for action leases and serializes the state back, which costs more
    than the Rete match itself. Audits need none of it: an action here gets an
    :class:`ActionContext` (the state id, and asserting a fact into the same ruleset), the
    state text goes back to durable_rules unchanged, and otherwise the C engine is called in
    the same order as the stock loop (start the state's actions, run one, update the state,
    complete it and start the next) with the same result codes turned into the same
    exceptions.
    """

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[str, int] = {}
        self._direct_actions: dict[str, dict[str, Callable[[ActionContext], None]]] = {}

    def register_rulesets(self, ruleset_definitions: dict[str, Any]) -> list[str]:
        names: list[str] = super().register_rulesets(ruleset_definitions)
        for name in names:
            ruleset = self.get_ruleset(name)
            self._handles[name] = ruleset._handle
            # The stock Ruleset wraps each action in a Promise that keeps the function.
            self._direct_actions[name] = {
                rule: promise._func for rule, promise in ruleset._actions.items()
            }
        return names

    def assert_fact(self, ruleset_name: str, fact: dict[str, Any], complete: Any = None) -> None:
        text = _dumps(fact, ensure_ascii=False)
        self._dispatch(ruleset_name, durable_rules_engine.assert_fact, text, fact["sid"], fact)

    def assert_facts(
        self, ruleset_name: str, facts: list[dict[str, Any]], complete: Any = None
    ) -> None:
        text = _dumps(facts, ensure_ascii=False)
        self._dispatch(
            ruleset_name, durable_rules_engine.assert_facts, text, facts[0]["sid"], facts
        )

    def assert_encoded(
        self, ruleset_name: str, facts: str, sid: str, *, single: bool = False
    ) -> None:
        """Assert facts already written as JSON: an array, or one object when ``single``
        (the audit's input facts, which :class:`RuleRunner` writes without a dict each)."""
        assert_ = durable_rules_engine.assert_fact if single else durable_rules_engine.assert_facts
        self._dispatch(ruleset_name, assert_, facts, sid, facts)

    def delete_state(self, ruleset_name: str, sid: str | None = None) -> None:
        durable_rules_engine.delete_state(self._handles[ruleset_name], sid)

    def empty_state(self, ruleset_name: str, sid: str) -> bool:
        """Retract every fact of a state; whether it then holds none and no action waits,
        so that the state can serve the next audit.

        The start fact goes too: it is needed only until the first action has run in the
        state (see the module docstring).
        """
        handle = self._handles[ruleset_name]
        stored = durable_rules_engine.get_facts(handle, sid)
        if stored != "[]":
            # durable_rules' own JSON of the facts, read back by the same parser.
            retracted = durable_rules_engine.retract_facts(handle, stored)
            state_handle = _state_handle(retracted, stored)
            # Rules test only facts that are present, so a retraction cannot start one.
            if durable_rules_engine.start_action_for_state(handle, state_handle):
                durable_rules_engine.abandon_action(handle, state_handle)
                return False
        return durable_rules_engine.get_facts(handle, sid) == "[]"  # type: ignore[no-any-return]

    def _dispatch(
        self, name: str, assert_: Callable[[int, str], Any], text: str, sid: str, payload: Any
    ) -> None:
        handle = self._handles[name]
        state_handle = _state_handle(assert_(handle, text), payload)
        started = durable_rules_engine.start_action_for_state(handle, state_handle)
        if not started:
            return
        state_text, messages = started
        actions = self._direct_actions[name]
        context = ActionContext(sid, handle)
        try:
            while messages:
                # One message per started action: {"rule name": matched facts}. The name is
                # read off the text (names need no JSON escapes); anything else is parsed.
                name = messages[2 : messages.find('"', 2)]
                action = actions.get(name) if messages.startswith('{"') else None
                if action is None:
                    action = actions[next(iter(json.loads(messages)))]
                action(context)
                durable_rules_engine.update_state(handle, state_text)
                messages = durable_rules_engine.complete_and_start_action(handle, state_handle)
        except BaseException:
            durable_rules_engine.abandon_action(handle, state_handle)
            raise


class ActionContext:
    """What an action of :class:`DirectHost` gets: the audit's state id, and asserting a
    fact into the ruleset whose rule fired (matched at once, like ``Closure.assert_fact``)."""

    __slots__ = ("_handle", "sid")

    def __init__(self, sid: str, handle: int) -> None:
        self.sid = sid
        self._handle = handle

    def assert_fact(self, fact: dict[str, Any]) -> None:
        fact["sid"] = self.sid
        _state_handle(
            durable_rules_engine.assert_fact(self._handle, _dumps(fact, ensure_ascii=False)), fact
        )


def _state_handle(result: Any, payload: Any) -> int:
    """The state handle of an assertion's result, or the exception the stock host raises."""
    code = result[0]
    if code == 1:
        raise durable_engine.MessageNotHandledException(payload)
    if code == 2:
        raise durable_engine.MessageObservedException(payload)
    if code == 3:  # deferred: the stock host then starts the actions of state handle 0
        return 0
    return int(result[1])


@dataclass(frozen=True)
class Derived:
    """A fact derived by rules: its value and the alternatives that derived it."""

    key: str
    value: Any
    by: tuple[str, ...]


@dataclass
class Inference:
    """What durable_rules concluded for one audit."""

    #: Names of the alternatives that fired (``rule_id#index``), in firing order.
    fired: list[str] = field(default_factory=list)
    derived: dict[str, Derived] = field(default_factory=dict)


@dataclass
class _AuditState:
    sid: str
    inference: Inference = field(default_factory=Inference)
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: Alternatives that fired (an alternative compiled into parts fires once).
    fired: set[str] = field(default_factory=set)
    #: Derived facts waiting to be asserted into other partitions: (property, value, origin).
    outbox: list[tuple[str, Any, int]] = field(default_factory=list)


class _FactPlan(NamedTuple):
    """How the value of one key path becomes facts: the start of its fact's JSON and the
    partitions that read it, or for a list, per member the rules test (in order) the same."""

    opening: str
    positions: Sequence[int]
    members: tuple[tuple[str, str, Sequence[int]], ...] | None


class RuleRunner:
    """Owns one durable_rules host with the compiled rulesets; runs audits one at a time."""

    def __init__(self, compiled: CompiledRules, catalog: Catalog, name: str) -> None:
        use_durable_json()
        self.compiled = compiled
        self.catalog = catalog
        self._lock = threading.Lock()
        self._states: dict[str, _AuditState] = {}
        self._sids = itertools.count(1)
        #: The state id kept, emptied, from the last audit, and the rulesets in which the
        #: state of the current or kept id exists.
        self._idle_sid: str | None = None
        self._created: set[str] = set()
        self._host = DirectHost()
        #: Key path → how its value becomes facts, for the key paths audits have given.
        self._fact_plans: dict[str, _FactPlan] = {}
        self._unknown_markers = [
            (ref, unknown_property(ref)) for ref in sorted(compiled.unknown_markers)
        ]
        self._unknown_marker_plans = [
            (ref, self._opening(prop), positions)
            for ref, prop in self._unknown_markers
            if (positions := compiled.consumers.get(prop))
        ]
        self._names: list[str] = []
        definitions: dict[str, dict[str, Any]] = {}
        for position, partition in enumerate(compiled.partitions):
            ruleset_name = f"{name}_{partition.name}"
            self._names.append(ruleset_name)
            # durable_rules deletes the "run" key of each rule it is given (and nothing deeper):
            # copying each rule's top level keeps the compiled definitions intact.
            rules = {rule: dict(definition) for rule, definition in partition.definitions.items()}
            for rule_name, definition in rules.items():
                definition["run"] = self._action(rule_name, position)
            rules[SINK_RULE] = {
                "all": [{"fact": {"t": FACT_TYPE}}, {"never": {"t": "__never__"}}],
                "run": _never,
            }
            rules[START_RULE] = {
                "pri": 0,
                "all": [{"start": {"t": START_FACT_TYPE}}],
                "run": _started,
            }
            definitions[ruleset_name] = rules
        try:
            self._host.set_rulesets(definitions)
        except Exception as error:  # durable_rules reports only an error number
            raise self._build_error(error) from None

    @property
    def live_states(self) -> int:
        return len(self._states)

    def run(self, known: Mapping[str, Any]) -> Inference:
        """Infer for one audit from the known values (key path → value)."""
        for _ in range(MAX_RUNS):
            state = self._run_once(known)
            if not any(_is_collision(message) for _, message in state.failures):
                break
        if state.failures:
            details = "; ".join(
                f"{self._describe(rule)}: {message}" for rule, message in state.failures
            )
            raise AuditError(f"eine Regelaktion ist fehlgeschlagen: {details}", state.failures)
        return state.inference

    def _run_once(self, known: Mapping[str, Any]) -> _AuditState:
        with self._lock:
            state = _AuditState(sid=self._idle_sid or str(next(self._sids)))
            self._idle_sid = None
            self._states[state.sid] = state
            touched: list[str] = []
            completed = False
            try:
                batches = self._fact_batches(known, state.sid)
                for name, batch in zip(self._names, batches, strict=True):
                    if batch:
                        self._open(name, state.sid, touched)
                        self._assert(name, batch, state.sid)
                while state.outbox:
                    prop, value, origin = state.outbox.pop(0)
                    for position in self.compiled.consumers.get(prop, ()):
                        if position != origin:
                            name = self._names[position]
                            if name not in touched:
                                self._open(name, state.sid, touched)
                            fact = {"t": FACT_TYPE, prop: value, "sid": state.sid}
                            self._assert(name, [_dumps(fact, ensure_ascii=False)], state.sid)
                completed = True
            except durable_engine.MessageObservedException as error:
                state.failures.append((DURABLE_RULES, f"MessageObservedException: {error}"))
            finally:
                self._release(state, touched, completed and not state.failures)
                del self._states[state.sid]
        return state

    def _release(self, state: _AuditState, touched: list[str], keep: bool) -> None:
        """Empty the audit's states and keep them for the next audit, or delete them."""
        if keep:
            try:
                emptied = all(self._host.empty_state(name, state.sid) for name in touched)
            except Exception:  # durable_rules reports only an error number: start afresh
                emptied = False
            if emptied:
                self._idle_sid = state.sid
                return
        for name in sorted(self._created):
            self._host.delete_state(name, state.sid)
        self._created.clear()

    def _assert(self, name: str, facts: list[str], sid: str) -> None:
        """Assert facts written as JSON objects; a refusal by durable_rules names a rule."""
        try:
            if len(facts) == 1:
                self._host.assert_encoded(name, facts[0], sid, single=True)
            else:
                self._host.assert_encoded(name, "[" + ", ".join(facts) + "]", sid)
        except durable_engine.MessageObservedException:
            raise
        except Exception as error:  # durable_rules reports only an error number
            position = self._names.index(name)
            properties = {prop for fact in facts for prop in json.loads(fact)}
            raise self._capacity_error(error, position, properties - {"t", "sid"}) from None

    def _capacity_error(self, error: Exception, position: int, properties: set[str]) -> RuleError:
        """durable_rules failed while matching facts with these properties in a partition:
        name a rule that tests them."""
        partition = self.compiled.partitions[position]
        for rule_name, definition in partition.definitions.items():
            tested = {key for pattern in definition["all"] for key in _pattern_properties(pattern)}
            if tested & properties:
                return self._rule_error(rule_name, error)
        return self._rule_error(next(iter(partition.definitions)), error)

    def _build_error(self, error: Exception) -> RuleError:
        """durable_rules refused the compiled rules: find a rule it refuses on its own."""
        for partition in self.compiled.partitions:
            for rule_name, definition in partition.definitions.items():
                probe = QuietHost()
                try:
                    probe.set_rulesets({"probe": {rule_name: {**definition, "run": _never}}})
                except Exception as own:
                    return self._rule_error(rule_name, own)
        first = next(iter(self.compiled.partitions[0].definitions))
        return self._rule_error(first, error)

    def _rule_error(self, rule_name: str, error: Exception) -> RuleError:
        rule = self.compiled.alternative(rule_name).rule
        return RuleError(
            rule.origin,
            rule.id,
            f"durable_rules kann die Regeln nicht ausführen (Plugin {rule.plugin!r}): {error}. "
            "Bitte melden Sie das mit dem Regelwerk als Fehler",
        )

    def _describe(self, rule_id: str) -> str:
        rule = self.catalog.rules.get(rule_id)
        if rule is None:
            return f"Regel {rule_id!r}"
        return f"Plugin {rule.plugin!r}, Regel {rule_id!r} ({rule.origin})"

    def _open(self, name: str, sid: str, touched: list[str]) -> None:
        """Create the audit's state in ruleset ``name`` and run the start action in it,
        unless the state is one kept from the last audit."""
        if name not in self._created:
            self._host.assert_fact(name, {"t": START_FACT_TYPE, "sid": sid})
            self._created.add(name)
        touched.append(name)

    def _fact_batches(self, known: Mapping[str, Any], sid: str) -> list[list[str]]:
        """Per partition, the JSON of the input facts it reads (:meth:`_input_facts`, in
        that order), each written once exactly as json.dumps writes
        ``{"t": …, property: value, "sid": …}``."""
        batches: list[list[str]] = [[] for _ in self._names]
        closing = f', "sid": {encode_basestring(sid)}}}'
        plans = self._fact_plans
        for ref, value in known.items():
            if value is None:
                continue
            plan = plans.get(ref)
            if plan is None:
                plan = plans[ref] = self._fact_plan(ref)
            if plan.members is not None:  # a list: one fact per member the rules test
                present = set(value)
                for member, opening, positions in plan.members:
                    fact = opening + _TRUE_FALSE[member in present] + closing
                    for position in positions:
                        batches[position].append(fact)
            elif plan.positions:
                fact = plan.opening + _value_json(value) + closing
                for position in plan.positions:
                    batches[position].append(fact)
        for ref, opening, positions in self._unknown_marker_plans:
            fact = opening + _TRUE_FALSE[known.get(ref) is None] + closing
            for position in positions:
                batches[position].append(fact)
        return batches

    def _fact_plan(self, ref: str) -> _FactPlan:
        members = self.compiled.members.get(ref)
        if members is None:
            prop = property_name(ref)
            return _FactPlan(self._opening(prop), self.compiled.consumers.get(prop, ()), None)
        return _FactPlan(
            "",
            (),
            tuple(
                (member, self._opening(prop), positions)
                for member in sorted(members)
                if (positions := self.compiled.consumers.get(prop := member_property(ref, member)))
            ),
        )

    @staticmethod
    def _opening(prop: str) -> str:
        return f'{{"t": {encode_basestring(FACT_TYPE)}, {encode_basestring(prop)}: '

    def _input_facts(self, known: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """The audit's input facts as (property, value), every property whether a rule reads
        it or not: what :meth:`_fact_batches` writes as JSON (the raw benchmark and the tests
        take the facts from here)."""
        facts: list[tuple[str, Any]] = []
        members = self.compiled.members
        for ref, value in known.items():
            if value is None:
                continue
            wanted = members.get(ref)
            if wanted is not None:
                present = set(value)
                facts.extend((member_property(ref, m), m in present) for m in sorted(wanted))
            else:
                facts.append((property_name(ref), value))
        for ref, prop in self._unknown_markers:
            facts.append((prop, known.get(ref) is None))
        return facts

    def _action(self, rule_name: str, position: int) -> Callable[[ActionContext], None]:
        alternative = self.compiled.alternative(rule_name)
        alternative_name = alternative.name
        rule = alternative.rule
        derived_value = rule.derive.value if rule.derive else None
        definition = self.catalog.facts.get(rule.derive.fact) if rule.derive else None
        if definition is not None and definition.type is FactType.FLOAT:
            # 1 and 1.0 derived for a float fact are one value, not a conflict.
            derived_value = float(derived_value)  # type: ignore[arg-type]

        # durable_rules' Ruleset accepts actions with exactly one parameter (a second one
        # makes it asynchronous); DirectHost passes an ActionContext. Data is bound through
        # the closure.
        def action(context: ActionContext) -> None:
            state = self._states[context.sid]
            try:
                if alternative_name in state.fired:
                    return  # another part of an alternative compiled into parts
                state.fired.add(alternative_name)
                state.inference.fired.append(alternative_name)
                if rule.derive is None:
                    return
                key, value = rule.derive.fact, derived_value
                existing = state.inference.derived.get(key)
                if existing is None:
                    state.inference.derived[key] = Derived(key, value, (alternative_name,))
                    prop = property_name(f"facts.{key}")
                    consumers = self.compiled.consumers.get(prop, ())
                    if position in consumers:
                        context.assert_fact({"t": FACT_TYPE, prop: value})
                    if any(other != position for other in consumers):
                        state.outbox.append((prop, value, position))
                elif existing.value == value and type(existing.value) is type(value):
                    state.inference.derived[key] = Derived(
                        key, value, (*existing.by, alternative_name)
                    )
                else:
                    first = existing.by[0].split("#")[0]
                    state.failures.append(
                        (
                            rule.id,
                            f"leitet {key} = {value!r} ab, aber Regel {first!r} hat schon "
                            f"{existing.value!r} abgeleitet",
                        )
                    )
            except Exception as error:  # durable_rules would swallow it
                state.failures.append((rule.id, f"{type(error).__name__}: {error}"))

        return action


def _is_collision(message: str) -> bool:
    return message.startswith("MessageObservedException")


def _never(context: Any) -> None:  # pragma: no cover - the sink rule cannot fire
    return None


def _started(context: Any) -> None:
    return None


def _pattern_properties(pattern: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("$"):
                    walk(value)
                elif key != "t":
                    found.add(key)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(pattern)
    return found
