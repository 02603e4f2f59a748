#!/usr/bin/env python3
"""An independent verifier of teachersync change sets and bundles, written from docs/PROTOCOL.md alone.

It shares no code with the Swift implementation. It decodes an envelope or a bundle file strictly,
checks magic, format numbers, framing, the canonical rules, each set's id and (given public keys)
its Ed25519 signature, the hash chain and clock continuity of each stream within the input, and
optionally the schema and scope rules (given the hub's key, the key registry is read from the hub's own
sets). It can also merge the sets and print a county's state digest, to compare with
`teachersync digest --county CODE`.

Usage:
  reference_verifier.py --self-test
  reference_verifier.py envelope FILE|-            [--key BASE64 ...] [--json]
  reference_verifier.py envelope --hex HEX         [--key BASE64 ...] [--json]
  reference_verifier.py bundle FILE [--key BASE64 ...] [--hub-key BASE64] [--digest-county CODE]
                                    [--json] [--quiet]

Exit status: 0 all checks passed; 1 a check failed; 2 usage error.
Requires Python 3.9+ and the `cryptography` package (Ed25519).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import sys
import zlib
from dataclasses import dataclass, field
from typing import Optional, Union

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
except ImportError:  # pragma: no cover
    sys.exit("reference_verifier.py needs the 'cryptography' package (pip install cryptography)")

# --------------------------------------------------------------------------------------------------
# Constants (docs/PROTOCOL.md, sections 2, 4, 5, 6, 15, 16)
# --------------------------------------------------------------------------------------------------

SET_MAGIC = b"TSCS"
SET_FORMATS = {1}
BUNDLE_MAGIC = b"TSBN"
BUNDLE_FORMATS = {1, 2}
SIGNATURE_PREFIX = b"teachersync/changeset/v1"
DIGEST_PREFIX = b"teachersync/digest/v1"
GENESIS = bytes(32)
MAX_BODY = 16 * 1024 * 1024
MAX_OPS = 100_000
MAX_SCOPE_BYTES = 16
MAX_NAME_BYTES = 64  # table names and field names
MAX_TEXT_BYTES = 1 << 20  # text values
MAX_SEQUENCE = (1 << 63) - 1
DEFAULT_MAX_DRIFT_MS = 5 * 60 * 1000

KIND_NAMES = {1: "upsert", 2: "insert_fact", 3: "delete"}
KIND_CODES = {v: k for k, v in KIND_NAMES.items()}

# Reason codes and their classification (section 9).
CLASSIFICATION = {
    "format.malformed": "corrupt",
    "format.unsupported_version": "refused",
    "format.too_large": "refused",
    "format.schema_violation": "corrupt",
    "signature.invalid": "corrupt",
    "origin.unknown": "retryable",
    "origin.revoked": "refused",
    "chain.broken": "corrupt",
    "chain.gap": "retryable",
    "chain.fork": "refused",
    "hlc.future": "retryable",
    "hlc.not_monotonic": "corrupt",
    "scope.table_not_writable": "refused",
    "scope.outside_county": "refused",
    "scope.outside_project": "refused",  # the hub's project check on a provider's set (section 11.1)
    "scope.stream": "refused",
    "store.failure": "retryable",
}


class ProtocolError(Exception):
    """A refusal with its reason code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def malformed(detail: str) -> ProtocolError:
    return ProtocolError("format.malformed", detail)


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------

# A value is None (null), int (i64) or str (text). bool is never a value.
Value = Union[None, int, str]


def value_repr(v: Value) -> str:
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


# --------------------------------------------------------------------------------------------------
# Primitive decoding (section 2)
# --------------------------------------------------------------------------------------------------


class Reader:
    def __init__(self, data: bytes, start: int = 0, end: Optional[int] = None):
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def raw(self, n: int) -> bytes:
        if n < 0 or n > self.remaining:
            raise malformed(f"truncated: needed {n} bytes at offset {self.pos}, {self.remaining} left")
        b = self.data[self.pos : self.pos + n]
        self.pos += n
        return b

    def uint(self, width: int) -> int:
        return int.from_bytes(self.raw(width), "big")

    def u8(self) -> int:
        return self.uint(1)

    def u16(self) -> int:
        return self.uint(2)

    def u32(self) -> int:
        return self.uint(4)

    def u64(self) -> int:
        return self.uint(8)

    def i64(self) -> int:
        return int.from_bytes(self.raw(8), "big", signed=True)

    def string_bytes(self, limit: int) -> bytes:
        n = self.u32()
        if n > limit:
            raise malformed(f"string of {n} bytes at offset {self.pos} exceeds {limit}")
        b = self.raw(n)
        if b"\x00" in b:
            raise malformed(f"U+0000 in a string at offset {self.pos - n}")
        try:
            b.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise malformed(f"invalid UTF-8 at offset {self.pos - n}") from None
        return b

    def string(self, limit: int) -> str:
        return self.string_bytes(limit).decode("utf-8")

    def value(self) -> Value:
        at = self.pos
        tag = self.u8()
        if tag == 0:
            return None
        if tag == 1:
            return self.i64()
        if tag == 2:
            return self.string(MAX_TEXT_BYTES)
        raise malformed(f"unknown value tag {tag} at offset {at}")


# --------------------------------------------------------------------------------------------------
# Primitive encoding (used by the self-test, the digest and the vector printer)
# --------------------------------------------------------------------------------------------------


def enc_u8(v: int) -> bytes:
    return v.to_bytes(1, "big")


def enc_u16(v: int) -> bytes:
    return v.to_bytes(2, "big")


def enc_u32(v: int) -> bytes:
    return v.to_bytes(4, "big")


def enc_u64(v: int) -> bytes:
    return v.to_bytes(8, "big")


def enc_string(s: str) -> bytes:
    b = s.encode("utf-8")
    return enc_u32(len(b)) + b


def enc_value(v: Value) -> bytes:
    if v is None:
        return b"\x00"
    if isinstance(v, bool):
        raise TypeError("bool is not a protocol value")
    if isinstance(v, int):
        return b"\x01" + v.to_bytes(8, "big", signed=True)
    return b"\x02" + enc_string(v)


# --------------------------------------------------------------------------------------------------
# Clock readings (section 3)
# --------------------------------------------------------------------------------------------------


def hlc(ms: int, logical: int = 0) -> int:
    assert 0 <= ms < (1 << 48) and 0 <= logical < (1 << 16)
    return ms << 16 | logical


def hlc_repr(v: int) -> str:
    return f"{v >> 16}.{v & 0xFFFF}"


# --------------------------------------------------------------------------------------------------
# Change sets (sections 4-6)
# --------------------------------------------------------------------------------------------------


@dataclass
class Operation:
    kind: int
    hlc: int
    table: str
    key: list
    fields: list  # [(name, value)] in canonical (byte-ascending) order

    def field(self, name: str):
        for n, v in self.fields:
            if n == name:
                return True, v
        return False, None

    def encode(self) -> bytes:
        fields = sorted(self.fields, key=lambda f: f[0].encode("utf-8"))
        out = enc_u8(self.kind) + enc_u64(self.hlc) + enc_string(self.table) + enc_u16(len(self.key))
        for v in self.key:
            out += enc_value(v)
        out += enc_u16(len(fields))
        for n, v in fields:
            out += enc_string(n) + enc_value(v)
        return out

    def to_json(self) -> dict:
        return {
            "kind": KIND_NAMES[self.kind],
            "hlc": self.hlc,
            "hlc_ms": self.hlc >> 16,
            "hlc_logical": self.hlc & 0xFFFF,
            "table": self.table,
            "key": self.key,
            "fields": {n: v for n, v in self.fields},
        }


@dataclass
class ChangeSet:
    format: int
    origin: bytes
    scope: str
    sequence: int
    previous: bytes
    hlc_min: int
    hlc_max: int
    operations: list
    body: bytes
    signature: bytes
    signature_status: str = "not checked"

    @property
    def id(self) -> bytes:
        return hashlib.sha256(self.body).digest()

    @property
    def envelope(self) -> bytes:
        return enc_u32(len(self.body)) + self.body + self.signature

    @property
    def stream(self) -> tuple:
        return (self.origin, self.scope)

    def to_json(self) -> dict:
        return {
            "id": self.id.hex(),
            "format": self.format,
            "origin": self.origin.hex(),
            "scope": self.scope,
            "sequence": self.sequence,
            "previous": self.previous.hex(),
            "hlc_min": self.hlc_min,
            "hlc_max": self.hlc_max,
            "body_bytes": len(self.body),
            "envelope_bytes": len(self.body) + 68,
            "signature": self.signature.hex(),
            "signature_status": self.signature_status,
            "operations": [op.to_json() for op in self.operations],
        }


def valid_scope(s: str) -> bool:
    return s == "province" or (len(s) == 6 and all("0" <= c <= "9" for c in s))


def decode_operation(r: Reader, index: int) -> Operation:
    at = r.pos
    kind = r.u8()
    if kind not in KIND_NAMES:
        raise malformed(f"operation {index + 1}: unknown kind {kind} at offset {at}")
    stamp = r.u64()
    table = r.string(MAX_NAME_BYTES)
    key_count = r.u16()
    if key_count < 1:
        raise malformed(f"operation {index + 1}: empty key")
    key = [r.value() for _ in range(key_count)]
    field_count = r.u16()
    fields = []
    last: Optional[bytes] = None
    for _ in range(field_count):
        name_bytes = r.string_bytes(MAX_NAME_BYTES)
        if last is not None and not (last < name_bytes):
            raise malformed(f"operation {index + 1}: field names not strictly ascending")
        last = name_bytes
        fields.append((name_bytes.decode("utf-8"), r.value()))
    return Operation(kind, stamp, table, key, fields)


