"""A stand-in for the corpus GPT-2 graph's `seldonio/gpt2-tokeniser` units: an MLServer custom
runtime with the upstream example's interface (encoder: `sentences` BYTES -> `input_ids` and
`attention_mask` INT32 [1, n]; decoder, `SELDON_TOKENIZER_TYPE=DECODER`: `logits` [1, n, V] ->
`next_token` BYTES, the greedy choice for the last position), run by the real MLServer.

Its vocabulary is bytes (token = UTF-8 byte), not GPT-2's 50257 BPE tokens: the real tokeniser
downloads GPT-2's vocabulary from the HuggingFace hub, which is not reachable here.
"""

import os

import numpy as np
from mlserver import MLModel
from mlserver.codecs import NumpyCodec, StringCodec
from mlserver.codecs.string import StringRequestCodec
from mlserver.types import InferenceRequest, InferenceResponse


class Tokeniser(MLModel):
    async def load(self) -> bool:
        self._encoder = os.environ.get("SELDON_TOKENIZER_TYPE", "ENCODER") == "ENCODER"
        self.ready = True
        return self.ready

    async def predict(self, request: InferenceRequest) -> InferenceResponse:
        if self._encoder:
            sentences = StringRequestCodec.decode_request(request)
            ids = np.array([list(sentences[0].encode("utf-8"))], dtype=np.int32)
            outputs = []
            for name, payload in (("input_ids", ids), ("attention_mask", np.ones_like(ids))):
                output = NumpyCodec.encode_output(name=name, payload=payload)
                output.datatype = "INT32"
                outputs.append(output)
        else:
            logits = NumpyCodec.decode_input(request.inputs[0])
            token = int(logits.argmax(axis=2)[0][-1])
            text = bytes([token]).decode("utf-8", errors="replace")
            outputs = [StringCodec.encode_output("next_token", [text])]
        return InferenceResponse(model_name=self.name, model_version=self.version, outputs=outputs)
