"""Data-parallel training (poce_rt.train.distributed): 2 gloo processes on the CPU, for real."""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from poce_rt.train import distributed
from poce_rt.train.dataset import write_arrays

from test_models import SMALL_C
from test_train import _synthetic

ROOT = Path(__file__).resolve().parent.parent


def test_one_process_draws_as_before():
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(distributed.shard_draw(10, 6, g1), torch.randint(10, (6,), generator=g2))
    assert distributed.seed(7) == 7 and distributed.world_size() == 1 and distributed.is_rank0()


def _collective_checks(args) -> int:
    """Runs in each of 2 processes: gradients averaged, weights broadcast, disjoint shards."""
    r = distributed.rank()
    p = torch.nn.Parameter(torch.full((3,), float(r)))
    q = torch.nn.Parameter(torch.zeros(2))          # no gradient on rank 1: counts as zeros
    opt = torch.optim.SGD([p, q], lr=1.0)
    p.grad = torch.full((3,), 2.0 * r + 1.0)         # rank 0: 1, rank 1: 3 -> mean 2
    if r == 0:
        q.grad = torch.full((2,), 4.0)
    distributed.average_grads(opt)
    assert torch.allclose(p.grad, torch.full((3,), 2.0)), p.grad
    assert r == 1 or torch.allclose(q.grad, torch.full((2,), 2.0)), q.grad
    distributed.broadcast_params(opt)
    assert torch.equal(p.data, torch.zeros(3))       # rank 0's weights everywhere
    draws = distributed.shard_draw(10, 50, torch.Generator().manual_seed(distributed.seed(0)))
    assert set(draws.tolist()) <= set(range(r, 10, 2))
    Path(args.out, f"rank{r}").write_text(str(distributed.world_size()))
    return 0


def test_collectives_on_two_gloo_processes(tmp_path):
    args = argparse.Namespace(nproc=2, device="cpu", out=str(tmp_path))
    assert distributed.Launch(_collective_checks)(args) == 0
    assert [(tmp_path / f"rank{r}").read_text() for r in (0, 1)] == ["2", "2"]


def _fails_on_rank1(args) -> int:
    if distributed.rank() == 1:
        raise SystemExit(3)
    torch.distributed.barrier()   # would wait for the dead rank until the timeout
    return 0


def test_a_failed_rank_stops_the_job():
    args = argparse.Namespace(nproc=2, device="cpu")
    assert distributed.Launch(_fails_on_rank1)(args) == 1


def _train(tmp_path, steps, nproc):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "poce_rt.cli", "train", "completion", str(tmp_path / "data"),
           "--out", str(tmp_path / "model"), "--steps", str(steps), "--batch", "2", "--nproc", str(nproc),
           "--config", str(tmp_path / "c.json"), "--sample-every", "2", "--save-every", "2", "--log-every", "1"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_cli_trains_on_two_processes_and_resumes_on_one(tmp_path):
    write_arrays(tmp_path / "data", *_synthetic(6, 64))
    (tmp_path / "c.json").write_text(SMALL_C.to_json())
    r = _train(tmp_path, 3, 2)
    assert r.returncode == 0, r.stderr[-2000:]
    log = [json.loads(x) for x in (tmp_path / "model" / "train_log.jsonl").read_text().splitlines()]
    assert [(e["step"], e["world_size"]) for e in log] == [(1, 2), (2, 2), (3, 2)]   # rank 0 alone logs
    assert (tmp_path / "model" / "completion.safetensors").is_file()
    assert (tmp_path / "model" / "samples" / "completion_0000002.png").is_file()
    r = _train(tmp_path, 5, 1)                                                        # another N
    assert r.returncode == 0, r.stderr[-2000:]
    log = [json.loads(x) for x in (tmp_path / "model" / "train_log.jsonl").read_text().splitlines()]
    assert [(e["step"], e["world_size"]) for e in log][3:] == [(4, 1), (5, 1)]


@pytest.mark.parametrize("nproc", ["0", "x"])
def test_nproc_is_checked(nproc, capsys):
    from poce_rt.cli import main

    assert main(["train", "completion", "d", "--out", "m", "--nproc", nproc]) == 2
