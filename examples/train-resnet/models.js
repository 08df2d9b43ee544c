// Two ResNets written with the Module API, mirroring PyTorch modules attribute for attribute so
// their state dicts carry PyTorch's names:
//  - SmallResNet: MNIST digits [N, 1, 28, 28] -> 10 logits (scripts/torch_models.py defines the
//    same network in PyTorch; test/nn/resnet.test.ts compares the two).
//  - ResNet18: torchvision.models.resnet18, [N, 3, H, W] -> numClasses logits.
// makeModels(ck) takes the convkit module, so the example (require('convkit')) and the tests
// (the TypeScript sources) build the same classes on their own copy.
'use strict';

function makeModels(ck) {
  const { nn } = ck;

  /** torchvision's BasicBlock: conv-bn-relu-conv-bn, plus the shortcut, then relu. */
  class BasicBlock extends nn.Module {
    constructor(cin, cout, stride = 1) {
      super();
      this.conv1 = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
      this.bn1 = new nn.BatchNorm2d(cout);
      this.conv2 = new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false });
      this.bn2 = new nn.BatchNorm2d(cout);
      this.downsample = stride !== 1 || cin !== cout
        ? new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout))
        : null;
    }

    forward(x) {
      const h = ck.relu(this.bn1.forward(this.conv1.forward(x)));
      const y = this.bn2.forward(this.conv2.forward(h));
      const shortcut = this.downsample ? this.downsample.forward(x) : x;
      return ck.relu(ck.add(y, shortcut));
    }
  }

  /**
   * stem conv 3x3 -> three blocks (the last two halve the size) -> [global avg, global max]
   * concatenated -> dropout -> fc.
   */
  class SmallResNet extends nn.Module {
    constructor({ widths = [16, 32, 64], p = 0 } = {}) {
      super();
      const [w0, w1, w2] = widths;
      this.stem = new nn.Sequential(new nn.Conv2d(1, w0, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(w0));
      this.layer1 = new BasicBlock(w0, w0, 1);
      this.layer2 = new BasicBlock(w0, w1, 2);
      this.layer3 = new BasicBlock(w1, w2, 2);
      this.dropout = new nn.Dropout(p);
      this.fc = new nn.Linear(2 * w2, 10);
    }

    forward(x) {
      let h = ck.relu(this.stem.forward(x));
      h = this.layer3.forward(this.layer2.forward(this.layer1.forward(h)));
      const pooled = ck.concat([ck.globalAvgPool2d(h), ck.globalMaxPool2d(h)], 1);
      return this.fc.forward(this.dropout.forward(ck.flatten(pooled)));
    }
  }

  /** torchvision.models.resnet18: the same attribute names, so its state dict loads strictly. */
  class ResNet18 extends nn.Module {
    constructor({ numClasses = 1000 } = {}) {
      super();
      this.conv1 = new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
      this.bn1 = new nn.BatchNorm2d(64);
      this.maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
      const stage = (cin, cout, stride) => new nn.Sequential(new BasicBlock(cin, cout, stride), new BasicBlock(cout, cout, 1));
      this.layer1 = stage(64, 64, 1);
      this.layer2 = stage(64, 128, 2);
      this.layer3 = stage(128, 256, 2);
      this.layer4 = stage(256, 512, 2);
      this.fc = new nn.Linear(512, numClasses);
    }

    forward(x) {
      let h = this.maxpool.forward(ck.relu(this.bn1.forward(this.conv1.forward(x))));
      h = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(h))));
      return this.fc.forward(ck.flatten(ck.globalAvgPool2d(h)));
    }
  }

  return { BasicBlock, SmallResNet, ResNet18 };
}

module.exports = { makeModels };
