#!/usr/bin/env python3
"""PyTorch side of `clip-bench attention`: times scaled-dot-product attention as transformers' CLIP runs it.

Protocol (one line each way, so the Swift side can alternate its own runs with ours):
  request:  "<sequences> <tokens> <heads> <headDim> <causal 0|1> [cpu]"   reply: "<seconds per call>"
            (wall clock, or process CPU time with "cpu"; timing.py)
  request:  "info"                                                 reply: "torch <version> threads=<n>"
Inputs are [sequences * tokens, heads * headDim] like the projections' output; the timed call reshapes them to
[sequences, heads, tokens, headDim], runs torch.nn.functional.scaled_dot_product_attention and reshapes back.
Threads: CLIP_BENCH_THREADS (the Swift side passes its own count).
"""
import os
import sys

import torch
import torch.nn.functional as F
from timing import seconds_per_call


def main():
    torch.set_num_threads(int(os.environ.get("CLIP_BENCH_THREADS", "2")))
    generator = torch.Generator().manual_seed(0)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "info":
            print(f"torch {torch.__version__} threads={torch.get_num_threads()}", flush=True)
            continue
        b, t, h, d, causal = (int(w) for w in words[:5])
        q, k, v = (torch.randn(b * t, h * d, generator=generator) for _ in range(3))

        def call():
            split = [x.view(b, t, h, d).transpose(1, 2) for x in (q, k, v)]
            out = F.scaled_dot_product_attention(*split, is_causal=bool(causal))
            return out.transpose(1, 2).reshape(b * t, h * d)

        with torch.inference_mode():
            seconds = seconds_per_call(call, cpu=words[5:] == ["cpu"])
        print(f"{seconds:.9e}", flush=True)


if __name__ == "__main__":
    main()
