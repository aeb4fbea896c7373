"""Writes the tiny Hugging Face model directories the text tests load (run from this folder).

One byte-level BPE vocabulary (256 byte symbols, a few merges, chat special tokens) in four
styles that differ where real models differ: the post-processor (Llama-3 prepends BOS), and how
tokenizer_config.json / generation_config.json / special_tokens_map.json name the special tokens.
The chat templates are the real ones of SmolLM2-Instruct, Qwen2.5-Instruct, Llama-3-Instruct and Qwen3
(chat-templates.json).
"""
import json
import os


def byte_symbols():
    # GPT-2's byte-to-printable map: printable Latin-1 bytes stand for themselves, the rest are
    # shifted above U+0100 so that every byte has a visible symbol.
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    symbols = {}
    shift = 0
    for b in range(256):
        if b in keep:
            symbols[b] = chr(b)
        else:
            symbols[b] = chr(256 + shift)
            shift += 1
    return [symbols[b] for b in range(256)]


MERGES = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), ("Ġ", "w"), ("o", "r"), ("Ġw", "or"),
          ("Ġwor", "l"), ("Ġworl", "d")]
SPECIAL = ["<|endoftext|>", "<|begin_of_text|>", "<|eot_id|>", "<|im_start|>", "<|im_end|>",
           "<|start_header_id|>", "<|end_header_id|>"]


def tokenizer_json(post_processor):
    vocab = {s: i for i, s in enumerate(byte_symbols())}
    for a, b in MERGES:
        vocab[a + b] = len(vocab)
    added = [{"id": len(vocab) + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(SPECIAL)]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": post_processor,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [a + " " + b for a, b in MERGES]},
    }


def ids():
    base = 256 + len(MERGES)
    return {t: base + i for i, t in enumerate(SPECIAL)}


BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
ID = ids()
LLAMA3_POST = {"type": "Sequence", "processors": [
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
    {"type": "TemplateProcessing",
     "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
     "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
              {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
     "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [ID["<|begin_of_text|>"]],
                                              "tokens": ["<|begin_of_text|>"]}}}]}

TEMPLATES = json.load(open("chat-templates.json"))


def added(content):
    # The AddedToken object form transformers writes for special tokens.
    return {"__type": "AddedToken", "content": content, "lstrip": False, "normalized": False, "rstrip": False,
            "single_word": False, "special": True}


MODELS = {
    # GPT-2: one <|endoftext|> for BOS, EOS and unknown; no pad; the post-processor adds nothing.
    "gpt2": {
        "tokenizer.json": tokenizer_json(BYTE_LEVEL),
        "tokenizer_config.json": {"add_prefix_space": False, "bos_token": "<|endoftext|>",
                                  "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                                  "model_max_length": 1024, "tokenizer_class": "GPT2Tokenizer"},
        "special_tokens_map.json": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
                                    "unk_token": "<|endoftext|>"},
        "generation_config.json": {"bos_token_id": ID["<|endoftext|>"], "eos_token_id": ID["<|endoftext|>"]},
    },
    # Llama-3-Instruct: BOS from the post-processor, EOS <|eot_id|> in the tokenizer config and
    # two EOS ids in the generation config; no pad token.
    "llama3": {
        "tokenizer.json": tokenizer_json(LLAMA3_POST),
        "tokenizer_config.json": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
                                  "chat_template": TEMPLATES["llama3"], "clean_up_tokenization_spaces": True,
                                  "model_max_length": 1000000000000000019884624838656,
                                  "tokenizer_class": "PreTrainedTokenizerFast"},
        "special_tokens_map.json": {"bos_token": added("<|begin_of_text|>"), "eos_token": added("<|eot_id|>")},
        "generation_config.json": {"bos_token_id": ID["<|begin_of_text|>"],
                                   "eos_token_id": [ID["<|endoftext|>"], ID["<|eot_id|>"]],
                                   "do_sample": True, "temperature": 0.6, "top_p": 0.9},
    },
    # Qwen2.5-Instruct: no BOS token (null), add_bos_token false, EOS <|im_end|>, pad <|endoftext|>.
    "qwen2.5": {
        "tokenizer.json": tokenizer_json(None),
        "tokenizer_config.json": {"add_bos_token": False, "add_prefix_space": False, "bos_token": None,
                                  "chat_template": TEMPLATES["qwen2.5"], "eos_token": "<|im_end|>",
                                  "pad_token": "<|endoftext|>", "unk_token": None, "errors": "replace",
                                  "model_max_length": 131072, "split_special_tokens": False,
                                  "tokenizer_class": "Qwen2Tokenizer"},
        "generation_config.json": {"bos_token_id": ID["<|endoftext|>"], "pad_token_id": ID["<|endoftext|>"],
                                   "do_sample": True,
                                   "eos_token_id": [ID["<|im_end|>"], ID["<|endoftext|>"]]},
    },
    # Qwen3: Qwen2.5's tokens; a template with reversed slices, namespaces and thinking blocks.
    "qwen3": {
        "tokenizer.json": tokenizer_json(None),
        "tokenizer_config.json": {"add_bos_token": False, "add_prefix_space": False, "bos_token": None,
                                  "chat_template": TEMPLATES["qwen3"], "eos_token": "<|im_end|>",
                                  "pad_token": "<|endoftext|>", "unk_token": None, "errors": "replace",
                                  "model_max_length": 131072, "split_special_tokens": False,
                                  "tokenizer_class": "Qwen2Tokenizer"},
    },
    # SmolLM2-Instruct: ChatML; special tokens as AddedToken objects; pad is <|im_end|>.
    "smollm2": {
        "tokenizer.json": tokenizer_json(BYTE_LEVEL),
        "tokenizer_config.json": {"add_prefix_space": False, "bos_token": added("<|im_start|>"),
                                  "eos_token": added("<|im_end|>"), "pad_token": added("<|im_end|>"),
                                  "unk_token": "<|endoftext|>", "chat_template": TEMPLATES["smollm2"],
                                  "model_max_length": 8192, "tokenizer_class": "GPT2Tokenizer"},
        "generation_config.json": {"bos_token_id": ID["<|im_start|>"], "eos_token_id": ID["<|im_end|>"]},
    },
}

for model, files in MODELS.items():
    os.makedirs(model, exist_ok=True)
    for name, content in files.items():
        with open(os.path.join(model, name), "w", encoding="utf-8") as out:
            json.dump(content, out, ensure_ascii=False, indent=2)
            out.write("\n")
