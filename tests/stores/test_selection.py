"""The generic scheme registry (:class:`StoreSchemes`) on a kind of store of its own.

A toy kind with its own ABC and entry-point group shows that adding a kind needs only one
declaration: built-ins, plugins through a real installed entry point, messages and caching.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import pytest

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError
from flowtrack.stores.selection import StoreScheme, StoreSchemes, load_store_class, uri_scheme

GROUP = "flowtrack.test_note_stores"


class NoteStore(ABC):
    """A toy kind of store."""

    def __init__(self, uri: str, root: str | None) -> None:
        self.uri, self.root = uri, root

    @abstractmethod
    def kind(self) -> str:
        """What the store is."""


class DictNoteStore(NoteStore):
    """The built-in backend."""

    def kind(self) -> str:
        return "dict"


class NotAStore:
    """A class that is not a :class:`NoteStore`."""


def _schemes(**builtins: StoreScheme) -> StoreSchemes[NoteStore]:
    return StoreSchemes(
        kind="note",
        base=NoteStore,  # type: ignore[type-abstract]
        entry_point_group=GROUP,
        builtins={"dict": StoreScheme(f"{__name__}:DictNoteStore"), **builtins},
        open_store=lambda cls, uri, root: cls(uri, root),
        refusals={"": "notes are kept in a store, not a directory"},
    )


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed distribution registering the ``cloud`` scheme in :data:`GROUP`."""
    site = tmp_path / "site"
    (site / "note_plugin").mkdir(parents=True)
    (site / "note_plugin" / "__init__.py").write_text(
        f"from {__name__} import NoteStore\n\n"
        "class CloudNoteStore(NoteStore):\n"
        "    def kind(self) -> str:\n"
        "        return 'cloud'\n"
    )
    dist = site / "note_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: note-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{GROUP}]\ncloud = note_plugin:CloudNoteStore\n")
    monkeypatch.syspath_prepend(str(site))


@pytest.mark.parametrize(
    ("uri", "scheme"),
    [("sqlite:///x.db", "sqlite"), ("MEMORY:", "memory"), ("./dir", ""), ("/abs/dir", "")],
)
def test_uri_scheme(uri: str, scheme: str) -> None:
    assert uri_scheme(uri) == scheme


def test_builtin_scheme_resolves_and_opens() -> None:
    schemes = _schemes()
    assert schemes.resolve("DICT:a") is DictNoteStore
    store = schemes.get("dict:a", "root")
    assert (store.kind(), store.uri, store.root) == ("dict", "dict:a", "root")


@pytest.mark.usefixtures("plugin")
def test_plugin_scheme_through_an_installed_entry_point() -> None:
    schemes = _schemes()
    assert schemes.known_schemes() == ["cloud", "dict"]
    assert schemes.get("cloud://bucket").kind() == "cloud"


@pytest.mark.usefixtures("plugin")
def test_builtins_win_over_plugins_of_the_same_scheme() -> None:
    schemes = _schemes(cloud=StoreScheme(f"{__name__}:DictNoteStore"))
    assert schemes.resolve("cloud://bucket") is DictNoteStore


def test_unknown_scheme_names_it_the_known_ones_and_the_group() -> None:
    with pytest.raises(
        InvalidParameterError,
        match=(
            r"Unsupported note URI 'ftp://x': no note store handles the scheme 'ftp'; "
            r"supported schemes: dict \(more through the 'flowtrack\.test_note_stores' "
            r"entry-point group\)"
        ),
    ):
        _schemes().resolve("ftp://x")


def test_refused_scheme_says_why() -> None:
    with pytest.raises(
        InvalidParameterError,
        match=r"Unsupported note URI './notes': notes are kept in a store, not a directory "
        r"\(supported schemes: dict\)",
    ):
        _schemes().resolve("./notes")


def test_missing_dependency_names_the_install_hint() -> None:
    schemes = _schemes(pg=StoreScheme("no_such_module_xyz:Store", "pip install 'flowtrack[pg]'"))
    with pytest.raises(
        MissingDependencyError,
        match=r"The note store 'no_such_module_xyz:Store' could not be imported .*"
        r"pip install 'flowtrack\[pg\]'",
    ):
        schemes.resolve("pg://db")


def test_a_class_of_another_kind_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match=r"is not a NoteStore subclass"):
        load_store_class(f"{__name__}:NotAStore", None, NoteStore, "note")  # type: ignore[type-abstract]


def test_stores_are_cached_per_uri_and_root() -> None:
    schemes = _schemes()
    first = schemes.get("dict:a")
    assert schemes.get("dict:a", None) is first
    assert schemes.get("dict:a", "other-root") is not first
    assert _schemes().get("dict:a") is not first  # each registry has its own cache
    schemes.cache_clear()
    assert schemes.get("dict:a") is not first
