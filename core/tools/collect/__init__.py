"""`audit collect`: check a retailer's website from outside and pre-fill a profile.

crawl (robots.txt, same-site pages, limits) → detect (findings with URL and snippet) →
profile_out (a profile TOML with the evidence, merged under the advisor's answers).
"""

from __future__ import annotations

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.tools.collect.crawl import CollectError, Crawl, Crawler
from kundenkompass.tools.collect.detect import Detector, Finding, load_signatures
from kundenkompass.tools.collect.profile_out import CollectedProfile, Contradiction, build_profile

__all__ = [
    "CollectError",
    "CollectedProfile",
    "Contradiction",
    "Crawl",
    "Crawler",
    "Detector",
    "Finding",
    "collect_profile",
]


def collect_profile(
    url: str,
    catalog: Catalog,
    *,
    base_text: str | None = None,
    base_source: str = "<profile>",
    max_pages: int = 12,
) -> CollectedProfile:
    """Crawl ``url`` and build a profile from what its pages show."""
    signatures = load_signatures()
    with Crawler(max_pages=max_pages, priority_words=signatures.priority_links) as crawler:
        crawl = crawler.crawl(url)
    findings = Detector(signatures).findings(crawl)
    return build_profile(
        findings, catalog, site_url=crawl.start_url, base_text=base_text, base_source=base_source
    )
