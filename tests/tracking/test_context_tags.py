"""System tags: user, source name/type, and the git commit read from the repository's files."""

from __future__ import annotations

import getpass
import json
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtrack.tracking import context_tags
from flowtrack.tracking.context_tags import git_commit, resolve_tags, source_info, user_name

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git CLI")
SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "89abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def fresh_git_cache() -> Iterator[None]:
    git_commit.cache_clear()
    yield
    git_commit.cache_clear()


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def make_repo(path: Path) -> str:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    git(path, "commit", "-q", "--allow-empty", "-m", "first")
    return git(path, "rev-parse", "HEAD")


@needs_git
def test_git_commit_of_a_real_repository(tmp_path: Path) -> None:
    head = make_repo(tmp_path / "repo")
    (tmp_path / "repo" / "src" / "pkg").mkdir(parents=True)
    assert git_commit(str(tmp_path / "repo")) == head
    assert git_commit(str(tmp_path / "repo" / "src" / "pkg")) == head  # found from a subfolder


@needs_git
def test_packed_refs_and_detached_head(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    first = make_repo(repo)
    git(repo, "pack-refs", "--all")  # the branch now lives only in packed-refs
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    assert git_commit(str(repo)) == first
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    git(repo, "checkout", "-q", "--detach", first)
    git_commit.cache_clear()
    assert git_commit(str(repo)) == first


@needs_git
def test_worktree_reads_its_own_head(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo)
    git(repo, "worktree", "add", "-q", "-b", "feature", str(tmp_path / "wt"))
    git(tmp_path / "wt", "commit", "-q", "--allow-empty", "-m", "on feature")
    assert (tmp_path / "wt" / ".git").is_file()  # "gitdir: <repo>/.git/worktrees/wt"
    assert git_commit(str(tmp_path / "wt")) == git(tmp_path / "wt", "rev-parse", "HEAD")
    assert git_commit(str(tmp_path / "wt")) != git(repo, "rev-parse", "HEAD")


def write_git_dir(root: Path, head: str, refs: dict[str, str], packed: str = "") -> None:
    git_dir = root / ".git"
    git_dir.mkdir(parents=True)
    (git_dir / "HEAD").write_text(head + "\n")
    for ref, value in refs.items():
        (git_dir / ref).parent.mkdir(parents=True, exist_ok=True)
        (git_dir / ref).write_text(value + "\n")
    if packed:
        (git_dir / "packed-refs").write_text(packed)


def test_files_without_git(tmp_path: Path) -> None:
    write_git_dir(tmp_path / "loose", "ref: refs/heads/main", {"refs/heads/main": SHA})
    assert git_commit(str(tmp_path / "loose")) == SHA
    packed = f"# pack-refs with: peeled fully-peeled sorted\n{OTHER_SHA} refs/heads/dev\n^{SHA}\n"
    write_git_dir(tmp_path / "packed", "ref: refs/heads/dev", {}, packed)
    assert git_commit(str(tmp_path / "packed")) == OTHER_SHA
    write_git_dir(tmp_path / "detached", SHA, {})
    assert git_commit(str(tmp_path / "detached")) == SHA


def test_no_commit_when_unborn_corrupt_or_outside(tmp_path: Path) -> None:
    write_git_dir(tmp_path / "unborn", "ref: refs/heads/main", {})
    assert git_commit(str(tmp_path / "unborn")) is None
    write_git_dir(tmp_path / "corrupt", "not a ref", {})
    assert git_commit(str(tmp_path / "corrupt")) is None
    write_git_dir(tmp_path / "loop", "ref: refs/heads/a", {"refs/heads/a": "ref: refs/heads/a"})
    assert git_commit(str(tmp_path / "loop")) is None
    (tmp_path / "plain").mkdir()
    assert git_commit(str(tmp_path / "plain")) is None


def test_gitdir_file_with_commondir(tmp_path: Path) -> None:
    common = tmp_path / "main" / ".git"
    write_git_dir(tmp_path / "main", "ref: refs/heads/main", {"refs/heads/main": OTHER_SHA})
    worktree_git = common / "worktrees" / "wt"
    worktree_git.mkdir(parents=True)
    (worktree_git / "HEAD").write_text("ref: refs/heads/feature\n")
    (worktree_git / "commondir").write_text("../..\n")
    (common / "refs" / "heads" / "feature").write_text(SHA + "\n")
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text("gitdir: ../main/.git/worktrees/wt\n")
    assert git_commit(str(tmp_path / "wt")) == SHA


@needs_git
def test_tags_of_a_script_in_a_repository(tmp_path: Path) -> None:
    head = make_repo(tmp_path / "repo")
    script = tmp_path / "repo" / "train.py"
    script.write_text(
        "import json, os\n"
        "from flowtrack.tracking.context_tags import system_tags\n"
        "os.chdir('/')\n"  # the script's path is absolute, so a chdir does not matter
        "print(json.dumps(system_tags()))\n"
    )
    result = subprocess.run(
        [sys.executable, "train.py"], cwd=script.parent, capture_output=True, text=True, check=True
    )
    tags = json.loads(result.stdout)
    assert tags["mlflow.source.name"] == str(script)
    assert tags["mlflow.source.type"] == "LOCAL"
    assert tags["mlflow.source.git.commit"] == head
    assert tags["mlflow.user"] == user_name()


def test_console_source() -> None:
    code = "from flowtrack.tracking.context_tags import source_info; print(source_info()[:2])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "('<console>', 'LOCAL')"


def test_notebook_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class ZMQInteractiveShell:  # the class name is what identifies a Jupyter kernel
        user_ns: dict[str, object] = {}

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = ZMQInteractiveShell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "analysis.ipynb"))
    assert source_info() == (str(tmp_path / "analysis.ipynb"), "NOTEBOOK", str(tmp_path))
    monkeypatch.delenv("JPY_SESSION_NAME")
    name, source_type, _ = source_info()
    assert (name, source_type) == ("<notebook>", "NOTEBOOK")


def test_user_name_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise KeyError("getpwuid(): uid not found: 12345")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert user_name() == "unknown"
    assert resolve_tags()["mlflow.user"] == "unknown"


def test_user_tags_win_and_values_become_strings() -> None:
    tags = resolve_tags({"mlflow.source.type": "JOB", "epochs": 3})
    assert tags["mlflow.source.type"] == "JOB"
    assert tags["epochs"] == "3"
    assert tags[context_tags.MLFLOW_USER] == user_name()
