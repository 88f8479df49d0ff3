"""What a developer meets first: the names, messages and types of the public API."""

from __future__ import annotations

import inspect

import coledger
from coledger import errors


def test_every_error_in_the_hierarchy_is_importable_from_coledger() -> None:
    """Each LedgerError subclass in coledger.errors is exported by coledger itself."""
    defined = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, errors.LedgerError)
    }
    missing = {name for name in defined if getattr(coledger, name, None) is None}
    assert missing == set()
    assert defined <= set(coledger.__all__)
