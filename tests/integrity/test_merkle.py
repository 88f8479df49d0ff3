"""The RFC 6962 tree and the C2SP checkpoint notes, against published answers.

Known answers come from RFC 6962's reference data as used by
transparency-dev/merkle (``proof/verify_test.go``) and from the signed-note
example of golang.org/x/mod/sumdb/note. The corruption probes follow
transparency-dev's ``corruptInclusionProof`` / ``corruptConsistencyProof``:
every one of them must be rejected, for every proof of a tree of up to 8 leaves.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator, Sequence

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from coledger.errors import CheckpointError
from coledger.integrity import SigningKey, Verifier
from coledger.integrity.checkpoints import (
    DASH,
    key_id,
    open_checkpoint,
    read_unverified,
    verifier_key,
)
from coledger.integrity.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    root,
    verify_consistency,
    verify_inclusion,
)

LEAF_DATA = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
"""ROOTS[n] is the root of the tree of the first n leaves (ROOTS[0]: the empty tree)."""

INCLUSION_0_8 = [
    bytes.fromhex(h)
    for h in (
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    )
]
INCLUSION_5_8 = [
    bytes.fromhex(h)
    for h in (
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    )
]
CONSISTENCY_6_8 = [
    bytes.fromhex(h)
    for h in (
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    )
]
CONSISTENCY_1_8 = INCLUSION_0_8
CONSISTENCY_2_5 = [
    bytes.fromhex(h)
    for h in (
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    )
]

LEAVES = [hash_leaf(d) for d in LEAF_DATA]
GARBAGE = hashlib.sha256(b"garbage").digest()
PAIRS = [(i, n) for n in range(1, 9) for i in range(n)]
SIZES = [(m, n) for n in range(1, 9) for m in range(1, n + 1)]

# Go's golang.org/x/mod/sumdb/note example (note.go documentation and tests).
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SIGNER = (
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
)
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNX"
    "gKvqfqdngotpRZb6KE6RyyBwJnAM="
)
GO_NOTE = f"{GO_TEXT}\n{DASH} PeterNeumann {GO_SIGNATURE}\n"

ORIGIN = "audit.example/ledger"


def flip(data: bytes, bit: int) -> bytes:
    """*data* with one bit flipped."""
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def proof_variants(proof: Sequence[bytes], extra_root: bytes) -> Iterator[list[bytes]]:
    """Every structurally altered proof: bit flips, shorter, longer, reordered."""
    for k, element in enumerate(proof):
        for bit in range(256):
            yield [*proof[:k], flip(element, bit), *proof[k + 1 :]]
        yield [*proof[:k], *proof[k + 1 :]]  # one component removed
        yield [*proof[:k], element[:31], *proof[k + 1 :]]  # a short element
        yield [*proof[:k], element + b"\x00", *proof[k + 1 :]]  # a long element
    for k in range(len(proof) + 1):
        yield [*proof[:k], GARBAGE, *proof[k:]]  # a component inserted
    yield [*proof, GARBAGE]  # trailing garbage
    yield [GARBAGE, *proof]  # preceding garbage
    yield [*proof, extra_root]  # a trailing root
    yield [extra_root, *proof]  # a preceding root
    if len(proof) > 1:
        yield list(reversed(proof))
    if proof:
        yield []  # the empty proof
        yield list(proof[:-1])  # truncated


def accepted(probes: Iterator[tuple[str, bool]]) -> list[str]:
    """The names of the probes that a verifier wrongly accepted."""
    return [name for name, ok in probes if ok]


# Known answers -----------------------------------------------------------------------


def test_empty_root_is_sha256_of_nothing() -> None:
    """The root of the empty tree is SHA-256 of the empty string."""
    assert EMPTY_ROOT == hashlib.sha256(b"").digest() == ROOTS[0]
    assert root([]) == ROOTS[0]


def test_leaf_and_node_prefixes() -> None:
    """Leaves hash with a 0x00 prefix and interior nodes with 0x01."""
    assert hash_leaf(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert (
        hash_children(b"L" * 32, b"R" * 32)
        == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )


@pytest.mark.parametrize("n", range(9))
def test_published_roots(n: int) -> None:
    """The roots of the first n published leaves are RFC 6962's, by both methods."""
    assert root(LEAVES[:n]) == ROOTS[n]
    compact = CompactRange()
    for leaf in LEAVES[:n]:
        compact.append(leaf)
    assert compact.size == n
    assert compact.root() == ROOTS[n]


