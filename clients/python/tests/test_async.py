"""AsyncClipWorker against the real worker: many calls in flight from one event loop, cancellation by the
awaiting task, errors, and a dropped worker ended when collected."""

import asyncio
import gc
import os
import signal
import time
import unittest

from support import DISK_PNG, GRADIENT_JPG, model_directory, pid_alive, start_worker

from clip_worker import AsyncClipWorker, InputFailedError, MethodNotFoundError, WorkerExitedError, find_executable


def start_async(**options):
  options.setdefault("stderr", "capture")
  options.setdefault("progress", False)
  return AsyncClipWorker.start(model_directory(), find_executable(), **options)


def run(coroutine, timeout=120):
  return asyncio.run(asyncio.wait_for(coroutine, timeout))


class AsyncClientTests(unittest.TestCase):
  @classmethod
  def setUpClass(cls):
    with start_worker() as reference:
      cls.texts = ["async text %d" % index for index in range(40)]
      cls.expected_texts = reference.encode_text(cls.texts)
      cls.expected_images = reference.encode_image([DISK_PNG, GRADIENT_JPG])
      cls.expected_ranking = reference.classify(DISK_PNG, ["red disk", "blue sky"], top_k=1)

  def test_many_calls_in_flight_from_one_loop(self):
    async def scenario():
      async with await start_async() as worker:
        calls = [worker.encode_text([text]) for text in self.texts]
        calls.append(worker.encode_image([DISK_PNG, GRADIENT_JPG]))
        calls.append(worker.classify(DISK_PNG, candidate_labels=["red disk", "blue sky"], top_k=1))
        results = await asyncio.gather(*calls)
        return results
    results = run(scenario())
    self.assertEqual([vectors[0] for vectors in results[:40]], self.expected_texts)
    self.assertEqual(results[40], self.expected_images)
    self.assertEqual(results[41], self.expected_ranking)

  def test_a_timed_out_call_is_cancelled_and_the_worker_keeps_serving(self):
    async def scenario():
      async with await start_async() as worker:
        os.kill(worker.process.pid, signal.SIGSTOP)
        try:
          with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(worker.encode_text(["too slow"]), 0.2)
        finally:
          os.kill(worker.process.pid, signal.SIGCONT)
        return await worker.encode_text("served after a timeout"), await worker.close()
    vector, status = run(scenario())
    self.assertEqual(len(vector), len(self.expected_texts[0]))
    self.assertEqual(status, 0)

  def test_errors_arrive_as_their_classes(self):
    async def scenario():
      async with await start_async() as worker:
        with self.assertRaises(MethodNotFoundError):
          await worker.request("noSuchMethod", {})
        with self.assertRaises(InputFailedError) as raised:
          await worker.encode_image([DISK_PNG, b"not an image"])
        self.assertEqual(raised.exception.data["index"], 1)
    run(scenario())

  def test_a_killed_worker_fails_calls_with_worker_exited(self):
    async def scenario():
      worker = await start_async()
      worker.process.kill()
      with self.assertRaises(WorkerExitedError):
        await worker.encode_text("anyone?")
      await worker.close()
    run(scenario())

  def test_a_dropped_worker_is_ended_when_collected(self):
    async def scenario():
      worker = await start_async()
      pid = worker.process.pid
      del worker
      gc.collect()
      deadline = time.monotonic() + 15
      while pid_alive(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
      return pid
    pid = run(scenario())
    self.assertFalse(pid_alive(pid))


if __name__ == "__main__":
  unittest.main()
