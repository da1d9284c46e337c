"""Triton Python-backend model of `poce_edit` (copied into a repository by triton_repo.py as
<repo>/poce_edit/1/model.py). It runs the same EditModel as `poce-rt serve`; the Python that
Triton's backend uses must have poce-rt installed. triton_python_backend_utils exists only
inside Triton, so it is imported when Triton initialises the model."""
from __future__ import annotations

from pathlib import Path


class TritonPythonModel:
    def initialize(self, args):
        global pb_utils
        import triton_python_backend_utils as pb_utils  # noqa: F401 - Triton's own module

        from poce_rt.scale.triton_model import EditModel

        here = Path(args["model_repository"]) / args["model_version"] / "model"
        self.model = EditModel(str(here) if (here / "config.json").is_file() else None)

    def execute(self, requests):
        responses = []
        for req in requests:   # one at a time: a bad request fails alone, with its reason
            try:
                image = pb_utils.get_input_tensor_by_name(req, "image").as_numpy()
                params = pb_utils.get_input_tensor_by_name(req, "params").as_numpy()
                (out,) = self.model.infer([{"image": image, "params": params}])
                responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("image", out["image"])]))
            except Exception as e:  # noqa: BLE001 - reported to that caller
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(str(e))))
        return responses

    def finalize(self):
        self.model.close()
