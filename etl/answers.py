"""Analysts' answers to the header grammar's questions: this upload's own, and the ones
remembered for a reporting unit's template (lawstats.store.spellings reads them from the store).

An answer names the indicator a header stands for, or says it is not an indicator. It applies
only where the grammar is not certain: a certain catalog match is never overridden. A
remembered answer applies to the same reporting unit's files of the same shape (its template:
the same header columns); one promoted by an admin applies to every unit and template.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

NOT_AN_INDICATOR = ""  # an answer's code for "this column is not an indicator"


@dataclass(frozen=True)
class Answer:
    key: str  # etl.headers.answer_key of the header
    code: str  # indicator code, or NOT_AN_INDICATOR
    unit_code: str | None = None  # the reporting unit (region code); None: every unit
    template_key: str | None = None  # the file's shape (template_key); None: every template
    source: str = "upload"  # upload | remembered | promoted
    id: int | None = None  # the stored answer's id


class Answers(Mapping[str, str]):
    """This upload's answers (header key -> code) as a Mapping, plus the remembered ones."""

    def __init__(self, given: Mapping[str, str] | None = None, remembered: Iterable[Answer] = ()):
        self.given = dict(given or {})
        self.remembered = tuple(remembered)

    def __getitem__(self, key: str) -> str:
        return self.given[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.given)

    def __len__(self) -> int:
        return len(self.given)

    def lookup(self, key: str, unit_code: str | None, template_key: str | None) -> Answer | None:
        """This upload's answer for the header, else the one remembered for this unit's template,
        else a promoted one (every unit, every template)."""
        if key in self.given:
            return Answer(key, self.given[key])
        scoped = promoted = None
        for a in self.remembered:  # newest last: a later answer replaces an earlier one
            if a.key != key:
                continue
            if a.unit_code is None and a.template_key is None:
                promoted = a
            elif a.unit_code == unit_code and a.template_key in (None, template_key):
                scoped = a
        return scoped or promoted


def as_answers(extra: Mapping[str, str] | None) -> Answers:
    if isinstance(extra, Answers):
        return extra
    return Answers(extra or {})


def remembered_answers(engine, given: Mapping[str, str] | None = None) -> Answers:
    """This upload's answers with every active remembered one (lawstats.store.spellings)."""
    from etl.headers import answer_key
    from lawstats.store.spellings import active_answers

    stored = [
        Answer(
            answer_key(a.spelling),
            a.indicator_code,
            a.unit_code,
            a.template_key,
            "promoted" if a.unit_code is None and a.template_key is None else "remembered",
            a.id,
        )
        for a in active_answers(engine)
    ]
    return Answers(given, stored)


def used_answers(result, given: Mapping[str, str]) -> list[tuple[str, str, str | None, str | None]]:
    """The answers of this upload that a loaded file's columns used: (header as written, code,
    reporting unit, template), to be remembered for that unit's template."""
    out: dict[tuple, tuple[str, str, str | None, str | None]] = {}
    for table in getattr(result.extraction, "tables", None) or []:
        for col in table.columns:
            if col.status != "answered" or col.answer_key not in given:
                continue
            code = given[col.answer_key]
            out[(col.answer_key, table.unit_code, table.template_key)] = (
                col.header_text,
                code,
                table.unit_code,
                table.template_key,
            )
    return list(out.values())


def remember_answers(engine, result, given: Mapping[str, str], *, actor: str) -> int:
    """Remember the answers a loaded file used, for its reporting unit's template."""
    from etl.headers import answer_key
    from lawstats.store.spellings import remember

    entries = used_answers(result, given)
    if not entries:
        return 0
    return remember(engine, entries, actor=actor, same=lambda a, b: answer_key(a) == answer_key(b))


def template_key(layout: str, header_keys: Sequence[str]) -> str:
    """A file's shape: its layout and its columns' header keys, in order (next month's file of
    the same template has the same key; the title, period and figures do not count)."""
    text = "\x1f".join((layout, *header_keys))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
