"""The start-up cache: content-addressed, never stale, safe with several processes, optional."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from kundenkompass.files import cache, toml_files
from kundenkompass.files.toml_files import load_toml_file

DATA = '[[fact]]\nkey = "a"\ntype = "bool"\nquestion.de = "Frage?"\n'


def entries(folder: Path) -> list[Path]:
    return sorted((folder / "toml").glob("*")) if (folder / "toml").exists() else []


def test_a_second_load_comes_from_the_cache(tmp_path, cache_folder, monkeypatch):
    data = tmp_path / "facts.toml"
    data.write_text(DATA, encoding="utf-8")
    first = load_toml_file(data)
    assert len(entries(cache_folder)) == 1

    def no_parsing(text):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(toml_files, "parse_toml_text", no_parsing)
    assert load_toml_file(data) == first


def test_changed_content_is_parsed_again_never_stale(tmp_path, cache_folder):
    data = tmp_path / "facts.toml"
    data.write_text(DATA, encoding="utf-8")
    assert load_toml_file(data)["fact"][0]["key"] == "a"
    data.write_text(DATA.replace('"a"', '"b"'), encoding="utf-8")
    assert load_toml_file(data)["fact"][0]["key"] == "b"
    assert len(entries(cache_folder)) == 2


def test_a_new_version_uses_other_entries(monkeypatch):
    before = cache.key_of("same text")
    monkeypatch.setattr(cache, "_installed_version", lambda: "99.0")
    assert cache.key_of("same text") != before


def test_a_corrupt_entry_is_replaced(tmp_path, cache_folder):
    data = tmp_path / "facts.toml"
    data.write_text(DATA, encoding="utf-8")
    expected = load_toml_file(data)
    [entry] = entries(cache_folder)
    entry.write_bytes(b"not a pickle")
    assert load_toml_file(data) == expected
    assert entry.read_bytes() != b"not a pickle"


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("KUNDENKOMPASS_CACHE_DIR", str(blocker / "below-a-file"))
    data = tmp_path / "facts.toml"
    data.write_text(DATA, encoding="utf-8")
    assert load_toml_file(data)["fact"][0]["key"] == "a"


def test_no_cache_when_turned_off(tmp_path, cache_folder, monkeypatch):
    monkeypatch.setenv("KUNDENKOMPASS_NO_CACHE", "1")
    data = tmp_path / "facts.toml"
    data.write_text(DATA, encoding="utf-8")
    load_toml_file(data)
    assert entries(cache_folder) == []


def _load_many(path: str) -> list[str]:
    return [load_toml_file(Path(path))["fact"][0]["key"] for _ in range(20)]


def test_several_processes_fill_the_cache_at_once(tmp_path, cache_folder):
    data = tmp_path / "facts.toml"
    data.write_text(DATA, encoding="utf-8")
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        results = pool.map(_load_many, [str(data)] * 8)
    assert all(keys == ["a"] * 20 for keys in results)
    # One whole entry; no temporary file left behind.
    assert [entry.suffix for entry in entries(cache_folder)] == [".pickle"]
    assert os.listdir(cache_folder / "toml") == [entries(cache_folder)[0].name]


def test_the_engine_builds_the_same_catalog_from_the_cache(cache_folder):
    from kundenkompass.engine import Engine

    cold = Engine()
    warm = Engine()
    assert cold.catalog.rules.keys() == warm.catalog.rules.keys()
    assert cold.compiled.fingerprint == warm.compiled.fingerprint