def test_published_inclusion_paths() -> None:
    """The audit paths of leaves 0 and 5 in the tree of 8 are the published ones."""
    assert inclusion_proof(0, LEAVES) == INCLUSION_0_8
    assert inclusion_proof(5, LEAVES) == INCLUSION_5_8
    assert verify_inclusion(LEAVES[0], 0, 8, INCLUSION_0_8, ROOTS[8])
    assert verify_inclusion(LEAVES[5], 5, 8, INCLUSION_5_8, ROOTS[8])


def test_published_consistency_paths() -> None:
    """The consistency proofs (1, 8), (6, 8), (2, 5), (1, 1) are the published ones."""
    assert consistency_proof(6, LEAVES) == CONSISTENCY_6_8
    assert consistency_proof(1, LEAVES) == CONSISTENCY_1_8
    assert consistency_proof(2, LEAVES[:5]) == CONSISTENCY_2_5
    assert consistency_proof(1, LEAVES[:1]) == []
    assert verify_consistency(6, 8, CONSISTENCY_6_8, ROOTS[6], ROOTS[8])
    assert verify_consistency(1, 8, CONSISTENCY_1_8, ROOTS[1], ROOTS[8])
    assert verify_consistency(2, 5, CONSISTENCY_2_5, ROOTS[2], ROOTS[5])
    assert verify_consistency(1, 1, [], ROOTS[1], ROOTS[1])


def test_proof_requests_outside_the_tree_are_refused() -> None:
    """Asking for a proof of a leaf or size the tree does not have is a ValueError."""
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(8, LEAVES)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(-1, LEAVES)
    with pytest.raises(ValueError, match="within"):
        consistency_proof(0, LEAVES)
    with pytest.raises(ValueError, match="within"):
        consistency_proof(9, LEAVES)


# Round trips and corruption probes ---------------------------------------------------


@pytest.mark.parametrize(("i", "n"), PAIRS)
def test_inclusion_round_trip(i: int, n: int) -> None:
    """Every genuine audit path of a tree of up to 8 leaves verifies."""
    proof = inclusion_proof(i, LEAVES[:n])
    assert verify_inclusion(LEAVES[i], i, n, proof, ROOTS[n])


@pytest.mark.parametrize(("m", "n"), SIZES)
def test_consistency_round_trip(m: int, n: int) -> None:
    """Every genuine consistency proof between trees of up to 8 leaves verifies."""
    proof = consistency_proof(m, LEAVES[:n])
    assert verify_consistency(m, n, proof, ROOTS[m], ROOTS[n])


