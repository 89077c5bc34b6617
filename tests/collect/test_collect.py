"""`audit collect` against fixture websites served on 127.0.0.1 (no network beyond loopback)."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib
from kundenkompass.tools.collect import CollectError, collect_profile
from kundenkompass.tools.collect.crawl import USER_AGENT, Crawler

from ..conftest import run_cli
from . import sites
from .sites import Response, serve


def collected(engine, pages, **options):
    with serve(pages) as site:
        result = collect_profile(site.base + "/", engine.catalog, **options)
    return result, tomllib.loads(result.text), site


def test_store_with_json_ld(engine):
    result, profile, site = collected(engine, sites.STORE_JSONLD)
    assert profile["company"]["name"] == "Buchhandlung Seitenwind"
    assert profile["company"]["location"] == "Münster"
    assert profile["company"]["channels"] == ["laden"]
    assert profile["answers"]["eigene_website"] == "ja"
    facts = profile["facts"]
    assert facts["website_mobil_optimiert"] is True
    assert set(facts["unternehmensinfos_online"]) == {
        "adresse",
        "oeffnungszeiten",
        "telefon",
        "email",
    }
    assert set(facts["erreichbarkeit_kanaele"]) == {
        "telefon",
        "email",
        "whatsapp",
        "kontaktformular",
    }
    assert facts["social_media_kanaele"] == ["facebook", "instagram", "youtube"]
    assert facts["newsletter"] is True
    assert facts["online_terminbuchung"] is True
    assert facts["reserve_and_collect"] is True
    assert set(facts["zahlarten_laden"]) == {"bargeld", "girocard", "kontaktlos"}
    # No shop: online payments and delivery are not claimed.
    assert "zahlarten_online" not in facts and "lieferoptionen" not in facts
    # Every value carries its evidence: a comment with the URL and a snippet …
    assert "# Website: http://127.0.0.1:" in result.text
    # … and an evidence entry that audit run can compare.
    keys = {entry["key"] for entry in profile["website_evidence"]}
    assert "facts.newsletter" in keys and "company.channels.laden" in keys
    newsletter = next(e for e in profile["website_evidence"] if e["key"] == "facts.newsletter")
    assert newsletter["url"].startswith(site.base) and "Newsletter" in newsletter["snippet"]


def test_webshop_on_a_known_shop_system(engine):
    _, profile, _ = collected(engine, sites.WEBSHOP)
    assert profile["company"]["channels"] == ["onlineshop"]
    facts = profile["facts"]
    assert {"paypal", "rechnung", "vorkasse", "kreditkarte"} <= set(facts["zahlarten_online"])
    assert {"standard", "express"} <= set(facts["lieferoptionen"])
    # A store-only fact is never filled in for a shop without a store.
    assert "zahlarten_laden" not in facts and "reserve_and_collect" not in facts
    evidence = {e["key"]: e for e in profile["website_evidence"]}
    assert "Shopware" in evidence["company.channels.onlineshop"]["snippet"]


def test_old_site_without_viewport_and_a_declared_legacy_charset(engine):
    _, profile, _ = collected(engine, sites.OLD_SITE)
    assert profile["company"]["name"] == "Eisenwaren Krämer"
    assert profile["facts"]["website_mobil_optimiert"] is False
    assert profile["company"]["channels"] == ["laden"]
    assert set(profile["facts"]["unternehmensinfos_online"]) == {
        "adresse",
        "oeffnungszeiten",
        "telefon",
    }


def test_robots_txt_is_honoured_and_the_tool_names_itself(engine):
    seen_agents: list[str] = []
    pages = dict(sites.ROBOTS)
    with serve(pages) as site, Crawler() as crawler:
        crawler.client.event_hooks["request"] = [
            lambda request: seen_agents.append(request.headers["user-agent"])
        ]
        crawl = crawler.crawl(site.base + "/")
    assert "/intern/preise" not in site.requested
    assert site.requested[0] == "/robots.txt"
    assert "/kontakt" in site.requested
    assert crawl.disallowed == [site.base + "/intern/preise"]
    assert seen_agents and all(agent == USER_AGENT for agent in seen_agents)
    assert USER_AGENT.startswith("Kundenkompass/")


def test_redirects_within_the_site_are_followed(engine):
    _, profile, site = collected(engine, sites.REDIRECTING)
    assert site.requested[:3] == ["/robots.txt", "/", "/start"]
    assert profile["company"]["name"] == "Optik Scharf"
    assert all(e["url"].endswith("/start") for e in profile["website_evidence"])


def test_other_sites_are_evidence_and_never_fetched(engine):
    with serve({"/": Response(sites.page("Fremd", "<p>fremd</p>"))}) as other:
        pages = {
            "/": Response(
                sites.page(
                    "Laden",
                    f'<a href="{other.base}/">Partner</a> <a href="/kontakt">Kontakt</a>',
                    sites.VIEWPORT,
                )
            ),
            "/kontakt": Response(sites.page("Kontakt", "<p>Telefon: 030 1234567</p>")),
        }
        with serve(pages) as site, Crawler() as crawler:
            crawl = crawler.crawl(site.base + "/")
    assert other.requested == []
    assert crawl.external_links == [other.base + "/"]


def test_page_limit(engine):
    links = " ".join(f'<a href="/seite{i}">Seite {i}</a>' for i in range(30))
    pages = {"/": Response(sites.page("Viele Seiten", links))}
    pages.update({f"/seite{i}": Response(sites.page(f"Seite {i}", "<p>x</p>")) for i in range(30)})
    with serve(pages) as site, Crawler(max_pages=5) as crawler:
        crawl = crawler.crawl(site.base + "/")
    assert len(crawl.pages) == 5
    assert len([path for path in site.requested if path.startswith("/seite")]) == 4


def test_what_cannot_be_seen_stays_unknown(engine):
    _, profile, _ = collected(engine, sites.BARE)
    assert profile["answers"] == {"eigene_website": "ja"}
    # Nothing found is not "nein": no list, no false, no channel guessed.
    # The one conclusive negative: a page without a viewport declaration is not built for phones.
    assert profile["facts"] == {"website_mobil_optimiert": False}
    assert "channels" not in profile["company"]


def test_advisors_answers_win_and_contradictions_are_listed(engine):
    advisor = (
        '[company]\nname = "Seitenwind"\nchannels = ["laden"]\n\n'
        "[facts]\nnewsletter = false  # sagt die Inhaberin\n"
    )
    result, profile, _ = collected(engine, sites.STORE_JSONLD, base_text=advisor)
    assert profile["company"]["name"] == "Seitenwind"
    assert profile["facts"]["newsletter"] is False
    assert "# sagt die Inhaberin" in result.text
    # What the advisor left open is filled in from the website.
    assert profile["facts"]["online_terminbuchung"] is True
    [contradiction] = result.contradictions
    assert contradiction.key == "facts.newsletter"
    assert (contradiction.profile_value, contradiction.website_value) == (False, True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_collect_then_run_through_the_command_line(tmp_path):
    output = tmp_path / "seitenwind.toml"
    with serve(sites.STORE_JSONLD) as site:
        result = run_cli("collect", site.base + "/", "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert "Profil geschrieben" in result.stderr
    # The advisor adds nothing: the written profile audits as it is.
    audit = run_cli("run", str(output), "--format", "json")
    assert audit.returncode == 0, audit.stderr
    checks = json.loads(audit.stdout)["website_check"]
    assert checks and all(check["agrees"] is True for check in checks)


def test_profile_option_and_the_comparison_in_the_audit(tmp_path):
    advisor = tmp_path / "advisor.toml"
    advisor.write_text(
        '[company]\nname = "Seitenwind"\nchannels = ["laden"]\n\n[facts]\nnewsletter = false\n',
        encoding="utf-8",
    )
    output = tmp_path / "merged.toml"
    with serve(sites.STORE_JSONLD) as site:
        result = run_cli("collect", site.base + "/", "-o", str(output), "--profile", str(advisor))
    assert result.returncode == 0, result.stderr
    assert "Widerspruch: facts.newsletter" in result.stderr
    audit = run_cli("run", str(output), "--format", "json")
    check = next(
        c for c in json.loads(audit.stdout)["website_check"] if c["key"] == "facts.newsletter"
    )
    assert (check["profile_value"], check["website_value"], check["agrees"]) == (False, True, False)


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("refused", "Verbindung wurde abgelehnt"),
        ("dns", "nicht auflösen"),
        ("tls", "TLS"),
        ("pdf", "keine HTML-Seite"),
        ("large", "größer als 2 MB"),
        ("elsewhere", "andere Website"),
    ],
)
def test_errors_give_one_german_line_and_no_file(tmp_path, case, fragment):
    output = tmp_path / "profil.toml"
    pages = {
        "/": Response(b"%PDF-1.4", content_type="application/pdf")
        if case == "pdf"
        else Response(b"<html>" + b"x" * 3_000_000)
        if case == "large"
        else Response(
            "", status=302, content_type=None, headers={"Location": "http://example.invalid/"}
        )
    }
    with serve(pages) as site:
        url = {
            "refused": f"http://127.0.0.1:{free_port()}/",
            "dns": "http://kundenkompass-test.invalid/",
            "tls": site.base.replace("http://", "https://") + "/",
        }.get(case, site.base + "/")
        result = run_cli("collect", url, "--output", str(output))
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not output.exists()


def test_a_url_without_http_is_refused(engine):
    with pytest.raises(CollectError, match="http:// oder https://"):
        collect_profile("ftp://example.invalid/", engine.catalog)


def test_signatures_are_data(engine):
    data = tomllib.loads(
        (Path(__file__).parents[2] / "core/tools/collect/signatures.toml").read_text("utf-8")
    )
    assert {"shopify", "shopware", "woocommerce"} <= set(data["shop_systems"])


def test_hostile_website_text_never_reaches_the_profile_or_terminal(tmp_path):
    pages = {
        "/": Response(
            sites.page(
                "\u202eLaden\x1b[31m [link=https://evil.example]klick[/link]",
                '<p>Newsletter</p><form><input type="email"> Newsletter \x1b]8;;x\x07</form>'
                "<p>Im Laden zahlen Sie bar.</p><p>Marktstraße 1, 10115 Berlin, Öffnungszeiten 9-18 Uhr</p>",
                sites.VIEWPORT,
            )
        )
    }
    output = tmp_path / "laden.toml"
    with serve(pages) as site:
        result = run_cli("collect", site.base + "/", "-o", str(output))
    assert result.returncode == 0, result.stderr
    text = output.read_text("utf-8")
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    tomllib.loads(text)
    audit = run_cli("run", str(output))
    assert audit.returncode == 0, audit.stderr
    assert "Selbsteinschätzung und Website" in audit.stdout
    assert "\x1b" not in audit.stdout and "[link=" in audit.stdout


def test_every_report_shows_the_self_assessment_beside_the_website(engine):
    from kundenkompass.profile.load import validate_profile
    from kundenkompass.render.report import render_report

    profile = validate_profile(
        {
            "company": {"name": "Seitenwind", "channels": ["laden"]},
            "facts": {"newsletter": False},
            "website_evidence": [
                {"key": "facts.newsletter", "value": True, "url": "http://x/", "snippet": "NL"}
            ],
        },
        engine.catalog,
    )
    result = engine.audit(profile)
    for format in ("markdown", "html"):
        for audience in ("owner", "advisor"):
            report = render_report(result, format, engine.language, audience=audience)
            assert "Selbsteinschätzung und Website" in report, (format, audience)
            assert "Sie sagen nein, die Website zeigt ja" in report, (format, audience)
