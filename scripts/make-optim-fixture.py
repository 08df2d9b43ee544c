#!/usr/bin/python3
"""Makes test/fixtures/optim/*.json with PyTorch (Debian's python3-torch 1.13).

Run once by hand (`/usr/bin/python3 scripts/make-optim-fixture.py`); the outputs are committed so
CI needs no PyTorch. Every number is a float32 value (or a Python float for learning rates)
written by json, which round-trips doubles exactly. Options are in convkit's names.

- optimizers.json: two parameters ([3, 2] and [4]) and ten steps of gradients (the second
  parameter has no gradient at steps 3 and 7: torch skips it, and Adam's step count for it
  lags); for each case (SGD with momentum / nesterov / dampening / weight decay, Adam with and
  without L2 and amsgrad, AdamW with and without weight decay) the parameters after every
  step and the final optimizer state in convkit's state-dict keys (`<index>.<torch key>`).
- clip.json: gradients, and for several (maxNorm, normType) torch.nn.utils.clip_grad_norm_'s
  returned total norm and the clipped gradients.
- schedulers.json: for each schedule, get_last_lr() after construction and after each of 30
  steps, and for OneCycleLR the momentum (SGD) or beta1 (Adam) alongside.
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'optim')
STEPS = 10
NO_GRAD = {1: [3, 7]}  # parameter index -> steps without a gradient


def lst(t):
    return t.detach().reshape(-1).tolist()


def dump(name, obj):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(obj, f, indent=None, separators=(',', ':'))
        f.write('\n')


def optimizers():
    g = torch.Generator().manual_seed(0)
    init = [torch.randn(3, 2, generator=g), torch.randn(4, generator=g)]
    grads = [[torch.randn(p.shape, generator=g) for p in init] for _ in range(STEPS)]
    cases = [
        ('sgd', 'SGD', {'lr': 0.1}, torch.optim.SGD, {'lr': 0.1}),
        ('sgd_momentum', 'SGD', {'lr': 0.1, 'momentum': 0.9}, torch.optim.SGD, {'lr': 0.1, 'momentum': 0.9}),
        ('sgd_nesterov_wd', 'SGD', {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 0.01},
         torch.optim.SGD, {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.01}),
        ('sgd_dampening_wd', 'SGD', {'lr': 0.1, 'momentum': 0.8, 'dampening': 0.3, 'weightDecay': 0.1},
         torch.optim.SGD, {'lr': 0.1, 'momentum': 0.8, 'dampening': 0.3, 'weight_decay': 0.1}),
        ('adam', 'Adam', {'lr': 0.01}, torch.optim.Adam, {'lr': 0.01}),
        ('adam_l2', 'Adam', {'lr': 0.01, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.1},
         torch.optim.Adam, {'lr': 0.01, 'betas': (0.8, 0.99), 'eps': 1e-6, 'weight_decay': 0.1}),
        ('adam_amsgrad', 'Adam', {'lr': 0.05, 'amsgrad': True}, torch.optim.Adam, {'lr': 0.05, 'amsgrad': True}),
        ('adamw', 'AdamW', {'lr': 0.01}, torch.optim.AdamW, {'lr': 0.01}),
        ('adamw_no_wd', 'AdamW', {'lr': 0.01, 'weightDecay': 0}, torch.optim.AdamW, {'lr': 0.01, 'weight_decay': 0}),
        ('adamw_wd', 'AdamW', {'lr': 0.02, 'betas': [0.85, 0.98], 'weightDecay': 0.1},
         torch.optim.AdamW, {'lr': 0.02, 'betas': (0.85, 0.98), 'weight_decay': 0.1}),
    ]
    out = {
        'shapes': [list(p.shape) for p in init],
        'init': [lst(p) for p in init],
        'grads': [[None if s in NO_GRAD.get(k, []) else lst(gr[k]) for k in range(len(init))] for s, gr in enumerate(grads)],
        'cases': [],
    }
    for name, kind, opts, cls, torch_opts in cases:
        params = [p.clone().requires_grad_(True) for p in init]
        opt = cls(params, **torch_opts)
        after = []
        for s in range(STEPS):
            opt.zero_grad(set_to_none=True)
            for k, p in enumerate(params):
                if s not in NO_GRAD.get(k, []):
                    p.grad = grads[s][k].clone()
            opt.step()
            after.append([lst(p) for p in params])
        sd = opt.state_dict()
        state = {}
        for idx, st in sd['state'].items():
            for key, v in st.items():
                if v is None:
                    continue
                state['%d.%s' % (idx, key)] = float(v) if key == 'step' else lst(v)
        out['cases'].append({'name': name, 'optimizer': kind, 'options': opts, 'after': after, 'state': state})
    dump('optimizers.json', out)


def clip():
    g = torch.Generator().manual_seed(1)
    grads = [torch.randn(3, 2, generator=g), torch.randn(5, generator=g) * 3, None, torch.randn(2, 2, generator=g)]
    out = {'shapes': [[3, 2], [5], [2], [2, 2]], 'grads': [None if t is None else lst(t) for t in grads], 'cases': []}
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (2.0, 3.0), (1.0, math.inf), (0.0, 2.0)]:
        params = [torch.zeros(s, requires_grad=True) for s in out['shapes']]
        for p, t in zip(params, grads):
            p.grad = None if t is None else t.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        out['cases'].append({
            'maxNorm': max_norm, 'normType': 'Infinity' if norm_type == math.inf else norm_type,
            'total': float(total), 'clipped': [None if p.grad is None else lst(p.grad) for p in params],
        })
    dump('clip.json', out)


def schedulers():
    S = torch.optim.lr_scheduler
    cases = [
        ('step', 'StepLR', {'stepSize': 7, 'gamma': 0.5}, 'SGD', lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
        ('step_default_gamma', 'StepLR', {'stepSize': 3}, 'SGD', lambda o: S.StepLR(o, step_size=3)),
        ('cosine', 'CosineAnnealingLR', {'tMax': 30}, 'SGD', lambda o: S.CosineAnnealingLR(o, T_max=30)),
        ('cosine_restart', 'CosineAnnealingLR', {'tMax': 10, 'etaMin': 0.001}, 'SGD',
         lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
        ('onecycle_sgd', 'OneCycleLR', {'maxLr': 0.5, 'totalSteps': 30}, 'SGD',
         lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=30)),
        ('onecycle_adam', 'OneCycleLR', {'maxLr': 0.01, 'totalSteps': 30}, 'Adam',
         lambda o: S.OneCycleLR(o, max_lr=0.01, total_steps=30)),
        ('onecycle_linear_three', 'OneCycleLR',
         {'maxLr': 0.2, 'totalSteps': 30, 'pctStart': 0.25, 'anneal': 'linear', 'divFactor': 10, 'finalDivFactor': 100,
          'threePhase': True, 'baseMomentum': 0.8, 'maxMomentum': 0.9}, 'SGD',
         lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=30, pct_start=0.25, anneal_strategy='linear', div_factor=10,
                                final_div_factor=100, three_phase=True, base_momentum=0.8, max_momentum=0.9)),
        ('onecycle_no_momentum', 'OneCycleLR', {'maxLr': 0.3, 'totalSteps': 30, 'cycleMomentum': False}, 'SGD',
         lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=30, cycle_momentum=False)),
    ]
    out = {'steps': 30, 'optimizers': {'SGD': {'lr': 0.1, 'momentum': 0.9}, 'Adam': {'lr': 0.001}}, 'cases': []}
    for name, kind, opts, opt_kind, make in cases:
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1, momentum=0.9) if opt_kind == 'SGD' else torch.optim.Adam([p], lr=0.001)
        sched = make(opt)

        def momentum():
            grp = opt.param_groups[0]
            return grp['momentum'] if opt_kind == 'SGD' else grp['betas'][0]
        lrs, moms = [sched.get_last_lr()[0]], [momentum()]
        for _ in range(out['steps']):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
            moms.append(momentum())
        out['cases'].append({'name': name, 'scheduler': kind, 'options': opts, 'optimizer': opt_kind, 'lr': lrs, 'momentum': moms})
    dump('schedulers.json', out)


def main():
    os.makedirs(OUT, exist_ok=True)
    optimizers()
    clip()
    schedulers()
    print('torch', torch.__version__)


if __name__ == '__main__':
    main()