def inclusion_probes(i: int, n: int) -> Iterator[tuple[str, bool]]:
    """Every corruption of one genuine inclusion proof, and whether it verified."""
    leaf, good_root = LEAVES[i], ROOTS[n]
    proof = inclusion_proof(i, LEAVES[:n])

    def check(
        name: str,
        *,
        leaf: bytes = leaf,
        index: int = i,
        size: int = n,
        path: Sequence[bytes] = proof,
        expected: bytes = good_root,
    ) -> tuple[str, bool]:
        return name, verify_inclusion(leaf, index, size, path, expected)

    yield check("index-1", index=i - 1)
    yield check("index+1", index=i + 1)
    yield check("index^2", index=i ^ 2)
    yield check("size*2", size=n * 2)
    yield check("size/2", size=n // 2)
    yield check("index=size", index=n)
    yield check("wrong leaf", leaf=hash_leaf(b"not this one"))
    yield check("leaf data not hashed", leaf=LEAF_DATA[i].ljust(32, b"\x00"))
    for bit in range(256):
        yield check(f"leaf bit {bit}", leaf=flip(leaf, bit))
        yield check(f"root bit {bit}", expected=flip(good_root, bit))
    yield check("empty root", expected=b"")
    yield check("another tree's root", expected=ROOTS[n - 1])
    yield check("random root", expected=GARBAGE)
    for number, path in enumerate(proof_variants(proof, good_root)):
        yield check(f"altered proof #{number}", path=path)


def consistency_probes(m: int, n: int) -> Iterator[tuple[str, bool]]:
    """Every corruption of one genuine consistency proof, and whether it verified."""
    root1, root2 = ROOTS[m], ROOTS[n]
    proof = consistency_proof(m, LEAVES[:n])

    def check(
        name: str,
        *,
        size1: int = m,
        size2: int = n,
        path: Sequence[bytes] = proof,
        first: bytes = root1,
        second: bytes = root2,
    ) -> tuple[str, bool]:
        return name, verify_consistency(size1, size2, path, first, second)

    yield check("size1-1", size1=m - 1)
    yield check("size1+1", size1=m + 1)
    yield check("size1^2", size1=m ^ 2)
    yield check("size2*2", size2=n * 2)
    yield check("size2/2", size2=n // 2)
    if m != n:
        yield check("sizes reversed", size1=n, size2=m)
        yield check("swapped roots", first=root2, second=root1)
    for bit in range(256):
        yield check(f"root1 bit {bit}", first=flip(root1, bit))
        yield check(f"root2 bit {bit}", second=flip(root2, bit))
    yield check("empty root1", first=b"")
    yield check("empty root2", second=b"")
    yield check("random root1", first=GARBAGE)
    yield check("random root2", second=GARBAGE)
    for number, path in enumerate(proof_variants(proof, root2)):
        yield check(f"altered proof #{number}", path=path)
    if not proof:  # m == n: any non-empty proof must be refused
        yield check("a root as proof", path=[root1])
        yield check("garbage as proof", path=[GARBAGE])


@pytest.mark.parametrize(("i", "n"), PAIRS)
def test_every_inclusion_probe_is_rejected(i: int, n: int) -> None:
    """No corruption of an inclusion proof of a tree of up to 8 leaves verifies."""
    assert accepted(inclusion_probes(i, n)) == []


@pytest.mark.parametrize(("m", "n"), SIZES)
def test_every_consistency_probe_is_rejected(m: int, n: int) -> None:
    """No corruption of a consistency proof between trees of up to 8 leaves verifies."""
    assert accepted(consistency_probes(m, n)) == []


def test_the_empty_tree_has_no_proofs() -> None:
    """Nothing is included in, or consistent from, the empty tree by this verifier."""
    assert not verify_inclusion(EMPTY_ROOT, 0, 0, [], EMPTY_ROOT)
    assert not verify_consistency(0, 1, [], EMPTY_ROOT, ROOTS[1])
    assert not verify_consistency(0, 0, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT)


def test_inclusion_does_not_authenticate_the_size_on_its_own() -> None:
    """A path can also verify with size n+1 (RFC 6962), so sizes must come signed."""
    # Leaf 0 of the 7-leaf tree: the same path and the same 7-leaf root also pass
    # as "leaf 0 of 8". The verifier therefore only ever takes (size, root)
    # together from one signed checkpoint, never a size from anywhere else.
    proof = inclusion_proof(0, LEAVES[:7])
    assert verify_inclusion(LEAVES[0], 0, 7, proof, ROOTS[7])
    assert verify_inclusion(LEAVES[0], 0, 8, proof, ROOTS[7])
    assert not verify_inclusion(LEAVES[0], 0, 8, proof, ROOTS[8])
    steps = consistency_proof(1, LEAVES[:3])
    assert verify_consistency(1, 4, steps, ROOTS[1], ROOTS[3])


@st.composite
def tree_and_pairs(
    draw: st.DrawFn,
) -> tuple[list[bytes], int, int, int]:
    """Random leaf data (up to 64 leaves), a size n, an index i < n, a size m <= n."""
    data = draw(st.lists(st.binary(max_size=12), min_size=1, max_size=64))
    n = draw(st.integers(1, len(data)))
    i = draw(st.integers(0, n - 1))
    m = draw(st.integers(1, n))
    return [hash_leaf(d) for d in data], n, i, m


@given(tree_and_pairs(), st.data())
def test_random_trees_genuine_proofs_verify_and_single_bit_flips_fail(
    case: tuple[list[bytes], int, int, int], data: st.DataObject
) -> None:
    """On random trees, real proofs verify and any one flipped bit makes them fail."""
    leaves, n, i, m = case
    tree = leaves[:n]
    size_root, old_root = root(tree), root(tree[:m])
    path = inclusion_proof(i, tree)
    steps = consistency_proof(m, tree)
    assert verify_inclusion(tree[i], i, n, path, size_root)
    assert verify_consistency(m, n, steps, old_root, size_root)

    bit = data.draw(st.integers(0, 255), label="bit")
    assert not verify_inclusion(flip(tree[i], bit), i, n, path, size_root)
    assert not verify_inclusion(tree[i], i, n, path, flip(size_root, bit))
    assert not verify_consistency(m, n, steps, flip(old_root, bit), size_root)
    assert not verify_consistency(m, n, steps, old_root, flip(size_root, bit))
    if path:
        k = data.draw(st.integers(0, len(path) - 1), label="inclusion element")
        bad = [*path[:k], flip(path[k], bit), *path[k + 1 :]]
        assert not verify_inclusion(tree[i], i, n, bad, size_root)
    if steps:
        k = data.draw(st.integers(0, len(steps) - 1), label="consistency element")
        bad = [*steps[:k], flip(steps[k], bit), *steps[k + 1 :]]
        assert not verify_consistency(m, n, bad, old_root, size_root)


# Checkpoints: C2SP signed notes ------------------------------------------------------


def raw_public(key: SigningKey) -> bytes:
    """The 32 raw bytes of a signing key's public half."""
    return key.private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def go_signing_key() -> SigningKey:
    """The PeterNeumann key of Go's sumdb/note tests, as a coledger SigningKey."""
    encoded = GO_SIGNER.split("+", 4)[4]
    seed = base64.b64decode(encoded)[1:]
    return SigningKey("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed))


def test_key_id_formula() -> None:
    """The key id is SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    key = SigningKey.generate(ORIGIN)
    public = raw_public(key)
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    assert key_id(ORIGIN, public) == expected
    name, hex_id, encoded = key.verifier.split("+", 2)  # base64 may hold '+'
    assert (name, bytes.fromhex(hex_id)) == (ORIGIN, expected)
    assert base64.b64decode(encoded) == b"\x01" + public


def test_go_sumdb_note_verifier_key_known_answer() -> None:
    """Go's published PeterNeumann key gives the same verifier text and key id here."""
    key = go_signing_key()
    assert key.verifier == GO_VERIFIER
    assert verifier_key("PeterNeumann", key.private.public_key()) == GO_VERIFIER
    verifier = Verifier.parse(GO_VERIFIER)
    assert verifier.key_id == bytes.fromhex("c74f20a3")


def test_go_sumdb_note_signature_known_answer() -> None:
    """Go's published note signature is key id || Ed25519 signature over the text."""
    key = go_signing_key()
    blob = base64.b64decode(GO_SIGNATURE)
    assert blob[:4] == bytes.fromhex("c74f20a3")
    assert key.private.sign(GO_TEXT.encode()) == blob[4:]
    # The signature checks (the text is simply not a checkpoint body), and it
    # stops checking as soon as one character of the signed text changes.
    verifier = Verifier.parse(GO_VERIFIER)
    with pytest.raises(CheckpointError) as raised:
        open_checkpoint(GO_NOTE, verifier)
    assert raised.value.code == "MALFORMED"
    with pytest.raises(CheckpointError) as raised:
        open_checkpoint(GO_NOTE.replace("cryptography", "cryptographY"), verifier)
    assert raised.value.code == "BAD_SIGNATURE"


def test_checkpoint_note_round_trip() -> None:
    """A signed checkpoint has the C2SP shape and opens to its size and root."""
    key = SigningKey.generate(ORIGIN)
    note = key.sign(8, ROOTS[8])
    lines = note.split("\n")
    assert lines[:4] == [ORIGIN, "8", base64.b64encode(ROOTS[8]).decode(), ""]
    dash, name, blob = lines[4].split(" ")
    assert (dash, name, lines[5:]) == ("\u2014", ORIGIN, [""])
    raw = base64.b64decode(blob)
    assert len(raw) == 68
    assert raw[:4] == key_id(ORIGIN, raw_public(key))
    key.private.public_key().verify(raw[4:], f"{ORIGIN}\n8\n{lines[2]}\n".encode())

    checkpoint = open_checkpoint(note, Verifier.parse(key.verifier))
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (
        ORIGIN,
        8,
        ROOTS[8],
    )
    assert checkpoint.note == note
    assert checkpoint.root_b64 == lines[2]
    assert read_unverified(note) == checkpoint


def test_checkpoint_of_the_empty_tree() -> None:
    """Size 0 with the empty root is a valid checkpoint."""
    key = SigningKey.generate(ORIGIN)
    checkpoint = open_checkpoint(key.sign(0, EMPTY_ROOT), Verifier.parse(key.verifier))
    assert (checkpoint.size, checkpoint.root) == (0, EMPTY_ROOT)


def test_signing_key_pem_round_trip() -> None:
    """A signing key written as PEM (with or without passphrase) loads back the same."""
    key = SigningKey.generate(ORIGIN)
    for passphrase in (None, b"correct horse"):
        loaded = SigningKey.from_pem(key.to_pem(passphrase), passphrase)
        assert loaded.name == ORIGIN
        assert loaded.verifier == key.verifier
    with pytest.raises(CheckpointError):
        SigningKey.from_pem(key.to_pem(b"secret"), b"wrong")
    with pytest.raises(CheckpointError):
        SigningKey.from_pem(b"not a key")


def test_an_empty_passphrase_loads_back_as_it_wrote() -> None:
    """An empty passphrase writes an unencrypted key, and the same one reads it back."""
    key = SigningKey.generate(ORIGIN)
    pem = key.to_pem(b"")
    assert SigningKey.from_pem(pem, b"").verifier == key.verifier
    assert SigningKey.from_pem(pem).verifier == key.verifier


@pytest.mark.parametrize("name", ["org\n", "my org", "", "org\x1b[31m", "a+b", None])
def test_a_key_name_no_verifier_could_parse_is_refused(name: object) -> None:
    """Whitespace (even a trailing newline), '+', controls and non-text are refused."""
    with pytest.raises(CheckpointError, match="name"):
        SigningKey.generate(name)  # type: ignore[arg-type]
    if isinstance(name, str) and "\n" not in name:  # a header is one line
        pem = SigningKey.generate(ORIGIN).to_pem()
        forged = pem.replace(ORIGIN.encode(), name.encode(), 1)
        with pytest.raises(CheckpointError, match="name"):
            SigningKey.from_pem(forged)


@pytest.mark.parametrize(
    ("name", "said"), [("", "a key name is empty"), (5, "a key name is text")]
)
def test_an_empty_or_non_text_key_name_is_refused_for_what_it_is(
    name: object, said: str
) -> None:
    """An empty name or one that is not text is not refused as holding spaces."""
    with pytest.raises(CheckpointError) as raised:
        SigningKey.generate(name)  # type: ignore[arg-type]
    assert raised.value.detail.startswith(said)


def test_a_key_name_with_a_lone_surrogate_is_refused() -> None:
    """A name with no UTF-8 bytes is refused at generate and parse, not at sign."""
    with pytest.raises(CheckpointError) as raised:
        SigningKey.generate("a\udcff")
    assert raised.value.code == "MALFORMED_KEY"
    encoded = SigningKey.generate(ORIGIN).verifier.split("+", 2)[2]
    with pytest.raises(CheckpointError) as raised:
        Verifier.parse(f"\ud800+00000000+{encoded}")
    assert raised.value.code == "MALFORMED_KEY"


def test_a_note_with_a_lone_surrogate_is_malformed() -> None:
    """A body with no UTF-8 bytes, under the pinned key's id, is MALFORMED."""
    key = SigningKey.generate(ORIGIN)
    blob = base64.b64encode(key_id(ORIGIN, raw_public(key)) + bytes(64)).decode()
    note = f"{ORIGIN}\n1\n\ud800\n\n{DASH} {ORIGIN} {blob}\n"
    assert opened(note, key) == "MALFORMED"


def test_key_files_and_verifier_keys_of_the_wrong_kind_are_refused() -> None:
    """A name that is not UTF-8 and a verifier key that is not text are refused."""
    pem = SigningKey.generate(ORIGIN).to_pem()
    with pytest.raises(CheckpointError, match="UTF-8"):
        SigningKey.from_pem(pem.replace(ORIGIN.encode(), b"\xff\xfe", 1))
    for wrong in (None, b"x+y+z", 5):
        with pytest.raises(CheckpointError):
            Verifier.parse(wrong)  # type: ignore[arg-type]


def test_a_size_in_other_digits_is_malformed() -> None:
    """Sizes are ASCII decimals: Arabic-Indic digits, which int() reads, are refused."""
    key = SigningKey.generate(ORIGIN)
    note = key.sign(8, ROOTS[8])
    with pytest.raises(CheckpointError):
        read_unverified(note.replace("\n8\n", "\n\u0668\n", 1))


def signed_by(key: SigningKey, body: str, *, name: str | None = None) -> str:
    """A note of arbitrary *body* text signed by *key* under *name*."""
    raw = raw_public(key)
    blob = base64.b64encode(key_id(key.name, raw) + key.private.sign(body.encode()))
    return f"{body}\n{DASH} {name or key.name} {blob.decode()}\n"


def opened(note: str, key: SigningKey) -> str:
    """The error code opening *note* under *key*'s verifier raises ('' if none)."""
    try:
        open_checkpoint(note, Verifier.parse(key.verifier))
    except CheckpointError as error:
        return error.code
    return ""


@pytest.mark.parametrize(
    ("edit", "old", "new"),
    [
        ("size", "\n8\n", "\n9\n"),
        ("size", "\n8\n", "\n7\n"),
        ("size", "\n8\n", "\n80\n"),
        ("root", ROOTS[8], ROOTS[7]),
        ("origin", ORIGIN, ORIGIN.upper()),
    ],
)
def test_an_edited_note_has_a_bad_signature(
    edit: str, old: str | bytes, new: str | bytes
) -> None:
    """Editing the size, root or origin of a genuine note gives BAD_SIGNATURE."""
    key = SigningKey.generate(ORIGIN)
    note = key.sign(8, ROOTS[8])
    if isinstance(old, bytes) and isinstance(new, bytes):
        old, new = base64.b64encode(old).decode(), base64.b64encode(new).decode()
    assert isinstance(old, str)
    assert isinstance(new, str)
    tampered = note.replace(old, new, 1)
    assert tampered != note, edit
    # An edited origin no longer matches the pinned name in the body, but the
    # signature line still names the pinned key, so the signature check fails first.
    assert opened(tampered, key) == "BAD_SIGNATURE"


def test_a_flipped_signature_bit_is_a_bad_signature() -> None:
    """Changing any byte of the signature itself gives BAD_SIGNATURE."""
    key = SigningKey.generate(ORIGIN)
    note = key.sign(8, ROOTS[8])
    body, _, line = note.rstrip("\n").rpartition("\n")
    blob = base64.b64decode(line.split(" ")[2])
    for position in (4, 20, 67):
        bad = flip(blob, position * 8)
        edited = f"{body}\n{DASH} {ORIGIN} {base64.b64encode(bad).decode()}\n"
        assert opened(edited, key) == "BAD_SIGNATURE"


def test_a_note_by_another_key_has_no_trusted_signature() -> None:
    """A note signed by another key of the same name is NO_TRUSTED_SIGNATURE."""
    pinned = SigningKey.generate(ORIGIN)
    forger = SigningKey.generate(ORIGIN)
    assert opened(forger.sign(8, ROOTS[8]), pinned) == "NO_TRUSTED_SIGNATURE"


def test_a_forger_copying_the_key_id_gets_a_bad_signature() -> None:
    """Another key's signature presented under the pinned key id is BAD_SIGNATURE."""
    pinned = SigningKey.generate(ORIGIN)
    forger = SigningKey.generate(ORIGIN)
    body = f"{ORIGIN}\n8\n{base64.b64encode(ROOTS[8]).decode()}\n"
    blob = key_id(ORIGIN, raw_public(pinned)) + forger.private.sign(body.encode())
    note = f"{body}\n{DASH} {ORIGIN} {base64.b64encode(blob).decode()}\n"
    assert opened(note, pinned) == "BAD_SIGNATURE"


def test_a_note_of_another_origin_is_wrong_origin() -> None:
    """A genuine signature over a checkpoint naming another ledger is WRONG_ORIGIN."""
    key = SigningKey.generate(ORIGIN)
    body = f"other.example/ledger\n8\n{base64.b64encode(ROOTS[8]).decode()}\n"
    assert opened(signed_by(key, body), key) == "WRONG_ORIGIN"


def test_a_note_from_another_ledgers_key_is_not_trusted() -> None:
    """Another origin's checkpoint, signed by its own key, is WRONG_ORIGIN."""
    pinned = SigningKey.generate(ORIGIN)
    other = SigningKey.generate("other.example/ledger")
    assert opened(other.sign(8, ROOTS[8]), pinned) == "WRONG_ORIGIN"
    forged = SigningKey.generate(ORIGIN)  # this ledger's name, another key
    assert opened(forged.sign(8, ROOTS[8]), pinned) == "NO_TRUSTED_SIGNATURE"


def test_unknown_signatures_are_ignored() -> None:
    """A witness's extra signature line does not stop the pinned one from counting."""
    key = SigningKey.generate(ORIGIN)
    witness = SigningKey.generate("witness.example")
    note = key.sign(8, ROOTS[8])
    body = note.rpartition("\n\n")[0] + "\n"
    extra = signed_by(witness, body).rpartition("\n\n")[2]
    assert opened(note + extra, key) == ""
    assert opened(note.replace("\n\n", "\n\n" + extra, 1), key) == ""


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (f"{ORIGIN}\n08\n{base64.b64encode(ROOTS[8]).decode()}\n", "MALFORMED"),
        (f"{ORIGIN}\n-8\n{base64.b64encode(ROOTS[8]).decode()}\n", "MALFORMED"),
        (f"{ORIGIN}\n8\n{base64.b64encode(ROOTS[8][:31]).decode()}\n", "MALFORMED"),
        (f"{ORIGIN}\n8\nnot base64!\n", "MALFORMED"),
        (f"{ORIGIN}\n8\n", "MALFORMED"),
    ],
    ids=["leading zero", "negative size", "short root", "bad root", "two lines"],
)
def test_a_signed_but_malformed_body_is_refused(body: str, code: str) -> None:
    """A body with a bad size or root is MALFORMED even under a genuine signature."""
    key = SigningKey.generate(ORIGIN)
    assert opened(signed_by(key, body), key) == code


@pytest.mark.parametrize(
    "mangle",
    [
        lambda note: note.replace("\n\n", "\n", 1),
        lambda note: note.replace(DASH, "-", 1),
        lambda note: note.replace(f"{DASH} ", f"{DASH}  ", 1),
        lambda note: note.rstrip("\n") + "@@\n",
    ],
    ids=["no blank line", "hyphen not em dash", "two spaces", "bad base64"],
)
def test_unreadable_notes_are_malformed(mangle: Callable[[str], str]) -> None:
    """A note whose signature block cannot be read is MALFORMED."""
    key = SigningKey.generate(ORIGIN)
    assert opened(mangle(key.sign(8, ROOTS[8])), key) == "MALFORMED"


NBSP = "\u00a0"
"""A non-breaking space: what a note pasted from a word processor may carry."""


@pytest.mark.parametrize(
    "mangle",
    [
        lambda note: note.rstrip("\n") + NBSP + "\n",
        lambda note: note.rstrip("\n") + "\u00e9\n",
        lambda note: note.replace(f"{DASH} {ORIGIN} ", f"{DASH} {ORIGIN} {NBSP}", 1),
    ],
    ids=["trailing nbsp", "trailing e-acute", "nbsp before the signature"],
)
def test_a_non_ascii_signature_is_malformed(mangle: Callable[[str], str]) -> None:
    """One non-ASCII character in a signature is MALFORMED, not a ValueError."""
    key = SigningKey.generate(ORIGIN)
    assert opened(mangle(key.sign(8, ROOTS[8])), key) == "MALFORMED"


def test_a_non_ascii_root_is_malformed() -> None:
    """A root with a non-ASCII character is MALFORMED, signed or not."""
    key = SigningKey.generate(ORIGIN)
    root_text = base64.b64encode(ROOTS[8]).decode()
    body = f"{ORIGIN}\n8\n{root_text[:-1]}{NBSP}\n"
    assert opened(signed_by(key, body), key) == "MALFORMED"
    with pytest.raises(CheckpointError) as raised:
        read_unverified(signed_by(key, body))
    assert raised.value.code == "MALFORMED"


def test_the_signatures_follow_the_last_blank_line() -> None:
    """Only lines after the last blank line are signatures; text before is signed."""
    key = SigningKey.generate(ORIGIN)
    note = key.sign(8, ROOTS[8])
    # A forger prepending a line changes the signed text; a fake body and a
    # blank line make a body no checkpoint has (an empty line), so it is not read.
    assert opened(f"{ORIGIN}\n" + note, key) == "BAD_SIGNATURE"
    assert opened(f"{ORIGIN}\n9\n{'A' * 44}\n\n" + note, key) == "MALFORMED"


def bad_verifier_keys() -> list[tuple[str, str]]:
    """Mangled versions of Go's published verifier key, each with why it is bad."""
    name, hex_id, encoded = GO_VERIFIER.split("+")
    public = base64.b64decode(encoded)[1:]

    def key(material: bytes, *, key_name: str = name, kid: str = hex_id) -> str:
        return f"{key_name}+{kid}+{base64.b64encode(material).decode()}"

    return [
        ("", "empty"),
        (name, "no id or key"),
        (f"{name}+{hex_id}", "no key"),
        (key(b"\x01" + public, key_name="Peter Neumann"), "space in the name"),
        (GO_VERIFIER[:-1], "bad base64"),
        (key(b"\x01" + public, kid="zz4f20a3"), "bad hex"),
        (key(b"\x01" + public, kid="c74f20a4"), "wrong key id"),
        (key(b"\x01" + public, kid="c7 4f 20 a3"), "spaces in the id"),
        (key(b"\x01" + public, kid="c74f\t20a3"), "a tab in the id"),
        (key(b"\x01" + public, kid=" c74f20a3"), "a space before the id"),
        (key(b"\x01" + public, kid="C74F20A3"), "upper-case id"),
        (key(b"\x01" + public, key_name="PeterNeumanN"), "id of another name"),
        (key(b"\x02" + public), "not type 0x01 (Ed25519)"),
        (key(b"\x01" + public + b"\x00"), "33-byte key"),
        (key(b"\x01" + public[:31]), "31-byte key"),
        (key(public), "no type byte"),
    ]


@pytest.mark.parametrize(("text", "why"), bad_verifier_keys())
def test_malformed_verifier_keys_are_refused(text: str, why: str) -> None:
    """A verifier key that is not name+8-hex-id+base64(0x01 || key) is MALFORMED_KEY."""
    with pytest.raises(CheckpointError) as raised:
        Verifier.parse(text)
    assert raised.value.code == "MALFORMED_KEY", why


SMALL_ORDER_KEYS = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]
"""The eight points of order dividing 8, then two of them written with y + p."""


