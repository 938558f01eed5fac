// Replaced by the worker's entry point (issue 4).
import Worker
