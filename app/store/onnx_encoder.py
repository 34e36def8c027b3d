"""The bundled sentence-transformers model run through ONNX Runtime: the same weights, without importing torch.

`export` (needs torch: run by `scripts/setup.sh` through app.store.embeddings, or the first time torch loads the model) writes the transformer as an
ONNX graph to a per-machine cache (Settings.resolved_onnx_dir), with a sidecar naming the weights it came from; `OnnxEncoder` (onnxruntime + tokenizers only) then reproduces
sentence-transformers' tokenization, mean pooling and normalisation, so its vectors match the torch ones (cosine
≥ 0.9999, tests/test_onnx_encoder.py) and an index built with torch needs no reindex.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

OPSET = 17
"""ONNX opset of the export: supported by every onnxruntime >= 1.14 and by torch's TorchScript exporter."""
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_path(cache_dir: Path, model_dir: Path) -> Path:
    """Where the ONNX export of the model folder `model_dir` lives in `cache_dir` (one file per model folder)."""
    folder = hashlib.sha256(str(model_dir.resolve()).encode()).hexdigest()[:12]
    return Path(cache_dir) / f"{model_dir.name}-{folder}.onnx"


def _source_stamp(model_dir: Path) -> dict[str, Any]:
    """What identifies the weights an export came from (a stat, not a hash: a cold start cannot afford reading 90 MB)."""
    weights = model_dir / "model.safetensors"
    st = weights.stat()
    return {"weights": str(weights.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "opset": OPSET}


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def is_current(path: Path, model_dir: Path) -> bool:
    """True when `path` holds an export of exactly the weights in `model_dir`."""
    try:
        recorded = json.loads(_sidecar(path).read_text())
        return path.is_file() and recorded == _source_stamp(model_dir)
    except (OSError, ValueError):
        return False


def export(model_dir: Path, path: Path) -> Path:
    """Export the transformer of the sentence-transformers folder `model_dir` to `path` (needs torch and onnx)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # quiet by default: no weight-loading bar on stderr

    class TokenEmbeddings(torch.nn.Module):
        """BertModel called by keyword (its positional order differs across transformers releases)."""

        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    model = AutoModel.from_pretrained(str(model_dir)).eval()
    dummy = torch.ones(2, 8, dtype=torch.long)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "token_embeddings")}
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer's notes on constant-folded shape checks: for an encoder they hold for every input shape (the
        # cosine test runs batches of mixed lengths through the export).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenEmbeddings(model),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(tmp),
            input_names=list(_INPUTS),
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, dynamic axes as declared
        )
    os.replace(tmp, path)  # readers never see a half-written model
    _sidecar(path).write_text(json.dumps(_source_stamp(model_dir)))
    log.info("exported the embedding model to ONNX", extra={"path": str(path)})
    return path


def ensure_export(model_dir: Path, path: Path) -> bool:
    """Export once when missing or stale; False (logged) when the export cannot be written. Never raises."""
    if is_current(path, model_dir):
        return True
    try:
        export(model_dir, path)
        return True
    except Exception as exc:  # an optional speed-up: a failed export must not fail the ingest that asked for it
        log.warning("could not export the embedding model to ONNX (asks will load torch): %s", exc)
        return False


class OnnxEncoder:
    """Sentence vectors of the exported model: tokenizers + onnxruntime, as sentence-transformers computes them."""

    def __init__(self, path: Path, model_dir: Path, *, batch_size: int = 32, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self.max_seq_length = int(config.get("max_seq_length", 256))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_seq_length)
        self.tokenizer.no_padding()  # padded per batch below, to the batch's longest text
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: logs stay quiet by default
        if threads:
            options.intra_op_num_threads = threads
        # Idle worker threads sleep instead of spinning for work: a query embeds one short text, and spinning threads
        # burnt a core another process on this shared machine needed (numerics are unchanged).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.batch_size = batch_size
        self._lock = threading.Lock()  # one run at a time keeps the thread pool's memory bounded

    def encode(self, texts: list[str], *, normalize: bool = True) -> np.ndarray:
        """Mean-pooled (and L2-normalised) sentence vectors, float32, one row per text."""
        import numpy as np

        rows: list[np.ndarray] = []
        for start in range(0, len(texts), self.batch_size):
            encodings = self.tokenizer.encode_batch(texts[start : start + self.batch_size])
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(encodings), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for i, e in enumerate(encodings):
                ids[i, : len(e.ids)] = e.ids
                mask[i, : len(e.ids)] = e.attention_mask
                types[i, : len(e.ids)] = e.type_ids
            with self._lock:
                (tokens,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            weights = mask[..., None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            if normalize:
                pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            rows.append(pooled.astype(np.float32))
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.concatenate(rows)