@pytest.mark.parametrize("public_hex", SMALL_ORDER_KEYS)
def test_a_verifier_key_of_small_order_is_refused(public_hex: str) -> None:
    """A pinned key of small order is MALFORMED_KEY: anyone can sign under it.

    Under the identity point a signature of R = the identity and S = 0 opened
    every note, so a forged checkpoint counted as the operator's.
    """
    public = bytes.fromhex(public_hex)
    encoded = base64.b64encode(b"\x01" + public).decode()
    text = f"{ORIGIN}+{key_id(ORIGIN, public).hex()}+{encoded}"
    with pytest.raises(CheckpointError) as raised:
        Verifier.parse(text)
    assert raised.value.code == "MALFORMED_KEY"
    assert "small order" in raised.value.detail


def test_key_names_cannot_hold_spaces_or_plus() -> None:
    """A signing key's name must be usable in a note and a verifier key."""
    for name in ("has space", "has+plus", ""):
        with pytest.raises(CheckpointError):
            SigningKey.generate(name)


def test_a_key_file_naming_an_unknown_key_type_is_malformed() -> None:
    """A key file damaged into naming an unknown key type is MALFORMED_KEY."""
    pem = SigningKey.generate(ORIGIN).to_pem()
    # One base64 character of the Ed25519 OID (1.3.101.112) changed.
    damaged = pem.replace(b"MC4CAQAwBQYDK2Vw", b"MC4CAQAwBQYD+2Vw", 1)
    assert damaged != pem
    with pytest.raises(CheckpointError) as raised:
        SigningKey.from_pem(damaged)
    assert raised.value.code == "MALFORMED_KEY"


def test_a_passphrase_too_long_to_write_is_malformed_key() -> None:
    """A passphrase the key file format cannot take is MALFORMED_KEY, not ValueError."""
    with pytest.raises(CheckpointError) as raised:
        SigningKey.generate(ORIGIN).to_pem(b"a" * 1100)
    assert raised.value.code == "MALFORMED_KEY"


def test_a_byte_order_mark_is_never_part_of_a_key_name() -> None:
    """A name holding U+FEFF is refused; a verifier key saved after one still parses."""
    with pytest.raises(CheckpointError) as raised:
        SigningKey.generate("\ufefforg")
    assert raised.value.code == "MALFORMED_KEY"
    key = SigningKey.generate(ORIGIN)
    assert Verifier.parse("\ufeff" + key.verifier + "\r\n") == Verifier.parse(
        key.verifier
    )
