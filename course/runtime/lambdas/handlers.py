"""Where a function's code comes from: a registered Python callable, or its uploaded zip.

A function is created the AWS way (``create_function`` with a role ARN and a zip);
the runtime then needs a Python callable for it. Two honest ways:

- the learner registers one, keyed by function name (the zip's content is then
  ignored: what runs is the callable)::

      course.lambdas.handler_for("resize", resize_handler)

      @course.lambdas.handler("resize")
      def resize_handler(event, context): ...

- nothing is registered: the ``Handler`` setting (``"app.handler"``) is imported
  from the uploaded zip, in this process, **once per execution environment**, so
  module-level state lives as long as a warm environment, as on AWS.

A function whose handler cannot be found fails each invocation with the error AWS
gives (``Runtime.ImportModuleError`` / ``Runtime.HandlerNotFound``).
"""

from __future__ import annotations

import importlib
import io
import os
import sys
import tempfile
import zipfile
from typing import Callable

__all__ = ["HandlerError", "Handlers"]

Handler = Callable[[object, object], object]


class HandlerError(Exception):
    """The handler could not be loaded; ``error_type`` is the Lambda runtime's name for it."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type


class Handlers:
    """Registered callables by function name, and zips unpacked for import."""

    def __init__(self):
        self._registered: dict[str, Handler] = {}
        self._unpacked: dict[str, str] = {}
        self._tmp: tempfile.TemporaryDirectory | None = None

    def register(self, function_name: str, handler: Handler) -> Handler:
        if not callable(handler):
            raise TypeError(f"a handler must be callable, got {handler!r}")
        self._registered[function_name] = handler
        return handler

    def current(self, function_name: str, loaded: Handler) -> Handler:
        """The callable to run now: the registered one (re-registering takes effect at once), else ``loaded``."""
        return self._registered.get(function_name, loaded)

    def load(self, spec) -> Handler:
        """A callable for a new execution environment of the function ``spec`` describes."""
        if spec.name in self._registered:
            return self._registered[spec.name]
        if not spec.runtime.startswith("python"):
            raise HandlerError("Runtime.InvalidRuntime",
                               f"the course runtime runs Python functions only, not {spec.runtime!r}")
        module_name, _, attribute = spec.handler.rpartition(".")
        if not module_name:
            raise HandlerError("Runtime.MalformedHandlerName", f"Bad handler '{spec.handler}'")
        module = self._import_fresh(self._unpack(spec), module_name)
        try:
            return getattr(module, attribute)
        except AttributeError:
            raise HandlerError("Runtime.HandlerNotFound",
                               f"Handler '{attribute}' missing on module '{module_name}'") from None

    def clear(self) -> None:
        self._registered.clear()
        self._unpacked.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _unpack(self, spec) -> str:
        key = f"{spec.name}:{spec.code_sha}"
        if key not in self._unpacked:
            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="course-lambda-")
            target = os.path.join(self._tmp.name, str(len(self._unpacked)))
            try:
                zipfile.ZipFile(io.BytesIO(spec.code_zip)).extractall(target)
            except zipfile.BadZipFile:
                os.makedirs(target, exist_ok=True)  # nothing to import: the error comes at import
            self._unpacked[key] = target
        return self._unpacked[key]

    @staticmethod
    def _import_fresh(directory: str, module_name: str):
        """Import ``module_name`` from ``directory`` as a new module object; sys.modules is left as it was."""
        shadowed = {name: sys.modules.pop(name) for name in list(sys.modules)
                    if name == module_name or name.startswith(module_name + ".")}
        before = set(sys.modules)
        sys.path.insert(0, directory)
        importlib.invalidate_caches()
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            raise HandlerError("Runtime.ImportModuleError",
                               f"Unable to import module '{module_name}': {error}") from None
        finally:
            sys.path.remove(directory)
            for name in set(sys.modules) - before:
                if (getattr(sys.modules[name], "__file__", None) or "").startswith(directory):
                    del sys.modules[name]
            sys.modules.update(shadowed)
