"""RFC 6962 Merkle tree hashes, inclusion and consistency proofs, and their checks.

Written for coledger (about 150 lines) after evaluating pymerkle 7.0: pymerkle
keeps its own leaf storage and index conventions, while coledger's leaves live in
the ledger's own table and transaction; the RFC's published vectors and the
corruption probes in the tests keep this implementation honest. Verification
follows RFC 9162 §2.1.3.2 and §2.1.4.2, including the check that a proof is
consumed exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from itertools import islice

from coledger.integrity.leaves import LEAF_PREFIX, NODE_PREFIX

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()
_CHUNK = 4096


def hash_leaf(data: bytes) -> bytes:
    """The RFC 6962 hash of a leaf's data."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 hash of an interior node."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """A running root over leaves appended one at a time, in O(log n) memory."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []

    def append(self, leaf_hash: bytes) -> None:
        """Add the next leaf hash."""
        self._push(leaf_hash, 1)

    def extend(self, leaf_hashes: Sequence[bytes]) -> None:
        """Add leaf hashes in order, as many appends would, in fewer Python steps.

        The leaves are cut into perfect subtrees that each start at a multiple
        of their own width, so each subtree's root can be hashed a whole level
        at a time and then joined to the range like a single wider leaf.
        """
        start, count = 0, len(leaf_hashes)
        while start < count:
            width = 1 << ((count - start).bit_length() - 1)
            if self.size:
                width = min(width, self.size & -self.size)
            level = list(leaf_hashes[start : start + width])
            while len(level) > 1:
                pairs = iter(level)
                level = [
                    _sha256(NODE_PREFIX + left + right).digest()
                    for left, right in zip(pairs, pairs, strict=True)
                ]
            self._push(level[0], width)
            start += width

    def _push(self, node: bytes, width: int) -> None:
        """Add the root of a perfect subtree of *width* leaves; *width* divides size."""
        blocks = self.size // width
        while blocks & 1:
            node = hash_children(self._stack.pop(), node)
            blocks >>= 1
        self._stack.append(node)
        self.size += width

    def root(self) -> bytes:
        """The root of the leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            node = hash_children(left, node)
        return node


def root(leaf_hashes: Iterable[bytes]) -> bytes:
    """The Merkle tree hash of a sequence of leaf hashes."""
    compact = CompactRange()
    if isinstance(leaf_hashes, Sequence):
        compact.extend(leaf_hashes)
        return compact.root()
    leaves = iter(leaf_hashes)
    while chunk := list(islice(leaves, _CHUNK)):
        compact.extend(chunk)
    return compact.root()


def _subtree(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    return root(leaves[start:end])


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf *index* in the tree of *leaves* (RFC 6962 PATH)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"index {index} is outside a tree of {len(leaves)}")
    return _path(index, leaves, 0, len(leaves))


def _path(m: int, leaves: Sequence[bytes], start: int, end: int) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, leaves, start, start + k), _subtree(leaves, start + k, end)]
    return [*_path(m - k, leaves, start + k, end), _subtree(leaves, start, start + k)]


def consistency_proof(size1: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Proof that the first *size1* leaves are a prefix (RFC 6962 PROOF)."""
    if not 0 < size1 <= len(leaves):
        raise ValueError(f"size {size1} is not within a tree of {len(leaves)}")
    return _subproof(size1, leaves, 0, len(leaves), complete=True)


def _subproof(
    m: int, leaves: Sequence[bytes], start: int, end: int, *, complete: bool
) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if complete else [_subtree(leaves, start, end)]
    k = _split(n)
    if m <= k:
        inner = _subproof(m, leaves, start, start + k, complete=complete)
        return [*inner, _subtree(leaves, start + k, end)]
    inner = _subproof(m - k, leaves, start + k, end, complete=False)
    return [*inner, _subtree(leaves, start, start + k)]


def verify_inclusion(
    leaf_hash: bytes,
    index: int,
    size: int,
    proof: Sequence[bytes],
    expected_root: bytes,
) -> bool:
    """Whether *proof* shows leaf *index* of a tree of *size* has *leaf_hash*."""
    if not 0 <= index < size or any(len(p) != 32 for p in proof):  # noqa: PLR2004
        return False
    fn, sn, node = index, size - 1, leaf_hash
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = hash_children(sibling, node)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            node = hash_children(node, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == expected_root


def verify_consistency(  # noqa: C901 (RFC 9162 §2.1.4.2, step by step)
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> bool:
    """Whether *proof* shows the tree of *size1* is a prefix of the one of *size2*."""
    if any(len(p) != 32 for p in proof):  # noqa: PLR2004
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if not 0 < size1 < size2 or not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root starts the path
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2
