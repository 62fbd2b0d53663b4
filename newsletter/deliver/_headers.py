"""Header values for hand-written messages: CR/LF refusal, RFC 2047 and addresses.

Headers are written on one line each (RFC 5322 allows 998; the limit we keep); only
Subject and a non-ASCII display name are RFC 2047 encoded-words (folded between words). An
internationalised address keeps its UTF-8 local part (RFC 6532); such a message goes out
with SMTPUTF8. :func:`refuse_line_breaks` is the one CR/LF check of every header value the
deliver stage writes (newsletter messages and the transactional notices).
"""

from __future__ import annotations

import base64
import re
from email.utils import parseaddr

from ..exceptions import HeaderInjectionError, SendError

__all__ = ["encoded_words", "format_address", "header_address", "phrase",
           "refuse_line_breaks", "subject_header", "wire_address"]

_ATOM_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+\-/?^_`{|}~ ]+")


def refuse_line_breaks(value: str, what: str) -> str:
    """``value`` unchanged, or :class:`HeaderInjectionError` naming ``what`` when it
    contains a CR or LF (a header value must never start a new header)."""
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"{what} contains a line break: {value[:60]!r}",
                                   hint="remove CR/LF characters from the value")
    return value


def encoded_words(text: str, *, at_spaces: bool = False) -> str:
    """RFC 2047 ``=?utf-8?b?...?=`` words folded one per line.

    Each word carries at most 39 UTF-8 bytes (a 64-character word), so every folded line,
    ``Subject: `` included, stays within RFC 2047's 76 characters. With ``at_spaces`` (for
    display names) a word ends after a space where possible, the space encoded inside it:
    decoders drop the whitespace *between* encoded-words, so the space must be inside.
    """
    words: list[bytes] = []
    chunk = b""
    last_space = -1
    for ch in text:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > 39:
            if at_spaces and last_space > 0:
                words.append(chunk[:last_space])
                chunk = chunk[last_space:]
            else:
                words.append(chunk)
                chunk = b""
            last_space = -1
        chunk += b
        if ch == " ":
            last_space = len(chunk)
    if chunk:
        words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def phrase(name: str) -> str:
    """A display name as an RFC 5322 phrase: atoms, a quoted string or encoded-words."""
    name = " ".join(name.split())
    if not name.isascii():
        return encoded_words(name, at_spaces=True)
    if _ATOM_PHRASE.fullmatch(name) and "=?" not in name:
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wire_address(addr: str) -> str:
    """The address as it goes in a header: IDNA domain; a non-ASCII local part stays UTF-8
    (RFC 6532 header, sent with SMTPUTF8 by the transport)."""
    addr = addr.strip()
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or any(c in addr for c in " <>,;\"\\()"):
        raise SendError(f"not a usable email address: {addr[:80]!r}")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise SendError(f"{addr!r}: invalid internationalized domain") from exc
    return f"{local}@{domain}"


def format_address(name: str, addr: str, *, what: str = "address") -> str:
    """``Name <addr>`` ready for a header (CR/LF rejected, non-ASCII names encoded)."""
    refuse_line_breaks(name, f"{what} name")
    refuse_line_breaks(addr, what)
    addr = wire_address(addr)
    if not name.strip():
        return addr
    words = phrase(name)
    # fold before the address when an encoded-word line would pass 76 characters
    sep = "\r\n " if "=?" in words and len(words.rsplit("\n", 1)[-1]) + len(addr) > 66 \
        else " "
    return f"{words}{sep}<{addr}>"


def header_address(value: str, what: str) -> str:
    """A configured ``Name <addr>`` (or bare address) value ready for a header."""
    refuse_line_breaks(value, what)
    name, addr = parseaddr(value)
    return format_address(name, addr or value, what=what)


def subject_header(subject: str) -> str:
    """The Subject value: as is when ASCII, else RFC 2047 encoded-words."""
    subject = refuse_line_breaks(subject, "subject")
    return subject if subject.isascii() else encoded_words(subject)
