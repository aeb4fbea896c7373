#!/usr/bin/env python3
"""Tiny random-weight Hugging Face checkpoints with transformers' own outputs, for HfFixturesTest.

HfFixturesTest loads every directory written here with sppo4j's loader and checks its logits (or
rewards) against the ones transformers computed, within 1e-4. The checkpoints are tiny (hidden 32,
2 layers, vocabulary 96), a few tens of KB each, so they can be committed.

Run from the repository root, in an environment with torch and transformers (no network needed):

    pip install torch transformers safetensors
    python model/src/test/python/make_hf_fixtures.py [OUT_DIR]
    mvn -B -q -pl model -am test -Dtest=HfFixturesTest -Dsurefire.failIfNoSpecifiedTests=false

OUT_DIR defaults to model/src/test/resources/hf-fixtures (scripts/device-check.sh writes elsewhere).
Each OUT_DIR/<name>/ holds the save_pretrained output plus reference.json:
    {"transformers": "<version>", "input_ids": [...], "logits": [[...], ...]}      causal LMs, (T, V)
    {"transformers": "<version>", "sequences": [[...], ...], "rewards": [...]}     reward models
"""
import json
import pathlib
import sys

import torch
import transformers
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM,
                          LlamaForSequenceClassification, MistralConfig, MistralForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM)

OUT = pathlib.Path(__file__).resolve().parents[1] / "resources" / "hf-fixtures"
INPUT_IDS = [1, 17, 42, 5, 63, 0, 29, 8, 51, 12, 3, 95]
SEQUENCES = [[1, 5, 9], [1, 17, 42, 5, 63, 30, 2], [7, 8, 9, 10]]
LLAMA_SHAPE = dict(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                   num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)

FIXTURES = {
    # name: (model class, config, on-disk dtype)
    "llama-llama3-rope-bf16": (LlamaForCausalLM, LlamaConfig(**LLAMA_SHAPE, rope_theta=500000.0, rope_scaling={
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 16}), torch.bfloat16),
    "qwen2-tied": (Qwen2ForCausalLM, Qwen2Config(**LLAMA_SHAPE, tie_word_embeddings=True), torch.float32),
    "mistral": (MistralForCausalLM, MistralConfig(**LLAMA_SHAPE, sliding_window=4096), torch.float32),
    "gpt2": (GPT2LMHeadModel, GPT2Config(vocab_size=96, n_embd=32, n_layer=2, n_head=4, n_positions=64),
             torch.float32),
    "llama-reward": (LlamaForSequenceClassification, LlamaConfig(**LLAMA_SHAPE, num_labels=1, pad_token_id=0),
                     torch.bfloat16),
}


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    for name, (model_class, config, dtype) in FIXTURES.items():
        torch.manual_seed(sum(map(ord, name)))
        model = model_class(config).eval()
        with torch.no_grad():
            for parameter in model.parameters():  # larger than the default init, so logits differ visibly
                parameter.normal_(0.0, 0.2)
        model = model.to(dtype).float()  # the reference uses exactly the weights that get saved
        directory = out / name
        directory.mkdir(parents=True, exist_ok=True)
        reference = {"transformers": transformers.__version__}
        with torch.no_grad():
            if "reward" in name:
                rewards = [model(torch.tensor([ids])).logits[0, 0].item() for ids in SEQUENCES]
                reference.update(sequences=SEQUENCES, rewards=rewards)
            else:
                logits = model(torch.tensor([INPUT_IDS])).logits[0]
                reference.update(input_ids=INPUT_IDS, logits=logits.tolist())
        model.to(dtype).save_pretrained(directory, safe_serialization=True)
        (directory / "reference.json").write_text(json.dumps(reference))
        print("wrote", directory)


if __name__ == "__main__":
    main()
