"""Models and helpers shared by scripts/make-onnx-fixture.py and scripts/make-onnx-bench-models.py.

- narrow CNNs built from torchvision's own classes (same module structure, fewer channels), so
  the exported graphs have exactly torchvision's op patterns at a fraction of the size;
- small "ops" models that together export every op on onnx.load's op list;
- calibrate(): random but well-scaled weights (BatchNorm running statistics measured on random
  inputs, then random affine parameters), so eval-mode outputs neither vanish nor explode;
- export(): torch.onnx.export with a dynamic batch axis on every input and output (needs no
  python `onnx` package).
"""
import io

import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torchvision.models import efficientnet, resnet, squeezenet


# --- narrow torchvision CNNs -------------------------------------------------------------

class NarrowResNet(resnet.ResNet):
    """torchvision's ResNet with stage widths `planes` instead of (64, 128, 256, 512)."""

    def __init__(self, block, layers, planes=(8, 16, 32, 64), num_classes=10):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = planes[0]
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, planes[0], layers[0])
        self.layer2 = self._make_layer(block, planes[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, planes[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, planes[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(planes[3] * block.expansion, num_classes)


def resnet18_narrow():
    """resnet18's layout (BasicBlock, [2, 2, 2, 2]) at widths 8/16/32/64, 10 classes."""
    return NarrowResNet(resnet.BasicBlock, [2, 2, 2, 2])


def resnet_bottleneck_narrow():
    """resnet50's block (Bottleneck, expansion 4) with one block per stage at widths 8/16/32/64."""
    return NarrowResNet(resnet.Bottleneck, [1, 1, 1, 1])


def mobilenet_v2_narrow():
    return torchvision.models.mobilenet_v2(num_classes=10, width_mult=0.25)


def squeezenet1_1_narrow():
    """squeezenet1_1 (10 classes) with every Fire module and the first conv at half width."""
    m = torchvision.models.squeezenet1_1(num_classes=10)
    Fire = squeezenet.Fire
    m.features = nn.Sequential(
        nn.Conv2d(3, 32, kernel_size=3, stride=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(32, 8, 32, 32), Fire(64, 8, 32, 32),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(64, 16, 64, 64), Fire(128, 16, 64, 64),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(128, 24, 96, 96), Fire(192, 24, 96, 96), Fire(192, 32, 128, 128), Fire(256, 32, 128, 128))
    m.classifier[1] = nn.Conv2d(256, 10, kernel_size=1)
    return m


def efficientnet_b0_narrow():
    """efficientnet_b0's builder at width_mult 0.25, depth_mult 0.5, 10 classes."""
    settings, last_channel = efficientnet._efficientnet_conf('efficientnet_b0', width_mult=0.25, depth_mult=0.5)
    return efficientnet.EfficientNet(settings, dropout=0.2, num_classes=10, last_channel=last_channel)


# --- small models for the rest of the op list ----------------------------------------------

class OpsResize(nn.Module):
    """Conv, ConvTranspose (plain and grouped), Resize nearest / linear (scale factor, explicit
    size, align_corners both ways), Concat. Input [N, 4, 10, 12]; outputs y [N, 34, 20, 24], z [N, 16, 15, 17]."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        self.deconv = nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1)
        self.deconv_g = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1, groups=2, bias=False)

    def forward(self, x):
        a = F.relu(self.conv(x))
        y = torch.cat([
            self.deconv(a),
            self.deconv_g(a),
            F.interpolate(a, scale_factor=2, mode='nearest'),
            F.interpolate(a, size=(20, 24), mode='bilinear', align_corners=False),
            F.interpolate(a, scale_factor=2, mode='bilinear', align_corners=True)], 1)
        z = torch.cat([F.interpolate(a, size=(15, 17), mode='nearest'),
                       F.interpolate(a, size=(15, 17), mode='bilinear', align_corners=False)], 1)
        return y, z


class OpsShape(nn.Module):
    """Split, Slice (with steps), Pad (constant, reflect), Transpose, MatMul with a constant,
    Flatten, x.view(x.size(0), -1) (Shape/Gather/Unsqueeze/Concat/Reshape), Concat, Gemm.
    Input [N, 6, 8, 8]; outputs y [N, 10], m [N, 8, 8, 5]."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(3, 5) / 2)
        self.fc = nn.Linear(1 * 9 * 11 + 2 * 10 * 12 + 4 * 6 * 4 + 8 * 8 * 5, 10)

    def forward(self, x):
        a, b, c = torch.split(x, [1, 2, 3], dim=1)
        s = x[:, 1:5, 2:, ::2]
        p1 = F.pad(a, (1, 2, 0, 1), mode='constant', value=0.5)
        p2 = F.pad(b, (2, 2, 1, 1), mode='reflect')
        m = torch.matmul(c.permute(0, 2, 3, 1), self.w)
        flat = torch.cat([torch.flatten(p1, 1), p2.view(p2.size(0), -1), s.reshape(s.shape[0], -1),
                          torch.flatten(m, 1)], 1)
        return self.fc(flat), m


class OpsActivations(nn.Module):
    """GELU (Erf), HardSwish, HardSigmoid, LeakyRelu, relu6 and clamp (Clip), Sigmoid, Tanh,
    SiLU, BatchNorm not after a conv (so not folded), Dropout (eval), ReduceMean, Sub, Div, Pow,
    Sqrt, Softmax over channels and over the last axis. Input [N, 8, 6, 6]; outputs y [N, 4, 6, 6]
    (channel softmax), z [N, 4, 36] (last-axis softmax), n [N, 72, 6, 6] (before the softmaxes)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(72)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Conv2d(72, 4, 1)

    def forward(self, x):
        y = self.conv(x)
        acts = torch.cat([F.gelu(y), F.hardswish(y), F.hardsigmoid(y), F.leaky_relu(y, 0.1), F.relu6(y * 4),
                          torch.clamp(y, -0.5, 0.25), torch.sigmoid(y), torch.tanh(y), y * torch.sigmoid(y)], 1)
        h = self.drop(self.bn(acts))
        mu = h.mean(dim=(2, 3), keepdim=True)
        d = h - mu
        var = d.pow(2).mean(dim=(2, 3), keepdim=True)
        n = d / torch.sqrt(var + 1e-5)
        logits = self.head(n)
        return torch.softmax(logits, dim=1), torch.softmax(logits.flatten(2), dim=-1), n


class OpsPool(nn.Module):
    """MaxPool (ceil_mode, dilation, padding), AveragePool (count_include_pad on and off,
    ceil_mode), GlobalAveragePool, GlobalMaxPool. Input [N, 3, 13, 11]; six outputs."""

    def forward(self, x):
        return (F.max_pool2d(x, 3, stride=2, ceil_mode=True),
                F.max_pool2d(x, 3, stride=1, padding=1, dilation=2),
                F.max_pool2d(x, 2, stride=2, padding=1, dilation=2, ceil_mode=True),
                F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=True),
                F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
                F.adaptive_avg_pool2d(x, 1) + F.adaptive_max_pool2d(x, 1))


class OpsAttention(nn.Module):
    """A transformer block on tokens: LayerNorm (decomposed below opset 17, LayerNormalization at
    17), Linear on 3-D input (MatMul + Add), batched MatMul of two activations, Transpose,
    Softmax, Div by a constant, GELU, residual Adds. Input [N, 5, 16]; output [N, 5, 16]."""

    def __init__(self, d=16, heads=2):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):
        n, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        q = q.reshape(n, t, self.heads, d // self.heads).transpose(1, 2)
        k = k.reshape(n, t, self.heads, d // self.heads).transpose(1, 2)
        v = v.reshape(n, t, self.heads, d // self.heads).transpose(1, 2)
        att = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) / (d // self.heads) ** 0.5, dim=-1)
        h = torch.matmul(att, v).transpose(1, 2).reshape(n, t, d)
        x = x + self.proj(h)
        return x + self.mlp(self.ln2(x))


# --- weights and export ------------------------------------------------------------------

def calibrate(model, input_shape, seed, batches=2):
    """Randomizes BatchNorm and LayerNorm affine parameters (weight in [0.5, 1.5), bias in
    [-0.2, 0.2)), then sets every BatchNorm's running statistics to those of its activations on
    random inputs (cumulative average over `batches` batches of 8; dropout and stochastic depth
    off, the BNs in training mode). Eval mode on return."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.LayerNorm)) and m.weight is not None:
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.4 * torch.rand(m.bias.shape, generator=g) - 0.2)
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    model.eval()
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    if bns:
        with torch.no_grad():
            for _ in range(batches):
                model(torch.randn(8, *input_shape[1:], generator=g))
    for bn in bns:
        bn.momentum = 0.1
    return model.eval()


def export(model, example, opset, input_names, output_names):
    """The ONNX bytes of model (eval mode) traced on `example` (a tensor or a tuple of tensors),
    with axis 0 of every input and output named `N` (dynamic batch)."""
    buf = io.BytesIO()
    dynamic = {name: {0: 'N'} for name in list(input_names) + list(output_names)}
    torch.onnx.export(model, example, buf, opset_version=opset, input_names=list(input_names),
                      output_names=list(output_names), dynamic_axes=dynamic, do_constant_folding=True)
    return buf.getvalue()
