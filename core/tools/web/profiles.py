"""From the state to a profile and back: the profile TOML, uploads, and the audit.

The web app audits exactly the profile it offers for download: the state is written as
the commented TOML of ``audit init`` (plus the website's evidence), and that text is what
the engine loads. So ``audit run -f json`` on the downloaded profile gives the same JSON as
the app's result download.
"""

from __future__ import annotations

import tomlkit
from kundenkompass.catalog.catalog import Catalog
from kundenkompass.engine import Engine
from kundenkompass.errors import ProfileError, ResultFileError
from kundenkompass.profile.load import Answer, Profile
from kundenkompass.render.compare import parse_result
from kundenkompass.results import AuditResult
from kundenkompass.tools.questionnaire.questions import ProfileDraft, Section
from kundenkompass.tools.questionnaire.template import profile_text
from kundenkompass.tools.web.state import AuditState

#: How an audit in the browser is named in error messages.
SOURCE = "Profil"


def state_from_profile(profile: Profile) -> AuditState:
    return AuditState(
        draft=ProfileDraft.from_profile(profile),
        evidence=[
            evidence.model_dump(mode="json", exclude_defaults=False)
            for evidence in profile.website_evidence
        ],
    )


def profile_toml(state: AuditState, sections: list[Section], catalog: Catalog) -> str:
    """The profile as ``audit init`` writes it, with the website's evidence appended."""
    content = profile_text(state.draft, sections, catalog)
    if not state.evidence:
        return content
    document = tomlkit.parse(content)
    entries = tomlkit.aot()
    for evidence in state.evidence:
        entry = tomlkit.table()
        for key in ("key", "value", "url", "snippet"):
            if key in evidence:
                entry.add(key, evidence[key])
        entries.append(entry)
    document.add(tomlkit.nl())
    document.add(tomlkit.comment("Was die Website-Prüfung gesehen hat (audit collect)."))
    document.add("website_evidence", entries)
    return tomlkit.dumps(document)


def load_state_profile(
    engine: Engine, state: AuditState, sections: list[Section]
) -> tuple[str, Profile]:
    """The profile's TOML and the profile the engine reads from it."""
    content = profile_toml(state, sections, engine.catalog)
    return content, engine.load_profile(content, source=SOURCE)


def audit_state(engine: Engine, state: AuditState, sections: list[Section]) -> AuditResult:
    _, profile = load_state_profile(engine, state, sections)
    return engine.audit(profile)


def state_from_upload(
    engine: Engine, sections: list[Section], raw: bytes, name: str
) -> tuple[AuditState, str]:
    """An uploaded profile (TOML) or result (JSON of ``audit run``) as a state, and what
    kind of file it was (``profil`` or ``ergebnis``)."""
    stripped = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        result = parse_result(raw, name)
        return state_from_result(result, engine, sections, name), "ergebnis"
    profile = engine.load_profile(raw, source=name)
    return state_from_profile(profile), "profil"


def state_from_result(
    result: AuditResult, engine: Engine, sections: list[Section], name: str
) -> AuditState:
    """The answers, facts, company and audit details a saved result records.

    A result holds no threshold overrides of its profile; everything else that goes into an
    audit is there. The state is checked as a profile before it is used.
    """
    inputs = {fact.key for fact in engine.catalog.input_facts()}
    draft = ProfileDraft(
        name=result.company.name,
        sector=result.company.sector,
        location=result.company.location,
        channels=tuple(result.company.channels),
        answers={
            item.item: Answer(value=item.answer, note=item.note)
            for phase in result.phases
            for item in phase.checklist
            if item.answer is not None or item.note is not None
        },
        facts={key: value for key, value in result.facts.items() if key in inputs},
        audit=result.audit.model_dump(mode="json", exclude_none=True),
    )
    state = AuditState(
        draft=draft,
        evidence=[
            {
                "key": check.key,
                "value": check.website_value,
                "url": check.url,
                "snippet": check.snippet,
            }
            for check in result.website_check
        ],
    )
    try:
        load_state_profile(engine, state, sections)
    except ProfileError as error:
        raise ResultFileError(
            name, f"lässt sich nicht als Profil übernehmen: {error.message}"
        ) from None
    return state
