// The optim namespace, like torch.optim (and torch.nn.utils.clip_grad_norm_).
export { Optimizer, type OptimizerStateDict, type ParamGroupState, type HyperValue } from './optimizer';
export type { ParamLike, TensorParam, LegacyParam } from './params';
export { SGD, type SGDOptions } from './sgd';
export { Adam, AdamW, AdamBase, type AdamOptions } from './adam';
export { clipGradNorm } from './clip';
export {
  LRScheduler, StepLR, CosineAnnealingLR, OneCycleLR,
  type SchedulerStateDict, type StepLROptions, type CosineAnnealingLROptions, type OneCycleLROptions,
} from './scheduler';
