"""Exceptions raised by the clients: one class per JSON-RPC error code the worker answers with, and the worker
going away.

Every error response becomes a `ClipWorkerError`; `ClipWorkerError.from_wire` picks the subclass named by the
code (protocol/README.md, "Errors"), so callers can catch what they handle:

    try:
      worker.encode_image(paths)
    except InputFailedError as error:
      print("bad input", error.data["index"], error.data["reason"])
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Optional, Type


class ClipWorkerError(Exception):
  """An error response from the worker: the JSON-RPC `code`, `message` and optional `data`.

  `data` is whatever the worker attached, e.g. `{"param", "index", "input", "reason"}` for a failed input.
  Codes without a class of their own (none today) arrive as this base class.
  """

  PARSE_ERROR: ClassVar[int] = -32700
  INVALID_REQUEST: ClassVar[int] = -32600
  METHOD_NOT_FOUND: ClassVar[int] = -32601
  INVALID_PARAMS: ClassVar[int] = -32602
  INTERNAL_ERROR: ClassVar[int] = -32603
  INPUT_FAILED: ClassVar[int] = -32001
  MODEL_UNAVAILABLE: ClassVar[int] = -32002
  SHUTTING_DOWN: ClassVar[int] = -32003
  MESSAGE_TOO_LARGE: ClassVar[int] = -32004
  REQUEST_CANCELLED: ClassVar[int] = -32800

  #: The code a subclass stands for (None on the base class).
  wire_code: ClassVar[Optional[int]] = None

  def __init__(self, code: int, message: str, data: Any = None) -> None:
    super().__init__(code, message, data)
    self.code = code
    self.message = message
    self.data = data

  @classmethod
  def from_wire(cls, error: Any) -> "ClipWorkerError":
    """Builds the exception for a response's `error` member, as the subclass its code names."""
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
      return InternalError(cls.INTERNAL_ERROR, "malformed error object: %r" % (error,))
    code = error["code"]
    return _BY_CODE.get(code, ClipWorkerError)(code, str(error.get("message", "")), error.get("data"))

  @property
  def cancelled(self) -> bool:
    """True when the request was cancelled ($/cancelRequest, or `exit`) before it finished."""
    return self.code == self.REQUEST_CANCELLED

  def __str__(self) -> str:
    text = "[%s] %s" % (self.code, self.message)
    if self.data is not None:
      text += " (data: %r)" % (self.data,)
    return text


class ParseError(ClipWorkerError):
  """-32700: the worker could not parse a line as JSON (answered with a null id, so rarely seen by a call)."""
  wire_code = ClipWorkerError.PARSE_ERROR


class InvalidRequestError(ClipWorkerError):
  """-32600: not a JSON-RPC 2.0 request object, an empty batch, or an id already in flight."""
  wire_code = ClipWorkerError.INVALID_REQUEST


class MethodNotFoundError(ClipWorkerError):
  """-32601: unknown method; `data["method"]` names it."""
  wire_code = ClipWorkerError.METHOD_NOT_FOUND


class InvalidParamsError(ClipWorkerError):
  """-32602: missing, unknown or mistyped parameters."""
  wire_code = ClipWorkerError.INVALID_PARAMS


class InternalError(ClipWorkerError):
  """-32603: a bug in the worker (or a malformed error object)."""
  wire_code = ClipWorkerError.INTERNAL_ERROR


class InputFailedError(ClipWorkerError):
  """-32001: one input could not be used; `data` is `{param, index, input, reason}`."""
  wire_code = ClipWorkerError.INPUT_FAILED


class ModelUnavailableError(ClipWorkerError):
  """-32002: the model could not be resolved or loaded; `data["reason"]` says why."""
  wire_code = ClipWorkerError.MODEL_UNAVAILABLE


class ShuttingDownError(ClipWorkerError):
  """-32003: the request arrived after `shutdown`."""
  wire_code = ClipWorkerError.SHUTTING_DOWN


class MessageTooLargeError(ClipWorkerError):
  """-32004: a line longer than `maxMessageBytes`; `data` is `{byteCount, limit}`."""
  wire_code = ClipWorkerError.MESSAGE_TOO_LARGE


class RequestCancelledError(ClipWorkerError):
  """-32800: the request was cancelled by `$/cancelRequest`, or by `exit` while in flight."""
  wire_code = ClipWorkerError.REQUEST_CANCELLED


_BY_CODE: Dict[int, Type[ClipWorkerError]] = {
  subclass.wire_code: subclass for subclass in ClipWorkerError.__subclasses__() if subclass.wire_code is not None
}


class WorkerExitedError(Exception):
  """The worker process ended (or its output became unreadable) while requests were pending.

  `returncode` is the exit status when known (negative for a signal, as in `subprocess`), `stderr_tail` the
  last lines the worker wrote to stderr when the client captured them.
  """

  def __init__(self, returncode: Optional[int] = None, stderr_tail: str = "",
               reason: str = "worker process exited") -> None:
    super().__init__(returncode, stderr_tail, reason)
    self.returncode = returncode
    self.stderr_tail = stderr_tail
    self.reason = reason

  def __str__(self) -> str:
    text = self.reason
    if self.returncode is not None:
      text += " (exit status %s)" % self.returncode
    if self.stderr_tail:
      text += "; stderr:\n" + self.stderr_tail
    return text
