"""CloudFront path patterns, and cache behaviours chosen by them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from course.sim.cdn.cache_control import CachePolicy


def pattern_regex(pattern: str) -> re.Pattern:
    """A compiled regular expression for a CloudFront path pattern (see :func:`path_matches`)."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lstrip("/"))
    return re.compile(body, re.DOTALL)


def path_matches(pattern: str, path: str) -> bool:
    """Whether a request path matches a CloudFront path pattern.

    ``*`` matches any run of characters (slashes included), ``?`` exactly one;
    matching is case sensitive; a leading ``/`` on either side is optional.
    """
    return pattern_regex(pattern).fullmatch(path.lstrip("/")) is not None


@dataclass(frozen=True)
class Behavior:
    """A cache behaviour: requests whose path matches ``path_pattern`` use ``policy``."""

    path_pattern: str
    policy: CachePolicy
    _regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_regex", pattern_regex(self.path_pattern))

    def matches(self, path: str) -> bool:
        return self._regex.fullmatch(path.lstrip("/")) is not None
