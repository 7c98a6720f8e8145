"""``Cache-Control`` headers and the TTL rules of a CloudFront cache policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

ONE_DAY = 86_400
ONE_YEAR = 31_536_000


def parse_cache_control(value: str | None) -> dict[str, int | str | bool]:
    """The directives of a ``Cache-Control`` header value, names in lower case.

    >>> parse_cache_control("public, max-age=60, S-MAXAGE=300")
    {'public': True, 'max-age': 60, 's-maxage': 300}

    Whole-number values become ``int``; other values stay strings (quotes
    removed); a directive without a value is ``True``. ``None`` or ``""`` give ``{}``.
    """
    directives: dict[str, int | str | bool] = {}
    if not value:
        return directives
    for part in str(value).split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, raw = part.partition("=")
        name = name.strip().lower()
        if not sep:
            directives[name] = True
            continue
        raw = raw.strip().strip('"')
        directives[name] = int(raw) if raw.isdigit() else raw
    return directives


def _seconds(directives: Mapping, name: str) -> int | None:
    value = directives.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def browser_ttl(cache_control: str | None) -> int | None:
    """How long a browser may reuse a response without asking again, in seconds.

    ``no-store`` and ``no-cache`` give 0 (the browser must revalidate every
    time); otherwise ``max-age``. Browsers ignore ``s-maxage``, which is for
    shared caches such as CloudFront. ``None`` means the header does not say,
    and the browser falls back on its own heuristics.
    """
    directives = parse_cache_control(cache_control)
    if "no-store" in directives or "no-cache" in directives:
        return 0
    return _seconds(directives, "max-age")


def is_immutable(cache_control: str | None) -> bool:
    """True when the header has the ``immutable`` directive."""
    return "immutable" in parse_cache_control(cache_control)


@dataclass(frozen=True)
class CachePolicy:
    """The TTL part of a CloudFront cache policy (seconds)."""

    min_ttl: int = 0
    default_ttl: int = ONE_DAY
    max_ttl: int = ONE_YEAR
    name: str = "custom"

    def __post_init__(self):
        if not 0 <= self.min_ttl <= self.default_ttl <= self.max_ttl:
            raise ValueError(
                f"cache policy {self.name!r}: need 0 <= MinTTL <= DefaultTTL <= MaxTTL, got "
                f"{self.min_ttl}, {self.default_ttl}, {self.max_ttl}"
            )

    def ttl(self, cache_control: str | None) -> int:
        """How long an edge keeps an object whose origin sent ``cache_control``.

        The rules of the CloudFront Developer Guide ("Manage how long content
        stays in the cache"):

        * ``no-cache``, ``no-store`` or ``private``: the minimum TTL (so with
          ``MinTTL`` 0 the object is not cached at all);
        * ``s-maxage`` if present, else ``max-age``, clamped to
          [``MinTTL``, ``MaxTTL``];
        * neither: the default TTL (never below the minimum).
        """
        directives = parse_cache_control(cache_control)
        if any(d in directives for d in ("no-cache", "no-store", "private")):
            return self.min_ttl
        age = _seconds(directives, "s-maxage")
        if age is None:
            age = _seconds(directives, "max-age")
        if age is None:
            return max(self.min_ttl, self.default_ttl)
        return min(max(age, self.min_ttl), self.max_ttl)


# The TTLs of two managed cache policies (IDs as CloudFront documents them).
CACHING_OPTIMIZED = CachePolicy(1, ONE_DAY, ONE_YEAR, "Managed-CachingOptimized")
CACHING_DISABLED = CachePolicy(0, 0, 0, "Managed-CachingDisabled")
MANAGED_POLICY_IDS = {
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
}
