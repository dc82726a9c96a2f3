"""Result rows: one type to program against, whatever the driver.

asyncpg builds its rows in C; covet-db gives asyncpg a Record subclass with attribute
access (see ``_drivers/_asyncpg.py``) and registers it as a virtual subclass of ``Row``.
The other drivers build ``TupleRow`` objects, which share one column index per result.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, overload

__all__ = ["Row", "TupleRow", "column_index"]


class Row(ABC):
    """A result row with key, index and attribute access.

    ``row["email"]``, ``row[1]`` and ``row.email`` read a column; ``a, b = row`` unpacks
    the values in column order; ``row.keys()``, ``row.values()``, ``row.items()`` and
    ``row.get(name, default)`` work as on a mapping, and ``dict(row.items())`` makes a
    dict. A column whose name is also a method name (``keys``) is read with ``row["keys"]``.
    """

    __slots__ = ()

    @abstractmethod
    def __getitem__(self, key: str | int) -> Any: ...

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def __iter__(self) -> Iterator[Any]: ...

    @abstractmethod
    def keys(self) -> Iterable[str]: ...

    @abstractmethod
    def values(self) -> Iterable[Any]: ...

    @abstractmethod
    def items(self) -> Iterable[tuple[str, Any]]: ...

    @abstractmethod
    def get(self, key: str, default: Any = None) -> Any: ...


def column_index(names: Iterable[str]) -> dict[str, int]:
    """Map column names to positions.

    With duplicate names (``SELECT 1 AS a, 2 AS a``) the last one wins, as in asyncpg's
    records, so ``row["a"]`` is the same on every driver; read the others by position.
    """
    return {name: position for position, name in enumerate(names)}


class TupleRow(Row):
    """A row over a tuple of values and a column index shared by every row of a result."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: tuple[Any, ...], index: Mapping[str, int]) -> None:
        self._values = values
        self._index = index

    @overload
    def __getitem__(self, key: str | int) -> Any: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[Any, ...]: ...
    def __getitem__(self, key: str | int | slice) -> Any:
        if isinstance(key, str):
            try:
                return self._values[self._index[key]]
            except KeyError:
                raise KeyError(
                    f"no column {key!r} in this row; columns: {', '.join(self._index)}"
                ) from None
        return self._values[key]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[self._index[name]]
        except KeyError:
            raise AttributeError(
                f"row has no column {name!r}; columns: {', '.join(self._index)}"
            ) from None

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TupleRow):
            return self._values == other._values
        if isinstance(other, tuple):
            return self._values == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values)

    def __reduce__(self) -> tuple[Any, ...]:
        return (TupleRow, (self._values, dict(self._index)))

    def keys(self) -> KeysView[str]:
        return self._index.keys()

    def values(self) -> ValuesView[Any]:
        return dict(self.items()).values()

    def items(self) -> ItemsView[str, Any]:
        values = self._values
        return {name: values[i] for name, i in self._index.items()}.items()

    def get(self, key: str, default: Any = None) -> Any:
        position = self._index.get(key)
        return default if position is None else self._values[position]

    def __repr__(self) -> str:
        fields = " ".join(f"{name}={value!r}" for name, value in self.items())
        return f"<Row {fields}>"
