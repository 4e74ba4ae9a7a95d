import math

import pytest
import torch
from torch import nn

from dgmlib.data import discretized_gaussian_mixture, make_loader
from dgmlib.models import AdversarialModel, GenerativeModel, Histogram
from dgmlib.train import fit, fit_adversarial


def data():
    truth = discretized_gaussian_mixture(num_values=10)
    return truth, truth.sample(2000, seed=0), truth.sample(500, seed=1)


def test_fit_reaches_the_true_nll_and_records_curves():
    truth, train, val = data()
    history = fit(Histogram(10), train, val, epochs=15, lr=0.1, batch_size=100, seed=0, progress=False)
    assert len(history.train["total"]) == 15 * 20
    assert len(history.val["total"]) == 16, "one validation before training and one per epoch"
    assert history.val["total"][-1] < history.val["total"][0]
    assert history.val["total"][-1] == pytest.approx(float(-truth.log_prob(val).mean()), abs=0.03)
    assert not history.interrupted and history.epochs_completed == 15 and history.seconds > 0


def test_fit_is_reproducible_for_a_seed():
    _, train, val = data()
    runs = [fit(Histogram(10), train, val, epochs=2, lr=0.1, batch_size=64, seed=s, progress=False) for s in (3, 3, 4)]
    assert runs[0].train["total"] == runs[1].train["total"]
    assert runs[0].train["total"] != runs[2].train["total"]


class Counting(Histogram):
    """Raises KeyboardInterrupt (as Ctrl-C would) on the n-th call of loss."""

    def __init__(self, n):
        super().__init__(10)
        self.calls, self.n = 0, n

    def loss(self, x):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return super().loss(x)


def test_keyboard_interrupt_stops_cleanly_and_keeps_the_history(capsys):
    _, train, _ = data()
    history = fit(Counting(n=25), train, epochs=5, batch_size=100, progress=False)
    assert history.interrupted and history.epochs_completed == 1
    assert len(history.train["total"]) == 24
    assert "interrupted" in capsys.readouterr().out


def test_grad_clip_bounds_the_update():
    _, train, _ = data()
    model = Histogram(10)
    # one SGD step with lr 1 and clip 0.01 moves the logits by at most 0.01
    fit(model, train[:100], epochs=1, batch_size=100, grad_clip=0.01, progress=False,
        optimizer=torch.optim.SGD(model.parameters(), lr=1.0))
    assert model.logits.detach().norm().item() == pytest.approx(0.01, rel=1e-3)


def test_bad_loss_dict_is_explained():
    class NoTotal(Histogram):
        def loss(self, x):
            return {"nll": super().loss(x)["total"]}

    with pytest.raises(KeyError, match="'total'"):
        fit(NoTotal(10), data()[1], epochs=1, progress=False)


def test_labels_reach_conditional_models_only_when_asked():
    seen = []

    class Conditional(Histogram):
        def loss(self, x, y=None):
            seen.append(y)
            return super().loss(x)

    x, y = data()[1], torch.zeros(2000, dtype=torch.long)
    fit(Conditional(10), make_loader(x, y, batch_size=1000), epochs=1, progress=False)
    fit(Conditional(10), make_loader(x, y, batch_size=1000), epochs=1, progress=False, use_labels=True)
    assert seen[:2] == [None, None] and all(s is not None for s in seen[2:])


class MeanChaser(AdversarialModel):
    """A convex two-player toy: the critic c estimates the data mean, the generator shift b chases c.

    Both reach the data mean only if the loop alternates the players with their own optimisers.
    """

    def __init__(self):
        super().__init__()
        self.b = nn.Parameter(torch.zeros(1))
        self.c = nn.Parameter(torch.zeros(1))

    def sample(self, n):
        return torch.randn(n, 1, device=self.device) * 0.1 + self.b

    def critic_loss(self, x):
        return {"total": ((self.c - x.mean()) ** 2).sum(), "c": self.c.detach().sum()}

    def generator_loss(self, x):
        return {"total": ((self.b - self.c) ** 2).sum()}

    def generator_parameters(self):
        return [self.b]

    def critic_parameters(self):
        return [self.c]


def test_adversarial_loop_alternates_players_and_converges():
    x = torch.randn(2048, 1) * 0.1 + 1.5
    model = MeanChaser()
    history = fit_adversarial(model, x, x[:256], epochs=30, lr_generator=0.05, lr_critic=0.05, critic_steps=2,
                              batch_size=256, seed=0, progress=False)
    assert len(history.train["critic_total"]) == 30 * 8
    assert len(history.train["generator_total"]) == 30 * 4
    assert "critic_c" in history.train and "generator_total" in history.val
    assert model.c.item() == pytest.approx(1.5, abs=0.05)
    assert model.b.item() == pytest.approx(1.5, abs=0.1)


