"""Tamper evidence: hash leaves, an RFC 6962 Merkle tree, signed checkpoints, verify."""

from coledger.integrity.audit_copy import audit_copy
from coledger.integrity.checkpoints import Checkpoint, SigningKey, Verifier
from coledger.integrity.receipts import Receipt, verify_receipt
from coledger.integrity.verify import FAILED, PARTIAL, VERIFIED, Finding, Report, verify

__all__ = [
    "FAILED",
    "PARTIAL",
    "VERIFIED",
    "Checkpoint",
    "Finding",
    "Receipt",
    "Report",
    "SigningKey",
    "Verifier",
    "audit_copy",
    "verify",
    "verify_receipt",
]
