"""Origins the edges fetch from: an in-memory catalogue, or a bucket on the (mocked) S3."""

from __future__ import annotations

from typing import Mapping, NamedTuple


class OriginResponse(NamedTuple):
    """What the origin answers: a version tag (ETag), the Cache-Control header, the body."""

    etag: str
    cache_control: str | None
    body: bytes | None = None


class DictOrigin:
    """An in-memory origin: ``{path: Cache-Control}`` (``None`` for no header).

    ``DictOrigin.uniform("max-age=60")`` serves every path with the same
    header, which is what a large simulated catalogue needs. :meth:`put`
    publishes a new version of a path (a new ETag).
    """

    def __init__(self, objects: Mapping[str, str | None] | None = None):
        self._objects: dict[str, list] = {}
        self._uniform: tuple[bool, str | None] = (False, None)
        self._served: dict[str, OriginResponse] = {}  # responses of a uniform origin, by path
        for path, cache_control in (objects or {}).items():
            self.put(path, cache_control)

    @classmethod
    def uniform(cls, cache_control: str | None) -> "DictOrigin":
        origin = cls()
        origin._uniform = (True, cache_control)
        return origin

    def put(self, path: str, cache_control: str | None = None) -> str:
        """Publish (a new version of) ``path``; returns its new ETag."""
        version = self._objects.get(path, [None, 0])[1] + 1
        self._objects[path] = [cache_control, version]
        return self._etag(path, version)

    @staticmethod
    def _etag(path: str, version: int) -> str:
        return f'"{path}#v{version}"'

    def fetch(self, path: str) -> OriginResponse:
        if path in self._objects:
            cache_control, version = self._objects[path]
            return OriginResponse(self._etag(path, version), cache_control)
        serve_any, cache_control = self._uniform
        if serve_any:
            response = self._served.get(path)
            if response is None:
                response = self._served[path] = OriginResponse(self._etag(path, 1), cache_control)
            return response
        raise KeyError(f"the origin has no object {path!r}")


class S3Origin:
    """A bucket on the (mocked) S3 as origin: every fetch is a real ``GetObject`` call.

    The request path ``/img/a.jpg`` reads the key ``img/a.jpg``; the object's
    ``CacheControl`` metadata (set at upload) is the header the edges see.
    """

    def __init__(self, s3_client, bucket: str):
        self.s3 = s3_client
        self.bucket = bucket

    def fetch(self, path: str) -> OriginResponse:
        response = self.s3.get_object(Bucket=self.bucket, Key=path.lstrip("/"))
        return OriginResponse(response["ETag"], response.get("CacheControl"), response["Body"].read())
