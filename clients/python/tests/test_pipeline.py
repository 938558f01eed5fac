"""clip_worker.pipeline against transformers.pipeline itself, on the tiny checkpoint and images written here:
the same call shapes, the same output shapes, the same scores (to 1e-5)."""

import os
import tempfile
import unittest

from support import DISK_PNG, GRADIENT_JPG, model_directory

import clip_worker

try:
  import numpy
  import transformers
  from PIL import Image
except ImportError:  # The parity test needs the reference stack; the suite runs without it.
  transformers = None

LABELS = ["a red disk", "a green field", "a photo of a cat", "stripes"]
TOLERANCE = 1e-5


@unittest.skipIf(transformers is None, "transformers, numpy or Pillow not installed")
class PipelineParityTests(unittest.TestCase):
  @classmethod
  def setUpClass(cls):
    cls.reference = transformers.pipeline("zero-shot-image-classification", model=model_directory())
    cls.pipeline = clip_worker.pipeline("zero-shot-image-classification", model=model_directory(),
                                        stderr="capture", progress=False, timeout=120)
    rng = numpy.random.default_rng(18)
    cls.directory = tempfile.TemporaryDirectory()
    cls.images = [
      Image.fromarray(rng.integers(0, 256, size=(40, 50, 3), dtype=numpy.uint8)),
      Image.fromarray(rng.integers(0, 256, size=(64, 33, 4), dtype=numpy.uint8), "RGBA"),
      Image.fromarray(rng.integers(0, 256, size=(31, 77), dtype=numpy.uint8), "L"),
    ]
    written = os.path.join(cls.directory.name, "written.png")
    Image.fromarray(rng.integers(0, 256, size=(45, 45, 3), dtype=numpy.uint8)).save(written)
    cls.paths = [DISK_PNG, GRADIENT_JPG, written]

  @classmethod
  def tearDownClass(cls):
    cls.pipeline.close()
    cls.directory.cleanup()

  def assertSameRanking(self, ours, theirs):
    self.assertIsInstance(ours, list)
    self.assertEqual(len(ours), len(theirs))
    for entry in ours:
      self.assertEqual(list(entry), ["score", "label"])
    expected = {entry["label"]: entry["score"] for entry in theirs}
    for position, entry in enumerate(ours):
      self.assertLess(abs(entry["score"] - expected[entry["label"]]), TOLERANCE, (entry, theirs))
      # The order is the reference's, except between scores closer than the tolerance.
      self.assertLess(abs(entry["score"] - theirs[position]["score"]), TOLERANCE, (ours, theirs))

  def test_one_image_at_a_time(self):
    for image in self.images + self.paths:
      with self.subTest(image=getattr(image, "mode", image)):
        self.assertSameRanking(self.pipeline(image, candidate_labels=LABELS),
                               self.reference(image, candidate_labels=LABELS))

  def test_a_batch_with_a_template(self):
    batch = self.images + self.paths
    ours = self.pipeline(batch, candidate_labels=LABELS, hypothesis_template="an image of {}")
    theirs = self.reference(batch, candidate_labels=LABELS, hypothesis_template="an image of {}")
    self.assertEqual(len(ours), len(batch))
    for one, other in zip(ours, theirs):
      self.assertSameRanking(one, other)
    self.assertNotEqual(ours, self.pipeline(batch, candidate_labels=LABELS))

  def test_top_k_keeps_the_best(self):
    # transformers 5's pipeline takes top_k and returns every label; the drop-in keeps the first top_k.
    theirs = self.reference(self.images[0], candidate_labels=LABELS)
    for top_k in (1, 2, len(LABELS)):
      self.assertSameRanking(self.pipeline(self.images[0], candidate_labels=LABELS, top_k=top_k), theirs[:top_k])
    batch = self.pipeline(self.paths, candidate_labels=LABELS, top_k=1)
    self.assertEqual([len(ranking) for ranking in batch], [1] * len(self.paths))

  def test_the_pipelines_argument_forms(self):
    self.assertEqual(self.pipeline(images=self.paths[0], candidate_labels=LABELS),
                     self.pipeline(self.paths[0], candidate_labels=LABELS))
    self.assertEqual(self.pipeline(self.paths[0], LABELS), self.pipeline(self.paths[0], candidate_labels=LABELS))
    with self.assertRaisesRegex(TypeError, "device"):
      self.pipeline(self.paths[0], candidate_labels=LABELS, device="cuda")
    with self.assertRaises(ValueError):
      clip_worker.pipeline("image-classification", model=model_directory())


if __name__ == "__main__":
  unittest.main()
