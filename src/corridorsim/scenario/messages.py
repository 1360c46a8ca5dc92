"""Pydantic's validation errors as lines a file's author can act on: one per problem.

One translator for every kind of file the tool reads (scenario, sweep, calibration
targets): it takes the root model of the file, so an unknown key is answered with
the keys accepted at that place in that kind of file, never in another. Every problem
pydantic and the cross-reference checks find is listed (up to ``MAX_PROBLEMS``), so an
author fixes a file in one round, not one problem per round.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from corridorsim.errors import KeyPathError, ScenarioError

MAX_PROBLEMS = 20
"""Problems listed for one file; the rest are counted ("... and 5 more problems")."""


class KeyPathErrors(ValueError):
    """Several cross-reference problems found by one model validator, in the order found;
    the translator lists each with its own key path."""

    def __init__(self, errors: Sequence[KeyPathError]):
        self.errors = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


class ScenarioProblems(ScenarioError):
    """Every problem found in one file. The first is the error's ``key_path`` and
    ``message`` (with "(and N more problems)" when there are others), so one line reads
    as before; ``str()`` adds one line per further problem, up to ``MAX_PROBLEMS`` lines,
    each naming the file and key path."""

    def __init__(self, problems: Sequence[tuple[str, str]], source: Path | None = None):
        self.problems = tuple(problems)
        key_path, message = self.problems[0]
        more = len(self.problems) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(message, source=source, key_path=key_path)

    def __str__(self) -> str:
        lines = [super().__str__()]
        lines += [str(ScenarioError(message, source=self.source, key_path=key_path))
                  for key_path, message in self.problems[1:MAX_PROBLEMS]]
        hidden = len(self.problems) - MAX_PROBLEMS
        if hidden > 0:
            lines.append(f"... and {hidden} more problem{'s' if hidden > 1 else ''}")
        return "\n".join(lines)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems, self.source))


def error_from_validation(exc: ValidationError, root: type[BaseModel], source: Path | None,
                          document: object = None, what: str = "scenario") -> ScenarioProblems:
    """One readable error from pydantic's report, listing every problem with its key path.

    ``root`` is the model the file was validated against; ``document`` the input, used
    to keep the key path to keys the author actually wrote; ``what`` names the kind of
    file in the hint for a key that has no close match. A misspelt key comes first, and
    the required key it leaves missing is not repeated; of the alternatives of a union
    (``consignment_teu``: a number or a range) only the problems of the one the value
    was meant as are kept.
    """
    errors = exc.errors(include_url=False)
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")  # stable: a misspelling first
    tags = _union_tags(root)
    found: list[tuple[str, str, tuple[int | str, ...], str | None]] = []
    for error in errors:
        original = (error.get("ctx") or {}).get("error")
        if isinstance(original, KeyPathErrors | KeyPathError):
            for e in original.errors if isinstance(original, KeyPathErrors) else [original]:
                found.append((e.key_path, e.message, (), None))
            continue
        loc = _written_path(error["loc"], document, tags)
        message, close = _message(error, root, tags, what)
        found.append((".".join(loc), message, error["loc"], close))
    return ScenarioProblems(_without_echoes(found, tags), source=source)


def _without_echoes(found: list[tuple[str, str, tuple[int | str, ...], str | None]],
                    tags: set[str]) -> list[tuple[str, str]]:
    """The problems less those that only repeat another: the required key a misspelling
    stands for, a union alternative the value was not meant as (a problem at the union's
    own place while another alternative went deeper), a second alternative's problem at
    the same key."""
    meant = {(path.rpartition(".")[0], close) for path, _, _, close in found if close}
    deeper = {path for path, _, _, _ in found}
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path, message, loc, _ in found:
        parent, _, key = path.rpartition(".")
        if message == "required key is missing" and (parent, key) in meant:
            continue
        if loc and _is_tag(loc[-1], tags) and any(
                other.startswith(path + ".") for other in deeper if path):
            continue
        if loc and path in seen:
            continue
        seen.add(path)
        problems.append((path, message))
    return problems


def _message(error: Any, root: type[BaseModel], tags: set[str],
             what: str) -> tuple[str, str | None]:
    """The message of one pydantic error in the house style, and for a misspelt key the
    accepted key it is closest to."""
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if error["type"] == "extra_forbidden":
        return _unknown_key(root, error["loc"], tags, what)
    if error["type"] == "missing":
        message = "required key is missing"
    elif error["type"] == "union_tag_invalid":
        ctx = error.get("ctx") or {}
        message = (f"unknown {str(ctx.get('discriminator', 'kind')).strip(chr(39))} "
                   f"{ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}")
    elif error["type"] in ("too_short", "too_long"):
        ctx = error.get("ctx") or {}
        bound = ctx.get("min_length") if error["type"] == "too_short" else ctx.get("max_length")
        words = "at least" if error["type"] == "too_short" else "at most"
        if ctx.get("min_length") == ctx.get("max_length") or (
                error["type"] == "too_long" and ctx.get("min_length") == bound):
            words = "exactly"
        message = f"expected {words} {bound} entries, got {ctx.get('actual_length')}"
    elif error["type"] == "union_tag_not_found":
        tag = (error.get("ctx") or {}).get("discriminator", "").strip("'")
        message = f"expected a '{tag}' key" + (" (rail or sea)" if tag == "mode" else "")
    elif message.startswith("Input should be "):
        wanted = _EXPECTED.get(error["type"], message[len("Input should be "):])
        if error["type"] in _COMPARISONS:
            words, key = _COMPARISONS[error["type"]]
            wanted = f"a number {words} {_number((error.get('ctx') or {}).get(key))}"
        message = f"expected {wanted}, got {_shown(error['input'])}"
        if error["type"] == "string_type" and isinstance(error["input"], int | float):
            message += f" (a number: to write it as text, quote it: '{error['input']}')"
    return message, None


_EXPECTED = {
    "int_parsing": "a whole number", "int_type": "a whole number",
    "int_from_float": "a whole number", "float_parsing": "a number", "float_type": "a number",
    "bool_parsing": "true or false", "bool_type": "true or false", "string_type": "text",
    "dict_type": "a mapping of keys", "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys", "list_type": "a list",
    "finite_number": "a finite number",
    "date_parsing": "a date such as 2024-01-01",
    "date_from_datetime_parsing": "a date such as 2024-01-01",
    "date_from_datetime_inexact": "a date such as 2024-01-01 (no time of day)",
    "date_type": "a date such as 2024-01-01",
    "datetime_parsing": "a date, or a date and time such as 2024-03-01T06:00",
    "datetime_from_date_parsing": "a date, or a date and time such as 2024-03-01T06:00",
    "datetime_type": "a date, or a date and time such as 2024-03-01T06:00",
}
_COMPARISONS = {"greater_than": ("more than", "gt"), "greater_than_equal": ("of at least", "ge"),
                "less_than": ("less than", "lt"), "less_than_equal": ("of at most", "le")}
"""Pydantic's bounds in words, and the key of the bound in the error's context."""


def _number(value: object) -> str:
    """A bound as a reader writes it: 5,000 and 0.001, not 5000 and 1e-03."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:g}"
    return str(value)

