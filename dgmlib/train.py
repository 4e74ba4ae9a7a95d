"""Seeded training loops: one for likelihood-based models, one for two-player (adversarial) models.

Both take a model that follows dgmlib.models, show a tqdm bar, clip gradients on request, evaluate on validation
data after every epoch (and once before training), run on the CPU or CUDA, and return the loss history. Ctrl-C
(KeyboardInterrupt) stops training cleanly: the history so far is returned with interrupted=True.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from .data.loaders import make_loader
from .models import AdversarialModel, GenerativeModel, LossDict, check_loss_dict
from .utils import Timer, get_device, seed_everything


@dataclass
class History:
    """Loss curves: train[term] has one value per optimisation step, val[term] one per epoch, the first before
    any training."""

    train: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    val: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    interrupted: bool = False
    seconds: float = 0.0
    epochs_completed: int = 0
    best_epoch: int | None = None  # with keep_best: the epoch whose weights the model ends with (0: before training)

    def log(self, where: dict[str, list[float]], terms: LossDict, prefix: str = "") -> None:
        for name, value in terms.items():
            where[prefix + name].append(float(value))


def fit(
    model: GenerativeModel,
    train_data: DataLoader | torch.Tensor,
    val_data: DataLoader | torch.Tensor | None = None,
    *,
    epochs: int = 10,
    lr: float = 1e-3,
    batch_size: int = 128,
    grad_clip: float | None = None,
    seed: int = 0,
    device: str | torch.device | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    use_labels: bool = False,
    progress: bool | None = None,
    keep_best: bool = False,
) -> History:
    """Minimise model.loss(x)["total"] with Adam (or `optimizer`) and return the History.

    train_data / val_data: a DataLoader of (x,) or (x, y) batches, or a tensor of examples (N, ...).
    use_labels: call model.loss(x, y) for conditional models; otherwise labels in the batches are ignored.
    grad_clip: maximum global gradient norm (torch.nn.utils.clip_grad_norm_), None for no clipping.
    progress: show a progress bar; None (default) shows it only where it renders (a terminal or a notebook), not as
        carriage-return floods in log files.
    keep_best: end with the weights of the epoch with the lowest validation "total" (early stopping without
        stopping; needs val_data); History.best_epoch says which.
    device: where to train (default: $DGMLIB_DEVICE, else CUDA when available). The model goes back to the device it
        came on afterwards (as PyTorch Lightning does), so code written for the CPU keeps working on a GPU machine;
        move it with model.to(get_device()) first to keep it on the GPU.
    """
    if keep_best and val_data is None:
        raise ValueError("keep_best needs val_data: the best epoch is the one with the lowest validation loss")
    setup = _Setup(model, train_data, val_data, batch_size, seed, device, use_labels)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)

    def step(batch, history: History) -> dict[str, float]:
        terms = _optimise(optimizer, lambda: model.loss(*batch), list(model.parameters()), grad_clip, "loss")
        history.log(history.train, terms)
        return {"loss": float(terms["total"])}

    return setup.run(epochs, step, progress, keep_best)


def fit_adversarial(
    model: AdversarialModel,
    train_data: DataLoader | torch.Tensor,
    val_data: DataLoader | torch.Tensor | None = None,
    *,
    epochs: int = 10,
    lr_generator: float = 2e-4,
    lr_critic: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    critic_steps: int = 1,
    batch_size: int = 128,
    grad_clip: float | None = None,
    seed: int = 0,
    device: str | torch.device | None = None,
    use_labels: bool = False,
    progress: bool | None = None,
) -> History:
    """Alternate critic and generator updates: one critic step per batch and one generator step after every
    `critic_steps` critic steps (5 for WGAN, Arjovsky et al. 2017, Algorithm 1). Each player has its own Adam.

    History.train holds "critic_<term>" per critic step and "generator_<term>" per generator step.
    """
    setup = _Setup(model, train_data, val_data, batch_size, seed, device, use_labels)
    critic_params, generator_params = list(model.critic_parameters()), list(model.generator_parameters())
    critic_opt = torch.optim.Adam(critic_params, lr=lr_critic, betas=betas)
    generator_opt = torch.optim.Adam(generator_params, lr=lr_generator, betas=betas)
    counter = {"critic": 0}
    shown: dict[str, float] = {}

    def step(batch, history: History) -> dict[str, float]:
        terms = _optimise(critic_opt, lambda: model.critic_loss(*batch), critic_params, grad_clip, "critic_loss")
        history.log(history.train, terms, "critic_")
        shown["critic"] = float(terms["total"])
        counter["critic"] += 1
        if counter["critic"] % critic_steps == 0:
            terms = _optimise(
                generator_opt, lambda: model.generator_loss(*batch), generator_params, grad_clip, "generator_loss"
            )
            history.log(history.train, terms, "generator_")
            shown["generator"] = float(terms["total"])
        return shown

    return setup.run(epochs, step, progress)


def _optimise(optimizer, compute: Callable[[], LossDict], params, grad_clip, where: str) -> LossDict:
    terms = check_loss_dict(compute(), where)
    optimizer.zero_grad(set_to_none=True)
    terms["total"].backward()
    if grad_clip is not None:
        torch.nn.utils.clip_grad_norm_(params, grad_clip)
    optimizer.step()
    return {name: value.detach() for name, value in terms.items()}


class _Setup:
    """What both loops share: seeding, device placement, batching, validation and the epoch loop."""

    def __init__(self, model, train_data, val_data, batch_size, seed, device, use_labels):
        self.generator = seed_everything(seed)
        self.device = get_device(device) if not isinstance(device, torch.device) else device
        self.home = next((t.device for t in (*model.parameters(), *model.buffers())), torch.device("cpu"))
        self.model = model.to(self.device)
        self.use_labels = use_labels
        self.train_loader = _as_loader(train_data, batch_size, shuffle=True, seed=seed)
        self.val_loader = None if val_data is None else _as_loader(val_data, batch_size, shuffle=False, seed=seed)

    def batch(self, batch) -> tuple[torch.Tensor, ...]:
        batch = batch if isinstance(batch, (list, tuple)) else (batch,)
        batch = batch if self.use_labels else batch[:1]
        return tuple(t.to(self.device, non_blocking=True) for t in batch)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Example-weighted mean of every loss term over the validation data."""
        was_training = self.model.training
        self.model.eval()
        sums: dict[str, float] = defaultdict(float)
        count = 0
        for raw in self.val_loader:
            batch = self.batch(raw)
            terms = check_loss_dict(self.model.loss(*batch))
            for name, value in terms.items():
                sums[name] += float(value) * len(batch[0])
            count += len(batch[0])
        self.model.train(was_training)
        return {name: total / count for name, total in sums.items()}

    def run(self, epochs: int, step: Callable, progress: bool | None, keep_best: bool = False) -> History:
        history = History()
        timer = Timer().start()
        show = progress_renders() if progress is None else progress
        best: dict | None = None
        self.model.train()
        try:
            if self.val_loader is not None:
                history.log(history.val, self.evaluate())
                best = self.remember(keep_best, history, 0, best)
            for epoch in range(epochs):
                bar = tqdm(self.train_loader, desc=f"epoch {epoch + 1}/{epochs}", disable=not show, leave=False)
                for raw in bar:
                    bar.set_postfix(step(self.batch(raw), history), refresh=False)
                if self.val_loader is not None:
                    history.log(history.val, self.evaluate())
                    best = self.remember(keep_best, history, epoch + 1, best)
                history.epochs_completed = epoch + 1
        except KeyboardInterrupt:
            history.interrupted = True
            print(f"Training interrupted after {history.epochs_completed} complete epoch(s); returning the history.")
        finally:
            if best is not None:
                self.model.load_state_dict(best)
            self.model.to(self.home).eval()
            history.seconds = timer.stop()
        history.train, history.val = dict(history.train), dict(history.val)
        return history

    def remember(self, keep_best: bool, history: History, epoch: int, best: dict | None) -> dict | None:
        """A copy of the weights when the validation loss just logged is finite and the lowest so far (keep_best);
        a diverged (NaN or infinite) epoch is never the best."""
        losses = [loss for loss in history.val["total"][:-1] if math.isfinite(loss)]
        latest = history.val["total"][-1]
        if not keep_best or not math.isfinite(latest) or (losses and latest > min(losses)):
            return best
        history.best_epoch = epoch
        return {name: value.detach().clone() for name, value in self.model.state_dict().items()}


def progress_renders() -> bool:
    """True in a terminal or a Jupyter kernel, where a progress bar redraws in place; False in logs and pipes."""
    if sys.stderr.isatty():
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    # a notebook's kernel, also a subclass of it (Colab's); not a plain IPython shell writing to a log
    return any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__)


def _as_loader(data: DataLoader | torch.Tensor | Iterable, batch_size: int, shuffle: bool, seed: int):
    if isinstance(data, torch.Tensor):
        return make_loader(data, batch_size=batch_size, shuffle=shuffle, seed=seed)
    return data
