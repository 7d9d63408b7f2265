"""COMBINER: the element-wise mean of its children's outputs."""

import seldon_unit


def aggregate(body):
    messages = body["seldonMessages"] if isinstance(body, dict) else body
    outputs = [seldon_unit.features(m) for m in messages]
    if not outputs or any(len(o) != len(outputs[0]) or len(o[0]) != len(outputs[0][0]) for o in outputs):
        raise ValueError("children answered with different shapes")
    rows = [[sum(o[r][c] for o in outputs) / len(outputs) for c in range(len(outputs[0][0]))] for r in range(len(outputs[0]))]
    meta = {"requestPath": {}, "tags": {}}
    for message in messages:
        child = message.get("meta") or {}
        meta["requestPath"].update(child.get("requestPath") or {})
        meta["tags"].update(child.get("tags") or {})
    return seldon_unit.reply(meta, rows, {"combined": len(outputs)}, seldon_unit.kind_of(messages[0]))


seldon_unit.serve({"/aggregate": aggregate})
