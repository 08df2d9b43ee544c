// The nn namespace: layers as classes, like torch.nn.
export { Module, parameter, type LoadResult } from './module';
export { Conv2d, type Conv2dLayerOptions } from './conv2d';
export { Linear } from './linear';
export { MaxPool2d, AvgPool2d, GlobalAvgPool2d, GlobalMaxPool2d } from './pool2d';
export { ReLU, Sigmoid, Tanh, Softmax } from './activation';
export { Flatten, Identity } from './flatten';
export { Sequential, ModuleList } from './sequential';
export { manualSeed } from './init';
