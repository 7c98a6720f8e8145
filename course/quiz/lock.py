"""Texts locked with a key derived from an answer: AES-SIV keys from HKDF-SHA256.

Each question has its own salt, so the same answer in two questions gives two
different keys. AES-SIV is deterministic authenticated encryption: sealing the
same quiz twice gives the same bytes, and a wrong key fails to open a box
instead of giving garbage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def question_salt(quiz_id: str, question_id: str) -> str:
    """A salt per quiz and question, derived from their ids (so sealing is deterministic)."""
    return hmac.new(b"course-quiz", f"{quiz_id}|{question_id}".encode(), hashlib.sha256).hexdigest()[:32]


def _cipher(salt: str, purpose: str, value: str) -> AESSIV:
    kdf = HKDF(algorithm=hashes.SHA256(), length=64, salt=bytes.fromhex(salt),
               info=f"course-quiz|{purpose}".encode())
    return AESSIV(kdf.derive(value.encode()))


def lock(salt: str, purpose: str, value: str, text: str = "") -> str:
    """``text`` encrypted under the key of ``value``, as base64."""
    return base64.b64encode(_cipher(salt, purpose, value).encrypt(text.encode(), None)).decode()


def unlock(salt: str, purpose: str, value: str, box: str) -> str | None:
    """The text in ``box`` if ``value`` is its key, else None."""
    try:
        return _cipher(salt, purpose, value).decrypt(base64.b64decode(box), None).decode()
    except InvalidTag:
        return None
