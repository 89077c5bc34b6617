"""The values an audit starts from: the profile's inputs plus facts derived in Python.

Key paths are those of the profile (``answers.x``, ``facts.y``, ``company.channels``).
Unknown values are absent. Derivations and thresholds run here, before inference, so that
rules treat their results like inputs.
"""

from __future__ import annotations

import math
from typing import Any

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.errors import PluginError
from kundenkompass.models import FactDefinition, FactType
from kundenkompass.profile.load import Profile


def known_values(profile: Profile, catalog: Catalog) -> dict[str, Any]:
    known: dict[str, Any] = {
        "company.channels": tuple(profile.company.channels),
    }
    if profile.company.sector is not None:
        known["company.sector"] = profile.company.sector
    for item_id, answer in profile.answers.items():
        if answer.value is not None:
            known[f"answers.{item_id}"] = answer.value
    for key, value in profile.facts.items():
        known[f"facts.{key}"] = value
    for key, derivation in catalog.derivations.items():
        inputs = {ref: known[ref] for ref in derivation.inputs if ref in known}
        try:
            value = derivation.compute(inputs)
        except Exception as error:
            owner = catalog.owners[("derivation", key)]
            raise PluginError(
                owner, f"Ableitung {key!r} löste {type(error).__name__} aus: {error}"
            ) from error
        if value is not None:
            fact = catalog.facts[key]
            checked = _checked(value, fact)
            if checked is None:
                owner = catalog.owners[("derivation", key)]
                raise PluginError(
                    owner,
                    f"Ableitung {key!r} lieferte {value!r} ({type(value).__name__}), das ist "
                    f"kein gültiger Wert vom Typ {fact.type.value}",
                )
            known[f"facts.{key}"] = checked
    for key, threshold in catalog.thresholds.items():
        measured = known.get(threshold.input)
        if measured is not None:
            known[f"facts.{key}"] = threshold.holds(measured, profile.thresholds.get(key))
    return dict(sorted(known.items()))


def _checked(value: Any, fact: FactDefinition) -> Any:
    """``value`` in the form the fact's type asks for, or None when it does not fit."""
    kind = fact.type
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind is FactType.BOOL:
        return value if isinstance(value, bool) else None
    if kind is FactType.INT:
        return value if number and isinstance(value, int) else None
    if kind is FactType.FLOAT:
        return float(value) if number and math.isfinite(value) else None
    if kind is FactType.ENUM:
        return value if isinstance(value, str) and value in fact.values else None
    if kind is FactType.ENUM_LIST:
        members = value if isinstance(value, list | tuple) else None
        if members is None or any(m not in fact.values for m in members):
            return None
        return tuple(v for v in fact.values if v in members)
    return value if isinstance(value, str) else None
