"""Scale-out front ends: batch jobs on Ray, serving through Triton, data-parallel training.

Ray and tritonclient come from the `scale` extra (`pip install 'poce-rt[scale]'`); PyTriton lives in
a Python of its own (numpy < 2: requirements-triton.txt, `make triton-env`). They are imported only inside the functions that need them: `import poce_rt` and every other command
run without them. Everything here calls the same Editor / Reenactor API and the same video I/O
module (poce_rt.video) as the single-process commands; nothing re-implements a stage.

    items.py        what a batch job is made of (inputs -> items -> outputs) and its manifest
    work.py         one worker: a prepared Editor, items in, outputs and manifest records out
    batch.py        the job on Ray: actors, scheduling, progress, the summary
    ray_local.py    the embedded default: a Ray on this machine bound to loopback
    triton_model.py the `poce_edit` model: one Editor, (image, params JSON) -> edited image
    serve.py        `poce-rt serve`: the engine process, which starts and answers the Triton front
    triton_front.py PyTriton's server on loopback, run in the Triton Python, forwarding to serve.py
    triton_repo.py  `poce-rt export --triton-repo`: a model repository for a stand-alone Triton
"""
