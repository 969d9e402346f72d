"""Atomic text writes: the old file survives a failed write, and no temporary file is left behind."""

import json

import pytest

from sgan.atomic import write_json, write_text


def test_write_text_creates_the_folder_and_replaces_the_file(tmp_path):
    path = tmp_path / "new" / "results.md"
    assert write_text(path, "one\n") == path and path.read_text() == "one\n"
    write_text(path, "two\n")
    assert path.read_text() == "two\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["results.md"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "results.json"
    write_json(path, {"b": 1, "a": 2})
    assert path.read_text() == json.dumps({"a": 2, "b": 1}, indent=2) + "\n"
    with pytest.raises(TypeError):
        write_json(path, {"value": object()})  # not JSON: fails before anything is written
    with pytest.raises(UnicodeEncodeError):
        write_text(path, "\ud800")  # a lone surrogate cannot be encoded: fails while writing the temporary
    assert json.loads(path.read_text()) == {"a": 2, "b": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
