"""Model configs in the form ``ranet flops`` and ``ranet eval`` read, and ranet's validation split.

The RANet/MSDNet reference code (yangle15/RANet-pytorch, kalviny/MSDNet-PyTorch) describes a model by its argparse
``args``; ranet by a JSON config (``ranet flops cifar10-paper --json`` shows one). :func:`ranet_config` turns the
former into the latter with the rules ranet applies to the reference's test-vector metadata, so that a run logged
from the reference code shows its FLOPs and can be evaluated by ranet.
"""

RANET_KEYS = ("nChannels", "growthRate", "grFactor", "bnFactor", "scaleList", "nBlocks", "blockStep", "step",
              "stepMode", "classes", "input")
MSDNET_KEYS = ("nBlocks", "step", "base", "nChannels", "growthRate", "grFactor", "bnFactor", "classes", "input")
# Keys only the reference's argparse namespace has (ranet spells them scaleList, blockStep, ...).
REFERENCE_MARKERS = ("scale_list", "block_step", "stepmode", "num_classes", "compress_factor", "data", "prune")

_MASK = (1 << 64) - 1


def _as_dict(config):
    if isinstance(config, dict):
        return dict(config)
    if hasattr(config, "__dict__") and not isinstance(config, type):
        return dict(vars(config))
    return None


def _int_list(value, key):
    if isinstance(value, str):
        return [int(v) for v in value.split("-") if v]
    try:
        return [int(v) for v in value]
    except TypeError:
        raise ValueError("config: %s must be a list of integers, got %r" % (key, value))


def ranet_config(config, input_shape=None):
    """``config`` in ranet's JSON form, or ``None`` when it is neither ranet's form nor the reference's args.

    Accepts a dict or an ``argparse.Namespace``: ranet's keys (``scaleList``, ``blockStep``, ``stepMode``,
    ``classes``, ``input``...) are kept; the reference's argparse fields (``scale_list``, ``block_step``,
    ``stepmode``, ``num_classes``, ``data``; ``arch="msdnet"`` for MSDNet) are converted. ``input_shape``
    ([C, H, W]) is the model's input; without it, CIFAR/MNIST-style data gives [3, 32, 32] and anything else
    [3, 224, 224].
    """
    args = _as_dict(config)
    if args is None:
        return None
    if all(k in args for k in RANET_KEYS) or (str(args.get("arch", "")).lower() == "msdnet"
                                               and all(k in args for k in MSDNET_KEYS)):
        out = {k: v for k, v in args.items()}
        if input_shape is not None:
            out["input"] = [int(v) for v in input_shape]
        return out
    if not any(k in args for k in REFERENCE_MARKERS):
        return None
    data = str(args.get("data", "cifar10")).lower()
    classes = args.get("num_classes") or (100 if data == "cifar100" else 1000 if data == "imagenet" else 10)
    small = data.startswith("cifar") or "mnist" in data
    stem = "cifar" if small else "imagenet"
    shape = list(input_shape) if input_shape is not None else ([3, 32, 32] if small else [3, 224, 224])
    try:
        if str(args.get("arch", "")).lower() == "msdnet":
            return {
                "arch": "msdnet", "nBlocks": int(args["nBlocks"]),
                # args.py quirk: stepmode None (anything but "even") grows linearly, as ranet reads the vectors.
                "stepMode": "even" if args.get("stepmode") == "even" else "linGrow",
                "step": int(args["step"]), "base": int(args["base"]), "nChannels": int(args["nChannels"]),
                "growthRate": int(args["growthRate"]), "grFactor": _int_list(args["grFactor"], "grFactor"),
                "bnFactor": _int_list(args["bnFactor"], "bnFactor"), "prune": args.get("prune") or "max",
                "reduction": float(args["reduction"]), "bottleneck": args.get("bottleneck", True) is not False,
                "classes": int(classes), "stem": stem, "input": shape}
        return {
            "nChannels": int(args["nChannels"]), "growthRate": int(args["growthRate"]),
            "grFactor": _int_list(args["grFactor"], "grFactor"), "bnFactor": _int_list(args["bnFactor"], "bnFactor"),
            "scaleList": _int_list(args["scale_list"], "scale_list"), "nBlocks": int(args["nBlocks"]),
            "blockStep": int(args["block_step"]), "step": int(args["step"]),
            "stepMode": args.get("stepmode") or "even", "compressFactor": float(args["compress_factor"]),
            "reduction": float(args["reduction"]), "classes": int(classes), "stem": stem, "input": shape}
    except KeyError as missing:
        raise ValueError("config: the reference args lack %s" % missing)


class _SplitMix64:
    """ranet's SplitMix64 (Sources/SeededRandom): the same numbers from the same seed."""

    def __init__(self, seed):
        self.state = seed & _MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    @staticmethod
    def mix(*values):
        generator = _SplitMix64(0x6A09E667F3BCC908)
        accumulated = 0
        for value in values:
            generator.state ^= value & _MASK
            accumulated = generator.next() ^ ((accumulated * 0x100000001B3) & _MASK)
        return accumulated


def validation_split(count, size, seed=0):
    """(train_indices, validation_indices), both ascending: the ``size`` training images ranet holds out for
    validation with ``seed`` (``ranet train --validation-size``, and ``ranet eval`` of a logged run whose
    ``validation_size`` and ``seed`` are these). Train on ``Subset(train_set, train_indices)`` and log
    ``validation_size=size, seed=seed`` so that ranet's val split is the images the model never trained on.
    """
    if not 0 <= size < count:
        raise ValueError("validation size %d must be in 0..%d (the training set has %d images)"
                         % (size, count - 1, count))
    order = list(range(count))
    generator = _SplitMix64(_SplitMix64.mix(seed, 0x56414C4944415445))
    position = count - 1
    while position > 0:
        other = generator.next() % (position + 1)
        order[position], order[other] = order[other], order[position]
        position -= 1
    held_out = set(order[:size])
    return ([i for i in range(count) if i not in held_out], sorted(held_out))
