// The nn namespace: layers as classes, like torch.nn.
export { Module, parameter, type LoadResult } from './module';
export { Conv2d, type Conv2dLayerOptions } from './conv2d';
export { Linear } from './linear';
export { MaxPool2d, AvgPool2d, GlobalAvgPool2d, GlobalMaxPool2d } from './pool2d';
export { ReLU, Sigmoid, Tanh, Softmax, LeakyReLU, ReLU6, SiLU, GELU, Hardswish, Hardsigmoid } from './activation';
export { BatchNorm2d, type BatchNorm2dLayerOptions } from './batchnorm';
export { Dropout, ConvTranspose2d, type ConvTranspose2dLayerOptions, Upsample, AdaptiveAvgPool2d } from './layers';
export { CrossEntropyLoss, MSELoss } from './loss';
export { Flatten, Identity } from './flatten';
export { Sequential, ModuleList } from './sequential';
export { manualSeed } from './init';