_DISCRIMINATOR_TAGS = {"rail", "sea", "fixed", "exponential", "uniform", "triangular",
                       "lognormal", "empirical", "seasonal", "window", "outage"}
"""Values of the discriminator keys (``mode``, ``dist``, ``kind``) that pydantic puts
into an error's location."""
_BUILTIN_TAGS = {"str", "int", "float", "bool"}
"""Members of a plain union (``str | KeyTarget``) as pydantic names them in a location."""


def _shown(value: object) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _union_tags(root: type[BaseModel]) -> set[str]:
    """Location parts that name a union member rather than a key: discriminator values,
    builtin type names and the names of the models under ``root``."""
    names: set[str] = set()
    pending: list[Any] = [root]
    while pending:
        tp = pending.pop()
        for member in _members(tp):
            origin = typing.get_origin(member)
            if isinstance(member, type) and issubclass(member, BaseModel):
                if member.__name__ not in names:
                    names.add(member.__name__)
                    pending.extend(f.annotation for f in member.model_fields.values())
            elif origin in (dict, list, tuple):
                pending.extend(typing.get_args(member))
    return names | _DISCRIMINATOR_TAGS | _BUILTIN_TAGS


def _is_tag(part: object, tags: set[str]) -> bool:
    return part in tags or (isinstance(part, str) and part.startswith(
        ("function-", "tagged-union", "constrained-")))