def decode_body(body: bytes, signature: bytes) -> ChangeSet:
    r = Reader(body)
    if r.raw(4) != SET_MAGIC:
        raise malformed("bad magic: not a change set")
    fmt = r.u16()
    if fmt not in SET_FORMATS:
        raise ProtocolError("format.unsupported_version", f"change-set format {fmt}")
    origin = r.raw(16)
    scope = r.string(MAX_SCOPE_BYTES)
    if not valid_scope(scope):
        raise malformed("bad stream scope")
    sequence = r.u64()
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise malformed("sequence number outside 1..2^63-1")
    previous = r.raw(32)
    if sequence == 1 and previous != GENESIS:
        raise malformed("the first set of a stream must name the genesis hash")
    lo = r.u64()
    hi = r.u64()
    count = r.u32()
    if not 1 <= count <= MAX_OPS:
        raise malformed(f"operation count {count} outside 1..{MAX_OPS}")
    ops = []
    for i in range(count):
        op = decode_operation(r, i)
        if ops and op.hlc <= ops[-1].hlc:
            raise malformed(f"operation {i + 1}: clock reading not after the previous one")
        ops.append(op)
    if r.remaining:
        raise malformed(f"{r.remaining} trailing bytes after the operations")
    if lo != min(op.hlc for op in ops) or hi != max(op.hlc for op in ops):
        raise malformed("declared clock range does not match the operations")
    return ChangeSet(fmt, origin, scope, sequence, previous, lo, hi, ops, body, signature)


def decode_envelope(data: bytes) -> ChangeSet:
    r = Reader(data)
    n = r.u32()
    if n > MAX_BODY:
        raise ProtocolError("format.too_large", f"body of {n} bytes exceeds {MAX_BODY}")
    body = r.raw(n)
    signature = r.raw(64)
    if r.remaining:
        raise malformed(f"{r.remaining} trailing bytes after the signature")
    return decode_body(body, signature)


def encode_body(origin: bytes, scope: str, sequence: int, previous: bytes, ops: list, fmt: int = 1) -> bytes:
    out = SET_MAGIC + enc_u16(fmt) + origin + enc_string(scope) + enc_u64(sequence) + previous
    out += enc_u64(min(o.hlc for o in ops)) + enc_u64(max(o.hlc for o in ops)) + enc_u32(len(ops))
    for o in ops:
        out += o.encode()
    return out


# --------------------------------------------------------------------------------------------------
# Keys, ids and signatures (sections 1, 5)
# --------------------------------------------------------------------------------------------------


