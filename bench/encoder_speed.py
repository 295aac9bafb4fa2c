"""Text-query and photo speed of the shop's encoder on a full-size random BLIP-2.

Loads `bench/encoder_full_size.py`'s checkpoint through the shop's own code path
(`Blip2Encoder`, `from_pretrained`) and prints, in one run:
- the GEMM floor: fp32 GFLOP/s of a large matmul on this machine, now;
- a text query (one fresh string at a time, as the search box sends them): p50/p95 ms
  in fp32 and with the int8 text tower (SHOP_EMBEDDING_QUANTIZE_TEXT, the default),
  calls interleaved so that load from elsewhere hits both alike, the floor for its
  FLOPs, and the int8 vectors' cosine to fp32;
- photos: seconds per image at --batch fp32 and int8 (SHOP_EMBEDDING_QUANTIZE) against
  the floor for their FLOPs.

    .venv/bin/python bench/encoder_speed.py [--threads 2] [--queries 60] [--photos 4]

Prints figures; asserts nothing. Quote medians and same-run ratios with `uptime`.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from encoder_full_size import DEFAULT_DIR, full_size_checkpoint  # noqa: E402

QUERIES = [
    "navy blue shirt for men",
    "red floral summer dress",
    "black leather boots",
    "gold watch",
    "white casual shoes with a thick sole",
    "kurta for a wedding",
    "running shoes",
    "leather wallet",
]


def gemm_floor_gflops(torch: object, seconds: float = 3.0) -> float:
    """Best fp32 GFLOP/s of a 1024-cube matmul over a few seconds."""
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    best, deadline = 0.0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        for _ in range(4):
            torch.mm(a, b)
        best = max(best, 4 * 2 * 1024**3 / (time.perf_counter() - started) / 1e9)
    return best


def flops(torch: object, call: object) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        call()
    return counter.get_total_flops()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--photos", type=int, default=4, help="per precision; 0 skips photos")
    parser.add_argument("--batch", type=int, default=4)
    args = parser.parse_args()

    import numpy as np
    import torch

    from shop.search.encoder import Blip2Encoder, EncoderConfig

    torch.set_num_threads(args.threads)
    source = str(full_size_checkpoint(args.model))
    print(
        f"machine: {os.cpu_count()} cores, torch threads {args.threads}, uptime: "
        f"{os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} (load 1/5 min)"
    )
    floor = gemm_floor_gflops(torch)
    print(f"GEMM floor: {floor:.0f} GFLOP/s fp32 (1024^3 matmul, best of 3 s)")

    fp32 = Blip2Encoder(EncoderConfig(model=source, device="cpu"))
    int8 = Blip2Encoder(EncoderConfig(model=source, device="cpu", quantize_text=True))
    tokens = [len(fp32.tokenizer(q)["input_ids"]) for q in QUERIES]
    text_flops = statistics.mean(flops(torch, lambda q=q: fp32.encode_texts([q])) for q in QUERIES)
    floor_ms = text_flops / floor / 1e6
    cosines = [float(fp32.encode_texts([q])[0] @ int8.encode_texts([q])[0]) for q in QUERIES]
    times: dict[str, list[float]] = {"fp32": [], "int8": []}
    for run in range(-3, args.queries):  # 3 warm-up rounds
        for name, encoder in (("fp32", fp32), ("int8", int8)):
            query = f"{QUERIES[run % len(QUERIES)]} {run}"  # fresh: nothing cached
            started = time.perf_counter()
            encoder.encode_texts([query])
            if run >= 0:
                times[name].append((time.perf_counter() - started) * 1000)
    print(
        f"text query ({statistics.mean(tokens):.1f} tokens, {text_flops / 1e9:.2f} GFLOP, "
        f"floor {floor_ms:.1f} ms), {args.queries} queries each, interleaved:"
    )
    for name, values in times.items():
        p50 = statistics.median(values)
        print(
            f"  {name}: p50 {p50:.1f} ms  p95 {percentile(values, 0.95):.1f} ms  "
            f"({p50 / floor_ms:.1f}x floor)"
        )
    ratio = statistics.median(times["int8"]) / statistics.median(times["fp32"])
    print(
        f"  int8/fp32 p50 ratio {ratio:.2f}; "
        f"int8 cosine to fp32: min {min(cosines):.5f}, mean {statistics.mean(cosines):.5f}"
    )
    del int8
    gc.collect()

    if args.photos:
        rng = np.random.default_rng(0)
        size = fp32.image_processor.size["height"]
        pixels = rng.standard_normal((args.photos, 3, size, size)).astype(np.float32)
        fp32.vision.requires_grad_(False)  # the FLOP counter's module hooks want no grads
        photo_flops = flops(torch, lambda: fp32.encode_pixels(pixels[:1]))
        photo_floor_s = photo_flops / floor / 1e9
        print(
            f"photo ({photo_flops / 1e9:.0f} GFLOP, floor {photo_floor_s:.2f} s), "
            f"{args.photos} photos at batch {args.batch}:"
        )
        results = {}
        for name in ("fp32", "int8"):
            encoder = (
                fp32
                if name == "fp32"
                else Blip2Encoder(EncoderConfig(model=source, device="cpu", quantize=True))
            )
            encoder.encode_pixels(pixels[:1])  # warm
            started = time.perf_counter()
            results[name] = encoder.encode_pixels(pixels, batch_size=args.batch)
            per_image = (time.perf_counter() - started) / args.photos
            print(f"  {name}: {per_image:.2f} s/img ({per_image / photo_floor_s:.1f}x floor)")
            del encoder
            gc.collect()
        pooled = [Blip2Encoder.pooled(results[n]) for n in ("fp32", "int8")]
        worst = np.sum(pooled[0] * pooled[1], axis=1).min()
        print(f"  int8 pooled cosine to fp32: min {worst:.4f}")
    print(f"uptime at end: {os.getloadavg()[0]:.1f} (load 1 min)")


if __name__ == "__main__":
    main()
