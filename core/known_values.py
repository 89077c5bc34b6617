"""The values an audit starts from: the profile's inputs plus facts derived in Python.

Key paths are those of the profile (``answers.x``, ``facts.y``, ``company.channels``).
Unknown values are absent. Derivations and thresholds run here, before inference, so that
rules treat their results like inputs.
"""

from __future__ import annotations

from typing import Any

from .catalog import Catalog
from .errors import PluginError
from .load_profile import Profile


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
                owner, f"derivation {key!r} raised {type(error).__name__}: {error}"
            ) from error
        if value is not None:
            known[f"facts.{key}"] = value
    for key, threshold in catalog.thresholds.items():
        measured = known.get(threshold.input)
        if measured is not None:
            known[f"facts.{key}"] = threshold.holds(measured, profile.thresholds.get(key))
    return dict(sorted(known.items()))