def test_models_must_implement_the_interface():
    class Incomplete(GenerativeModel):
        def loss(self, x):
            return {"total": x.sum()}

    with pytest.raises(TypeError, match="sample"):
        Incomplete()
    assert Histogram(3).device.type == "cpu"


class RecordsDevices(Histogram):
    """A Histogram that remembers the device of every batch and every move."""

    def __init__(self):
        super().__init__(10)
        self.batch_devices, self.moves = set(), []

    def loss(self, x):
        self.batch_devices.add(x.device.type)
        return super().loss(x)

    def to(self, *args, **kwargs):
        self.moves.append(torch.device(args[0]).type)
        return super().to(*args, **kwargs)


def test_fit_returns_the_model_to_the_device_it_came_on():
    _, train, val = data()
    model = RecordsDevices()
    fit(model, train, val, epochs=1, device="cpu", progress=False)
    assert model.moves == ["cpu", "cpu"], "fit must move the model to its device, then back where it came from"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fit_trains_on_cuda_and_leaves_the_model_where_it_was():
    _, train, val = data()
    model = RecordsDevices()
    fit(model, train, val, epochs=1, device="cuda", progress=False)
    assert model.batch_devices == {"cuda"} and model.device.type == "cpu"
    model.log_prob(val)  # CPU code keeps working after training on the GPU
    fit(model.to("cuda"), train, val, epochs=1, progress=False)
    assert model.device.type == "cuda", "a model the user put on the GPU stays there"


def test_keep_best_ends_with_the_weights_of_the_lowest_validation_loss():
    truth = discretized_gaussian_mixture(num_values=10)
    train, val = truth.sample(40, seed=0), truth.sample(2000, seed=1)  # few examples, a large step: it overfits
    model = Histogram(10)
    history = fit(model, train, val, epochs=30, lr=0.5, batch_size=8, seed=0, progress=False, keep_best=True)
    losses = history.val["total"]
    assert history.best_epoch == losses.index(min(losses)) and losses[-1] > min(losses), "the run should overfit"
    with torch.no_grad():
        assert float(model.loss(val)["total"]) == pytest.approx(min(losses), rel=1e-5)


def test_keep_best_needs_validation_data():
    _, train, _ = data()
    with pytest.raises(ValueError, match="needs val_data"):
        fit(Histogram(10), train, epochs=1, keep_best=True, progress=False)


def test_progress_bars_appear_only_where_they_render(capfd):
    import IPython  # noqa: F401  (loaded in this process, as nbclient or nbgrader do: still not a notebook)

    _, train, val = data()
    fit(Histogram(10), train, val, epochs=2, lr=0.1, batch_size=100, seed=0)  # stderr is a pipe here
    assert "\r" not in capfd.readouterr().err


def test_the_full_size_script_evaluates_on_the_models_device():
    from autograder.hw1.full_size import held_out_nll

    class OnAnotherDevice(nn.Module):
        device = torch.device("meta")  # stands for CUDA: a tensor left on the CPU would be caught

        def log_prob(self, x):
            assert x.device == self.device, "held-out images were not moved to the model's device"
            return torch.zeros(len(x), device=self.device)

    with pytest.raises(NotImplementedError):  # .cpu() of a meta tensor, reached only after log_prob took the batch
        held_out_nll(OnAnotherDevice(), torch.zeros(1200, 4))


class DivergesAfter(Histogram):
    """Validation loss NaN after `bad_from` validation batches (training itself is a Histogram's)."""

    def __init__(self, bad_from):
        super().__init__(10)
        self.evaluations, self.bad_from = 0, bad_from

    def loss(self, x):
        terms = super().loss(x)
        if not self.training:
            self.evaluations += 1
            if self.evaluations > self.bad_from:
                terms = {name: value * float("nan") for name, value in terms.items()}
        return terms


def test_keep_best_never_keeps_a_diverged_epoch():
    _, train, val = data()
    history = fit(DivergesAfter(bad_from=3 * 5), train, val, epochs=6, lr=0.1, batch_size=100, seed=0, progress=False,
                  keep_best=True)
    assert math.isnan(history.val["total"][-1]) and history.best_epoch == 2, history.val["total"]  # of 0, 1, 2
