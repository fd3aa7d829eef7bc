"""The Docker image builds from what its stages copy (docs/deployment.md, "A deployment that builds").
No Docker here: the Dockerfile is read, every COPY source is checked, and the Node stage's commands
are replayed in a temporary folder holding only what that stage copies. The runtime stage's
commands (apt-get, useradd) are never run on the host."""

import fnmatch
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def dockerfile_stages(path: Path = ROOT / "Dockerfile") -> list[Stage]:
    """The stages of the Dockerfile, each with its instructions (keyword, arguments), continuation
    lines joined and comments left out."""
    stages: list[Stage] = []
    logical = ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#"):
            continue
        logical += line.rstrip()
        if logical.endswith("\\"):
            logical = logical[:-1] + " "
            continue
        if logical.strip():
            keyword, _, arguments = logical.strip().partition(" ")
            keyword = keyword.upper()
            if keyword == "FROM":
                words = arguments.split()
                stages.append(Stage(words[2] if len(words) > 2 and words[1].upper() == "AS" else str(len(stages))))
            stages[-1].instructions.append((keyword, arguments.strip()))
        logical = ""
    return stages


def copy_parts(arguments: str) -> tuple[str | None, list[str], str]:
    """A COPY's --from stage (None: the build context), its sources and its destination."""
    words = shlex.split(arguments)
    from_stage = next((word.split("=", 1)[1] for word in words if word.startswith("--from=")), None)
    paths = [word for word in words if not word.startswith("--")]
    return from_stage, paths[:-1], paths[-1]


def docker_ignored(source: str) -> bool:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    parts = PurePosixPath(source).parts
    prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, pattern.lstrip("*/")) or fnmatch.fnmatch(prefix, pattern)
        for pattern in patterns
        if pattern and not pattern.startswith("#")
        for prefix in prefixes
    )


def test_every_copy_source_of_every_stage_exists():
    stages = dockerfile_stages()
    assert [stage.name for stage in stages] == ["static", "1"]
    for index, stage in enumerate(stages):
        for keyword, arguments in stage.instructions:
            if keyword not in {"COPY", "ADD"}:
                continue
            from_stage, sources, _ = copy_parts(arguments)
            if from_stage is not None:
                assert from_stage in [earlier.name for earlier in stages[:index]], arguments
                continue
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file in the build context"
                assert source == "." or not docker_ignored(source), f"COPY {source}: .dockerignore leaves it out"


def test_the_image_copies_no_generated_folder_into_the_build_context():
    # The shared virtualenv and node_modules must never reach the image through COPY . .
    for folder in [".venv", "node_modules", "build", "staticfiles", ".git"]:
        assert docker_ignored(folder), folder


def replay(stage: Stage, folder: Path) -> None:
    """Run the stage's WORKDIR, COPY and RUN in folder, which stands for its WORKDIR."""
    for keyword, arguments in stage.instructions:
        if keyword == "COPY":
            _, sources, destination = copy_parts(arguments)
            target = folder / destination
            for source in sources:
                path = ROOT / source
                if path.is_dir():
                    shutil.copytree(path, target, dirs_exist_ok=True)
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target / path.name)
        elif keyword == "RUN":
            # The npm cache answers when it can, so the replay needs the network only on a fresh machine.
            environment = {**os.environ, "npm_config_prefer_offline": "true"}
            done = subprocess.run(arguments, shell=True, cwd=folder, env=environment, capture_output=True, text=True)
            assert done.returncode == 0, f"RUN {arguments} failed:\n{done.stdout}\n{done.stderr}"
        else:
            assert keyword in {"FROM", "WORKDIR"}, f"{keyword}: the replay does not know it; teach it"


@pytest.mark.slow
def test_the_static_stage_builds_from_only_what_it_copies(tmp_path):
    stages = dockerfile_stages()
    replay(stages[0], tmp_path)
    assert (tmp_path / "build/static/govuk/portal.css").stat().st_size > 0
    assert (tmp_path / "build/static/govuk/govuk-frontend.min.js").exists()
    # What the runtime stage takes from this one is there.
    workdir = next(arguments for keyword, arguments in stages[0].instructions if keyword == "WORKDIR")
    for keyword, arguments in stages[1].instructions:
        if keyword == "COPY" and copy_parts(arguments)[0] == "static":
            for source in copy_parts(arguments)[1]:
                assert (tmp_path / PurePosixPath(source).relative_to(workdir)).is_dir(), source
