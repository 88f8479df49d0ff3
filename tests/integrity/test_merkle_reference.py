"""The Merkle proofs against a tiny reference written from RFC 6962 §2.1's text.

The reference builds each proof by the RFC's recursive definitions (MTH, PATH,
SUBPROOF) with plain hashlib, sharing no code with ``coledger.integrity.merkle``.
Against the genuine root of a tree, a verifier must accept exactly the
reference's proof: any other leaf, index or path, including a genuine proof of
another index or size, a forked tree's or a truncated one's, must be refused.
"""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from coledger.integrity.merkle import (
    consistency_proof,
    inclusion_proof,
    root,
    verify_consistency,
    verify_inclusion,
)


def ref_leaf(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def ref_node(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def ref_k(n: int) -> int:
    """The largest power of two smaller than n, found by counting up."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes, by the RFC's recursion."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = ref_k(len(leaves))
    return ref_node(ref_mth(leaves[:k]), ref_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    if len(leaves) == 1:
        return []
    k = ref_k(len(leaves))
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], *, complete: bool = True) -> list[bytes]:
    """SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if complete else [ref_mth(leaves)]
    k = ref_k(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], complete=complete), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], complete=False), ref_mth(leaves[:k])]


@st.composite
def trees(draw: st.DrawFn) -> list[bytes]:
    """Leaf hashes of up to 70 leaves, from few distinct data (repeats are likely)."""
    data = draw(st.lists(st.sampled_from([b"", b"a", b"b", b"ab"]), max_size=70))
    return [ref_leaf(d) for d in data]


SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 64, 65]
"""Edge sizes: empty, one leaf, powers of two and their neighbours."""


def sizes(limit: int) -> st.SearchStrategy[int]:
    """A size up to *limit*, often an edge size."""
    edges = [s for s in SIZES if s <= limit]
    return st.sampled_from(edges) | st.integers(0, limit)


@given(trees(), st.data())
def test_roots_and_proofs_are_the_references(
    leaves: list[bytes], data: st.DataObject
) -> None:
    """Roots, audit paths and consistency proofs equal the RFC's definitions."""
    assert root(leaves) == ref_mth(leaves)
    if leaves:
        i = data.draw(st.integers(0, len(leaves) - 1), label="index")
        assert inclusion_proof(i, leaves) == ref_path(i, leaves)
        m = data.draw(sizes(len(leaves)).filter(lambda s: s > 0), label="size1")
        assert consistency_proof(m, leaves) == ref_subproof(m, leaves)


@given(trees(), st.data())
def test_inclusion_accepts_exactly_the_reference_path(
    leaves: list[bytes], data: st.DataObject
) -> None:
    """Against a tree's genuine root, only its leaf, index and path are accepted."""
    n = data.draw(sizes(len(leaves)), label="size")
    tree = leaves[:n]
    signed = ref_mth(tree)
    # A candidate proof: genuine for some leaf of some prefix, of a forked
    # tree, of a longer one, or a genuine one with a hash dropped or added.
    other = data.draw(trees(), label="other tree")
    source = data.draw(st.sampled_from([leaves, other, leaves + other]))
    if not source:
        source = [ref_leaf(b"x")]
    size = data.draw(st.integers(1, len(source)), label="proof's size")
    j = data.draw(st.integers(0, size - 1), label="proof's index")
    path = ref_path(j, source[:size])
    cut = data.draw(st.sampled_from(["as is", "drop", "add"]), label="change")
    if cut == "drop" and path:
        path = path[1:]
    elif cut == "add":
        path = [*path, signed]
    index = data.draw(st.sampled_from([j, j + 1, max(j - 1, 0), n, 0]), label="index")
    leaf = source[j]
    genuine = index < n and leaf == tree[index] and path == ref_path(index, tree)
    assert verify_inclusion(leaf, index, n, path, signed) == genuine


@given(trees(), st.data())
def test_consistency_accepts_exactly_the_reference_proof(
    leaves: list[bytes], data: st.DataObject
) -> None:
    """Against two genuine roots, only the reference proof shows consistency."""
    n = data.draw(sizes(len(leaves)), label="size2")
    m = data.draw(sizes(n), label="size1")
    tree = leaves[:n]
    old = ref_mth(tree[:m])
    # The earlier root may be a forked log's (its last leaf replaced).
    forked = data.draw(st.booleans(), label="forked")
    if forked and m:
        old = ref_mth([*tree[: m - 1], ref_leaf(b"forged")])
    other = data.draw(trees(), label="other tree")
    source = data.draw(st.sampled_from([tree, leaves, other, tree + other]))
    size = data.draw(st.integers(0, len(source)), label="proof's size2")
    first = data.draw(st.integers(0, size), label="proof's size1")
    proof = ref_subproof(first, source[:size]) if first > 0 else []
    # The empty tree is its own prefix (size1 == size2 == 0, empty proof);
    # RFC 9162 defines no proof from the empty tree to a larger one.
    expected = ref_subproof(m, tree) if m else []
    genuine = (m > 0 or n == 0) and old == ref_mth(tree[:m]) and proof == expected
    assert verify_consistency(m, n, proof, old, ref_mth(tree)) == genuine