def parse_public_key(text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not standard base64") from None
    if len(raw) != 32:
        raise ValueError(f"a public key is 32 bytes, got {len(raw)}")
    return raw


def origin_of(public_key: bytes) -> bytes:
    return hashlib.sha256(public_key).digest()[:16]


def signature_input(set_id: bytes) -> bytes:
    return SIGNATURE_PREFIX + set_id


def verify_signature(cs: ChangeSet, public_key: bytes) -> None:
    if origin_of(public_key) != cs.origin:
        raise ProtocolError("signature.invalid", "the key does not belong to the set's origin")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(cs.signature, signature_input(cs.id))
    except (InvalidSignature, ValueError):
        raise ProtocolError("signature.invalid", "the signature does not verify") from None


def seal(seed: bytes, scope: str, sequence: int, previous: bytes, ops: list) -> ChangeSet:
    """Builds and signs a set (self-test and vector printing only)."""
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pk = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    body = encode_body(origin_of(pk), scope, sequence, previous, ops)
    sig = sk.sign(signature_input(hashlib.sha256(body).digest()))
    return decode_body(body, sig)


# --------------------------------------------------------------------------------------------------
# Bundles (section 15)
# --------------------------------------------------------------------------------------------------


def decode_bundle(data: bytes) -> list:
    if len(data) < 4 + 2 + 4 + 32:
        raise malformed("bundle is truncated")
    if data[:4] != BUNDLE_MAGIC:
        raise malformed("not a teachersync bundle")
    fmt = int.from_bytes(data[4:6], "big")
    if fmt not in BUNDLE_FORMATS:  # checked before the checksum (section 15)
        raise ProtocolError("format.unsupported_version", f"bundle format {fmt}")
    if hashlib.sha256(data[:-32]).digest() != data[-32:]:
        raise malformed("bundle checksum does not match")
    r = Reader(data, 6, len(data) - 32)
    count = r.u32()
    out = []
    for index in range(count):
        if fmt == 1:
            n = r.u32()
            if n > MAX_BODY + 68:
                raise ProtocolError("format.too_large", f"set of {n} bytes in bundle")
            out.append(r.raw(n))
            continue
        # Format 2: u8 form ‖ u32 size ‖ u32 length ‖ bytes; form 1 is the envelope as one zlib stream.
        form, size, n = r.u8(), r.u32(), r.u32()
        if size > MAX_BODY + 68:
            raise ProtocolError("format.too_large", f"set {index + 1} of the bundle: {size} bytes")
        if form == 0:
            if n != size:
                raise malformed(f"set {index + 1} of the bundle: plain, {n} bytes for a size of {size}")
            out.append(r.raw(n))
        elif form == 1:
            if n > size + size // 1000 + 64:
                raise malformed(f"set {index + 1} of the bundle: {n} deflated bytes for a size of {size}")
            out.append(inflate_stored(r.raw(n), size))
        else:
            raise malformed(f"set {index + 1} of the bundle: unknown form {form}")
    if r.remaining:
        raise malformed(f"bundle has {r.remaining} stray bytes")
    return out


def inflate_stored(data: bytes, size: int) -> bytes:
    """A deflated stored form (section 15): exactly `size` bytes, nothing left over."""
    d = zlib.decompressobj()
    try:
        plain = d.decompress(data, size + 1)
    except zlib.error:
        raise malformed("a deflated set is not a valid zlib stream")
    if len(plain) != size or d.unconsumed_tail or d.unused_data:
        raise malformed(f"a deflated set does not inflate to its stated {size} bytes alone")
    return plain


def encode_bundle_v2(entries: list) -> bytes:
    """Bundle format 2 from (form, size, bytes) entries."""
    out = BUNDLE_MAGIC + enc_u16(2) + enc_u32(len(entries))
    for form, size, data in entries:
        out += bytes([form]) + enc_u32(size) + enc_u32(len(data)) + data
    return out + hashlib.sha256(out).digest()


def encode_bundle(envelopes: list) -> bytes:
    out = BUNDLE_MAGIC + enc_u16(1) + enc_u32(len(envelopes))
    for e in envelopes:
        out += enc_u32(len(e)) + e
    return out + hashlib.sha256(out).digest()


# --------------------------------------------------------------------------------------------------
# Tables and scope rules (sections 10, 11)
# --------------------------------------------------------------------------------------------------


@dataclass
class Table:
    name: str
    columns: list  # [(name, type, optional)]
    key: list
    kind: str  # "mutable" | "fact"
    scope_column: Optional[str]
    writers: set

    def column(self, name: str):
        for c in self.columns:
            if c[0] == name:
                return c
        return None

    @property
    def value_columns(self) -> list:
        return [c for c in self.columns if c[0] not in self.key]


T, I = "text", "integer"
H, HC, HCP = {"hub"}, {"hub", "county"}, {"hub", "county", "provider"}


def cols(*spec: str) -> list:
    """Columns from "name", "name:i" (integer), "name?" (optional), "name:i?"."""
    out = []
    for s in spec:
        optional = s.endswith("?")
        s = s.rstrip("?")
        name, _, t = s.partition(":")
        out.append((name, I if t == "i" else T, optional))
    return out


PERSON = ["id_type", "id_number"]
# Columns in declared order, key columns first, in catalog order (the order the state digest walks). On a
# county-scoped table the scope column is the first key column: a county's rows are keyed under its code
# (section 10).
TABLES = [
    Table("origins", cols("origin", "public_key", "role", "county?", "status"), ["origin"], "mutable", None, H),
    Table("units", cols("code", "name", "level", "parent?"), ["code"], "mutable", None, H),
    Table("schools", cols("county_code", "school_code", "name", "stages"),
          ["county_code", "school_code"], "mutable", "county_code", HC),
    Table("teachers", cols("county_code", "id_type", "id_number", "name", "gender", "school_code", "stage", "subject",
                           "dev_stage"),
          ["county_code"] + PERSON, "mutable", "county_code", HC),
    Table("study_records", cols("county_code", "record_id", "id_type", "id_number", "activity_code", "minutes:i",
                                "recorded_at", "source"),
          ["county_code", "record_id"], "fact", "county_code", HCP),
    Table("key_roots", cols("county", "root_key"), ["county"], "mutable", None, H),
    Table("key_terms", cols("origin", "authorization?", "valid_through:i?", "ended_at:i?", "end_reason?", "successor?",
                            "stream_points?"),
          ["origin"], "mutable", None, H),
    Table("registry", cols("name", "version:i", "expires_at:i"), ["name"], "mutable", None, H),
    Table("policies", cols("year:i", "version:i", "document", "published_at:i"), ["year"], "mutable", None, H),
    # The training year's records (section 10.1, rows 10-24).
    Table("providers", cols("provider_code", "name", "stages"), ["provider_code"], "mutable", None, H),
    Table("projects", cols("project_code", "year:i", "name", "stages", "provider_code", "hours_required:i"),
          ["project_code"], "mutable", None, H),
    Table("courses", cols("course_code", "year:i", "project_code?", "name", "kind", "category", "hours:i", "stages",
                          "subject", "dev_stage"),
          ["course_code"], "mutable", None, H),
    Table("contacts", cols("unit_code", "duty", "name", "phone", "email?"), ["unit_code", "duty"], "mutable", None, H),
    Table("provider_origins", cols("origin", "project_code"), ["origin"], "mutable", None, H),
    Table("cohorts", cols("county_code", "year:i", "cohort_code", "stage", "subject", "dev_stage", "courses"),
          ["county_code", "year", "cohort_code"], "mutable", "county_code", HC),
    Table("selections", cols("county_code", "year:i", "id_type", "id_number", "course_code", "cohort_code?"),
          ["county_code", "year"] + PERSON + ["course_code"], "mutable", "county_code", HC),
    Table("activities", cols("county_code", "activity_id", "year:i", "title", "course_code", "school_code?",
                             "held_on", "minutes:i"),
          ["county_code", "activity_id"], "mutable", "county_code", HC),
    Table("attendance", cols("county_code", "activity_id", "id_type", "id_number", "minutes:i"),
          ["county_code", "activity_id"] + PERSON, "mutable", "county_code", HC),
    Table("exemptions", cols("county_code", "year:i", "id_type", "id_number", "kind", "certificate_year:i",
                             "evidence"),
          ["county_code", "year"] + PERSON + ["kind"], "mutable", "county_code", HC),
    Table("make_ups", cols("county_code", "year:i", "id_type", "id_number", "enrolled_on"),
          ["county_code", "year"] + PERSON, "mutable", "county_code", HC),
    Table("homework", cols("county_code", "record_id", "id_type", "id_number", "year:i", "project_code",
                           "assignment_id", "score:i", "submitted_at"),
          ["county_code", "record_id"], "fact", "county_code", HCP),
    Table("withdrawals", cols("county_code", "record_id", "reason", "withdrawn_at"),
          ["county_code", "record_id"], "fact", "county_code", HCP),
    Table("assessments", cols("county_code", "year:i", "id_type", "id_number", "status", "hours", "total_hours:i",
                              "score:i?", "reasons", "policy_version:i"),
          ["county_code", "year"] + PERSON, "mutable", "county_code", H),
    Table("certificates", cols("county_code", "year:i", "id_type", "id_number", "serial", "code", "signature",
                               "issued_at", "revoked_at?", "revoke_reason?"),
          ["county_code", "year"] + PERSON, "mutable", "county_code", H),
]
assert all(t.scope_column is None or t.key[0] == t.scope_column for t in TABLES)
assert all([c[0] for c in t.columns[:len(t.key)]] == t.key for t in TABLES)
TABLE_BY_NAME = {t.name: t for t in TABLES}


@dataclass
class Author:
    public_key: bytes
    role: str  # "hub" | "county" | "provider"
    county: Optional[str]
    status: str  # "active" | "revoked"


def conforms(v: Value, ctype: str, allow_null: bool) -> bool:
    if v is None:
        return allow_null
    if ctype == "integer":
        return isinstance(v, int)
    # Text: at most 1 MiB of UTF-8 and no U+0000 (the decoder already refuses both on the wire).
    return isinstance(v, str) and len(v.encode("utf-8")) <= MAX_TEXT_BYTES and "\x00" not in v


def check_scope(cs: ChangeSet, author: Author) -> None:
    if author.role == "county" and not (cs.scope != "province" and cs.scope == author.county):
        raise ProtocolError("scope.stream", "a county origin writes only its own county's stream")
    if author.role == "provider" and cs.scope == "province":
        raise ProtocolError("scope.stream", "a provider origin writes only in the streams of its teachers' counties")
    for i, op in enumerate(cs.operations):
        check_operation(op, i, cs.scope, author)


def check_operation(op: Operation, i: int, stream_scope: str, author: Author) -> None:
    at = f"operation {i + 1}"
    t = TABLE_BY_NAME.get(op.table)
    if t is None:
        raise ProtocolError("format.schema_violation", f"{at}: unknown table {op.table!r}")
    if author.role not in t.writers:
        raise ProtocolError("scope.table_not_writable", f"{at}: {author.role} may not write {t.name}")
    allowed = {"mutable": {1, 3}, "fact": {2}}[t.kind]
    if op.kind not in allowed:
        raise ProtocolError("format.schema_violation", f"{at}: {KIND_NAMES[op.kind]} not allowed on {t.kind} table")
    if len(op.key) != len(t.key):
        raise ProtocolError("format.schema_violation", f"{at}: {t.name} has {len(t.key)} key columns")
    for name, v in zip(t.key, op.key):
        if not conforms(v, t.column(name)[1], False):
            raise ProtocolError("format.schema_violation", f"{at}: key column {name} has the wrong type")
    previous = None
    for name, v in op.fields:
        c = t.column(name)
        if c is None or name in t.key:
            raise ProtocolError("format.schema_violation", f"{at}: no value column {name!r}")
        if name == previous:
            raise ProtocolError("format.schema_violation", f"{at}: column {name} written twice")
        previous = name
        if not conforms(v, c[1], c[2]):
            raise ProtocolError("format.schema_violation", f"{at}: column {name} has the wrong type")
    if op.kind == 2:
        for c in t.value_columns:
            if not c[2] and not op.field(c[0])[0]:
                raise ProtocolError("format.schema_violation", f"{at}: fact lacks required column {c[0]}")
    elif op.kind == 3:
        if op.fields:
            raise ProtocolError("format.schema_violation", f"{at}: a delete carries no fields")
    elif not op.fields:
        raise ProtocolError("format.schema_violation", f"{at}: an upsert writes at least one field")
    if t.scope_column is None:
        return
    county = op.key[0]  # the scope column is the first key column; its type was checked above
    if county == "province" or not valid_scope(county):
        raise ProtocolError("format.schema_violation", f"{at}: {t.name} rows are keyed under a six-digit county code")
    if stream_scope != "province" and county != stream_scope:
        raise ProtocolError("scope.outside_county", f"{at}: a row of another county in the stream of {stream_scope}")
    if stream_scope == "province":
        raise ProtocolError("scope.stream", f"{at}: county rows belong in their county's stream")


# --------------------------------------------------------------------------------------------------
# Merge and state digest (sections 12, 16)
# --------------------------------------------------------------------------------------------------


def value_order(v: Value) -> tuple:
    """The total order of values (section 12): null < integer < text; integers numerically, text by UTF-8 bytes."""
    if v is None:
        return (0,)
    if isinstance(v, int):
        return (1, v)
    return (2, v.encode("utf-8"))


class Replica:
    """Rows per table: key tuple -> {"fields": {name: (value, stamp)}, "tomb": stamp|None}."""

    def __init__(self):
        self.tables = {t.name: {} for t in TABLES}
        self.conflicts = 0

    def apply(self, op: Operation, origin: bytes) -> None:
        stamp = (op.hlc, origin)
        rows = self.tables[op.table]
        row = rows.setdefault(tuple(op.key), {"fields": {}, "tomb": None})
        if op.kind == 1:
            if row["tomb"] is not None and stamp <= row["tomb"]:
                return
            for name, v in op.fields:
                cur = row["fields"].get(name)
                if cur is not None:
                    if cur[1] > stamp:
                        continue
                    # Equal stamps (a misbehaving author): the greater value wins, whatever the order.
                    if cur[1] == stamp and value_order(cur[0]) >= value_order(v):
                        continue
                row["fields"][name] = (v, stamp)
        elif op.kind == 3:
            if row["tomb"] is not None and stamp <= row["tomb"]:
                return
            row["tomb"] = stamp
            row["fields"] = {n: fv for n, fv in row["fields"].items() if fv[1] > stamp}
        else:
            if row["fields"]:
                existing = next(iter(row["fields"].values()))[1]
                if stamp >= existing:
                    return
            row["fields"] = {n: (v, stamp) for n, v in op.fields}

    def digest(self, county: Optional[str]) -> str:
        h = hashlib.sha256(DIGEST_PREFIX)
        for t in TABLES:
            if county is not None and t.scope_column is None:
                continue
            h.update(enc_string(t.name))
            rows = []
            for key, row in self.tables[t.name].items():
                if not row["fields"]:
                    continue
                if county is not None and key[0] != county:  # the scope column is the first key column
                    continue
                kb = b"".join(enc_value(v) for v in key)
                vb = b"".join(enc_value(row["fields"].get(c[0], (None,))[0]) for c in t.value_columns)
                rows.append((kb, b"\x01" + kb + vb))
            for _, rb in sorted(rows):
                h.update(rb)
            h.update(b"\x00")
        return h.hexdigest()


def digest_rows(county_rows: dict) -> str:
    """Digest of explicit rows: {table: [(key list, {column: value})]} for the tables given (in catalog order)."""
    h = hashlib.sha256(DIGEST_PREFIX)
    for t in TABLES:
        if t.name not in county_rows:
            continue
        h.update(enc_string(t.name))
        rows = []
        for key, values in county_rows[t.name]:
            kb = b"".join(enc_value(v) for v in key)
            vb = b"".join(enc_value(values.get(c[0])) for c in t.value_columns)
            rows.append((kb, b"\x01" + kb + vb))
        for _, rb in sorted(rows):
            h.update(rb)
        h.update(b"\x00")
    return h.hexdigest()


def check_provider_project(cs: ChangeSet, held: Replica) -> None:
    """The hub's project check on a set whose author has role provider (section 11.1).

    `held` is the hub's state before the set is applied. Only the hub makes this check; every other node
    applies the stateless rules alone (check_scope)."""
    def visible(table: str, key: list) -> Optional[dict]:
        row = held.tables[table].get(tuple(key))
        if row is None or not row["fields"]:
            return None
        return {n: v for n, (v, _) in row["fields"].items()}

    def text(row: Optional[dict], column: str) -> Optional[str]:
        v = row.get(column) if row is not None else None
        return v if isinstance(v, str) else None

    enrolment = visible("provider_origins", [cs.origin.hex()])
    project = text(enrolment, "project_code")
    if project is None:
        raise ProtocolError("scope.outside_project", f"provider origin {cs.origin.hex()} is enrolled for no project")
    stages_text = text(visible("projects", [project]), "stages")
    if stages_text is None:
        raise ProtocolError("scope.outside_project", f"project {project} is not in the catalogue")
    stages = {s for s in stages_text.split(";") if s}

    def course_of_project(course: Optional[str]) -> bool:
        return course is not None and text(visible("courses", [course]), "project_code") == project

    def teacher_of_project(op: Operation) -> bool:
        id_type, id_number = op.field("id_type"), op.field("id_number")
        if not (id_type[0] and id_number[0] and isinstance(id_type[1], str) and isinstance(id_number[1], str)):
            return False
        return text(visible("teachers", [op.key[0], id_type[1], id_number[1]]), "stage") in stages

    for i, op in enumerate(cs.operations):
        at = f"operation {i + 1}"
        if op.table == "study_records":
            activity = op.field("activity_code")
            if not course_of_project(activity[1] if activity[0] and isinstance(activity[1], str) else None):
                raise ProtocolError("scope.outside_project", f"{at}: the course is not one of project {project}'s")
            if op.field("source") != (True, "provider"):
                raise ProtocolError("scope.outside_project", f"{at}: a provider's study records have source provider")
            if not teacher_of_project(op):
                raise ProtocolError("scope.outside_project", f"{at}: the teacher is not one of project {project}'s")
        elif op.table == "homework":
            if op.field("project_code") != (True, project):
                raise ProtocolError("scope.outside_project", f"{at}: homework of another project than {project}")
            if not teacher_of_project(op):
                raise ProtocolError("scope.outside_project", f"{at}: the teacher is not one of project {project}'s")
        elif op.table == "withdrawals":
            county, record = op.key[0], op.key[-1]
            course = text(visible("study_records", [county, record]), "activity_code")
            if course is not None:
                ok = course_of_project(course)
            else:
                ok = text(visible("homework", [county, record]), "project_code") == project
            if not ok:
                raise ProtocolError("scope.outside_project",
                                    f"{at}: the withdrawn record is not one of project {project}'s")
        else:
            raise ProtocolError("scope.table_not_writable", f"{at}: role provider may not write {op.table}")


# --------------------------------------------------------------------------------------------------
# Verifying a run of sets
# --------------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    index: int
    set: Optional[ChangeSet]
    error: Optional[ProtocolError] = None
    notes: list = field(default_factory=list)


def verify_sets(envelopes: list, keys: dict, hub_key: Optional[bytes], now_ms: Optional[int],
                extra_registry: Optional[dict] = None, raise_first: bool = False) -> list:
    """Decodes and checks each envelope; returns one verdict per envelope, in input order.

    `keys` maps origin ids to explicitly trusted public keys (signature checked, scope not checked).
    With `hub_key`, the registry is read from the hub's sets and every author's scope is checked.
    """
    verdicts = []
    for i, env in enumerate(envelopes):
        try:
            verdicts.append(Verdict(i, decode_envelope(env)))
        except ProtocolError as e:
            verdicts.append(Verdict(i, None, e))

    # The registry: the hub's own sets (verified with the pinned hub key) define the other origins.
    registry: dict = {}
    hub_origin = origin_of(hub_key) if hub_key else None
    if hub_key:
        registry[hub_origin] = Author(hub_key, "hub", None, "active")
        hub_sets = sorted((v.set for v in verdicts if v.set and v.set.origin == hub_origin),
                          key=lambda s: (s.scope, s.sequence))
        reg = Replica()
        for s in hub_sets:
            try:
                verify_signature(s, hub_key)
            except ProtocolError:
                continue
            for op in s.operations:
                if op.table == "origins" and op.kind in (1, 3):
                    reg.apply(op, s.origin)
        for key, row in reg.tables["origins"].items():
            f = {n: v for n, (v, _) in row["fields"].items()}
            if not f or not isinstance(f.get("public_key"), str):
                continue
            try:
                pk = parse_public_key(f["public_key"])
            except ValueError:
                continue
            o = origin_of(pk)
            # A row counts only if its key is the origin id of its own public key (lowercase hex).
            if list(key) != [o.hex()]:
                continue
            if f.get("role") not in ("hub", "county", "provider") or f.get("status") not in ("active", "revoked"):
                continue
            if o == hub_origin:
                if f.get("status") == "revoked":
                    registry[o] = Author(pk, "hub", None, "revoked")
                continue
            if f.get("role") == "hub":
                continue  # only the pinned key acts as the hub
            registry[o] = Author(pk, f.get("role"), f.get("county"), f.get("status"))

    if extra_registry:
        registry.update(extra_registry)

    # Per-set checks in the order of section 8 (except the store-only ones), as a receiver that holds
    # nothing of the stream would apply them: each stream's sets in sequence order, a refused set leaving
    # the head where it was. When a stream's first set in the input is not sequence 1, the head before it
    # is unknown: its `previous` and clock continuity are not checked (reported as a note).
    by_stream: dict = {}
    for v in verdicts:
        if v.set is not None:
            by_stream.setdefault(v.set.stream, []).append(v)
    for stream, vs in by_stream.items():
        vs.sort(key=lambda v: v.set.sequence)  # stable: equal sequences keep their input order
        # head = (sequence, id, hlc max) of the newest accepted set; (0, genesis, 0) before sequence 1.
        head: Optional[tuple] = (0, GENESIS, 0) if vs[0].set.sequence == 1 else None
        accepted: dict = {}  # sequence -> id of the accepted set
        refused: dict = {}  # sequence -> reason of the first refusal
        for v in vs:
            s = v.set
            try:
                if accepted.get(s.sequence) == s.id:
                    v.notes.append("duplicate of an earlier envelope")
                    continue
                author = registry.get(s.origin)
                explicit = keys.get(s.origin)
                if author is None and explicit is None:
                    if hub_key is not None:
                        raise ProtocolError("origin.unknown", "the origin is not in the registry the hub's sets build")
                    v.notes.append("no key for this origin: signature not checked")
                else:
                    if author is not None and author.status != "active":
                        raise ProtocolError("origin.revoked", "the origin's key has been revoked")
                    verify_signature(s, (author.public_key if author else explicit))
                    s.signature_status = "valid"
                if head is None:
                    if refused:
                        first = min(refused)
                        raise ProtocolError("chain.gap", f"set {first} of this stream was refused ({refused[first]})")
                    v.notes.append(f"stream starts at {s.sequence} in this input: previous and clock continuity "
                                   "not checked")
                else:
                    if s.sequence <= head[0]:
                        raise ProtocolError("chain.fork", f"a different set {s.sequence} was accepted before")
                    if s.sequence > head[0] + 1:
                        missing = [q for q in range(head[0] + 1, s.sequence) if q in refused]
                        why = f" (set {missing[0]} was refused: {refused[missing[0]]})" if missing else ""
                        raise ProtocolError("chain.gap", f"sets {head[0] + 1}..{s.sequence - 1} missing{why}")
                    if s.previous != head[1]:
                        raise ProtocolError("chain.broken", "previous does not name the stream's prior set")
                    if s.hlc_min <= head[2]:
                        raise ProtocolError("hlc.not_monotonic",
                                            f"hlc min {hlc_repr(s.hlc_min)} is not after {hlc_repr(head[2])}, the "
                                            "hlc max of the stream's previous set (0 before set 1)")
                if now_ms is not None and (s.hlc_max >> 16) > now_ms + DEFAULT_MAX_DRIFT_MS:
                    raise ProtocolError("hlc.future", "clock readings more than 5 minutes ahead")
                if author is not None:
                    check_scope(s, author)
                elif explicit is not None:
                    v.notes.append("key given with --key: scope not checked")
            except ProtocolError as e:
                if raise_first:
                    raise
                v.error = e
                refused.setdefault(s.sequence, e.reason)
                continue
            head = (s.sequence, s.id, s.hlc_max)
            accepted[s.sequence] = s.id
    return verdicts


# --------------------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------------------


def print_set(s: ChangeSet, out=sys.stdout) -> None:
    print(f"set {s.id.hex()}", file=out)
    print(f"  format {s.format}  origin {s.origin.hex()}  scope {s.scope}  sequence {s.sequence}", file=out)
    print(f"  previous {s.previous.hex()}", file=out)
    print(f"  hlc {hlc_repr(s.hlc_min)} .. {hlc_repr(s.hlc_max)}  operations {len(s.operations)}"
          f"  body {len(s.body)} bytes  envelope {len(s.body) + 68} bytes", file=out)
    print(f"  signature {s.signature.hex()} ({s.signature_status})", file=out)
    for i, op in enumerate(s.operations):
        key = ", ".join(value_repr(v) for v in op.key)
        fields = ", ".join(f"{n}={value_repr(v)}" for n, v in op.fields)
        print(f"  {i + 1:>4}. {KIND_NAMES[op.kind]:<11} {hlc_repr(op.hlc)} {op.table} [{key}] {{{fields}}}", file=out)


# --------------------------------------------------------------------------------------------------
# The test vectors of docs/PROTOCOL.md, section 18
# --------------------------------------------------------------------------------------------------

VECTOR_SEED = bytes(range(32))
VECTOR_PUBLIC_KEY_B64 = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
VECTOR_ORIGIN = "56475aa75463474c0285df5dbf2bcab7"
VECTOR_TEACHER_ID = "130102198503120025"


def vector_operations() -> dict:
    c = "130102"
    a = [
        Operation(1, hlc(1_700_000_000_000, 0), "schools", [c, "1301020001"],
                  [("name", "长安区第一实验小学"), ("stages", "2")]),
        Operation(2, hlc(1_700_000_000_000, 1), "study_records", [c, "R130102-0001"],
                  [("activity_code", "C2023-11"), ("id_number", VECTOR_TEACHER_ID), ("id_type", "1"),
                   ("minutes", 90), ("recorded_at", "2023-11-15T06:13:20+08:00"), ("source", "provider")]),
        Operation(3, hlc(1_700_000_000_001, 0), "schools", [c, "1301020002"], []),
    ]
    b = [
        Operation(1, hlc(1_700_000_060_000, 0), "schools", [c, "1301020001"], [("name", "长安区实验小学")]),
        Operation(1, hlc(1_700_000_060_000, 1), "teachers", [c, "1", VECTOR_TEACHER_ID],
                  [("dev_stage", "key"), ("gender", "F"), ("name", "王芳"), ("school_code", "1301020001"),
                   ("stage", "2"), ("subject", "13")]),
    ]
    c_ops = [
        Operation(1, hlc(1_700_000_000_000, 0), "origins", [VECTOR_ORIGIN],
                  [("county", None), ("public_key", VECTOR_PUBLIC_KEY_B64), ("role", "hub"), ("status", "active")]),
    ]
    return {"A": a, "B": b, "C": c_ops}


# Copied from docs/PROTOCOL.md, section 18 (the envelope of each vector, hex: u32 length, body, signature).
VECTOR_ENVELOPES = {
    "A": (
        "000001dd54534353000156475aa75463474c0285df5dbf2bcab7000000063133"
        "3031303200000000000000010000000000000000000000000000000000000000"
        "000000000000000000000000018bcfe568000000018bcfe56801000000000003"
        "01018bcfe568000000000000077363686f6f6c73000202000000063133303130"
        "32020000000a313330313032303030310002000000046e616d65020000001be9"
        "95bfe5ae89e58cbae7acace4b880e5ae9ee9aa8ce5b08fe5ada6000000067374"
        "6167657302000000013202018bcfe5680000010000000d73747564795f726563"
        "6f72647300020200000006313330313032020000000c523133303130322d3030"
        "303100060000000d61637469766974795f636f6465020000000843323032332d"
        "31310000000969645f6e756d6265720200000012313330313032313938353033"
        "3132303032350000000769645f74797065020000000131000000076d696e7574"
        "657301000000000000005a0000000b7265636f726465645f6174020000001932"
        "3032332d31312d31355430363a31333a32302b30383a303000000006736f7572"
        "6365020000000870726f766964657203018bcfe568010000000000077363686f"
        "6f6c7300020200000006313330313032020000000a3133303130323030303200"
        "00ed7b8f0d4cc174529973c85eea04f654a9bac24406c66deddf5e3fda3f46b4"
        "ee6975880c12bcadc274bcde10f0aeb2b24afa414b2a1f46f2ada44e476e07ca"
        "09"
    ),
    "B": (
        "0000016854534353000156475aa75463474c0285df5dbf2bcab7000000063133"
        "3031303200000000000000022bafde017746de53efc7e85c15c3f8e862e680de"
        "f678b119263a1d6c793b3dd5018bcfe652600000018bcfe65260000100000002"
        "01018bcfe652600000000000077363686f6f6c73000202000000063133303130"
        "32020000000a313330313032303030310001000000046e616d650200000015e9"
        "95bfe5ae89e58cbae5ae9ee9aa8ce5b08fe5ada601018bcfe652600001000000"
        "0874656163686572730003020000000631333031303202000000013102000000"
        "123133303130323139383530333132303032350006000000096465765f737461"
        "676502000000036b65790000000667656e646572020000000146000000046e61"
        "6d650200000006e78e8be88ab30000000b7363686f6f6c5f636f646502000000"
        "0a31333031303230303031000000057374616765020000000132000000077375"
        "626a656374020000000231330fa9bf2745f00bd65e55d2388eda7418e15408a5"
        "a7e97a73e6ed89c2ad64b6ad6f25727141ae2d85d4b8f3fef93239bd9672edeb"
        "317311fb9c5fa540e3ff360c"
    ),
    "C": (
        "0000010a54534353000156475aa75463474c0285df5dbf2bcab7000000087072"
        "6f76696e63650000000000000001000000000000000000000000000000000000"
        "0000000000000000000000000000018bcfe568000000018bcfe5680000000000"
        "000101018bcfe568000000000000076f726967696e7300010200000020353634"
        "3735616137353436333437346330323835646635646266326263616237000400"
        "000006636f756e7479000000000a7075626c69635f6b6579020000002c413645"
        "48762f504f454c3464634e3059353076416d57666b316a436270513166486479"
        "475a424a564d62673d00000004726f6c65020000000368756200000006737461"
        "7475730200000006616374697665ac55d4855e2327bcec32ab392200f922ea39"
        "1589851aad0fd0b8af9124dba986a3b63e71f20fba63be80b69b39f511cd8666"
        "ac8e9f09304cec909fa5191cea0d"
    ),
}
VECTOR_IDS = {
    "A": "2bafde017746de53efc7e85c15c3f8e862e680def678b119263a1d6c793b3dd5",
    "B": "cccb84dc519d971f3e0d210a161005a85c4a72173535deee503e250a45b1dcdc",
    "C": "749797aa090c31a1bf93877c96edeee7e2af802bd4348b52efbee83cd793825c",
}
VECTOR_DIGEST_130102 = "0ce0f5670425344670ed9e86ecb6133519a3e1fef006a6eb211bff7f8700b925"
VECTOR_BUNDLE_AB_SHA256 = "bf98874cf5839cd39d2e2c6bf22cac6202f50d807c6bb7b0bb502299328b4ed5"
VECTOR_BUNDLE_AB_CHECKSUM = "552f2a22eb4d81bab437e86bdd575bc6f603bebbb31267ac6d20cf7a2689ef93"


def build_vectors() -> dict:
    ops = vector_operations()
    a = seal(VECTOR_SEED, "130102", 1, GENESIS, ops["A"])
    b = seal(VECTOR_SEED, "130102", 2, a.id, ops["B"])
    c = seal(VECTOR_SEED, "province", 1, GENESIS, ops["C"])
    return {"A": a, "B": b, "C": c}


def vector_digest_rows() -> dict:
    c = "130102"
    return {
        "schools": [([c, "1301020001"], {"name": "长安区实验小学", "stages": "2"})],
        "teachers": [([c, "1", VECTOR_TEACHER_ID], {
            "name": "王芳", "gender": "F", "school_code": "1301020001", "stage": "2", "subject": "13",
            "dev_stage": "key"})],
        "study_records": [([c, "R130102-0001"], {
            "id_type": "1", "id_number": VECTOR_TEACHER_ID, "activity_code": "C2023-11", "minutes": 90,
            "recorded_at": "2023-11-15T06:13:20+08:00", "source": "provider"})],
        # The training year's county-scoped tables, empty: each still hashes its name and the end byte.
        **{name: [] for name in ("cohorts", "selections", "activities", "attendance", "exemptions", "make_ups",
                                 "homework", "withdrawals", "assessments", "certificates")},
    }


def print_vectors() -> None:
    """Prints the vectors as computed here (used to write section 18; not a check)."""
    sk = Ed25519PrivateKey.from_private_bytes(VECTOR_SEED)
    pk = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    print("public key b64", base64.b64encode(pk).decode())
    print("public key hex", pk.hex())
    print("origin", origin_of(pk).hex())
    vs = build_vectors()
    for name, s in vs.items():
        print(f"--- {name}")
        print("body", s.body.hex())
        print("body length", len(s.body), "envelope length", len(s.body) + 68)
        print("id", s.id.hex())
        print("sig", s.signature.hex())
        print("envelope", s.envelope.hex())
    bundle = encode_bundle([vs["A"].envelope, vs["B"].envelope])
    print("bundle AB length", len(bundle), "checksum", bundle[-32:].hex(), "sha256(file)",
          hashlib.sha256(bundle).hexdigest())
    rep = Replica()
    for s in (vs["A"], vs["B"]):
        for op in s.operations:
            rep.apply(op, s.origin)
    print("digest 130102 (merge)", rep.digest("130102"))
    print("digest 130102 (rows) ", digest_rows(vector_digest_rows()))


# --------------------------------------------------------------------------------------------------
# Self-test
# --------------------------------------------------------------------------------------------------


def doc_tables(text: str) -> list:
    """The rows of the table of section 10.1: (name, columns, key, kind, scope column, writers)."""
    rows = []
    row = re.compile(r"^\| \d+ \| `(\w+)` \| (.*) \| (mutable|fact) \| (?:`(\w+)`|—) \| ([\w, ]+) \|$", re.M)
    for m in row.finditer(text):
        name, cells, kind, scope, writers = m.groups()
        columns, key = [], []
        for bold, column, notes in re.findall(r"(\*\*)?`(\w+)`(?:\*\*)?(?: \(([\w, ]+)\))?", cells):
            notes = set(notes.split(", ")) if notes else set()
            columns.append((column, I if "integer" in notes else T, "optional" in notes))
            if bold:
                key.append(column)
        rows.append((name, columns, key, kind, scope, set(writers.split(", "))))
    return rows


def self_test() -> int:
    failures = []

    def check(cond: bool, what: str) -> None:
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    def expect_reason(reason: str, what: str, fn) -> None:
        try:
            fn()
        except ProtocolError as e:
            check(e.reason == reason, f"{what}: {e.reason}")
            return
        check(False, f"{what}: accepted, expected {reason}")

    pk = parse_public_key(VECTOR_PUBLIC_KEY_B64)
    sk = Ed25519PrivateKey.from_private_bytes(VECTOR_SEED)
    check(sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == pk, "seed 00..1f gives the vector public key")
    check(origin_of(pk).hex() == VECTOR_ORIGIN, "origin id = SHA-256(public key)[0:16]")

    decoded = {}
    for name in ("A", "B", "C"):
        env = bytes.fromhex(VECTOR_ENVELOPES[name])
        s = decode_envelope(env)
        decoded[name] = s
        check(s.id.hex() == VECTOR_IDS[name], f"vector {name}: id")
        try:
            verify_signature(s, pk)
            check(True, f"vector {name}: signature verifies")
        except ProtocolError:
            check(False, f"vector {name}: signature verifies")
        check(s.envelope == env, f"vector {name}: re-framing gives the same envelope")
        rebuilt = encode_body(s.origin, s.scope, s.sequence, s.previous, s.operations)
        check(rebuilt == s.body, f"vector {name}: re-encoding the decoded set gives the same body")
        check(s.origin.hex() == VECTOR_ORIGIN, f"vector {name}: origin")
        check(len(env) == len(s.body) + 68, f"vector {name}: envelope = 4 + body + 64 bytes")
    ops = vector_operations()
    for name in ("A", "B", "C"):
        check([o.encode() for o in decoded[name].operations] == [o.encode() for o in ops[name]],
              f"vector {name}: operations are the ones described in the doc")
    built = build_vectors()
    for name in ("A", "B", "C"):
        check(built[name].envelope.hex() == VECTOR_ENVELOPES[name],
              f"vector {name}: sealing here (deterministic Ed25519) reproduces the envelope byte for byte")
    a, b, c = decoded["A"], decoded["B"], decoded["C"]
    check(a.sequence == 1 and a.previous == GENESIS, "vector A: sequence 1 names genesis")
    check(b.sequence == 2 and b.previous == a.id, "vector B: chained to A")
    check(c.scope == "province" and c.operations[0].fields[0] == ("county", None), "vector C: null value")

    bundle = encode_bundle([a.envelope, b.envelope])
    check(bundle[-32:].hex() == VECTOR_BUNDLE_AB_CHECKSUM, "bundle A,B: trailing checksum")
    check(hashlib.sha256(bundle).hexdigest() == VECTOR_BUNDLE_AB_SHA256, "bundle A,B: SHA-256 of the file")
    check(decode_bundle(bundle) == [a.envelope, b.envelope], "bundle A,B: decodes to the two envelopes")
    verdicts = verify_sets(decode_bundle(bundle), {a.origin: pk}, None, None)
    check(all(v.error is None for v in verdicts), "bundle A,B: chain and signatures verify")

    rep = Replica()
    for s in (a, b):
        for op in s.operations:
            rep.apply(op, s.origin)
    check(rep.digest("130102") == VECTOR_DIGEST_130102, "state digest of county 130102 after A, B (by merging)")
    check(digest_rows(vector_digest_rows()) == VECTOR_DIGEST_130102, "state digest of county 130102 (listed rows)")
    # Merge order does not matter.
    rep2 = Replica()
    for s in (b, a):
        for op in reversed(s.operations):
            rep2.apply(op, s.origin)
    check(rep2.digest("130102") == VECTOR_DIGEST_130102, "state digest is independent of apply order")

    # Scope rules (section 11), as a county author for 130102 and as the hub.
    county_author = Author(pk, "county", "130102", "active")
    hub_author = Author(pk, "hub", None, "active")
    for s in (a, b):
        try:
            check_scope(s, county_author)
            check_scope(s, hub_author)
            check(True, f"scope rules accept set {s.sequence} from a county-130102 author and from the hub")
        except ProtocolError as e:
            check(False, f"scope rules: {e}")
    expect_reason("scope.stream", "county author writing another county's stream",
                  lambda: check_scope(a, Author(pk, "county", "130104", "active")))
    expect_reason("scope.stream", "county author writing the province stream", lambda: check_scope(c, county_author))
    county_set = lambda seq_ops: seal(VECTOR_SEED, "130102", 3, b.id, seq_ops)  # noqa: E731
    expect_reason("scope.table_not_writable", "county author writing origins",
                  lambda: check_scope(county_set(ops["C"]), county_author))

    def school(county, kind=1, fields=(("name", "x"),)):
        return Operation(kind, hlc(1, 0), "schools", [county, "1"], list(fields))

    def op_reason(reason, what, op, scope="130102", author=county_author):
        expect_reason(reason, what, lambda: check_operation(op, 0, scope, author))

    check(check_operation(school("130104"), 0, "130104", hub_author) is None,
          "the hub writes county 130104's rows in stream 130104")
    op_reason("scope.outside_county", "row keyed under 130104 in the stream of 130102", school("130104"))
    op_reason("scope.stream", "county row in the province stream (hub)", school("130102"), "province", hub_author)
    op_reason("format.schema_violation", "county key 'province'", school("province"), "province", hub_author)
    op_reason("format.schema_violation", "county key not six digits", school("13010X"))
    op_reason("format.schema_violation", "county key as integer",
              Operation(1, hlc(1, 0), "schools", [130102, "1"], [("name", "x")]))
    op_reason("format.schema_violation", "key without the county (one value)",
              Operation(1, hlc(1, 0), "schools", ["1301020009"], [("name", "x")]))
    op_reason("format.schema_violation", "county_code as a field (it is a key column)",
              school("130102", fields=[("county_code", "130102"), ("name", "x")]))
    op_reason("format.schema_violation", "delete carrying a field", school("130102", 3, [("name", "x")]))
    check(check_operation(school("130102", 3, []), 0, "130102", county_author) is None, "delete without fields")
    op_reason("format.schema_violation", "upsert without fields", school("130102", 1, []))
    op_reason("format.schema_violation", "field written twice", school("130102", 1, [("name", "x"), ("name", "y")]))
    op_reason("format.schema_violation", "text containing U+0000", school("130102", 1, [("name", "a\x00b")]))
    op_reason("format.schema_violation", "text over 1 MiB", school("130102", 1, [("name", "x" * (MAX_TEXT_BYTES + 1))]))
    op_reason("format.schema_violation", "upsert on a fact table",
              Operation(1, hlc(1, 0), "study_records", ["130102", "R"], [("minutes", 5)]))
    op_reason("format.schema_violation", "fact lacking required columns",
              Operation(2, hlc(1, 0), "study_records", ["130102", "R"], [("minutes", 5)]))
    op_reason("format.schema_violation", "integer in a text column", school("130102", 1, [("name", 5)]))
    op_reason("format.schema_violation", "unknown table", Operation(1, hlc(1, 0), "nope", ["x"], [("a", 1)]))
    expect_reason("origin.revoked", "revoked author",
                  lambda: verify_sets([a.envelope], {}, None, None, {a.origin: Author(pk, "county", "130102",
                                                                                      "revoked")}, raise_first=True))

    # Merge (section 12): equal stamps keep the greater value (null < integer < text by UTF-8 bytes).
    key = ["130102", "1"]
    tie = [Operation(1, hlc(5, 0), "schools", key, [("name", v)]) for v in (7, "A", "B", None)]
    for order in (tie, tie[::-1], tie[1:] + tie[:1]):
        r = Replica()
        for o in order:
            r.apply(o, a.origin)
        check(r.tables["schools"][tuple(key)]["fields"]["name"][0] == "B",
              "equal stamps: the greater value wins in any order")
    check(value_order("Z") < value_order("a") < value_order("é") and value_order(None) < value_order(-1) < value_order(""),
          "value order: null < integer < text, text by UTF-8 bytes")

    # Registry (section 13.1): a row counts only under the origin id of its own key.
    other_sk = Ed25519PrivateKey.from_private_bytes(bytes([7] * 32))
    other_pk = other_sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    other_b64 = base64.b64encode(other_pk).decode()

    def enrol(row_key):
        return [Operation(1, hlc(1_700_000_000_000, 1), "origins", [row_key],
                          [("county", "130102"), ("public_key", other_b64), ("role", "county"), ("status", "active")])]

    def county_set_by_other():
        op = school("130102")
        body = encode_body(origin_of(other_pk), "130102", 1, GENESIS, [op])
        return decode_body(body, other_sk.sign(signature_input(hashlib.sha256(body).digest())))

    for row_key, expected, what in ((origin_of(other_pk).hex(), None, "under its own origin id"),
                                    (VECTOR_ORIGIN, "origin.unknown", "under another origin id"),
                                    (origin_of(other_pk).hex().upper(), "origin.unknown", "under upper-case hex")):
        reg = seal(VECTOR_SEED, "province", 2, c.id, enrol(row_key))
        vs = verify_sets([c.envelope, reg.envelope, county_set_by_other().envelope], {}, pk, None)
        got = vs[2].error.reason if vs[2].error else None
        check(got == expected, f"registry row {what}: the county's set is {got or 'accepted'}")

    # The provider role (section 11): county streams only, any county, the tables listing provider as a writer.
    provider_author = Author(other_pk, "provider", None, "active")
    P, T1, T2 = "P2019-1", "130102198503120025", "130102199001010011"

    def provider_op(table, key, fields, kind=2, at=1):
        return Operation(kind, hlc(1_700_000_100_000, at), table, key, fields)

    def study(county, record, teacher=T1, course="C-P1", source="provider", at=1):
        return provider_op("study_records", [county, record],
                           [("activity_code", course), ("id_number", teacher), ("id_type", "1"), ("minutes", 45),
                            ("recorded_at", "2019-11-15T06:13:20+08:00"), ("source", source)], at=at)

    def homework(county, record, project=P, teacher=T1, at=1):
        return provider_op("homework", [county, record],
                           [("assignment_id", "A1"), ("id_number", teacher), ("id_type", "1"),
                            ("project_code", project), ("score", 855), ("submitted_at", "2019-11-20T10:00:00+08:00"),
                            ("year", 2019)], at=at)

    def withdrawal(county, record, at=1):
        return provider_op("withdrawals", [county, record],
                           [("reason", "duplicate"), ("withdrawn_at", "2019-12-01T09:00:00+08:00")], at=at)

    def provider_set(scope, operations):
        body = encode_body(origin_of(other_pk), scope, 1, GENESIS, operations)
        return decode_body(body, other_sk.sign(signature_input(hashlib.sha256(body).digest())))

    for scope, operation in (("130102", study("130102", "R1")), ("130104", homework("130104", "H1")),
                             ("130102", withdrawal("130102", "R1"))):
        try:
            check_scope(provider_set(scope, [operation]), provider_author)
            check(True, f"provider writes {operation.table} in the stream of county {scope}")
        except ProtocolError as e:
            check(False, f"provider writes {operation.table} in the stream of county {scope}: {e}")
    expect_reason("scope.stream", "provider writing the province stream",
                  lambda: check_scope(provider_set("province", [study("130102", "R1")]), provider_author))
    expect_reason("scope.outside_county", "provider: row of 130104 in the stream of 130102",
                  lambda: check_scope(provider_set("130102", [study("130104", "R1")]), provider_author))
    for table, key in (("teachers", ["130102", "1", T1]), ("selections", ["130102", 2019, "1", T1, "C-P1"]),
                       ("assessments", ["130102", 2019, "1", T1]), ("courses", ["C-P1"])):
        expect_reason("scope.table_not_writable", f"provider writing {table}",
                      lambda: check_operation(Operation(1, hlc(1, 0), table, key, [("name", "x")]), 0, "130102",
                                              provider_author))
    expect_reason("scope.table_not_writable", "county author writing assessments",
                  lambda: check_operation(Operation(1, hlc(1, 0), "assessments", ["130102", 2019, "1", T1],
                                                    [("status", "qualified")]), 0, "130102", county_author))
    # A provider enrolled in the hub's registry (role provider, no county) is an author like any other.
    provider_row = [Operation(1, hlc(1_700_000_000_000, 1), "origins", [origin_of(other_pk).hex()],
                              [("county", None), ("public_key", other_b64), ("role", "provider"),
                               ("status", "active")])]
    reg = seal(VECTOR_SEED, "province", 2, c.id, provider_row)
    vs = verify_sets([c.envelope, reg.envelope, provider_set("130102", [study("130102", "R1")]).envelope,
                      provider_set("province", [study("130102", "R1")]).envelope], {}, pk, None)
    check([v.error.reason if v.error else None for v in vs] == [None, None, None, "scope.stream"],
          "registry: a provider enrolled by the hub writes its county streams, not province")

    # The hub's project check (section 11.1), against rows the hub holds.
    held = Replica()
    for t, key, fields in (
            ("provider_origins", [origin_of(other_pk).hex()], [("project_code", P)]),
            ("projects", [P], [("hours_required", 520), ("name", "x"), ("provider_code", "PV1"), ("stages", "2;3"),
                               ("year", 2019)]),
            ("projects", ["P2019-2"], [("stages", "4"), ("year", 2019)]),
            ("courses", ["C-P1"], [("project_code", P), ("year", 2019)]),
            ("courses", ["C-P2"], [("project_code", "P2019-2"), ("year", 2019)]),
            ("courses", ["C-OFF"], [("project_code", None), ("year", 2019)]),
            ("teachers", ["130102", "1", T1], [("stage", "2")]),
            ("teachers", ["130102", "1", T2], [("stage", "4")])):
        held.apply(Operation(1, hlc(1, 0), t, key, fields), VECTOR_SEED[:16])
    for op in (study("130102", "R-HELD"), homework("130102", "H-HELD"),
               study("130102", "R-OTHER", course="C-P2")):
        held.apply(op, origin_of(other_pk))

    def project_reason(operations):
        try:
            check_provider_project(provider_set("130102", operations), held)
        except ProtocolError as e:
            return e.reason
        return None

    for what, operations, expected in (
            ("a study record of a course of the project, teacher of a project stage", [study("130102", "R2")], None),
            ("homework of the project", [homework("130102", "H2")], None),
            ("withdrawal of a held study record of the project", [withdrawal("130102", "R-HELD")], None),
            ("withdrawal of held homework of the project", [withdrawal("130102", "H-HELD")], None),
            ("study record of another project's course", [study("130102", "R2", course="C-P2")],
             "scope.outside_project"),
            ("study record of a course of no project", [study("130102", "R2", course="C-OFF")],
             "scope.outside_project"),
            ("study record of an unknown course", [study("130102", "R2", course="C-NONE")], "scope.outside_project"),
            ("study record with source county", [study("130102", "R2", source="county")], "scope.outside_project"),
            ("teacher of a stage outside the project", [study("130102", "R2", teacher=T2)], "scope.outside_project"),
            ("teacher the hub does not hold", [homework("130102", "H2", teacher="130102198001010010")],
             "scope.outside_project"),
            ("homework of another project", [homework("130102", "H2", project="P2019-2")], "scope.outside_project"),
            ("withdrawal of another project's study record", [withdrawal("130102", "R-OTHER")],
             "scope.outside_project"),
            ("withdrawal of a record the hub does not hold", [withdrawal("130102", "R-NONE")],
             "scope.outside_project"),
            ("withdrawal of a record written in the same set",
             [study("130102", "R3", at=1), withdrawal("130102", "R3", at=2)], "scope.outside_project"),
            ("one bad operation refuses the set", [study("130102", "R2", at=1), homework("130102", "H2", "X", at=2)],
             "scope.outside_project")):
        got = project_reason(operations)
        check(got == expected, f"project check, {what}: {got or 'accepted'}")
    unenrolled = Replica()
    expect_reason("scope.outside_project", "project check, origin enrolled for no project",
                  lambda: check_provider_project(provider_set("130102", [study("130102", "R2")]), unenrolled))
    held.apply(Operation(3, hlc(2, 0), "projects", [P], []), VECTOR_SEED[:16])
    check(project_reason([study("130102", "R2")]) == "scope.outside_project",
          "project check, enrolled project no longer in the catalogue: scope.outside_project")

    # Negative cases: every one must be refused with the documented reason.
    env = bytes.fromhex(VECTOR_ENVELOPES["A"])
    expect_reason("format.malformed", "trailing byte after the signature", lambda: decode_envelope(env + b"\x00"))
    expect_reason("format.malformed", "truncated envelope", lambda: decode_envelope(env[:-1]))
    expect_reason("format.too_large", "declared body length 16 MiB + 1",
                  lambda: decode_envelope(enc_u32(MAX_BODY + 1) + env[4:]))
    bad = bytearray(env)
    bad[4] = ord("X")
    expect_reason("format.malformed", "bad magic", lambda: decode_envelope(bytes(bad)))
    bad = bytearray(env)
    bad[9] = 2
    expect_reason("format.unsupported_version", "format 2", lambda: decode_envelope(bytes(bad)))
    body = a.body
    # Scope "130102": its u32 length at body offsets 22..25, the text at 26..31; sequence at 32..39.
    expect_reason("format.malformed", "scope that is not six digits",
                  lambda: decode_body(body[:26] + b"13010X" + body[32:], a.signature))
    expect_reason("format.malformed", "sequence 0",
                  lambda: decode_body(body[:32] + enc_u64(0) + body[40:], a.signature))
    expect_reason("format.malformed", "sequence 2^63",
                  lambda: decode_body(body[:32] + enc_u64(1 << 63) + body[40:], a.signature))
    check(decode_body(body[:32] + enc_u64(MAX_SEQUENCE) + body[40:], a.signature).sequence == MAX_SEQUENCE,
          "sequence 2^63-1 decodes")
    expect_reason("format.malformed", "sequence 1 not naming genesis",
                  lambda: decode_body(body[:40] + b"\x01" + body[41:], a.signature))
    expect_reason("format.malformed", "declared hlc min not the operations' minimum",
                  lambda: decode_body(body[:72] + enc_u64(a.hlc_min - 1) + body[80:], a.signature))
    expect_reason("format.malformed", "operation count 0",
                  lambda: decode_body(body[:88] + enc_u32(0), a.signature))
    expect_reason("format.malformed", "operations in decreasing clock order",
                  lambda: decode_body(encode_body(a.origin, "130102", 1, GENESIS, ops["A"][::-1]), a.signature))
    same_clock = [Operation(o.kind, hlc(1_700_000_000_000, 0), o.table, o.key, o.fields) for o in ops["A"]]
    expect_reason("format.malformed", "two operations with the same clock reading",
                  lambda: decode_body(encode_body(a.origin, "130102", 1, GENESIS, same_clock), a.signature))
    nul_op = Operation(1, hlc(1, 0), "schools", ["130102", "1"], [("name", "a\x00b")])
    expect_reason("format.malformed", "U+0000 in a text value",
                  lambda: decode_body(encode_body(a.origin, "130102", 1, GENESIS, [nul_op]), a.signature))
    nul_key = Operation(1, hlc(1, 0), "schools", ["130102", "1\x00"], [("name", "n")])
    expect_reason("format.malformed", "U+0000 in a key value",
                  lambda: decode_body(encode_body(a.origin, "130102", 1, GENESIS, [nul_key]), a.signature))
    raw_op = (enc_u8(1) + enc_u64(hlc(1, 0)) + enc_string("schools") + enc_u16(1) + enc_value("x") + enc_u16(2)
              + enc_string("stages") + enc_value("n") + enc_string("name") + enc_value("130102"))
    expect_reason("format.malformed", "field names out of order",
                  lambda: decode_operation(Reader(raw_op), 0))
    dup_op = (enc_u8(1) + enc_u64(hlc(1, 0)) + enc_string("schools") + enc_u16(1) + enc_value("x") + enc_u16(2)
              + enc_string("name") + enc_value("n") + enc_string("name") + enc_value("m"))
    expect_reason("format.malformed", "repeated field name", lambda: decode_operation(Reader(dup_op), 0))
    expect_reason("format.malformed", "unknown value tag 3", lambda: Reader(b"\x03").value())
    expect_reason("format.malformed", "invalid UTF-8 (a lone surrogate)",
                  lambda: Reader(b"\x02" + enc_u32(3) + b"\xed\xa0\x80").value())
    expect_reason("format.malformed", "overlong UTF-8", lambda: Reader(b"\x02" + enc_u32(2) + b"\xc0\xaf").value())
    flipped = bytearray(env)
    flipped[-1] ^= 1
    expect_reason("signature.invalid", "flipped signature bit",
                  lambda: verify_signature(decode_envelope(bytes(flipped)), pk))
    other = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    expect_reason("signature.invalid", "key of another origin", lambda: verify_signature(a, other))
    bad_bundle = bytearray(bundle)
    bad_bundle[20] ^= 1
    expect_reason("format.malformed", "damaged bundle", lambda: decode_bundle(bytes(bad_bundle)))
    v3 = BUNDLE_MAGIC + enc_u16(3) + enc_u32(0)
    expect_reason("format.unsupported_version", "bundle format 3",
                  lambda: decode_bundle(v3 + hashlib.sha256(v3).digest()))
    v3_damaged = bytearray(bundle)
    v3_damaged[5] = 3
    expect_reason("format.unsupported_version", "bundle format 3 with a wrong checksum (format checked first)",
                  lambda: decode_bundle(bytes(v3_damaged)))

    # Bundle format 2 (section 15): stored forms, plain or deflated one by one.
    deflated_b = zlib.compress(b.envelope, 1)
    v2 = encode_bundle_v2([(0, len(a.envelope), a.envelope), (1, len(b.envelope), deflated_b)])
    check(decode_bundle(v2) == [a.envelope, b.envelope], "bundle format 2: a plain and a deflated set decode")
    for name, entries in [
        ("a deflated set one byte short of its size", [(1, len(b.envelope) + 1, deflated_b)]),
        ("a deflated set longer than its size", [(1, len(b.envelope) - 1, deflated_b)]),
        ("a byte after a deflated set", [(1, len(b.envelope), deflated_b + b"\0")]),
        ("a plain set whose length is not its size", [(0, len(a.envelope) + 1, a.envelope)]),
        ("an unknown form", [(7, len(a.envelope), a.envelope)]),
    ]:
        expect_reason("format.malformed", f"bundle format 2: {name}", lambda e=entries: decode_bundle(encode_bundle_v2(e)))
    expect_reason("format.too_large", "bundle format 2: a set stated over the largest",
                  lambda: decode_bundle(encode_bundle_v2([(1, MAX_BODY + 69, deflated_b)])))

    # Chain and clock continuity (sections 7, 8).
    def reasons(envs):
        return [v.error.reason if v.error else None for v in verify_sets(envs, {a.origin: pk}, None, None)]

    fork = seal(VECTOR_SEED, "130102", 2, a.id, [Operation(1, hlc(1_700_000_000_002, 0), "schools",
                                                           ["130102", "1"], [("name", "x")])])
    check(reasons([a.envelope, b.envelope, fork.envelope]).count("chain.fork") == 1,
          "two sets 2 of one stream: chain.fork")
    check(reasons([a.envelope, seal(VECTOR_SEED, "130102", 3, b.id, ops["B"]).envelope])[1] == "chain.gap",
          "set 3 after set 1: chain.gap")
    check(reasons([a.envelope, seal(VECTOR_SEED, "130102", 2, GENESIS, ops["B"]).envelope])[1] == "chain.broken",
          "set 2 not naming set 1: chain.broken")
    back = [Operation(1, hlc(1_700_000_000_001, 0), "schools", ["130102", "1"], [("name", "x")])]
    check(reasons([a.envelope, seal(VECTOR_SEED, "130102", 2, a.id, back).envelope])[1] == "hlc.not_monotonic",
          "set 2 starting at set 1's last reading: hlc.not_monotonic")
    back[0].hlc = hlc(1_700_000_000_001, 1)
    check(reasons([a.envelope, seal(VECTOR_SEED, "130102", 2, a.id, back).envelope])[1] is None,
          "set 2 starting one tick after set 1's last reading: accepted")
    zero = seal(VECTOR_SEED, "130102", 1, GENESIS, [Operation(1, 0, "schools", ["130102", "1"], [("name", "x")])])
    check(reasons([zero.envelope]) == ["hlc.not_monotonic"], "set 1 with clock reading 0: hlc.not_monotonic")
    bad_a = bytearray(env)
    bad_a[-1] ^= 1
    check(reasons([bytes(bad_a), b.envelope]) == ["signature.invalid", "chain.gap"],
          "set 2 after a refused set 1: chain.gap")
    check(reasons([b.envelope]) == [None], "a stream starting at set 2 in the input: previous not checked")
    now = 1_700_000_060_000
    vs = verify_sets([a.envelope, b.envelope], {a.origin: pk}, None, now - DEFAULT_MAX_DRIFT_MS - 1)
    check([v.error.reason if v.error else None for v in vs] == [None, "hlc.future"], "5 minutes and 1 ms ahead: hlc.future")

    # The document itself: its hex blocks and constants must be the ones above.
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "PROTOCOL.md")
    if os.path.exists(doc):
        with open(doc, encoding="utf-8") as f:
            text = f.read()
        blocks = re.findall(r"```\n((?:[0-9a-f]+\n)+)```", text)
        bodies = ["".join(b.split()) for b in blocks]
        for name, body_hex in zip("ABC", bodies):
            check(body_hex == decoded[name].body.hex(), f"docs/PROTOCOL.md: body hex of vector {name}")
        check(len(bodies) == 3, "docs/PROTOCOL.md: three body blocks")
        for name in "ABC":
            sig = decoded[name].signature.hex()
            check(VECTOR_IDS[name] in text and f"`{sig[:64]}` `{sig[64:]}`" in text,
                  f"docs/PROTOCOL.md: id and signature of vector {name}")
        check(doc_tables(text) == [(t.name, t.columns, t.key, t.kind, t.scope_column, t.writers) for t in TABLES],
              "docs/PROTOCOL.md: the table of section 10.1 is the catalog declared here")
        for const in (VECTOR_PUBLIC_KEY_B64, pk.hex(), VECTOR_ORIGIN, VECTOR_DIGEST_130102,
                      VECTOR_BUNDLE_AB_CHECKSUM, VECTOR_BUNDLE_AB_SHA256):
            check(const in text, f"docs/PROTOCOL.md: mentions {const[:16]}…")
    else:
        print("note: docs/PROTOCOL.md not found next to tools/; document cross-check skipped")

    print()
    if failures:
        print(f"{len(failures)} check(s) FAILED")
        return 1
    print("all self-test checks passed")
    return 0


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def main(argv: list) -> int:
    if "--self-test" in argv:
        return self_test()
    if "--print-vectors" in argv:
        print_vectors()
        return 0
    p = argparse.ArgumentParser(description="Independent verifier of teachersync change sets and bundles.")
    p.add_argument("--self-test", action="store_true", help="check the vectors of docs/PROTOCOL.md")
    sub = p.add_subparsers(dest="cmd", required=True)
    pe = sub.add_parser("envelope", help="verify one change-set envelope")
    pe.add_argument("file", nargs="?", help="file holding the envelope bytes (- for stdin)")
    pe.add_argument("--hex", help="the envelope as hex instead of a file")
    pb = sub.add_parser("bundle", help="verify a bundle file")
    pb.add_argument("file")
    for q in (pe, pb):
        q.add_argument("--key", action="append", default=[], help="an author's public key (base64); repeatable")
        q.add_argument("--json", action="store_true", help="print JSON instead of text")
    pb.add_argument("--hub-key", help="the hub's public key (base64): read the key registry from its sets and "
                                      "check every author's scope")
    pb.add_argument("--digest-county", metavar="CODE",
                    help="merge the valid sets and print the county's state digest")
    pb.add_argument("--now-ms", type=int, help="wall clock for the hlc.future check (default: not checked)")
    pb.add_argument("--quiet", action="store_true", help="print only the summary")
    args = p.parse_args(argv)

    keys = {}
    try:
        for k in args.key:
            raw = parse_public_key(k)
            keys[origin_of(raw)] = raw
        hub_key = parse_public_key(args.hub_key) if getattr(args, "hub_key", None) else None
    except ValueError as e:
        print(f"bad key: {e}", file=sys.stderr)
        return 2
    if hub_key:
        keys[origin_of(hub_key)] = hub_key

    if args.cmd == "envelope":
        if args.hex:
            data = bytes.fromhex("".join(args.hex.split()))
        elif args.file:
            data = read_input(args.file)
        else:
            print("give a file or --hex", file=sys.stderr)
            return 2
        try:
            s = decode_envelope(data)
            if s.origin in keys:
                verify_signature(s, keys[s.origin])
                s.signature_status = "valid"
        except ProtocolError as e:
            print(f"REJECTED {e.reason} ({CLASSIFICATION[e.reason]}): {e.detail}")
            return 1
        if args.json:
            print(json.dumps(s.to_json(), ensure_ascii=False, indent=2))
        else:
            print_set(s)
        return 0

    data = read_input(args.file)
    try:
        envelopes = decode_bundle(data)
    except ProtocolError as e:
        print(f"BUNDLE REJECTED {e.reason}: {e.detail}")
        return 1
    verdicts = verify_sets(envelopes, keys, hub_key, args.now_ms)
    bad = [v for v in verdicts if v.error]
    if args.json:
        print(json.dumps({
            "bundle_bytes": len(data), "checksum": data[-32:].hex(), "sets": len(envelopes),
            "results": [{"index": v.index, "set": v.set.to_json() if v.set else None,
                         "error": v.error.reason if v.error else None,
                         "detail": v.error.detail if v.error else None, "notes": v.notes} for v in verdicts],
        }, ensure_ascii=False, indent=2))
    else:
        print(f"bundle: format 1, {len(envelopes)} sets, {len(data)} bytes, checksum {data[-32:].hex()} ok")
        for v in verdicts:
            if not args.quiet and v.set is not None:
                print_set(v.set)
            status = f"REJECTED {v.error.reason} ({CLASSIFICATION[v.error.reason]}): {v.error.detail}" if v.error \
                else "ok"
            if not args.quiet or v.error:
                head = f"set #{v.index + 1}" + (f" {v.set.id.hex()[:16]}" if v.set else "")
                print(f"  => {head}: {status}" + "".join(f"; {n}" for n in v.notes))
        signed = sum(1 for v in verdicts if v.set and v.set.signature_status == "valid")
        print(f"summary: {len(verdicts) - len(bad)} ok, {len(bad)} rejected, {signed} signatures verified")
    if args.digest_county:
        rep = Replica()
        good = sorted((v.set for v in verdicts if v.set and not v.error), key=lambda s: (s.stream, s.sequence))
        for s in good:
            for op in s.operations:
                if op.table in rep.tables:
                    rep.apply(op, s.origin)
        print(f"digest {args.digest_county}: {rep.digest(args.digest_county)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
