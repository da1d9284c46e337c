"""Bounded random fuzz of every kernel, through poce_rt.ops and through the raw poce_rt._C.

    python scripts/fuzz_ops.py [--iterations 3000] [--seed 0] [--start 0] [--verbose]

Run by `make sanitize` against the AddressSanitizer + UBSan build of the extension (then
scripts/sanitize_native.py is loaded first and a bad read, write, overflow or float->int cast aborts
the process). Each iteration draws one op and one case from its own generator (seed, index): random
and degenerate meshes (no triangles, one point, collinear, off-screen, NaN/inf/1e30 vertices),
out-of-range indices, tiny, odd and 1x1 sizes, huge-but-bounded ones (16384x1), bad dtypes, ranks,
strides, alignment and output buffers. Every call must either return a result that passes the op's
invariants or raise ValueError/TypeError/OverflowError; anything else fails the run. A failing
iteration is replayed alone with `--start I --iterations 1 --verbose`.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

EXPECTED = (ValueError, TypeError, OverflowError)
BAD_INDICES = (-1, -(2**31), 2**31 - 1)


class Case:
    """Draws the parts of one case; `hostile` cases get a flaw somewhere."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.hostile = rng.random() < 0.35

    def pick(self, *options):
        return options[self.rng.integers(len(options))]

    def flaw(self, p: float = 0.15) -> bool:
        return self.hostile and self.rng.random() < p

    def side(self) -> int:
        if self.flaw(0.1):
            return int(self.pick(0, -1, 16385, 2**31, 2**40))
        if self.rng.random() < 0.03:
            return 16384  # huge but allowed (paired with a small other side below)
        return int(self.pick(1, 1, 2, 3, 5, 8, 17, 32, 64, 96))

    def size2(self) -> tuple[int, int]:
        h, w = self.side(), self.side()
        if h == 16384 and 1 <= w <= 16384:
            w = int(self.pick(1, 2, 3))
        if w == 16384 and 1 <= h <= 16384:
            h = int(self.pick(1, 2))
        return h, w

    def array(self, a: np.ndarray, name: str = "") -> np.ndarray:
        """Maybe spoil an array: dtype, rank, stride, alignment, emptiness."""
        if not self.flaw():
            return a
        kind = self.pick("dtype", "rank", "stride", "misaligned", "list", "empty")
        if kind == "dtype":
            return a.astype(self.pick(np.float64, np.int64, np.uint8, np.float16, np.bool_))
        if kind == "rank":
            return a.reshape(-1) if a.ndim > 1 else a[None]
        if kind == "stride" and a.ndim >= 1 and a.shape[-1] > 0:
            return np.repeat(a, 2, axis=-1)[..., ::2]  # same shape and values, not contiguous
        if kind == "misaligned" and a.size:
            buf = np.zeros(a.nbytes + 1, np.uint8)
            out = np.frombuffer(buf.data, a.dtype, a.size, offset=1).reshape(a.shape)
            out[...] = a  # same values (uint8 arrays stay usable: their alignment is 1)
            return out
        if kind == "list":
            return a.tolist()
        return a[:0]

    def floats(self, shape, lo=-2.0, hi=2.0) -> np.ndarray:
        a = self.rng.uniform(lo, hi, shape).astype(np.float32)
        if a.size and self.rng.random() < 0.2:  # NaN, inf, huge: values the kernels must survive
            k = self.rng.integers(1, max(2, a.size // 4))
            idx = self.rng.integers(0, a.size, k)
            a.flat[idx] = self.rng.choice(np.array([np.nan, np.inf, -np.inf, 1e30, -1e30, 3e38],
                                                   np.float32), k)
        return a

    def mesh(self, h: int, w: int):
        """verts [N,3] in pixels (sometimes far off), tris [F,3]."""
        nv = int(self.pick(0, 1, 3, 4, 12, 40, 200))
        shape = self.pick("random", "random", "grid", "point", "collinear", "offscreen", "huge")
        hh, ww = max(h, 1), max(w, 1)
        if shape == "point":
            verts = np.tile(np.float32([ww / 2, hh / 2, 1.0]), (nv, 1))
        elif shape == "collinear":
            t = self.rng.uniform(0, 1, nv).astype(np.float32)
            verts = np.stack([t * ww, t * hh, t], 1).astype(np.float32)
        elif shape == "offscreen":
            verts = self.floats((nv, 3), -1e6, 1e6)
        elif shape == "huge":
            verts = self.floats((nv, 3), -3e38, 3e38)
        else:
            verts = np.stack([self.rng.uniform(-0.2 * ww, 1.2 * ww, nv),
                              self.rng.uniform(-0.2 * hh, 1.2 * hh, nv),
                              self.rng.uniform(-1, 1, nv)], 1).astype(np.float32)
            if self.rng.random() < 0.2 and nv:
                verts[self.rng.integers(0, nv)] = self.pick(np.nan, np.inf, -np.inf)
        nt = int(self.pick(0, 1, 2, 10, 60, 300)) if nv else int(self.pick(0, 0, 2))
        tris = (self.rng.integers(0, max(nv, 1), (nt, 3)).astype(np.int32) if nt
                else np.zeros((0, 3), np.int32))
        if nv == 0 and nt:
            tris[:] = 0  # indices into an empty vertex array: must be rejected
        if nt and self.flaw(0.3):
            tris.flat[self.rng.integers(0, tris.size)] = self.pick(*BAD_INDICES, nv)
        return verts, tris


def fits(h: int, w: int) -> bool:
    """A size the kernels accept and this process can allocate cheaply."""
    return 1 <= h <= 16384 and 1 <= w <= 16384 and h * w <= 2**22


def uv_of(verts: np.ndarray, h: int, w: int) -> np.ndarray:
    uv = verts[:, :2] / np.float32([max(w, 1), max(h, 1)])
    return np.ascontiguousarray(uv, np.float32)


# ---- one case per op: returns [(label, callable, check)], check(result) asserts the invariants

def case_rasterize(c: Case, C, ops):
    h, w = c.size2()
    verts, tris = c.mesh(h, w)
    v, t = c.array(verts), c.array(tris)

    def check(r):
        tri_id, bary, depth = r
        assert tri_id.shape == (h, w) and bary.shape == (h, w, 3) and depth.shape == (h, w)
        assert tri_id.min(initial=0) >= -1 and tri_id.max(initial=-1) < len(tris)
        empty = tri_id < 0
        assert np.all(bary[empty] == 0) and np.all(np.isposinf(depth[empty]))

    return [("ops.rasterize", lambda: ops.rasterize(v, t, h, w), check),
            ("_C.rasterize", lambda: C.rasterize(v, t, h, w), check)]


def random_layout(c: Case, ntris: int):
    s = int(c.pick(1, 2, 3, 8, 16, 33)) if not c.flaw(0.1) else 0
    tri_id = c.rng.integers(-1, max(ntris, 1), (s, s)).astype(np.int32)
    if ntris == 0:
        tri_id[:] = -1
    if tri_id.size and c.flaw(0.3):
        tri_id.flat[c.rng.integers(0, tri_id.size)] = c.pick(*BAD_INDICES, ntris, -2)
    if s > 1 and c.flaw(0.1):
        tri_id = np.ascontiguousarray(tri_id[:, 1:])  # not square
    bary = c.floats((s, s + int(c.flaw(0.1)), 3), 0, 1)  # sometimes not square
    return tri_id, bary


def case_sample_uv(c: Case, C, ops):
    h, w = c.size2()
    verts, tris = c.mesh(h, w)
    image = (c.rng.integers(0, 256, (h, w, 3)).astype(np.uint8) if fits(h, w)
             else np.zeros((0, max(w, 0) % 5, 3), np.uint8))
    uvs = uv_of(verts, h, w)
    ltri, lbary = random_layout(c, len(tris))
    tol = float(c.pick(0.5, 0.0, 2.0, 1e9, np.inf)) if not c.flaw(0.3) else float(c.pick(np.nan, -1.0))
    args = [c.array(image), c.array(verts), c.array(tris), c.array(uvs), c.array(ltri),
            c.array(lbary)]

    def check(r):
        uv, mask = r
        s = ltri.shape[0]
        assert uv.shape == (s, s, 3) and mask.shape == (s, s)
        assert np.all((mask == 0) | (mask == 1))
        assert np.all(uv >= 0) and np.all(uv <= 1 + 1e-6) and np.all(uv[mask == 0] == 0)

    def check_layout(lay):
        s = ltri.shape[0]
        assert lay.tri_id.shape == (s, s) and lay.tri_id.min(initial=0) >= -1
        assert lay.tri_id.max(initial=-1) < len(tris)

    calls = [("_C.sample_uv", lambda: C.sample_uv(*args, tol), check),
             ("ops.uv_layout", lambda: ops.uv_layout(args[3], args[2], ltri.shape[0]), check_layout)]
    if len(tris) and np.isfinite(uvs).all() and 0 <= tris.min() and tris.max() < len(verts) \
            and 1 <= ltri.shape[0] <= 64:
        layout = ops.uv_layout(uvs, tris, ltri.shape[0])
        calls.append(("ops.sample_uv", lambda: ops.sample_uv(args[0], args[1], args[2], layout, tol),
                      check))
    return calls


def case_render(c: Case, C, ops):
    h, w = c.size2()
    verts, tris = c.mesh(h, w)
    s = int(c.pick(1, 1, 2, 3, 8, 64)) if not c.flaw(0.3) else 0
    ch = int(c.pick(1, 3, 3, 4)) if not c.flaw(0.2) else int(c.pick(0, 1025))
    s2 = s if not c.flaw(0.2) else s + 1
    tex = c.rng.uniform(0, 1, (s, s2, ch)).astype(np.float32)
    uvs = c.floats((len(verts), 2), -0.5, 1.5)
    positions = bool(c.rng.random() < 0.3)   # two more channels out: the texel centres read
    oc = tex.shape[2] + 2 * positions
    out = None
    if c.rng.random() < 0.3 and fits(h, w):
        rgb = np.empty((h, w, oc), np.float32)
        alpha = np.empty((h, w), np.float32)
        if c.flaw(0.5):
            spoil = c.pick("readonly", "shape", "array")
            if spoil == "readonly":
                rgb.flags.writeable = False
            elif spoil == "shape":
                alpha = np.empty((h, w + 1), np.float32)
            else:
                rgb = c.array(rgb)
        out = (rgb, alpha)
    args = [c.array(tex), c.array(verts), c.array(tris), c.array(uvs)]

    def check(r):
        rgb, alpha = r
        assert rgb.shape == (h, w, oc) and alpha.shape == (h, w)
        assert np.all((alpha >= 0) & (alpha <= 1))
        # a bilinear read is a convex combination of texels in [0, 1]
        colour = rgb[..., :tex.shape[2]]
        assert np.all((colour >= 0) & (colour <= 1 + 1e-6)), (colour.min(), colour.max())
        # ... and of texel centres in [0.5, s - 0.5] (0: not drawn)
        assert np.all((rgb[..., tex.shape[2]:] >= 0) & (rgb[..., tex.shape[2]:] <= tex.shape[0]))

    raw_out = out if out is not None else (None, None)
    calls = [("ops.render", lambda: ops.render(*args, h, w, out=out, positions=positions), check),
             ("_C.render", lambda: C.render(*args, h, w, *raw_out, positions), check)]
    if fits(h, w) and c.rng.random() < 0.3:
        # a kept raster (ops.RasterKeep's buffer) reused from bytes the kernel did not draw: a
        # header that claims this size and mesh over random words, or a drawn raster with some of
        # its words spoilt (the kernel must refuse it, never read out of bounds)
        keep = np.empty((64 + 28 * h * w) // 8 + 1, np.uint64).view(np.uint8)
        n_tris = len(tris) if np.ndim(tris) == 2 else 0
        n_verts = len(verts) if np.ndim(verts) == 2 else 0

        def reuse_spoilt():
            try:
                C.render(*args, h, w, None, None, positions, keep, False)
            except EXPECTED:
                pass
            words = keep[64:].view(np.uint8)
            at = c.rng.integers(0, len(words), int(c.pick(1, 8, 64)))
            words[at] = c.rng.integers(0, 256, len(at), dtype=np.uint8)
            if c.flaw(0.5):
                keep[:36].view(np.int32)[:] = [c.rng.integers(-2, w + 2), c.rng.integers(-2, h + 2),
                                               c.rng.integers(-2, w + 2), c.rng.integers(-2, h + 2),
                                               h, w, n_verts, n_tris, 0x6b656570]
            return C.render(*args, h, w, None, None, positions, keep, True)

        calls.append(("_C.render keep", reuse_spoilt, check))
    return calls


def case_modulate(c: Case, C, ops):
    shape = tuple(int(c.pick(0, 1, 1, 2, 3, 7, 16)) for _ in range(4))
    x = c.floats(shape, -5, 5)
    g, b = c.floats(shape), c.floats(shape)
    eps = float(c.pick(1e-5, 1e-3, 1.0)) if not c.flaw(0.4) else float(c.pick(0.0, -1.0, np.nan))
    args = [c.array(x), c.array(g), c.array(b)]
    if c.flaw(0.2):
        args[1] = c.floats(shape[:3] + (shape[3] + 1,))  # mismatched shape

    def check(r):
        assert r.shape == shape
        if all(np.isfinite(a).all() and np.abs(a).max(initial=0) < 1e3 for a in (x, g, b)):
            assert np.isfinite(r).all()

    return [("ops.modulate", lambda: ops.modulate(*args, eps), check),
            ("_C.modulate", lambda: C.modulate(*args, eps), check)]


def case_transfer(c: Case, C, ops):
    n, ch, h, w = (int(c.pick(0, 1, 2, 3)), int(c.pick(0, 1, 4)), int(c.pick(0, 1, 2, 5, 8)),
                   int(c.pick(0, 1, 3, 8)))
    src, ref = c.floats((n, ch, h, w)), c.floats((n, ch, h, w))
    hm = int(c.pick(h, h, 2 * h, h + 3, 1)) if not c.flaw(0.4) else 0
    wm = int(c.pick(w, w, 3 * w, w + 1, 1)) if not c.flaw(0.2) else 0
    mask = c.rng.uniform(0, 1, (n, hm, wm)).astype(np.float32)
    args = [c.array(src), c.array(ref), c.array(mask)]

    def check(r):
        assert r.shape == (n, ch, h, w)
        fin = np.isfinite(src) & np.isfinite(ref)
        lo, hi = np.minimum(src, ref), np.maximum(src, ref)
        assert not np.isnan(r[fin]).any()
        assert np.all((r[fin] >= lo[fin] - 1e-5 * np.abs(lo[fin]) - 1e-6)
                      & (r[fin] <= hi[fin] + 1e-5 * np.abs(hi[fin]) + 1e-6))

    return [("ops.transfer", lambda: ops.transfer(*args), check),
            ("_C.transfer", lambda: C.transfer(*args), check)]


def case_composite(c: Case, C, ops):
    h, w = c.size2()
    ok = fits(h, w)
    frame = c.rng.integers(0, 256, (h, w, 3)).astype(np.uint8) if ok else np.zeros((0, 0, 3), np.uint8)
    hh, ww = frame.shape[:2]
    rgb = c.floats((hh, ww, 3), -0.5, 1.5)
    alpha = c.floats((hh, ww), -0.5, 1.5)
    feather = int(c.pick(0, 1, 3, 8, 4096)) if not c.flaw(0.3) else int(c.pick(-1, 4097, 2**31, -2**40))
    out = None
    if c.rng.random() < 0.3 and ok:
        out = c.pick("frame", "fresh", "readonly")
        out = frame if out == "frame" else np.empty_like(frame)
        if c.flaw(0.5):
            out.flags.writeable = False
    frame_before = frame.copy()  # `out` may be the frame itself
    args = [c.array(frame), c.array(rgb), c.array(alpha)]

    def check(r):
        assert r.shape == (hh, ww, 3) and r.dtype == np.uint8
        # no coverage (alpha <= 0 or NaN) leaves the frame as it was (where the render is finite)
        keep = ~(alpha > 0) & np.isfinite(rgb).all(-1)
        assert np.array_equal(r[keep], frame_before[keep])

    return [("ops.composite", lambda: ops.composite(*args, feather, out=out), check),
            ("_C.composite", lambda: C.composite(*args, feather, out), check)]


def case_interpolate(c: Case, C, ops):
    h, w = c.size2()
    h, w = (h, w) if fits(h, w) else (int(c.pick(1, 3, 8)), int(c.pick(1, 5, 9)))
    verts, tris = c.mesh(h, w)
    good = len(tris) == 0 or (tris.min() >= 0 and tris.max() < len(verts))
    tri_id, bary, _ = (ops.rasterize(verts, tris, h, w) if good else
                       (np.full((h, w), -1, np.int32), np.zeros((h, w, 3), np.float32), None))
    tri_id, bary = tri_id.copy(), bary.copy()
    if c.flaw(0.3) and tri_id.size:
        tri_id.flat[c.rng.integers(0, tri_id.size)] = c.pick(-2, len(tris), 2**31 - 1)
    ch = int(c.pick(1, 2, 3, 8)) if not c.flaw(0.2) else int(c.pick(0, 1025))
    attr = c.floats((len(verts), ch))
    box = None
    if c.rng.random() < 0.4:
        x0, y0 = int(c.rng.integers(0, w + 1)), int(c.rng.integers(0, h + 1))
        box = (x0, y0, int(c.rng.integers(x0, w + 1)), int(c.rng.integers(y0, h + 1)))
        if c.flaw(0.4):
            box = c.pick((0, 0, w + 1, h), (-1, 0, 1, 1), (2, 0, 1, 1), (0, 0, 1), "bad")
    out = None
    if c.rng.random() < 0.3:
        res, mask = np.empty((h, w, ch), np.float32), np.empty((h, w), np.float32)
        if c.flaw(0.5):
            res = c.pick(np.empty((h, w + 1, ch), np.float32), c.array(res))
        out = (res, mask)
    args = [c.array(attr), c.array(tris), c.array(tri_id), c.array(bary)]

    def check(r):
        res, mask = r
        assert res.shape == (h, w, ch) and mask.shape == (h, w)
        assert set(np.unique(mask)) <= {0.0, 1.0}
        assert not res[mask == 0].any()

    raw_out = out if out is not None else (None, None)
    return [("ops.interpolate", lambda: ops.interpolate(*args, box=box, out=out), check),
            ("_C.interpolate", lambda: C.interpolate(*args, box, *raw_out), check)]


def case_cuda_ints(c: Case, C, ops):
    """Raw CUDA entry points with nonsensical integers: rejected before any device work."""
    bad = int(c.pick(0, -1, 16385, 2**31, 2**40))
    fake = 0x1000  # never dereferenced: every case below has a bad integer
    calls = {
        "rasterize_cuda": lambda: C.rasterize_cuda(fake, 3, fake, 1, bad, 4, *[fake] * 4, 0),
        "render_cuda": lambda: C.render_cuda(fake, bad, 3, fake, 3, fake, 1, fake, 4, 4, *[fake] * 6, 0),
        "sample_uv_cuda": lambda: C.sample_uv_cuda(fake, 4, 4, fake, 3, fake, 1, fake, fake, fake, bad,
                                                   0.5, *[fake] * 6, 0),
        "composite_cuda": lambda: C.composite_cuda(fake, fake, fake, 4, bad, 2, fake, fake, 0),
        "transfer_cuda": lambda: C.transfer_cuda(fake, fake, fake, 1, 1, 2, 2, min(bad, 0), 2, fake, 0),
        "modulate_cuda": lambda: C.modulate_cuda(fake, fake, fake, 2, 4, float(c.pick(0.0, -1.0, np.nan)),
                                                 fake, 0),
        "interpolate_cuda": lambda: C.interpolate_cuda(fake, 3, 2, fake, 1, fake, fake, 4, bad, 0, 0, 1, 1,
                                                       fake, fake, 0),
    }
    name = c.pick(*sorted(calls))

    def check(r):
        raise AssertionError(f"{name} accepted a bad integer ({bad})")

    return [(f"_C.{name}", calls[name], check)]


def case_soften_folds(c: Case, C, ops):
    h, w = c.size2()
    hh, ww = (h, w) if fits(h, w) else (2, 3)
    rgb = c.rng.uniform(0, 1, (hh, ww, 3)).astype(np.float32)
    alpha = c.rng.choice(np.float32([0.0, 0.5, 1.0, 1.0]), (hh, ww))
    pos = np.cumsum(c.floats((hh, ww, 2), 0, 6), 1)   # steps past the fold threshold, NaN and inf too
    under = None if c.rng.random() < 0.3 else c.rng.choice(np.float32([0.0, 0.5, 1.0]), (hh, ww))
    out = c.array(rgb)
    args = [c.array(alpha), c.array(pos), None if under is None else c.array(under)]

    def call():
        C.soften_folds(out, *args, 2.0, 0.5, 0.999, 1e6)
        return out

    def check(r):
        # a blend of the ring's colours in [0, 1] towards their blur, by a weight in [0, 1]
        assert np.all((r >= -1e-6) & (r <= 1 + 1e-6)), (r.min(), r.max())

    return [("_C.soften_folds", call, check)]


CASES = [case_rasterize, case_sample_uv, case_render, case_modulate, case_transfer, case_composite,
         case_interpolate, case_soften_folds]


def run(iterations: int, seed: int, start: int, verbose: bool) -> dict:
    from poce_rt import _C as C
    from poce_rt import ops

    cases = CASES + ([case_cuda_ints] if C.build_info["cuda"] else [])
    stats = {"calls": 0, "results": 0, "raised": 0}
    for i in range(start, start + iterations):
        c = Case(np.random.default_rng([seed, i]))
        make = cases[c.rng.integers(len(cases))]
        for label, call, check in make(c, C, ops):
            if verbose:
                print(f"[{i}] {make.__name__} {label} hostile={c.hostile}", flush=True)
            stats["calls"] += 1
            try:
                r = call()
            except EXPECTED:
                stats["raised"] += 1
                continue
            except Exception as e:  # a kernel must fail with a clear, expected error
                raise SystemExit(f"iteration {i} {label}: unexpected {type(e).__name__}: {e}")
            try:
                check(r)
            except AssertionError as e:
                raise SystemExit(f"iteration {i} {label}: result breaks an invariant: {e}")
            stats["results"] += 1
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="first iteration index (to replay one)")
    ap.add_argument("--verbose", action="store_true", help="print each call before making it")
    args = ap.parse_args(argv)
    if os.environ.get("POCE_RT_NATIVE_SO"):
        import sanitize_native

        sanitize_native.install()
    from poce_rt import _C

    t0 = time.perf_counter()
    with np.errstate(all="ignore"):  # overflow and NaN are what the cases are made of
        stats = run(args.iterations, args.seed, args.start, args.verbose)
    print(f"fuzz_ops: {args.iterations} iterations (seed {args.seed}), {stats['calls']} calls: "
          f"{stats['results']} results checked, {stats['raised']} raised; "
          f"{time.perf_counter() - t0:.1f} s; _C {'sanitizer' if _C.build_info.get('sanitize') else 'normal'} build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
