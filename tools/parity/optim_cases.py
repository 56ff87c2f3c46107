"""Optimizer, scheduler and training-loop cases for optim_generate.py.

STEP cases go to POST /v1/optimizers/{name}/step: every optimizer with each
of its options, float32 and float64, a few steps with fixed gradients, plus
parameter groups. LOOP cases go to POST /v1/optimize: a program (valid Python
over torch tensors, so PyTorch can run the same text), an optimizer, maybe a
scheduler. Programs are evaluated by exec() in the generator only.
"""

# (optimizer, options, dtype, steps)
STEP = [
    ("sgd", {"lr": 0.1}, "float32", 3),
    ("sgd", {"lr": 0.1, "momentum": 0.9}, "float32", 3),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1}, "float32", 3),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, "float32", 3),
    ("sgd", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}, "float32", 3),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "maximize": True}, "float32", 3),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, "float64", 4),
    ("asgd", {}, "float32", 3),
    ("asgd", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 1, "weight_decay": 0.1}, "float32", 4),
    ("asgd", {"maximize": True, "t0": 0}, "float64", 3),
    ("rprop", {}, "float32", 3),
    ("rprop", {"lr": 0.05, "etas": [0.3, 1.5], "step_sizes": [0.001, 0.06]}, "float32", 4),
    ("rprop", {"maximize": True}, "float64", 3),
    ("adagrad", {}, "float32", 3),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}, "float32", 3),
    ("adagrad", {"maximize": True}, "float64", 3),
    ("adadelta", {}, "float32", 3),
    ("adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}, "float32", 3),
    ("adadelta", {"maximize": True}, "float64", 3),
    ("rmsprop", {}, "float32", 3),
    ("rmsprop", {"alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1, "momentum": 0.5}, "float32", 3),
    ("rmsprop", {"centered": True}, "float32", 3),
    ("rmsprop", {"centered": True, "momentum": 0.9, "maximize": True}, "float64", 3),
    ("adam", {}, "float32", 3),
    ("adam", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}, "float32", 3),
    ("adam", {"amsgrad": True}, "float32", 3),
    ("adam", {"maximize": True, "amsgrad": True, "lr": 0.01}, "float64", 4),
    ("adamw", {}, "float32", 3),
    ("adamw", {"weight_decay": 0.1, "amsgrad": True, "lr": 0.01}, "float32", 3),
    ("adamw", {"maximize": True}, "float64", 3),
    ("adamax", {}, "float32", 3),
    ("adamax", {"lr": 0.01, "betas": [0.8, 0.9], "weight_decay": 0.1}, "float32", 3),
    ("adamax", {"maximize": True}, "float64", 3),
    ("nadam", {}, "float32", 3),
    ("nadam", {"lr": 0.01, "momentum_decay": 0.01, "weight_decay": 0.1, "betas": [0.8, 0.9]}, "float32", 3),
    ("nadam", {}, "float64", 4),
    ("radam", {}, "float32", 8),
    ("radam", {"lr": 0.01, "betas": [0.8, 0.99], "weight_decay": 0.1}, "float32", 10),
    ("radam", {}, "float64", 8),
    ("sparse_adam", {}, "float32", 3),
    ("sparse_adam", {"lr": 0.01, "betas": [0.8, 0.9], "eps": 1e-6, "maximize": True}, "float64", 3),
]

# Parameter groups: a second group added as add_param_group({'params': [b], 'lr': 1e-4}).
GROUPS = [
    ("sgd", {"lr": 0.1, "momentum": 0.9}, "float32", 3),
    ("adam", {"lr": 0.01}, "float32", 3),
    ("rmsprop", {"lr": 0.01, "centered": True}, "float64", 3),
]

QUAD = "loss = ((w - t) ** 2).sum() + (w ** 4).sum() * 0.1"
QUAD_INPUTS = {"w": {"data": [1.5, -0.5, 2.0], "requires_grad": True}, "t": [0.5, 0.3, -0.2]}

# (label, inputs, program, loss, optimizer spec, scheduler spec or None, steps, record)
LOOP = [
    ("textbook: SGD on y = (2x)^2 from x = 2, momentum 0.9, step_lr", {"x": {"data": [2.0], "requires_grad": True}}, "y = (2 * x) ** 2", "y",
     {"name": "sgd", "lr": 0.01, "momentum": 0.9}, {"name": "step_lr", "step_size": 30, "gamma": 0.1}, 100, ["x"]),
    ("textbook: plain SGD on y = (2x)^2, 100 iterations", {"x": {"data": [2.0], "requires_grad": True}}, "y = (2 * x) ** 2", "y",
     {"name": "sgd", "lr": 0.01}, None, 100, ["x"]),
    ("rprop with sign changes", QUAD_INPUTS, QUAD, "loss", {"name": "rprop", "lr": 0.3}, None, 12, []),
    ("adam with exponential_lr", QUAD_INPUTS, QUAD, "loss", {"name": "adam", "lr": 0.1}, {"name": "exponential_lr", "gamma": 0.9}, 15, ["w"]),
    ("sparse_adam in a loop", QUAD_INPUTS, QUAD, "loss", {"name": "sparse_adam", "lr": 0.1}, None, 10, []),
    ("a parameter the loss does not use is skipped (its .grad is None)", {**QUAD_INPUTS, "v": {"data": [1.0, 2.0], "requires_grad": True}}, QUAD, "loss",
     {"name": "adamw", "lr": 0.1}, None, 4, []),
]

LBFGS = [
    ("lbfgs on Rosenbrock (no line search)", {"lr": 1, "max_iter": 20}, 5),
    ("lbfgs on Rosenbrock (strong_wolfe)", {"line_search_fn": "strong_wolfe"}, 5),
    ("lbfgs on Rosenbrock (strong_wolfe, history 3, max_eval 12)", {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 10, "max_eval": 12, "tolerance_grad": 1e-9}, 6),
    ("lbfgs small lr", {"lr": 0.1, "max_iter": 5, "history_size": 5}, 4),
]
ROSEN_INPUTS = {"p": {"data": [-1.5, 2.0], "dtype": "float64", "requires_grad": True}}
ROSEN = "x = p[0]\ny = p[1]\nf = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2"

# Every scheduler's lr sequence (SGD, lr 0.1 and a second group at 0.01).
SCHED = [
    ({"name": "step_lr", "step_size": 3, "gamma": 0.5}, "sgd", 12),
    ({"name": "multi_step_lr", "milestones": [2, 5, 5, 9], "gamma": 0.3}, "sgd", 12),
    ({"name": "exponential_lr", "gamma": 0.8}, "sgd", 12),
    ({"name": "cosine_annealing_lr", "T_max": 5, "eta_min": 0.001}, "sgd", 25),
    ({"name": "cosine_annealing_warm_restarts", "T_0": 3, "T_mult": 2, "eta_min": 0.01}, "sgd", 25),
    ({"name": "cosine_annealing_warm_restarts", "T_0": 4}, "sgd", 12),
    ({"name": "linear_lr", "start_factor": 0.25, "end_factor": 0.9, "total_iters": 6}, "sgd", 12),
    ({"name": "linear_lr"}, "sgd", 8),
    ({"name": "constant_lr", "factor": 0.5, "total_iters": 4}, "sgd", 8),
    ({"name": "polynomial_lr", "total_iters": 6, "power": 2.0}, "sgd", 10),
    ({"name": "one_cycle_lr", "max_lr": 1.0, "total_steps": 20}, "sgd", 20),
    ({"name": "one_cycle_lr", "max_lr": [0.5, 0.05], "epochs": 3, "steps_per_epoch": 5, "anneal_strategy": "linear", "three_phase": True}, "sgd", 15),
    ({"name": "one_cycle_lr", "max_lr": 0.05, "total_steps": 12}, "adam", 12),
    ({"name": "cyclic_lr", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3}, "sgd", 15),
    ({"name": "cyclic_lr", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "step_size_down": 4, "mode": "triangular2"}, "sgd", 20),
    ({"name": "cyclic_lr", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "mode": "exp_range", "gamma": 0.9, "cycle_momentum": False}, "adam", 12),
    ({"name": "reduce_lr_on_plateau", "patience": 2, "factor": 0.5, "cooldown": 1}, "sgd", 15),
    ({"name": "reduce_lr_on_plateau", "mode": "max", "threshold_mode": "abs", "patience": 0, "min_lr": 0.02}, "sgd", 10),
    ({"name": "sequential_lr", "schedulers": [{"name": "constant_lr", "factor": 0.1, "total_iters": 2}, {"name": "exponential_lr", "gamma": 0.9}], "milestones": [2]}, "sgd", 10),
    ({"name": "sequential_lr", "schedulers": [{"name": "linear_lr", "start_factor": 0.1, "total_iters": 3}, {"name": "cosine_annealing_lr", "T_max": 6}], "milestones": [3]}, "sgd", 12),
    ({"name": "chained_scheduler", "schedulers": [{"name": "constant_lr", "factor": 0.1, "total_iters": 2}, {"name": "exponential_lr", "gamma": 0.9}]}, "sgd", 8),
]
