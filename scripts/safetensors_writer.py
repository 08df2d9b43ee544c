"""A small safetensors writer for the fixture scripts (Debian ships no safetensors module).

The format: an 8-byte little-endian header length, a JSON header (name -> dtype, shape,
data_offsets; optional __metadata__ of strings), padded with spaces to a multiple of 8, then the
raw little-endian tensor data. F32, F16, BF16 and I64 are written as they are; other integer
tensors are widened to I64.
"""
import json
import struct

import torch

DTYPES = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64'}


def encode(tensors, sort=True, metadata=None):
    """The file's bytes. sort=True lays names out sorted; sort=False keeps the dict's order
    (e.g. a PyTorch state dict's), in the header and in the data."""
    header, blobs, offset = {}, [], 0
    for name in (sorted(tensors) if sort else list(tensors)):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype in (torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool):
            t = t.to(torch.int64)
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header['__metadata__'] = {'format': 'pt', **(metadata or {})}
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(blobs)


def save(path, tensors, sort=True, metadata=None):
    """Writes tensors (name -> torch.Tensor) to path as safetensors; returns the byte count."""
    data = encode(tensors, sort, metadata)
    with open(path, 'wb') as f:
        f.write(data)
    return len(data)
