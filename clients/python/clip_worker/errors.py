"""Exceptions raised by the client: errors the worker answered with, and the worker going away."""


class ClipWorkerError(Exception):
  """An error response from the worker: the JSON-RPC `code`, `message` and optional `data`.

  `data` is whatever the worker attached, e.g. `{"index": 1, "input": "...", "reason": "..."}` saying which
  input of a batch failed and why.
  """

  PARSE_ERROR = -32700
  INVALID_REQUEST = -32600
  METHOD_NOT_FOUND = -32601
  INVALID_PARAMS = -32602
  INTERNAL_ERROR = -32603
  REQUEST_CANCELLED = -32800

  def __init__(self, code, message, data=None):
    super().__init__(code, message, data)
    self.code = code
    self.message = message
    self.data = data

  @classmethod
  def from_wire(cls, error):
    """Builds the exception from a response's `error` member."""
    if not isinstance(error, dict):
      return cls(cls.INTERNAL_ERROR, "malformed error object: %r" % (error,))
    return cls(error.get("code", cls.INTERNAL_ERROR), error.get("message", ""), error.get("data"))

  @property
  def cancelled(self):
    """True when the request was cancelled ($/cancelRequest) before it finished."""
    return self.code == self.REQUEST_CANCELLED

  def __str__(self):
    text = "[%s] %s" % (self.code, self.message)
    if self.data is not None:
      text += " (data: %r)" % (self.data,)
    return text


class WorkerExitedError(Exception):
  """The worker process ended (or its output became unreadable) while requests were pending.

  `returncode` is the exit status when known (negative for a signal, as in `subprocess`), `stderr_tail` the
  last lines the worker wrote to stderr when the client captured them.
  """

  def __init__(self, returncode=None, stderr_tail="", reason="worker process exited"):
    super().__init__(returncode, stderr_tail, reason)
    self.returncode = returncode
    self.stderr_tail = stderr_tail
    self.reason = reason

  def __str__(self):
    text = self.reason
    if self.returncode is not None:
      text += " (exit status %s)" % self.returncode
    if self.stderr_tail:
      text += "; stderr:\n" + self.stderr_tail
    return text
