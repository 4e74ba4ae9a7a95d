"""The one interface every generative model of the course implements, so that one training loop, one plotting
helper and one grader serve them all (after r-isachenko/dgm_utils' BaseModel).

A likelihood-based model implements `loss(x) -> {"total": ..., other named terms}` and `sample(n)`; an adversarial
model implements `generator_loss`, `critic_loss` and `sample(n)` and names its two players' parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

LossDict = dict[str, torch.Tensor]


class GenerativeModel(nn.Module, ABC):
    """Base class of likelihood-based models (autoregressive, VAE, flows, diffusion, ...)."""

    @abstractmethod
    def loss(self, x: torch.Tensor) -> LossDict:
        """Loss terms on a batch x (B, ...): a dict of scalar tensors with the optimised one under "total"."""

    @abstractmethod
    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """n samples (n, ...) on self.device."""

    @property
    def device(self) -> torch.device:
        """Device of the first parameter or buffer (the CPU for a model without either)."""
        for tensor in (*self.parameters(), *self.buffers()):
            return tensor.device
        return torch.device("cpu")


class AdversarialModel(GenerativeModel, ABC):
    """Base class of two-player models (GANs): a generator and a critic (discriminator) trained in turn."""

    @abstractmethod
    def generator_loss(self, x: torch.Tensor) -> LossDict:
        """Generator loss terms on a batch of real data x, with "total"."""

    @abstractmethod
    def critic_loss(self, x: torch.Tensor) -> LossDict:
        """Critic loss terms on a batch of real data x, with "total" (e.g. including a gradient penalty)."""

    @abstractmethod
    def generator_parameters(self) -> list[nn.Parameter]:
        ...

    @abstractmethod
    def critic_parameters(self) -> list[nn.Parameter]:
        ...

    def loss(self, x: torch.Tensor) -> LossDict:
        """Both players' losses, prefixed, for validation curves; "total" is the critic's."""
        critic, generator = self.critic_loss(x), self.generator_loss(x)
        terms = {f"critic_{k}": v for k, v in critic.items()} | {f"generator_{k}": v for k, v in generator.items()}
        return terms | {"total": critic["total"]}


def check_loss_dict(terms: object, where: str = "loss") -> LossDict:
    """Validate what a model's loss returned; raise a message that says what is wrong and how to fix it."""
    if not isinstance(terms, dict):
        raise TypeError(f"{where}(x) must return a dict of named loss terms, got {type(terms).__name__}")
    if "total" not in terms:
        raise KeyError(f"{where}(x) must return a dict with a 'total' entry; got keys {sorted(terms)}")
    for name, value in terms.items():
        if not (isinstance(value, torch.Tensor) and value.numel() == 1):
            raise ValueError(f"{where}(x)[{name!r}] must be a scalar tensor, got {getattr(value, 'shape', value)}")
    return terms


class Histogram(GenerativeModel):
    """The first model of lecture 1: a categorical distribution over {0, ..., d-1} with learnable logits.

    loss(x) = mean_i -log softmax(theta)[x_i]; its minimum is the entropy of the data distribution.
    """

    def __init__(self, num_values: int):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(num_values))

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """(B,) int64 -> (B,) log-probabilities."""
        return torch.log_softmax(self.logits, dim=0)[x.long()]

    def loss(self, x: torch.Tensor) -> LossDict:
        return {"total": -self.log_prob(x).mean()}

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        return torch.multinomial(torch.softmax(self.logits, dim=0), n, replacement=True)