def _written_path(loc: tuple[int | str, ...], document: object, tags: set[str]) -> list[str]:
    """Pydantic's error location as the author wrote it: union tags (``rail``,
    ``lognormal``) dropped, and nothing below a scalar (``36h`` is read as
    ``{dist: fixed, value: 36h}``, but ``value`` is not in the file)."""
    path: list[str] = []
    here = document
    for part in loc:
        written = (isinstance(here, Mapping) and part in here) or (
            isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here))
        if written:
            here = here[part]  # type: ignore[index]
        elif _is_tag(part, tags):
            continue
        elif document is not None and not isinstance(here, Mapping):
            break
        else:
            here = None  # a key that is not written (missing)
        path.append(str(part))
    return path


def _unknown_key(root: type[BaseModel], loc: tuple[int | str, ...], tags: set[str],
                 what: str) -> tuple[str, str | None]:
    """'unknown key' with the closest accepted key (returned too), or the accepted keys."""
    allowed = sorted(_accepted_keys(root, loc[:-1], tags))
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if close:
        return f"unknown key; did you mean {close[0]!r}?", close[0]
    if not allowed:
        return f"unknown key; check the spelling against the {what} reference (README)", None
    shown = ", ".join(repr(k) for k in allowed)
    return f"unknown key; expected one of {shown}", None


def _accepted_keys(root: type[BaseModel], parent: tuple[int | str, ...],
                   tags: set[str]) -> set[str]:
    """Keys ``root`` accepts in the mapping at ``parent`` (a pydantic location)."""
    types_here: list[Any] = [root]
    for part in parent:
        following: list[Any] = []
        for tp in (m for t in types_here for m in _members(t)):
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                field = next((f for name, f in tp.model_fields.items()
                              if part in (name, f.alias)), None)
                if field is not None:
                    following.append(field.annotation)
                elif _member_name(part) == tp.__name__ or any(
                        part in typing.get_args(f.annotation)
                        for f in tp.model_fields.values()
                        if typing.get_origin(f.annotation) is typing.Literal):
                    following.append(tp)  # a union tag naming this member
            elif typing.get_origin(tp) is dict:
                following.append(typing.get_args(tp)[1])
            elif typing.get_origin(tp) is list and isinstance(part, int):
                following.append(typing.get_args(tp)[0])
            elif _is_tag(part, tags):
                following.append(tp)
        types_here = following
    return {f.alias or name for t in types_here for tp in _members(t)
            if isinstance(tp, type) and issubclass(tp, BaseModel)
            for name, f in tp.model_fields.items()}


def _member_name(part: object) -> object:
    """The model a union member's location part names: ``TeuRange``, or the last name in
    ``function-after[_ordered(), TeuRange]`` (a model with a validator)."""
    if isinstance(part, str) and part.startswith("function-") and part.endswith("]"):
        return part[:-1].rsplit(",", 1)[-1].strip()
    return part


def _members(tp: Any) -> list[Any]:
    """The alternatives of a type, with ``Annotated`` and ``Optional`` unwrapped."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp]
