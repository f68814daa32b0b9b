"""Files for ``ranet import-logits``: per-exit outputs [exits, samples, classes] and labels [samples].

Nothing here imports torch or numpy at module import time. Tensors and arrays are accepted when given; plain nested
lists work too (slowly).
"""

import array
import json
import os
import struct
import sys


def collect_outputs(model, loader, device="cpu"):
    """Runs ``model`` (returning a list of per-exit logits) over ``loader`` in eval mode without gradients.

    Returns ``(logits, labels)``: a float32 tensor [exits, samples, classes] and an int64 tensor [samples],
    on the CPU. Imports torch when called.
    """
    import torch

    was_training = model.training
    model.eval()
    per_exit, labels = None, []
    with torch.no_grad():
        for images, targets in loader:
            outputs = model(images.to(device))
            if torch.is_tensor(outputs):
                outputs = [outputs]
            if per_exit is None:
                per_exit = [[] for _ in outputs]
            for exit, output in enumerate(outputs):
                per_exit[exit].append(output.float().cpu())
            labels.append(targets.cpu().long())
    model.train(was_training)
    if per_exit is None:
        raise ValueError("collect_outputs: the loader yielded no batches")
    return torch.stack([torch.cat(chunks) for chunks in per_exit]), torch.cat(labels)


def dump_logits(path, outputs, labels, kind="logits", flops=None, params=None):
    """Writes per-exit outputs and labels for ``ranet import-logits``; returns the paths written.

    ``outputs``: [exits, samples, classes] (a tensor, an array, or a list of per-exit [samples, classes]);
    ``labels``: [samples] integer classes; ``kind``: "logits" or "probabilities" (softmax outputs).
    ``path`` ending in ``.safetensors`` writes one file with tensors ``logits`` (or ``probabilities``) and
    ``labels`` and, in its metadata, ``kind`` and the cumulative ``flops``/``params`` per exit when given.
    ``path`` ending in ``.npy`` writes the outputs there and the labels next to it as ``<stem>.labels.npy``
    (the name ``ranet import-logits`` looks for); FLOPs then go on the command line.
    """
    if kind not in ("logits", "probabilities"):
        raise ValueError("kind must be 'logits' or 'probabilities', got %r" % (kind,))
    shape, values = _float32(outputs)
    if len(shape) != 3:
        raise ValueError("outputs must be [exits, samples, classes], got shape %s" % (shape,))
    label_shape, label_values = _int64(labels)
    if label_shape != [shape[1]]:
        raise ValueError("labels have shape %s, expected [%d] (one per sample)" % (label_shape, shape[1]))
    for what, values_per_exit in (("flops", flops), ("params", params)):
        if values_per_exit is not None and len(values_per_exit) != shape[0]:
            raise ValueError("%s has %d values for %d exits" % (what, len(values_per_exit), shape[0]))
    path = os.fspath(path)
    if path.endswith(".safetensors"):
        metadata = {"kind": kind}
        if flops is not None:
            metadata["flops"] = ",".join(str(int(f)) for f in flops)
        if params is not None:
            metadata["params"] = ",".join(str(int(p)) for p in params)
        write_safetensors(path, {kind: ("F32", shape, values), "labels": ("I64", label_shape, label_values)},
                          metadata)
        return [path]
    if path.endswith(".npy"):
        labels_path = path[: -len(".npy")] + ".labels.npy"
        write_npy(path, "<f4", shape, values)
        write_npy(labels_path, "<i8", label_shape, label_values)
        return [path, labels_path]
    raise ValueError("dump_logits: %s must end in .safetensors or .npy" % path)


def save_weights(path, model):
    """Writes a model's (or a state_dict's) tensors as a safetensors file for ``ranet import-weights``.

    Floating tensors are stored as float32, integer ones (BatchNorm's ``num_batches_tracked``) as int64; a
    DistributedDataParallel wrapper's ``module.`` prefix is removed. Needs torch (the tensors are its).
    """
    state = model.state_dict() if hasattr(model, "state_dict") else model
    tensors = {}
    for name, tensor in state.items():
        name = name[len("module."):] if name.startswith("module.") else name
        tensor = tensor.detach().cpu().contiguous()
        if tensor.is_floating_point():
            tensors[name] = ("F32", list(tensor.shape), tensor.float().numpy().tobytes())
        else:
            tensors[name] = ("I64", list(tensor.shape), tensor.long().numpy().tobytes())
    tmp = os.fspath(path) + ".tmp"
    write_safetensors(tmp, tensors)
    os.replace(tmp, path)


def write_safetensors(path, tensors, metadata=None):
    """Writes ``{name: (dtype, shape, bytes)}`` (dtype "F32" or "I64") as a safetensors file."""
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * ((8 - (8 + len(encoded)) % 8) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(encoded)))
        handle.write(encoded)
        for _, (_, _, data) in tensors.items():
            handle.write(data)


def write_npy(path, descr, shape, data):
    """Writes raw little-endian ``data`` as a version 1.0 .npy file of ``descr`` ("<f4", "<i8") and ``shape``."""
    dims = "(%d,)" % shape[0] if len(shape) == 1 else "(%s)" % ", ".join(str(d) for d in shape)
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, dims)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as handle:
        handle.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        handle.write(data)


def _float32(values):
    return _raw(values, "float32", "f")


def _int64(values):
    return _raw(values, "int64", "q")


def _raw(values, numpy_type, array_code):
    """(shape, little-endian bytes) of a tensor, an array or nested lists."""
    if hasattr(values, "detach"):  # a torch tensor
        values = values.detach().cpu()
        values = values.float() if numpy_type == "float32" else values.long()
        try:
            values = values.numpy()
        except (RuntimeError, TypeError):  # torch built without numpy
            shape = list(values.shape)
            return shape, _pack(values.flatten().tolist(), array_code)
    if hasattr(values, "astype") and hasattr(values, "shape"):  # a numpy array
        little = "<f4" if numpy_type == "float32" else "<i8"
        return list(values.shape), values.astype(little).tobytes(order="C")
    if isinstance(values, (list, tuple)) and values and hasattr(values[0], "shape"):  # list of per-exit arrays
        parts = [_raw(v, numpy_type, array_code) for v in values]
        if any(shape != parts[0][0] for shape, _ in parts):
            raise ValueError("per-exit outputs have different shapes: %s" % [shape for shape, _ in parts])
        return [len(parts)] + parts[0][0], b"".join(data for _, data in parts)
    shape, flat = _nested_shape(values), []
    _flatten(values, flat)
    return shape, _pack(flat, array_code)


def _pack(flat, array_code):
    packed = array.array(array_code, flat)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def _nested_shape(values):
    shape = []
    while isinstance(values, (list, tuple)):
        shape.append(len(values))
        if not values:
            break
        values = values[0]
    return shape


def _flatten(values, out):
    for value in values:
        if isinstance(value, (list, tuple)):
            _flatten(value, out)
        else:
            out.append(value)
