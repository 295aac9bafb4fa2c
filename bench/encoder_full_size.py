"""A full-size BLIP-2 retrieval checkpoint with random weights, for the encoder benches.

Same architecture and shapes as `Salesforce/blip2-itm-vit-g` (ViT-g vision tower of 39
layers at 1408 wide, a 12-layer Q-Former at 768 that also reads text, 32 query tokens,
256-d projections, a 30,523-token vocabulary), built from `Blip2Config`, saved with
`save_pretrained` and therefore loaded by the shop through the very code that loads the
real weights. The vectors mean nothing; the time and memory they take are the real
model's. The tokenizer's vocabulary is made up (shop words plus fillers), so a query
splits into about as many tokens as in bert-base-uncased.

    .venv/bin/python bench/encoder_full_size.py [--out var/bench-models/blip2-full-random]

Built once (~1 min and ~5 GB of memory on 2 cores); later calls reuse it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DIR = ROOT / "var" / "bench-models" / "blip2-full-random"
MARKER = "FULL_SIZE_RANDOM"
VOCAB_SIZE = 30522  # bert-base-uncased; the processor adds "<image>", hence 30,523
SEED = 4321


def full_size_checkpoint(target: Path = DEFAULT_DIR) -> Path:
    """The checkpoint directory, built on first use."""
    target = Path(target)
    if (target / MARKER).is_file():
        return target
    import torch
    from transformers import (
        BertTokenizer,
        Blip2Config,
        Blip2ForImageTextRetrieval,
        Blip2Processor,
        BlipImageProcessor,
    )

    from shop.search.encoder.dev_tiny import dev_tiny_vocab

    target.mkdir(parents=True, exist_ok=True)
    words = dev_tiny_vocab()
    vocab = words + [f"[unused{i}]" for i in range(VOCAB_SIZE - len(words))]
    vocab_file = target / "bench_vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n")
    tokenizer = BertTokenizer(vocab=str(vocab_file), model_max_length=512)
    # BlipImageProcessor's default is 384 px; blip2-itm-vit-g's is 224, its ViT's input.
    image_processor = BlipImageProcessor(size={"height": 224, "width": 224})
    processor = Blip2Processor(image_processor=image_processor, tokenizer=tokenizer)
    # Blip2Config()'s defaults are blip2-itm-vit-g's vision tower and Q-Former; the
    # retrieval checkpoint also feeds text through the Q-Former.
    config = Blip2Config(
        qformer_config={"use_qformer_text_input": True, "vocab_size": len(tokenizer)},
        num_query_tokens=32,
        image_text_hidden_size=256,
    )
    started = time.monotonic()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = Blip2ForImageTextRetrieval(config).eval()
        with torch.no_grad():
            model.query_tokens.normal_(mean=0.0, std=0.02)
    model.save_pretrained(target)
    processor.save_pretrained(target)
    vocab_file.unlink()
    (target / MARKER).write_text("1\n")
    params = sum(p.numel() for p in model.parameters())
    print(f"built {target}: {params / 1e9:.2f} B parameters in {time.monotonic() - started:.0f} s")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    print(full_size_checkpoint(parser.parse_args().out))


if __name__ == "__main__":
    main()
