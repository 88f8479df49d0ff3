"""Importers that turn other systems' exports into ledger records."""

from __future__ import annotations

from coledger.imports.polis import (
    MalformedImportError,
    PolisImport,
    import_polis,
    read_polis_export,
)

__all__ = ["MalformedImportError", "PolisImport", "import_polis", "read_polis_export"]
