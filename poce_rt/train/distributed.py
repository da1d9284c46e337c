"""Data-parallel training with torch.distributed: `poce-rt train ... --nproc N`, or under torchrun.

Every process builds the same networks from the same seed, then each step:
  - draws its batch from its own share of the dataset (`shard_draw`: rank r takes items r, r+N,
    ... as DistributedSampler does; its random stream is its own, `seed`),
  - averages the gradients of every optimiser's parameters over the processes (`average_grads`,
    one all-reduce of one flat buffer per optimiser) before stepping, so the weights stay equal.
Rank 0 alone writes checkpoints, sample grids and the JSONL log (which records "world_size").
The training state holds no per-process state, so a run resumes with any N. The batch size is
per process (the global batch is N x --batch), as with torch's DistributedDataParallel.

Backends: gloo on the CPU, NCCL on GPUs (each process on cuda:LOCAL_RANK). Launching: `--nproc N`
spawns N processes on this machine with the environment torchrun would set (MASTER_ADDR=127.0.0.1,
MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK), so `torchrun --nproc-per-node N -m poce_rt.cli train ...`
works the same way and spans machines. Without WORLD_SIZE and with N = 1 nothing here does anything.
"""
from __future__ import annotations

import os
import sys
from datetime import timedelta

import torch
import torch.distributed as dist

TIMEOUT = timedelta(minutes=10)   # a process that died mid-step: the others give up after this


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def is_rank0() -> bool:
    return rank() == 0


def seed(base: int) -> int:
    """A seed of this process's random stream (rank 0 keeps `base`: one process trains as before)."""
    return base + 1_000_003 * rank()


def shard_draw(n: int, batch: int, gen: torch.Generator) -> torch.Tensor:
    """[batch] indices in 0..n-1 drawn from this process's share (rank, rank + N, ...); with one
    process, exactly torch.randint(n, (batch,), generator=gen)."""
    w, r = world_size(), rank()
    if w == 1 or n < w:
        return torch.randint(n, (batch,), generator=gen)
    share = torch.arange(r, n, w)
    return share[torch.randint(len(share), (batch,), generator=gen)]


def _params(optimizer) -> list:
    return [p for g in optimizer.param_groups for p in g["params"]]


def average_grads(*optimizers) -> None:
    """Replace each parameter's gradient by its mean over the processes (a missing gradient counts
    as zeros, so every process reduces the same buffer)."""
    w = world_size()
    if w == 1:
        return
    for opt in optimizers:
        params = _params(opt)
        if not params:
            continue
        flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params])
        dist.all_reduce(flat)
        flat /= w
        i = 0
        for p in params:
            k = p.numel()
            if p.grad is not None:
                p.grad.copy_(flat[i:i + k].view_as(p))
            i += k


def broadcast_params(*optimizers) -> None:
    """Rank 0's weights to every process (they start equal from one seed; this makes it certain)."""
    if world_size() == 1:
        return
    with torch.no_grad():
        for opt in optimizers:
            for p in _params(opt):
                dist.broadcast(p.data, 0)


def rank0_first(fn, *args, **kwargs):
    """fn(*args) on rank 0, then on the others (e.g. a dataset build that the others then find
    done); the result of this process's call."""
    if world_size() == 1:
        return fn(*args, **kwargs)
    if is_rank0():
        out = fn(*args, **kwargs)
        dist.barrier()
        return out
    dist.barrier()
    return fn(*args, **kwargs)


# ------------------------------------------------------------------------------------- launching
def _init_from_env(device: str) -> str:
    """Join the process group described by torchrun's variables -> this process's device."""
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device.startswith("cuda"):
        device = f"cuda:{local}"
        torch.cuda.set_device(local)
        backend = "nccl"
    else:
        backend = "gloo"
    dist.init_process_group(backend, timeout=TIMEOUT)
    return device


class Launch:
    """Wraps a CLI command `fn(args)` that trains: in a process group when WORLD_SIZE is set
    (torchrun, or one of ours), on `args.nproc` spawned processes when it is > 1, else as is."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, args) -> int:
        if "WORLD_SIZE" in os.environ:
            return self.member(args)
        n = int(getattr(args, "nproc", 1) or 1)
        return self.fn(args) if n == 1 else spawn(n, self, args)

    def member(self, args) -> int:
        args.device = _init_from_env(args.device)
        try:
            rc = self.fn(args)
            # all leave together: a process tearing gloo down while another still talks to it
            # can abort the other ("terminate called without an active exception")
            dist.barrier()
            return rc
        finally:
            dist.destroy_process_group()


def _child(rank_: int, n: int, port: int, launch: Launch, args) -> None:
    from ..errors import one_line, user_errors

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank_), WORLD_SIZE=str(n),
                      LOCAL_RANK=str(rank_), LOCAL_WORLD_SIZE=str(n))
    try:
        rc = launch.member(args)
    except Exception as e:  # noqa: BLE001 - a user error: one line, like the CLI
        if not isinstance(e, user_errors()):
            raise
        print(f"poce-rt train (rank {rank_}): error: {one_line(e)}", file=sys.stderr)
        rc = 2
    # os._exit, not sys.exit: gloo's threads are C++ objects whose destructors at interpreter exit
    # can abort a process that finished its work ("terminate called without an active exception")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(rc or 0))


def spawn(n: int, launch: Launch, args) -> int:
    """Run `launch` on n processes of this machine; the first non-zero exit status stops the
    others (they would wait for the dead one until TIMEOUT) and is returned."""
    import multiprocessing as mp
    import time

    from ..scale.ray_local import free_port

    ctx = mp.get_context("spawn")   # no fork after torch has started threads
    port = free_port()
    procs = [ctx.Process(target=_child, args=(r, n, port, launch, args), name=f"train-rank{r}") for r in range(n)]
    for p in procs:
        p.start()
    rc = 0
    try:
        while any(p.is_alive() for p in procs):
            failed = [p for p in procs if p.exitcode not in (None, 0)]
            if failed:
                rc = failed[0].exitcode
                break
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join()
    codes = [p.exitcode for p in procs]
    rc = rc or next((c for c in codes if c), 0)
    return 2 if rc == 2 else (0 if rc == 0 else 1)
