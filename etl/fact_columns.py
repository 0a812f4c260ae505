"""The candidate facts of an extraction, stored column-wise (FactColumns).

Facts are added in chunks of whole columns: a chunk's field is a sequence, or `Same` for one
value shared by the chunk; `CellRefs` holds a column's cell addresses. They are read back as
CandidateFact tuples or as whole columns (arrays, factorised codes, addresses).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.extract_records import CandidateFact, _new_fact

_FIELD = {name: k for k, name in enumerate(CandidateFact._fields)}


class Same(NamedTuple):
    """A field value shared by every fact of a chunk (the indicator of a column, the sheet...)."""

    value: Any


class CellRefs(Sequence):
    """The cell addresses of one column's facts ('B3', 'B4', ...), joined only when read."""

    __slots__ = ("letter", "numbers")

    def __init__(self, letter: str, numbers: list[str]):
        self.letter = letter
        self.numbers = numbers  # the rows' Excel numbers as text

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self.letter + n for n in self.numbers[j]]
        return self.letter + self.numbers[j]

    def __iter__(self) -> Iterator[str]:
        letter = self.letter
        return (letter + n for n in self.numbers)


class FactColumns(Sequence):
    """The candidate facts of an extraction, kept column-wise in chunks.

    A wide table adds one chunk per indicator column: its fields are the column's own sequences
    (values, statuses, cells...) or one `Same` value for the whole chunk, so no per-fact object
    is built while extracting. As a sequence it gives CandidateFact tuples (built once, on first
    use); the checks and the loader read whole columns (`field`, `numbers`, `codes`) instead.
    """

    def __init__(self, facts: Iterable[CandidateFact] = ()):
        self._chunks: list[tuple[int, tuple]] = []
        self._loose: list[CandidateFact] = list(facts)  # facts added one at a time
        self._n = len(self._loose)
        self._list: list[CandidateFact] | None = None
        self._starts: list[int] | None = None
        self._columns: dict[tuple, Any] = {}  # numbers() and codes() answers, until facts change

    @classmethod
    def of(cls, facts: Iterable[CandidateFact]) -> FactColumns:
        return facts if isinstance(facts, FactColumns) else cls(facts)

    def append(self, fact: CandidateFact) -> None:
        self._loose.append(fact)
        self._n += 1
        self._list = self._starts = None
        self._columns.clear()

    def add_chunk(self, n: int, fields: Sequence[Any]) -> None:
        """n facts; `fields` in CandidateFact order, each a sequence of n values or a Same."""
        if n <= 0:
            return
        self._flush()
        self._chunks.append((n, tuple(fields)))
        self._n += n
        self._list = self._starts = None
        self._columns.clear()

    def _flush(self) -> list[tuple[int, tuple]]:
        if self._loose:
            self._chunks.append((len(self._loose), tuple(zip(*self._loose, strict=True))))
            self._loose = []
        return self._chunks

    # -- as a sequence of CandidateFact --------------------------------------------------

    def _facts(self) -> list[CandidateFact]:
        if self._list is None:
            out: list[CandidateFact] = []
            for n, fields in self._flush():
                cols = (repeat(f.value, n) if type(f) is Same else f for f in fields)
                out.extend(map(_new_fact, repeat(CandidateFact), zip(*cols, strict=True)))
            self._list = out
        return self._list

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        return self._facts()[i]

    def __iter__(self) -> Iterator[CandidateFact]:
        return iter(self._facts())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FactColumns):
            return self._facts() == other._facts()
        if isinstance(other, list):
            return self._facts() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FactColumns({self._n} facts)"

    def fact(self, i: int) -> CandidateFact:
        """The i-th fact, built alone (problems need a few facts, not all of them)."""
        if self._list is not None:
            return self._list[i]
        chunks = self._flush()
        if self._starts is None:
            starts, at = [], 0
            for n, _fields in chunks:
                starts.append(at)
                at += n
            self._starts = starts
        k = bisect_right(self._starts, i) - 1
        j = i - self._starts[k]
        fields = chunks[k][1]
        return _new_fact(CandidateFact, tuple(f.value if type(f) is Same else f[j] for f in fields))

    # -- column-wise ---------------------------------------------------------------------

    def field(self, name: str) -> list[Any]:
        """One field of every fact, in order."""
        k = _FIELD[name]
        out: list[Any] = []
        for n, fields in self._flush():
            f = fields[k]
            out.extend(repeat(f.value, n) if type(f) is Same else f)
        return out

    def numbers(self, name: str, dtype: Any = np.float64) -> np.ndarray:
        """A numeric or boolean field as a read-only array (None -> NaN for floats)."""
        cached = self._columns.get(("numbers", name, dtype))
        if cached is not None:
            return cached
        k = _FIELD[name]
        parts = []
        for n, fields in self._flush():
            f = fields[k]
            if type(f) is Same:
                parts.append(np.full(n, np.nan if f.value is None else f.value, dtype=dtype))
            else:
                parts.append(np.asarray(f, dtype=dtype))
        out = np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
        out.flags.writeable = False
        self._columns["numbers", name, dtype] = out
        return out

    def codes(
        self, name: str, key: Callable[[Any], Any] | None = None
    ) -> tuple[np.ndarray, list[Any]]:
        """Factorise a field: an int64 code per fact (first appearance order) and the distinct
        values (or keys). A sequence shared by several chunks (the rows' region codes under every
        column of a wide table) is coded once; the answer is kept for the next caller with the
        same field and key function (the codes are read-only)."""
        cached = self._columns.get(("codes", name, key))
        if cached is not None:
            return cached
        k = _FIELD[name]
        index: dict[Any, int] = {}
        uniques: list[Any] = []

        def code(value: Any) -> int:
            v = value if key is None else key(value)
            c = index.get(v)
            if c is None:
                c = index[v] = len(uniques)
                uniques.append(v)
            return c

        memo: dict[int, np.ndarray] = {}
        parts = []
        for n, fields in self._flush():
            f = fields[k]
            if type(f) is Same:
                parts.append(np.full(n, code(f.value), dtype=np.int64))
                continue
            got = memo.get(id(f))
            if got is None:
                got = memo[id(f)] = self._code_sequence(f, n, code, key)
            parts.append(got)
        out = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        out.flags.writeable = False
        self._columns["codes", name, key] = (out, uniques)
        return out, uniques

    @staticmethod
    def _code_sequence(
        values: Sequence[Any], n: int, code: Callable[[Any], int], key: Callable | None
    ) -> np.ndarray:
        """codes() of one sequence: hashed in C (pandas) where no key function is given."""
        if key is None and n > 64:
            local, uniques = pd.factorize(np.fromiter(values, dtype=object, count=n))
            missing = np.flatnonzero(local < 0)
            if all(values[i] is None for i in missing.tolist()):  # None only: no NaN to tell apart
                remap = [code(u) for u in uniques]
                if len(missing):
                    remap.append(code(None))  # local code -1 takes the last entry
                return np.array(remap, dtype=np.int64)[local]
        return np.fromiter(map(code, values), dtype=np.int64, count=n)

    def address_array(self) -> pa.Array:
        """addresses() as an Arrow string array, joined in Arrow (no Python string per fact)."""
        ks, kc = _FIELD["sheet"], _FIELD["cell"]
        parts: list[pa.Array] = []
        numbers: dict[int, pa.Array] = {}  # a table's row numbers, shared by its columns
        for n, fields in self._flush():
            sheet, cells = fields[ks], fields[kc]
            if type(sheet) is Same and type(cells) is CellRefs and cells.letter:
                rows = numbers.get(id(cells.numbers))
                if rows is None:
                    rows = numbers[id(cells.numbers)] = pa.array(cells.numbers, pa.string())
                prefix = f"{sheet.value}!{cells.letter}"
                parts.append(pc.binary_join_element_wise(prefix, rows, ""))
            else:
                parts.append(pa.array(self._chunk_addresses(n, sheet, cells), pa.string()))
        return pa.concat_arrays(parts) if parts else pa.array([], pa.string())

    def addresses(self) -> list[str]:
        """'Sheet!Cell' of every fact (the sheet alone where a fact has no cell)."""
        ks, kc = _FIELD["sheet"], _FIELD["cell"]
        out: list[str] = []
        for n, fields in self._flush():
            out.extend(self._chunk_addresses(n, fields[ks], fields[kc]))
        return out

    @staticmethod
    def _chunk_addresses(n: int, sheet: Any, cells: Any) -> list[str]:
        if type(sheet) is Same and type(cells) is CellRefs and cells.letter:
            prefix = f"{sheet.value}!{cells.letter}"
            return [prefix + r for r in cells.numbers]
        sheets = repeat(sheet.value, n) if type(sheet) is Same else sheet
        cells = repeat(cells.value, n) if type(cells) is Same else cells
        return [f"{s}!{c}" if c else s for s, c in zip(sheets, cells, strict=False)]
