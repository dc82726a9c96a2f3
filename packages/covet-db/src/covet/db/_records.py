"""Records for ``bulk_insert``: sequences or mappings in, row sequences for COPY out.

Rows are produced lazily as the driver consumes them, so a large input is never copied;
a bad record raises inside the driver, so it is also recorded in ``problems`` for
``bulk_insert`` to raise in place of the driver's wrapper.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

from .errors import ConfigurationError
from .query._schema import Table

__all__ = ["prepare_records", "table_name"]


def table_name(table: str | Table, schema: str | None) -> tuple[str, str | None]:
    if schema is not None and not isinstance(schema, str):
        raise TypeError(f"schema must be a str or None, got {type(schema).__name__}")
    if isinstance(table, str):
        if not table:
            raise ConfigurationError("table must be a non-empty table name")
        return table, schema
    if isinstance(table, Table):
        return table.table_name, schema if schema is not None else table.schema
    raise TypeError(
        f"table must be a table name (str) or a query-builder table(), got {type(table).__name__}"
    )


def prepare_records(
    records: Iterable[Sequence[Any] | Mapping[str, Any]],
    columns: Sequence[str] | None,
    problems: list[Exception],
) -> tuple[tuple[str, ...], Iterable[Sequence[Any]]] | None:
    """Columns and row tuples for COPY, or None when there are no records.

    The rows are produced lazily; a bad record raises inside the driver, so it is also
    appended to ``problems`` for ``bulk_insert`` to raise instead of the driver's error.
    """
    if isinstance(records, str | bytes) or not isinstance(records, Iterable):
        raise TypeError(
            f"records must be an iterable of sequences or mappings, got {type(records).__name__}"
        )
    if columns is not None:
        if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
            raise TypeError("columns must be a sequence of column names (str), e.g. ['id', 'name']")
        if not columns:
            raise ConfigurationError("columns must name at least one column")
    iterator = iter(records)
    first = next(iterator, None)
    if first is None:
        return None
    rest = chain((first,), iterator)
    if isinstance(first, Mapping):
        cols = tuple(columns) if columns is not None else tuple(first)
        if not cols:
            raise ConfigurationError("the first record is an empty mapping: no columns to insert")
        return cols, _mapping_rows(rest, cols, problems)
    if isinstance(first, str | bytes) or not isinstance(first, Sequence):
        raise TypeError(
            f"each record must be a sequence (tuple, list) or a mapping, got {type(first).__name__}"
        )
    if columns is None:
        raise ConfigurationError(
            "columns is required when records are sequences: bulk_insert(table, rows, "
            "columns=['id', 'name']); or pass mappings, whose keys name the columns"
        )
    return tuple(columns), _sequence_rows(rest, len(columns), problems)


def _mapping_rows(
    records: Iterator[Any], columns: tuple[str, ...], problems: list[Exception]
) -> Iterator[tuple[Any, ...]]:
    for number, record in enumerate(records, 1):
        if type(record) is not dict and not isinstance(record, Mapping):
            problem: Exception = TypeError(
                f"record {number} is a {type(record).__name__}, but the first record is a "
                "mapping: pass all records as mappings or all as sequences"
            )
            problems.append(problem)
            raise problem
        try:
            yield tuple([record[c] for c in columns])
        except KeyError as exc:
            problem = ConfigurationError(
                f"record {number} has no value for column {exc.args[0]!r}; "
                f"columns: {', '.join(columns)}"
            )
            problems.append(problem)
            raise problem from None


def _sequence_rows(
    records: Iterator[Any], width: int, problems: list[Exception]
) -> Iterator[Sequence[Any]]:
    for number, record in enumerate(records, 1):
        kind = type(record)
        if (
            kind is not tuple
            and kind is not list
            and (isinstance(record, Mapping | str | bytes) or not isinstance(record, Sequence))
        ):
            problem: Exception = TypeError(
                f"record {number} is a {kind.__name__}, but the first record is a "
                "sequence: pass all records as sequences or all as mappings"
            )
            problems.append(problem)
            raise problem
        if len(record) != width:
            problem = ConfigurationError(
                f"record {number} has {len(record)} values for {width} columns"
            )
            problems.append(problem)
            raise problem
        yield record
