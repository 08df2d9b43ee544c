// LeNet-5 with ReLU, as PyTorch would write it: 28x28 input padded by 2 (the classic 32x32).
'use strict';
const { nn } = require('convkit');

function lenet5() {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 5 * 5, 120), new nn.ReLU(),
    new nn.Linear(120, 84), new nn.ReLU(),
    new nn.Linear(84, 10),
  );
}

module.exports = { lenet5 };
