"""normalize.classes: dataclasses made with their methods' code kept compiled, made alike."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any

import pytest

from normalize import classes


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A process table of its own, kept in ``tmp_path``."""
    path = tmp_path / "dataclasses.key.pickle"
    monkeypatch.setattr(classes, "_table", lambda: codes.setdefault("t", classes._Codes(path)))
    codes: dict[str, classes._Codes] = {}
    return path


def _make(decorate: Any) -> Any:
    class Point:
        x: int
        y: int = 2
        tags: list[str] = dataclasses.field(default_factory=list)

    return decorate(frozen=True, slots=True)(Point)


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources compiled by the table from now on."""
    seen: list[str] = []

    def counting(source: str, *args: Any) -> Any:
        seen.append(source)
        return compile(source, *args)

    monkeypatch.setattr(classes, "compile", counting, raising=False)
    return seen


def test_classes_are_made_alike(table: Path) -> None:
    ours, theirs = _make(classes.dataclass), _make(dataclasses.dataclass)
    a, b = ours(1, tags=["t"]), theirs(1, tags=["t"])
    assert repr(a) == repr(b) and repr(a).endswith("Point(x=1, y=2, tags=['t'])")
    assert a == ours(1, 2, ["t"]) and a != ours(2)
    assert [f.name for f in dataclasses.fields(a)] == [f.name for f in dataclasses.fields(b)]
    assert ours.__slots__ == theirs.__slots__ and ours.__match_args__ == theirs.__match_args__
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 3
    assert hash(ours(1, 2, ())) == hash(theirs(1, 2, ()))
    assert dataclasses.replace(a, y=5) == ours(1, 5, ["t"])
    # Without options, as a plain decorator.
    plain = classes.dataclass(type("Plain", (), {"__annotations__": {"v": "int"}}))
    assert repr(plain(4)) == "Plain(v=4)"


def test_a_kept_table_saves_the_compilations(table: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = _compiles(monkeypatch)
    _make(classes.dataclass)
    assert compiled and table.exists()  # made, then kept
    # Another process (a new table read from the file) compiles none of them.
    fresh = classes._Codes(table)
    monkeypatch.setattr(classes, "_table", lambda: fresh)
    compiled.clear()
    made = _make(classes.dataclass)
    assert compiled == []
    assert repr(made(0)).endswith("Point(x=0, y=2, tags=[])")


def test_a_damaged_table_is_no_table(table: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table.write_bytes(b"not a pickle")
    compiled = _compiles(monkeypatch)
    made = _make(classes.dataclass)
    assert compiled and made(1).y == 2
    assert isinstance(pickle.loads(table.read_bytes()), dict)  # kept anew
    # A damaged entry is compiled again.
    codes = classes._Codes(table)
    codes.codes = dict.fromkeys(codes.codes, b"\x00garbage")
    monkeypatch.setattr(classes, "_table", lambda: codes)
    compiled.clear()
    assert _make(classes.dataclass)(1).y == 2 and compiled


def test_dataclasses_is_left_as_it_was(table: Path) -> None:
    assert "exec" not in vars(dataclasses)
    _make(classes.dataclass)
    assert "exec" not in vars(dataclasses)

    class Bad:
        x: int = 0
        y: int

    with pytest.raises(TypeError, match="non-default argument"):
        classes.dataclass(Bad)
    assert "exec" not in vars(dataclasses)


def test_normalize_classes_come_from_the_table() -> None:
    """normalize's own records are made by it: their generated methods' code is kept."""
    from normalize.document import Segment

    table = classes._table()
    source = next(s for s in table.codes if "Segment" in s or "lang" in s)
    assert source and Segment.__init__.__code__.co_filename == "<string>"
