// The nn namespace: layers as classes, like torch.nn.
export { Module, type Parameter } from './module';
export { Conv2d, type Conv2dLayerOptions } from './conv2d';
export { Linear } from './linear';
export { MaxPool2d, AvgPool2d, GlobalAvgPool2d } from './pool2d';
export { ReLU, Sigmoid, Tanh, Softmax } from './activation';
export { Flatten } from './flatten';
export { Sequential } from './sequential';
export { manualSeed } from './init';
