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
    {"transformers": "<version>", "pairrm_sequences": [[...], ...], "pairrm_logits": [...]}   PairRM

PairRM (llm-blender/PairRM-hf) is LLM-Blender's DebertaV2PairRM, which transformers does not ship:
the class below rebuilds it from its definition in llm_blender/pair_ranker/pairrm.py (a
DebertaV2Model under "pretrained_model", a two-layer head "head_layer" over the hidden states at
<|source|>, <|candidate1|> and <|candidate2|>, logit = mean over tasks of head(1) - head(2)), so
the fixtures need neither llm_blender nor a download. Its sequences are laid out as LLM-Blender
lays them out, [CLS] <|source|> x [SEP] [CLS] <|candidate1|> a [SEP] [CLS] <|candidate2|> b [SEP],
right-padded with 0 in one batch with an attention mask, as its tokenize_pair pads them.
"""
import json
import pathlib
import sys

import torch
import transformers
from torch import nn
from transformers import (DebertaV2Config, DebertaV2Model, DebertaV2PreTrainedModel, GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM,
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


# PairRM's vocabulary layout at a tiny size: ids 0-3 [PAD] [CLS] [SEP] [UNK], text pieces up to 119,
# [MASK] 120, then the four prefixes LLM-Blender adds (PairRM-hf: 128000 and 128001-128004).
PAIRRM_IDS = dict(source_prefix_id=121, cand1_prefix_id=122, cand2_prefix_id=123, cand_prefix_id=124)
DEBERTA_SHAPE = dict(vocab_size=125, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                     max_position_embeddings=512, relative_attention=True, position_biased_input=False,
                     type_vocab_size=0, hidden_act="gelu", layer_norm_eps=1e-7, pad_token_id=0)
PAIRRM_FIXTURES = {
    # PairRM's own settings (DeBERTa-v3): shared key projections, both terms, log buckets, normalised embeddings.
    "pairrm": dict(position_buckets=8, max_relative_positions=16, pos_att_type=["p2c", "c2p"], share_att_key=True,
                   norm_rel_ebd="layer_norm"),
    # Own pos_key_proj / pos_query_proj, plain clamped distances, raw relative embeddings.
    "pairrm-own-projections": dict(position_buckets=-1, max_relative_positions=6, pos_att_type=["p2c", "c2p"],
                                   share_att_key=False, norm_rel_ebd="none"),
}


class DebertaV2PairRM(DebertaV2PreTrainedModel):
    """LLM-Blender's PairRM head over a DeBERTa-v2 encoder, with its parameter names."""

    def __init__(self, config):
        super().__init__(config)
        self.pretrained_model = DebertaV2Model(config)
        hidden = config.hidden_size
        self.head_layer = nn.Sequential(nn.Dropout(config.drop_out), nn.Linear(2 * hidden, hidden), nn.Tanh(),
                                        nn.Dropout(config.drop_out), nn.Linear(hidden, config.n_tasks))
        self.post_init()

    def forward(self, input_ids, attention_mask):
        states = self.pretrained_model(input_ids=input_ids, attention_mask=attention_mask,
                                       output_hidden_states=True).hidden_states[-1]
        def at(token_id):
            rows, columns = torch.where(input_ids == token_id)
            return states[rows, columns, :]
        source = at(self.config.source_prefix_id)
        left = self.head_layer(torch.cat([source, at(self.config.cand1_prefix_id)], dim=-1))
        right = self.head_layer(torch.cat([source, at(self.config.cand2_prefix_id)], dim=-1))
        return (left - right).mean(dim=-1)


def pairrm_sequences():
    """Comparisons of different lengths, so that the batch is padded."""
    generator = torch.Generator().manual_seed(3)
    def part(prefix, length):
        body = torch.randint(4, 120, (length,), generator=generator).tolist()
        return [1, prefix] + body + [2]
    ids = PAIRRM_IDS
    return [part(ids["source_prefix_id"], s) + part(ids["cand1_prefix_id"], a) + part(ids["cand2_prefix_id"], b)
            for s, a, b in [(5, 3, 9), (1, 12, 0), (8, 8, 8), (2, 0, 15)]]


def write_pairrm_fixtures(out):
    sequences = pairrm_sequences()
    width = max(map(len, sequences))
    input_ids = torch.tensor([row + [0] * (width - len(row)) for row in sequences])
    attention_mask = torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in sequences])
    for name, attention in PAIRRM_FIXTURES.items():
        torch.manual_seed(sum(map(ord, name)))
        config = DebertaV2Config(**DEBERTA_SHAPE, **attention)
        config.update(dict(n_tasks=2, drop_out=0.05, **PAIRRM_IDS))
        model = DebertaV2PairRM(config).eval()
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.normal_(0.0, 0.2)
            logits = model(input_ids, attention_mask).tolist()
        directory = out / name
        directory.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(directory, safe_serialization=True)
        reference = {"transformers": transformers.__version__, "pairrm_sequences": sequences, "pairrm_logits": logits}
        (directory / "reference.json").write_text(json.dumps(reference))
        print("wrote", directory)


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    write_pairrm_fixtures(out)
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
