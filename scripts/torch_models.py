"""The PyTorch twins of the models convkit's interop tests and benchmarks use.

- SmallResNet: a 3-block ResNet for 1x28x28 digits (stem conv-bn-relu, three BasicBlocks, the
  second and third with stride 2 and a 1x1 conv-bn `downsample` shortcut, then a head of
  concat(global avg pool, global max pool) -> dropout -> fc). State-dict keys are e.g.
  `stem.0.weight`, `stem.1.running_mean`, `layer2.conv1.weight`, `layer2.downsample.0.weight`,
  `fc.bias`.
- lenet5(): LeNet-5 as an nn.Sequential (keys `0.weight` ... `11.bias`), as
  scripts/make-torch-fixture.py and test/nn/torch-interop.test.ts use it.
"""
import torch
import torch.nn.functional as F
from torch import nn


class BasicBlock(nn.Module):
    """conv3x3(stride s) -> bn -> relu -> conv3x3 -> bn, plus the shortcut, then relu."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        else:
            self.downsample = nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.downsample(x))


class SmallResNet(nn.Module):
    """ResNet for [N, 1, 28, 28] inputs: features [N, w2, 7, 7], head concat(avg, max) -> fc(10)."""

    def __init__(self, widths=(16, 32, 64), p=0.0, num_classes=10):
        super().__init__()
        w0, w1, w2 = widths
        self.stem = nn.Sequential(nn.Conv2d(1, w0, 3, padding=1, bias=False), nn.BatchNorm2d(w0), nn.ReLU())
        self.layer1 = BasicBlock(w0, w0, 1)
        self.layer2 = BasicBlock(w0, w1, 2)
        self.layer3 = BasicBlock(w1, w2, 2)
        self.dropout = nn.Dropout(p)
        self.fc = nn.Linear(2 * w2, num_classes)

    def forward(self, x):
        f = self.layer3(self.layer2(self.layer1(self.stem(x))))
        h = torch.cat([F.adaptive_avg_pool2d(f, 1), F.adaptive_max_pool2d(f, 1)], dim=1)
        return self.fc(self.dropout(torch.flatten(h, 1)))


def lenet5():
    """LeNet-5 for [N, 1, 28, 28]: conv 6@5x5 pad 2, maxpool 2, conv 16@5x5, maxpool 2, fc 120, 84, 10."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )
