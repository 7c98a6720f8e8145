"""Keep student code away from the network, the instructor's files and the machine's resources.

What each layer does and where it works:

- network: a new network namespace holding only ``lo`` (Linux; as root directly,
  as a normal user inside a user namespace when the kernel allows them). Where
  neither works, the course's in-process guard (:mod:`course.netguard`) is
  installed in the kernel before student code runs (it stops a student only by accident).
- files: the kernel runs in its own mount namespace where the instructor's
  ``source/``, ``submitted/``, ``autograded/``, ``feedback/``, ``.git``, the
  gradebook, the exchange and every temporary grading folder are covered by
  empty file systems; only the submission's own folder stays (Linux, root or user namespace).
  As root the kernel also drops to ``nobody``.
- resources: ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_FSIZE`` and no core
  files for the kernel and everything it starts (POSIX).

:func:`enter_network_namespace` runs in the grading worker (the kernel talks to it
over loopback, so both live in the same namespace); the rest runs in the kernel
launcher, :mod:`course.grading.kernel_launcher`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import json
import os
import shutil
import socket
import struct
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return _libc


def _unshare(flags: int) -> None:
    if not sys.platform.startswith("linux"):
        raise OSError("namespaces need Linux")
    if libc().unshare(ctypes.c_int(flags)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, ifreq))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def enter_network_namespace() -> str | None:
    """Move this (single-threaded) process into a network namespace with only ``lo`` up.

    Returns "netns" (as root), "userns+netns" (as a normal user) or None when
    the OS does not allow either; then nothing has changed.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        if os.geteuid() == 0:
            _unshare(CLONE_NEWNET)
            mode = "netns"
        else:
            uid, gid = os.geteuid(), os.getegid()
            _unshare(CLONE_NEWUSER | CLONE_NEWNET)
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"0 {uid} 1")
            _write("/proc/self/gid_map", f"0 {gid} 1")
            mode = "userns+netns"
        _loopback_up()
        return mode
    except OSError:
        return None


def interfaces() -> list[str]:
    return [name for _, name in socket.if_nameindex()]


KEEP_ENV = ("PATH", "HOME", "USER", "PYTHONPATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONHASHSEED", "PYTHONIOENCODING",
            "VIRTUAL_ENV", "JPY_SESSION_NAME", "MPLBACKEND", "TERM", "NBGRADER_EXECUTION",
            "COURSE_GRADING_JOB", "COURSE_STUDENT_ID", "JPY_PARENT_PID", "JPY_INTERRUPT_EVENT")


@dataclass
class KernelLimits:
    """What the kernel launcher applies before student code runs (serialised as JSON)."""

    memory_bytes: int | None = 4 * 1024**3
    cpu_seconds: int | None = None
    file_bytes: int | None = 1024**3
    hide: list[str] = field(default_factory=list)    # paths covered by empty file systems
    private_tmp: bool = True                          # a fresh /tmp (and HOME in it)
    require_hiding: bool = False                      # refuse to start when hiding fails
    drop_to: str | None = "nobody"                    # when root: run as this user
    netguard: bool = False                            # no network namespace: in-process guard
    netguard_file: str = ""
    mpl_cache: str = ""                               # matplotlib font cache to copy (fast import)
    keep_env: list[str] = field(default_factory=lambda: list(KEEP_ENV))

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def read(cls, path: str) -> KernelLimits:
        return cls(**json.loads(Path(path).read_text()))


def write_kernelspec(folder: Path, limits_file: Path) -> Path:
    """A ``python3`` kernelspec (first on JUPYTER_PATH) that starts the kernel through the launcher."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    launcher = Path(__file__).with_name("kernel_launcher.py")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(launcher), str(limits_file), "-f", "{connection_file}"],
        "display_name": "Python 3 (course grader)",
        "language": "python",
        "metadata": {"debugger": False},
    }))
    return spec


def matplotlib_cache() -> str:
    """The instructor's matplotlib cache folder (its font list makes the kernel's first import fast)."""
    try:
        import matplotlib

        return matplotlib.get_cachedir()
    except Exception:  # noqa: BLE001 (no matplotlib cache is fine)
        return ""


def describe(network: str | None, limits: KernelLimits, fence: str) -> str:
    """One line for the instructor: what the worker and the kernel launcher reported."""
    # the worker switches the guard on itself when the namespace fails: the kernel's fence says so
    guarded = limits.netguard or "in-process network guard" in fence
    net = network or ("in-process guard only" if guarded else "not isolated")
    memory = f"{limits.memory_bytes // 1024**2} MiB" if limits.memory_bytes else "unlimited"
    return f"network: {net}; kernel: {fence}; memory limit: {memory}"


def probe() -> dict[str, bool | str]:
    """What this machine allows, found out in throwaway child processes."""

    in_child = _in_child

    def net() -> bool:
        return enter_network_namespace() is not None and interfaces() == ["lo"]

    def mnt() -> bool:
        if os.geteuid() != 0:
            enter_network_namespace()
        _unshare(CLONE_NEWNS)
        return True

    return {
        "platform": sys.platform,
        "root": hasattr(os, "geteuid") and os.geteuid() == 0,
        "unshare_binary": shutil.which("unshare") or "",
        "network_namespace": sys.platform.startswith("linux") and in_child(net),
        "mount_namespace": sys.platform.startswith("linux") and in_child(mnt),
        "rlimits": hasattr(__import__("resource"), "setrlimit") if os.name == "posix" else False,
    }


def _in_child(fn) -> bool:
    if not hasattr(os, "fork"):
        return False
    pid = os.fork()
    if pid == 0:
        try:
            ok = bool(fn())
        except BaseException:  # noqa: BLE001 (any failure means "not available")
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def can_run_as(user: str) -> bool:
    """Whether, as root, a kernel dropped to ``user`` can still read Python, ipykernel and the course."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    import pwd

    import ipykernel

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return False
    needed = [os.path.dirname(os.__file__), os.path.dirname(ipykernel.__file__),
              str(Path(__file__).resolve().parent.parent), os.path.realpath(sys.executable)]

    def check():
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)
        for path in needed:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                with open(path, "rb") as f:
                    f.read(1)
        return True

    return _in_child(check)


SECRET_HOME_PATHS = (".aws", ".ssh", ".gnupg", ".jupyter", ".local/share/jupyter", ".config",
                     ".netrc", ".git-credentials", ".gitconfig", ".bash_history", ".python_history",
                     ".ipython", ".cache", ".docker", ".kube", ".pypirc")


SYSTEM_SECRETS = ("/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-", "/etc/ssh",
                  "/etc/sudoers", "/etc/sudoers.d", "/var/log", "/run/secrets")


def hidden_paths(course_root: Path, gradebook: Path | None, exchange: Path | None,
                 extra: list[Path] = ()) -> list[str]:
    """What student code must not see: instructor folders, gradebook, exchange, git history, secrets."""
    from course import paths

    found: set[Path] = set()
    for root in {course_root, paths.ROOT}:
        for name in ("source", "submitted", "autograded", "feedback", "downloaded", ".git",
                     "gradebook.db", "exchange"):
            found.add(root / name)
    if gradebook:
        found.update({gradebook, Path(f"{gradebook}-journal"), Path(f"{gradebook}-wal")})
    if exchange:
        found.add(exchange)
    home = Path.home()
    needed = [Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)),
              Path(__file__).resolve().parent.parent]
    if any(p == home or home in p.parents for p in needed):
        found.update(home / name for name in SECRET_HOME_PATHS)
    else:
        found.add(home)
    found.update(Path(p) for p in SYSTEM_SECRETS)
    found.update(extra)
    return sorted(str(p) for p in found if p.exists())
