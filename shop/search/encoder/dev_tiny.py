"""dev-tiny: a tiny randomly initialised BLIP-2 retrieval model for development and tests.

Built from a small `Blip2Config`, saved with `save_pretrained` and loaded by the encoder
with `from_pretrained`, the code path that loads the real model.
"""

from __future__ import annotations

import os
import shutil
import string
import tempfile
from contextlib import suppress
from pathlib import Path

from shop.search.encoder.config import MAX_TEXT_TOKENS
from shop.search.encoder.identity import DEV_TINY_VERSION, EncoderUnavailable

DEV_TINY_MARKER = "DEV_TINY_VERSION"
DEV_TINY_SEED = 1234
DEV_TINY_IMAGE_SIZE = 64
# With BLIP-2's init scales (1e-10 vision, 0.02 Q-Former) a random tiny model maps every
# image and every text to nearly the same vector (cosine > 0.99), which makes dev search
# results meaningless and tests blind; 0.3 spreads them out (pairwise cosines ~0-0.8).
DEV_TINY_INIT_STD = 0.3

_DEV_TINY_WORDS = """
a an the and or with without for of in on to from by at as is are this that these those
my your our new best top cheap sale men women mens womens boys girls kids unisex adult
baby teen summer winter spring autumn fall casual formal party office sport sports
running walking training gym outdoor indoor beach travel wedding evening daily work
black white grey gray red blue navy green olive yellow orange pink purple brown beige
cream tan khaki maroon burgundy teal turquoise gold silver bronze multi coloured colored
dark light pale bright pastel neon striped checked plaid floral printed solid plain
dotted polka graphic logo embroidered lace denim leather suede cotton linen silk wool
polyester nylon knit knitted woven velvet satin canvas rubber metal plastic synthetic
shirt shirts tshirt tee top tops blouse tunic kurta kurti sweater sweatshirt hoodie
cardigan jacket jackets blazer coat vest waistcoat dress dresses gown skirt skirts
jeans trousers pants shorts leggings capris joggers track tracksuit suit saree sari
dupatta scarf stole shawl lehenga salwar churidar nightwear pyjama pajama lounge
innerwear bra briefs boxers trunks socks stockings swimwear bikini
shoe shoes sneaker sneakers boot boots sandal sandals heel heels flats flat loafer
loafers slipper slippers flip flops moccasin oxford derby pumps wedges
bag bags handbag backpack wallet clutch purse tote sling duffel luggage
watch watches belt belts cap caps hat hats sunglasses glasses tie ties cufflinks
jewellery jewelry necklace earrings ring rings bracelet bangle pendant anklet
perfume deodorant lipstick nail polish makeup fragrance
small medium large big long short mini midi maxi slim fit regular loose oversized
skinny straight tapered wide flared high low waist rise neck collar sleeve sleeves
sleeveless full half round v crew polo hooded button zip zipper pocket pockets
pattern print stripe stripes check checks solid style look wear outfit
"""


# Word pieces any word can be spelled with: a letter, digit or sign to start a word
# and "##" ones to continue it, plus common endings. The BERT word-piece tokenizer
# (BLIP-2's) takes the longest piece it knows, so a word outside the list above
# ("nike", "spaceship", "zzzz") becomes its own sequence of pieces instead of the one
# unknown token: distinct words give distinct vectors, as with the real model.
# Built by hand rather than trained: the `tokenizers` WordPiece trainer gave three
# different vocabularies in three runs on the same words (its merge ties follow hash
# order), and dev-tiny must be the same model on every machine.
_CHARACTERS = string.ascii_lowercase + string.digits
_ENDINGS = "s es ed er ers est ing ings ly ness ment able ion ions ish ie ies y wear"


def dev_tiny_vocab() -> list[str]:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = _DEV_TINY_WORDS.split()
    starts = [*_CHARACTERS, *string.punctuation]
    continuations = [f"##{piece}" for piece in [*_CHARACTERS, *_ENDINGS.split()]]
    return specials + list(dict.fromkeys([*words, *starts, *continuations]))


def _dev_tiny_is_complete(target_dir: Path) -> bool:
    marker = target_dir / DEV_TINY_MARKER
    try:
        return marker.read_text().strip() == DEV_TINY_VERSION
    except OSError:
        return False


def build_dev_tiny(target_dir: Path) -> Path:
    """Build (once) a tiny randomly initialised BLIP-2 retrieval model into target_dir.

    Same architecture, output shapes and save format as Salesforce/blip2-itm-vit-g, so
    the encoder loads it through the code path that loads the real one. Deterministic
    (fixed seed) and safe against concurrent builders: each builds in a temporary
    sibling directory and renames it into place.
    """
    target_dir = Path(target_dir)
    if _dev_tiny_is_complete(target_dir):
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}-build-", dir=target_dir.parent))
    try:
        _write_dev_tiny(tmp)
        for _ in range(3):
            try:
                os.rename(tmp, target_dir)
                return target_dir
            except OSError:
                if _dev_tiny_is_complete(target_dir):
                    return target_dir  # another process won the race
                # A stale or partial build is in the way: move it aside, then retry.
                stale = Path(
                    tempfile.mkdtemp(prefix=f".{target_dir.name}-stale-", dir=target_dir.parent)
                )
                with suppress(FileNotFoundError):
                    os.rename(target_dir, stale / "old")
                shutil.rmtree(stale, ignore_errors=True)
        raise EncoderUnavailable(f"Could not install the dev-tiny model into {target_dir}.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_dev_tiny(out_dir: Path) -> None:
    import torch
    from transformers import (
        BertTokenizer,
        Blip2Config,
        Blip2ForImageTextRetrieval,
        Blip2Processor,
        BlipImageProcessor,
    )

    vocab = dev_tiny_vocab()
    vocab_file = out_dir / "dev_tiny_vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n")
    # transformers 5 ignores vocab_file=; vocab= takes the path.
    tokenizer = BertTokenizer(vocab=str(vocab_file), model_max_length=MAX_TEXT_TOKENS)
    image_processor = BlipImageProcessor(
        size={"height": DEV_TINY_IMAGE_SIZE, "width": DEV_TINY_IMAGE_SIZE}
    )
    # Blip2Processor adds an "<image>" token to the tokenizer, hence the +1 below.
    processor = Blip2Processor(image_processor=image_processor, tokenizer=tokenizer)

    config = Blip2Config(
        vision_config={
            "image_size": DEV_TINY_IMAGE_SIZE,
            "patch_size": 16,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "initializer_range": DEV_TINY_INIT_STD,
        },
        qformer_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "cross_attention_frequency": 1,
            # Text goes through the Q-Former too (its own feed-forward), as in itm-vit-g.
            "use_qformer_text_input": True,
            "initializer_range": DEV_TINY_INIT_STD,
            "max_position_embeddings": MAX_TEXT_TOKENS,
        },
        num_query_tokens=32,
        image_text_hidden_size=256,
        initializer_range=DEV_TINY_INIT_STD,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(DEV_TINY_SEED)
        model = Blip2ForImageTextRetrieval(config)
        with torch.no_grad():
            # post_init() zeroes the queries; identical queries collapse the 32 outputs
            # into one, and all-zero ones give NaNs in half precision.
            model.query_tokens.normal_(mean=0.0, std=0.02)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    vocab_file.unlink()
    (out_dir / DEV_TINY_MARKER).write_text(DEV_TINY_VERSION + "\n")
