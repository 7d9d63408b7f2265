"""A tiny Hugging Face text classifier (HUGGINGFACE_SERVER on v2), made offline: no hub.

A one-layer BERT (hidden size 16) for `text-classification` with two labels, built from
transformers' own config and tokenizer classes and saved with `save_pretrained` in model/:
config.json (which records the transformers version, the one seldon-local's environment then
installs), a WordPiece vocabulary made from the words below, and weights drawn at random with a
fixed seed and written with safetensors from numpy (so making it needs no PyTorch; serving it
does, as mlserver-huggingface imports PyTorch). The model is untrained: its answers are
arbitrary but fixed, which is all a conformance check needs.

heldout.json holds the sentences the conformance check sends. Run by
scripts/make-python-examples.sh.
"""

import json
import os

import numpy as np
from safetensors.numpy import save_file
from transformers import BertConfig, BertTokenizer

here = os.path.dirname(os.path.abspath(__file__))
model_dir = os.path.join(here, "model")
os.makedirs(model_dir, exist_ok=True)

WORDS = (
    "the a an this that is was it movie film book food service great good fine bad awful "
    "terrible boring lovely slow fast not very really quite and but i we you liked loved hated "
    "enjoyed disliked would again never always recommend place staff story ending"
).split()
vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, "##s", "##ed", "##ing", "##ly"]
with open(os.path.join(model_dir, "vocab.txt"), "w") as out:
    out.write("\n".join(vocab) + "\n")
tokenizer = BertTokenizer(os.path.join(model_dir, "vocab.txt"), do_lower_case=True)
tokenizer.save_pretrained(model_dir)

hidden, intermediate, positions, labels = 16, 32, 64, 2
config = BertConfig(
    vocab_size=len(vocab),
    hidden_size=hidden,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=intermediate,
    max_position_embeddings=positions,
    num_labels=labels,
    id2label={0: "NEGATIVE", 1: "POSITIVE"},
    label2id={"NEGATIVE": 0, "POSITIVE": 1},
    architectures=["BertForSequenceClassification"],
)
config.save_pretrained(model_dir)

rng = np.random.default_rng(7)


def weights(*shape):
    return (rng.standard_normal(shape) * 0.5).astype(np.float32)


def norm(prefix):
    return {f"{prefix}.weight": np.ones(hidden, np.float32), f"{prefix}.bias": np.zeros(hidden, np.float32)}


layer = "bert.encoder.layer.0"
tensors = {
    "bert.embeddings.word_embeddings.weight": weights(len(vocab), hidden),
    "bert.embeddings.position_embeddings.weight": weights(positions, hidden),
    "bert.embeddings.token_type_embeddings.weight": weights(2, hidden),
    **norm("bert.embeddings.LayerNorm"),
    **norm(f"{layer}.attention.output.LayerNorm"),
    **norm(f"{layer}.output.LayerNorm"),
    f"{layer}.intermediate.dense.weight": weights(intermediate, hidden),
    f"{layer}.intermediate.dense.bias": weights(intermediate),
    f"{layer}.output.dense.weight": weights(hidden, intermediate),
    f"{layer}.output.dense.bias": weights(hidden),
    "classifier.weight": weights(labels, hidden),
    "classifier.bias": weights(labels),
}
for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
    tensors[f"{layer}.{name}.weight"] = weights(hidden, hidden)
    tensors[f"{layer}.{name}.bias"] = weights(hidden)
tensors["bert.pooler.dense.weight"] = weights(hidden, hidden)
tensors["bert.pooler.dense.bias"] = weights(hidden)
save_file(tensors, os.path.join(model_dir, "model.safetensors"), metadata={"format": "pt"})

sentences = [
    "this movie was great",
    "the food was awful",
    "i loved the story but hated the ending",
    "service was slow and the staff was not very good",
    "would recommend this place again",
    "a boring book",
    "we enjoyed it",
    "never again",
    "really lovely film",
    "the ending was terrible",
]
with open(os.path.join(here, "heldout.json"), "w") as out:
    json.dump({"sentences": sentences}, out, indent=1)
    out.write("\n")
print(f"wrote {model_dir} ({len(vocab)} words, {sum(t.size for t in tensors.values())} weights)")
