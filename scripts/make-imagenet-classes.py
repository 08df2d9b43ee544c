#!/usr/bin/python3
"""Writes examples/classify/imagenet-classes.json: the 1,000 ImageNet class names in index
order, as torchvision 0.14 ships them in its weights metadata (no download needed).
Run with Debian's python3-torchvision: /usr/bin/python3 scripts/make-imagenet-classes.py"""
import json
import os

from torchvision.models import ResNet18_Weights

names = ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
assert len(names) == 1000
out = os.path.join(os.path.dirname(__file__), "..", "examples", "classify", "imagenet-classes.json")
with open(out, "w") as f:
    json.dump(names, f, indent=0)
    f.write("\n")
print(f"wrote {len(names)} names to {os.path.normpath(out)}")
