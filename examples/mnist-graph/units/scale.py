"""TRANSFORMER: divides every feature by the `divisor` parameter (raw 0-255 pixels to [0, 1])."""

import seldon_unit

DIVISOR = float(seldon_unit.parameters().get("divisor", 255.0))


def transform_input(message):
    rows = [[float(v) / DIVISOR for v in row] for row in seldon_unit.features(message)]
    return seldon_unit.reply(message.get("meta") or {}, rows, {"scaled_by": DIVISOR}, seldon_unit.kind_of(message))


seldon_unit.serve({"/transform-input": transform_input})
