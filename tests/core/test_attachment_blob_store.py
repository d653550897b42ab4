"""The desk's content-addressed files (counter_app/attachments/blob_store.py): named by their
SHA-256, written whole or not at all, checked when read, and found changed or missing."""

from __future__ import annotations

import hashlib
import os

import pytest

from counter_app.attachments.blob_store import BlobStore, folder_for, is_sha256


@pytest.fixture
def store(tmp_path):
    return BlobStore(folder_for(tmp_path / "counter.db"))


def test_a_file_is_named_by_its_hash_beside_the_database(store, tmp_path):
    data = b"%PDF-1.7 trang 1"
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.path(digest) == tmp_path / "counter.db.files" / digest[:2] / digest
    assert store.read(digest) == data and store.has(digest)
    assert store.put(data) == digest  # the same bytes again: nothing new
    assert list(store.all()) == [digest]
    if os.name == "posix":
        assert store.path(digest).stat().st_mode & 0o077 == 0  # the user's alone


def test_the_hash_given_must_be_the_bytes_hash(store):
    with pytest.raises(ValueError, match="SHA-256"):
        store.put(b"abc", "0" * 64)
    assert list(store.all()) == []
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")  # never a path outside the folder
    assert not is_sha256("A" * 64) and is_sha256("a" * 64)


def test_a_changed_or_missing_file_is_found(store):
    digest = store.put(b"ban goc")
    assert store.verify(digest) is None
    store.path(digest).write_bytes(b"ban sua")
    assert store.verify(digest) == "changed"
    with pytest.raises(ValueError, match="changed"):
        store.read(digest)
    store.path(digest).unlink()
    assert store.verify(digest) == "missing"


def test_an_interrupted_write_leaves_no_file_under_its_name(store, monkeypatch):
    """A crash between writing and renaming: the name never holds a half file, and the
    leftover is swept."""
    data = b"x" * 100_000
    digest = hashlib.sha256(data).hexdigest()

    def crash(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.put(data)
    monkeypatch.undo()
    assert not store.has(digest)
    assert list(store.path(digest).parent.glob(".tmp-*")) == []  # cleaned up at once
    (store.path(digest).parent / ".tmp-left-by-a-killed-process").write_bytes(b"x")
    assert store.sweep() == 1
    assert store.put(data) == digest and store.read(digest) == data
