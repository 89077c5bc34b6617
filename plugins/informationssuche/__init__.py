"""Built-in phase plugin: Informationssuche (information search).

Its content lives in the TOML files beside this module; Python only computes the share
of staff trained on the digital devices and programs in the store.
"""

from collections.abc import Mapping
from typing import Any

from kundenkompass import Derivation, PluginData

_STAFF = "facts.mitarbeiter_anzahl"
_TRAINED = "facts.mitarbeiter_geschult_anzahl"


def _share_trained(values: Mapping[str, Any]) -> float | None:
    """Percentage of advising staff trained on digital devices; None if undecidable."""
    staff = values.get(_STAFF)
    trained = values.get(_TRAINED)
    if staff is None or trained is None or staff <= 0:
        return None
    share: float = 100.0 * trained / staff
    return min(100.0, max(0.0, share))


plugin = PluginData.for_package(
    __name__,
    derivations=(
        Derivation(
            fact="anteil_mitarbeiter_geschult",
            inputs=(_STAFF, _TRAINED),
            compute=_share_trained,
            description={
                "de": "Anteil der beratenden Mitarbeiter, die im Umgang mit digitalen "
                "Geräten und Programmen im Geschäft geschult sind, in Prozent."
            },
        ),
    ),
)
