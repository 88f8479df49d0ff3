"""Privacy by design: field classification, sealing, member keys, erasure."""

from coledger.privacy.classification import Kind, Purpose, Sealed, classify
from coledger.privacy.keys import (
    KeyStore,
    MemoryKeyStore,
    PostgresKeyStore,
    SQLiteKeyStore,
    encode_master_key,
    generate_master_key,
    load_master_key,
)
from coledger.privacy.sealing import SealingMapper

__all__ = [
    "KeyStore",
    "Kind",
    "MemoryKeyStore",
    "PostgresKeyStore",
    "Purpose",
    "SQLiteKeyStore",
    "Sealed",
    "SealingMapper",
    "classify",
    "encode_master_key",
    "generate_master_key",
    "load_master_key",
]
