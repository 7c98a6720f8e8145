"""Where fault injection meets one boto3 client: its botocore event hooks, and delivery to moto.

One :class:`Gate` per client, shared by every injector on that client::

    gate = Gate.of(client)        # the client's gate, created on first use
    gate.attach(injector)         # hooks the client on the first attach
    gate.detach(injector)         # unhooks it after the last

The hooks, per call and per attempt of it (botocore's retries are new attempts):

- ``provide-client-params``: the call's parameters as given, summarised, kept in its context;
- ``request-created``: which call the attempt's request belongs to (on this thread,
  ``before-send`` follows at once);
- ``before-send``, registered last: the gate is the sender. Each injector decides
  (and waits its latency on its clock); then a fault answers, or the request goes on
  to moto. moto's own ``before-send`` handler is taken off the client meanwhile:
  botocore calls every ``before-send`` handler even after one has answered, so moto
  would otherwise apply a request that a fault had refused;
- ``response-received``: the attempt's outcome, for each injector's history;
- the retry handler, so botocore's backoff waits on the injectors' clock (:mod:`.backoff`):
  the clock of the first injector that has one; real time if none has.

Apply-then-fail is done in ``before-send``: the :class:`Wire` delivers the request to
moto (or, with ``sandbox.start(server=True)``, with the client's own HTTP session)
and the fault then raises botocore's ``ReadTimeoutError`` or answers 500. botocore
treats that as it treats a real one: its retry handler sees it and retries.
"""

from __future__ import annotations

import threading
import time
import weakref

from moto.core.models import botocore_stubber

from course.runtime.faults.backoff import ClockBackoff
from course.runtime.faults.history import summarise

__all__ = ["Gate", "Wire"]

CONTEXT_KEY = "course.faults"  # the gate's entry in botocore's per-call context dict

_gates: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_gates_lock = threading.Lock()


class Wire:
    """One request on its way to the service, as a fault sees it."""

    def __init__(self, gate: Gate, request, event_name: str):
        self.gate, self.request, self.event_name = gate, request, event_name
        self.deliveries = 0

    @property
    def service(self) -> str:
        return self.gate.service

    @property
    def service_model(self):
        return self.gate.service_model

    @property
    def protocol(self) -> str:
        return self.gate.service_model.resolved_protocol

    def deliver(self):
        """Send the request to the service (moto) now and return its response."""
        self.request.reset_stream()
        response = self.gate.moto(self.request, self.event_name)
        if response is None:
            response = self.gate.http.send(self.request)
        self.deliveries += 1
        return response


class Gate:
    """The event hooks on one client, dispatching each request to the injectors attached."""

    @classmethod
    def of(cls, client) -> Gate:
        with _gates_lock:
            gate = _gates.get(id(client))
            if gate is None or gate._client() is not client:
                gate = _gates[id(client)] = cls(client)
            return gate

    def __init__(self, client):
        self._client = weakref.ref(client)  # to tell a reused id(client) apart
        self.service_model = client.meta.service_model
        self.service = self.service_model.service_name
        self.http = client._endpoint.http_session
        self._events = client.meta.events
        service_id = self.service_model.service_id.hyphenize()
        self._service_id = service_id
        self._hooks = [(f"provide-client-params.{service_id}", self._on_call),
                       (f"request-created.{service_id}", self._on_request),
                       (f"response-received.{service_id}", self._on_response)]
        self._injectors: list = []
        self._backoff: ClockBackoff | None = None
        self._local = threading.local()
        self._lock = threading.Lock()

    @staticmethod
    def moto(request, event_name: str):
        """moto's answer to ``request`` when it serves this endpoint in-process, else None."""
        return botocore_stubber(event_name=event_name, request=request)

    # -- injectors ------------------------------------------------------
    @property
    def clock(self):
        """The clock of the first injector that has one, or None (real time)."""
        return next((i.clock for i in self._injectors if i.clock is not None), None)

    def sleep(self, seconds: float) -> None:
        """Wait on :attr:`clock`: botocore's backoff between attempts."""
        clock = self.clock
        (time.sleep if clock is None else clock.sleep)(seconds)

    def attach(self, injector) -> None:
        with self._lock:
            clock = self.clock
            if None not in (clock, injector.clock) and injector.clock != clock:
                raise ValueError(f"this {self.service} client already has faults injected on "
                                 f"{clock!r}; one client, one clock")
            if not self._injectors:
                self._hook()
            self._injectors.append(injector)

    def detach(self, injector) -> None:
        with self._lock:
            if injector in self._injectors:
                self._injectors.remove(injector)
                if not self._injectors:
                    self._unhook()

    def _hook(self) -> None:
        for event, handler in self._hooks:
            self._events.register(event, handler)
        self._events.register_last("before-send", self._on_send)
        self._events.unregister("before-send", botocore_stubber)
        self._backoff = ClockBackoff(self._events, self._service_id, self.sleep)

    def _unhook(self) -> None:
        self._backoff.restore()
        self._events.register("before-send", botocore_stubber)
        self._events.unregister("before-send", self._on_send)
        for event, handler in self._hooks:
            self._events.unregister(event, handler)

    # -- botocore's events ----------------------------------------------
    def _on_call(self, params, context, **_kwargs) -> None:
        context[CONTEXT_KEY] = {"params": summarise(params)}

    def _on_request(self, request, **_kwargs) -> None:
        self._local.context = request.context

    def _on_send(self, request, event_name: str, **_kwargs):
        context = self._local.__dict__.pop("context", None) or {}
        call = context.get(CONTEXT_KEY)
        if call is None:  # a call that began before the gate was on
            return self.moto(request, event_name)
        operation = event_name.rsplit(".", 1)[-1]
        attempt = context.get("retries", {}).get("attempt", 1)
        records, fault = [], None
        for injector in list(self._injectors):
            record, decision = injector.begin(call, self.service, operation, attempt)
            records.append((injector, record))
            if fault is None:
                fault = decision.fault
        wire = Wire(self, request, event_name)
        call["attempt"] = (records, fault, wire)
        if fault is None:
            return self.moto(request, event_name)  # None: botocore sends it over HTTP
        return fault.apply(wire)

    def _on_response(self, context, parsed_response, response_dict, exception, **_kwargs) -> None:
        call = (context or {}).get(CONTEXT_KEY) or {}
        if "attempt" not in call:
            return
        records, fault, wire = call.pop("attempt")
        status = response_dict["status_code"] if response_dict else None
        delivered = wire.deliveries if fault is not None else int(exception is None)
        response = None
        if fault is not None and fault.kind == "ambiguous" and delivered:
            outcome = "ambiguous"
        elif exception is not None:
            outcome = type(exception).__name__
        elif status >= 300:
            outcome = parsed_response.get("Error", {}).get("Code") or str(status)
        else:
            outcome = "ok"
            response = summarise({k: v for k, v in parsed_response.items() if k != "ResponseMetadata"})
        for injector, record in records:
            injector.end(record, injected=fault.kind if fault else None, delivered=delivered,
                         outcome=outcome, status=status, response=response)
