"""What a command may write over: one guard for every output (plan, adjust, draw, export, publish, score, generate, import …).

A command writes its output only

* where nothing exists yet, or
* with ``--force``, over an output **of the same kind that jointcheck wrote itself and that holds nothing else**.

jointcheck recognises its own outputs by what it wrote into them:

* a **plan folder** (``plan``, ``adjust``, a city ``plan``): ``manifest.json`` as ``plan`` writes it; the folder holds
  the manifest, the files its ``files`` list names, files later commands add (``results.parquet``) and, for a
  city, ``districts/<district>/`` plan folders of the districts the manifest names — nothing else;
* **every other folder** (papers, the public notice, a scenario written by ``generate``, ``score`` or ``import``):
  the mark :data:`MARK`, written last into the staging folder, listing every file with its SHA-256; the folder
  must hold exactly those files, unchanged — a planner's note added, or a paper edited and saved, is theirs;
* a **file** (``draw``'s parquet): the parquet's key-value metadata ``jointcheck`` naming the kind.

Never replaced, whatever ``--force`` says: the district key, the ledger (with its ``-wal``, ``-shm``, ``.head`` and
``.lock`` files), the current and home directories, every input of the command (the scenario, the plan read), and any
folder holding one of them. A refusal is :class:`OutputRefused`, naming the output and the first file that is not the
tool's.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from scenarios.messages import Message

__all__ = ["MARK", "OutputRefused", "write_mark", "foreign_entries", "guard_output", "PARQUET_KEY", "KINDS",
           "ledger_family"]

MARK = ".jointcheck-output.json"
"""The mark of a folder jointcheck wrote (other than a plan folder): kind and SHA-256 of every file."""

PARQUET_KEY = "jointcheck"
"""The key-value metadata key of a parquet file jointcheck wrote alone (``draw``): its kind."""

KINDS = ("plan", "papers", "notice", "scenario", "draw", "report")
PLAN_ADDED_LATER = frozenset({"results.parquet"})
"""Files a plan folder may gain after planning (each recorded by its own ledger record)."""
MAX_NAMED = 5


class OutputRefused(ValueError):
    """``--out`` is not a place this command may write; the argument is a :class:`~scenarios.messages.Message`."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tree(root: Path) -> list[str]:
    """Every entry under ``root`` (files, folders, links), as POSIX paths relative to it, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath).relative_to(root)
        for name in [*dirnames, *filenames]:
            out.append((base / name).as_posix())
    return sorted(out)


def write_mark(staging: str | Path, kind: str) -> None:
    """Write :data:`MARK` into a complete staging folder: the kind and the SHA-256 of every file in it."""
    staging = Path(staging)
    files = {rel: _sha256(staging / rel) for rel in _tree(staging) if (staging / rel).is_file()}
    body = {"written_by": "jointcheck", "kind": kind, "files": files}
    (staging / MARK).write_text(json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                encoding="utf-8")


def _read_json(path: Path) -> dict | None:
    if path.is_symlink() or not path.is_file():
        return None
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def _is_district_manifest(body: dict) -> bool:
    return {"plan_id", "seed_commitment", "scenario", "files"} <= set(body) and isinstance(body["files"], dict)


def _is_city_manifest(body: dict) -> bool:
    return ({"city", "city_hash", "split_seed_commitment", "districts", "files"} <= set(body)
            and isinstance(body["files"], dict) and isinstance(body["districts"], list))


def _plan_foreign(root: Path, body: dict) -> list[str]:
    """Entries of a plan folder that ``plan`` did not write (see the module docstring)."""
    own = {"manifest.json", *map(str, body["files"]), *PLAN_ADDED_LATER}
    districts: set[str] = set()
    if _is_city_manifest(body):
        districts = {str(d.get("district")) for d in body["districts"] if isinstance(d, dict)}
        own.add("districts")
    foreign = []
    for name in sorted(os.listdir(root)):
        path = root / name
        if name not in own or path.is_symlink() or (name == "districts") != path.is_dir():
            foreign.append(name)
    if districts and (root / "districts").is_dir() and not (root / "districts").is_symlink():
        for name in sorted(os.listdir(root / "districts")):
            inner = root / "districts" / name
            manifest = _read_json(inner / "manifest.json")
            if name not in districts or inner.is_symlink() or manifest is None or not _is_district_manifest(manifest):
                foreign.append(f"districts/{name}")
            else:
                foreign += [f"districts/{name}/{f}" for f in _plan_foreign(inner, manifest)]
    return foreign


def _marked_foreign(root: Path, mark: dict) -> list[str]:
    """Entries of a marked folder that are not the files the mark lists, or whose content changed."""
    listed = mark.get("files") if isinstance(mark.get("files"), dict) else {}
    parents = {str(Path(rel).parent.as_posix()) for rel in listed} | {
        p.as_posix() for rel in listed for p in Path(rel).parents}
    foreign = []
    for rel in _tree(root):
        path = root / rel
        if rel == MARK:
            continue
        if path.is_symlink():
            foreign.append(rel)
        elif path.is_dir():
            if rel not in parents:
                foreign.append(rel)
        elif rel not in listed or _sha256(path) != listed[rel]:
            foreign.append(rel)
    return foreign


def _parquet_kind(path: Path) -> str | None:
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata.metadata or {}
    except Exception:  # not a parquet file at all: pyarrow raises several types  # noqa: BLE001
        return None
    value = meta.get(PARQUET_KEY.encode())
    return value.decode("utf-8", "replace") if value else None


def foreign_entries(out: str | Path, kind: str) -> list[str] | None:
    """What ``out`` holds that jointcheck did not write as an output of ``kind``: an empty list when ``out`` is
    entirely such an output, the foreign entries (relative paths) otherwise, None when ``out`` is not an output
    of ``kind`` at all."""
    out = Path(out)
    if out.is_symlink():
        return None
    if kind == "draw":
        return [] if out.is_file() and _parquet_kind(out) == "draw" else None
    if not out.is_dir():
        return None
    if kind == "plan":
        body = _read_json(out / "manifest.json")
        if body is None or not (_is_district_manifest(body) or _is_city_manifest(body)):
            return None
        return _plan_foreign(out, body)
    mark = _read_json(out / MARK)
    if mark is None or mark.get("written_by") != "jointcheck" or mark.get("kind") != kind:
        return None
    return _marked_foreign(out, mark)


def ledger_family(db: Path) -> list[Path]:
    """The ledger file and the files SQLite and jointcheck keep beside it."""
    return [db, *(db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-journal", ".head", ".lock"))]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop: compare as written
        return path.absolute()


def guard_output(out: str | Path, kind: str, force: bool, *, protected: Mapping[str, Path | None] = ()) -> None:
    """Raise :class:`OutputRefused` unless this command may write ``out`` (see the module docstring).

    ``protected``: what the command must never write over, by what it is (``guard.key``, ``guard.ledger``,
    ``guard.scenario``, ``guard.plan`` … — message keys naming it); the current and home directories are always
    protected. Checked before any work; the writers check ownership again just before replacing.
    """
    out = Path(out)
    if len(out.name.encode("utf-8", "surrogateescape")) > 200:
        raise OutputRefused(Message("output.name_too_long", out=out))
    for parent in [out.parent, *out.parent.parents]:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise OutputRefused(Message("output.parent_not_dir", out=out, parent=parent))
            break
    target = _resolved(out)
    guarded: list[tuple[str, Path]] = [("guard.cwd", Path.cwd()), ("guard.home", Path.home())]
    guarded += [(what, p) for what, p in dict(protected).items() if p is not None]
    for what, path in guarded:
        family = ledger_family(path) if what == "guard.ledger" else [path]
        for p in family:
            if _inside(_resolved(p), target) or (what == "guard.home" and target == _resolved(p)):
                raise OutputRefused(Message("output.holds", out=out, what=Message(what), path=p))
    if not (out.exists() or out.is_symlink()):
        return
    if not force:
        raise OutputRefused(Message("output.exists", out=out))
    check_replaceable(out, kind)


def check_replaceable(out: str | Path, kind: str) -> None:
    """Raise :class:`OutputRefused` unless ``out`` is jointcheck's own output of ``kind`` holding nothing else."""
    out = Path(out)
    foreign = foreign_entries(out, kind)
    if foreign is None:
        raise OutputRefused(Message("output.not_own", out=out, kind=Message(f"output.kind.{kind}")))
    if foreign:
        named = "、".join(foreign[:MAX_NAMED]) + (" …" if len(foreign) > MAX_NAMED else "")
        raise OutputRefused(Message("output.holds_foreign", out=out, n=len(foreign), files=named,
                                    kind=Message(f"output.kind.{kind}")))
