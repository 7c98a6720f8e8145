"""Start an IPython kernel for grading, fenced in first (run as a script by the grader's kernelspec).

``python kernel_launcher.py LIMITS.json -f CONNECTION_FILE [kernel args]``: applies
the :class:`course.grading.isolation.KernelLimits` in LIMITS.json (resource limits,
a private mount namespace that hides the instructor's files, a fresh /tmp and
HOME, a scrubbed environment, dropping root), then runs ipykernel exactly like
``python -m ipykernel_launcher``. Runs as a file, not as ``course.grading...``,
so that importing it does not import the course package into the kernel.
"""

import ctypes
import ctypes.util
import json
import os
import re
import signal
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
OPTION_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _mount(libc, source, target, fstype, flags, data):
    enc = (lambda s: s.encode() if s is not None else None)
    if libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def set_limits(limits):
    import resource

    def cap(kind, value, hard_extra=0):
        if not value:
            return
        hard = resource.getrlimit(kind)[1]
        new_hard = value + hard_extra
        if hard != resource.RLIM_INFINITY:
            new_hard = min(hard, new_hard)
        try:
            resource.setrlimit(kind, (min(value, new_hard), new_hard))
        except (ValueError, OSError) as exc:  # e.g. macOS refuses RLIMIT_AS
            print(f"[course grader] limit {kind} not set: {exc}", file=sys.stderr)

    cap(resource.RLIMIT_AS, limits.get("memory_bytes"))
    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds"), hard_extra=5)
    cap(resource.RLIMIT_FSIZE, limits.get("file_bytes"))
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))


def hide_files(limits, connection_file):
    """New mount namespace: cover the hidden paths, keep the working folder; returns the new connection file."""
    libc = _libc()
    cwd = os.getcwd()
    with open(connection_file) as f:
        connection = f.read()
    fonts = {}  # read the font cache before it is hidden: a warm cache saves seconds per kernel
    cache = limits.get("mpl_cache")
    if cache and os.path.isdir(cache):
        for name in os.listdir(cache):
            if name.startswith("fontlist") and name.endswith(".json"):
                with open(os.path.join(cache, name), "rb") as f:
                    fonts[name] = f.read()
    if libc.unshare(ctypes.c_int(CLONE_NEWNS)) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    try:
        return _cover(libc, limits, cwd, connection, fonts)
    except OSError as exc:  # half-hidden is no state to run student code in
        print(f"[course grader] hiding the instructor's files failed: {exc}", file=sys.stderr)
        sys.exit(3)


def _cover(libc, limits, cwd, connection, fonts):
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE, None)
    # opened inside the new namespace, before anything is covered: the working folder, and the
    # Python and course package the kernel runs from (a clone under /tmp must stay importable)
    keep = {path: _open_dir(path) for path in [cwd, *_runtime_paths()]}
    keep = {path: fd for path, fd in keep.items() if fd is not None}
    hide = sorted(set(limits.get("hide", [])), key=len)
    if limits.get("private_tmp", True):
        hide = ["/tmp", "/dev/shm"] + [p for p in hide if p not in ("/tmp", "/dev/shm")]
    for path in hide:
        if os.path.isdir(path) and not os.path.islink(path):
            mode = "1777" if path == "/tmp" else "0755"
            _mount(libc, "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size=256m,mode={mode}")
        elif os.path.isfile(path):
            _mount(libc, "/dev/null", path, None, MS_BIND, None)
    for path, fd in keep.items():  # put back what a covered parent hid
        if not (os.path.isdir(path) and os.path.samestat(os.stat(fd), os.stat(path))):
            os.makedirs(path, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{fd}", path, None, MS_BIND, None)
        os.close(fd)
    os.chdir(cwd)
    os.makedirs("/tmp/.kernel", exist_ok=True)
    new_connection = "/tmp/.kernel/connection.json"
    with open(new_connection, "w") as f:
        f.write(connection)
    mpl = os.path.join(HOME, ".config", "matplotlib")
    os.makedirs(mpl, exist_ok=True)
    for name, data in fonts.items():
        with open(os.path.join(mpl, name), "wb") as f:
            f.write(data)
    return new_connection


HOME = "/tmp/home"


def _open_dir(path):
    """A descriptor for ``path``, or None where this user may not open it."""
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None


def _runtime_paths():
    """Folders the kernel needs to start: this Python (and its venv) and the course package."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)), package}
    return sorted((p for p in found if os.path.isdir(p)), key=len)


def _mounts():
    """(mount point, per-mount option flags) from /proc/self/mountinfo."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            flags = sum(OPTION_FLAGS.get(o, 0) for o in fields[5].split(","))
            found.append((point, flags))
    return found


def read_only_elsewhere(libc, writable):
    """Remount every file system read-only except ``writable`` paths (and /proc, /sys, /dev)."""
    failed = []
    for point, flags in _mounts():
        if point in writable or point.startswith(("/proc", "/sys", "/dev")):
            continue
        try:
            _mount(libc, None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, None)
        except OSError:
            failed.append(point)
    if "/" in failed:
        print("[course grader] could not make / read-only", file=sys.stderr)
    return "/" not in failed


def drop_capabilities(libc):
    """No capability left, none to gain by exec: root inside can no longer unmount or remount."""
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    for cap in range(last + 1):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    data = (Data * 2)()
    if libc.capset(ctypes.byref(Header(0x20080522, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def own_pid_namespace(libc):
    """Fork into a new PID namespace; the parent waits and mirrors the child's exit.

    Student code then sees no process outside its kernel and cannot signal one.
    The child dies with the parent (the grader kills the parent to stop the kernel).
    """
    if libc.unshare(ctypes.c_int(CLONE_NEWPID)) != 0:
        return False
    pid = os.fork()
    if pid == 0:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
        return True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the child gets the process group's SIGINT itself
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: os.kill(pid, signal.SIGKILL))
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    os._exit(os.waitstatus_to_exitcode(status) % 256 if os.WIFEXITED(status) else 1)


def drop_privileges(user, paths):
    import pwd

    entry = pwd.getpwnam(user)
    for path in paths:
        for root, dirs, files in os.walk(path):
            for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                try:
                    os.chown(name, entry.pw_uid, entry.pw_gid)
                except OSError:
                    pass
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


def install_netguard(path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("_course_grading_netguard", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install()


def main(argv):
    limits_file, rest = argv[1], argv[2:]
    with open(limits_file) as f:
        limits = json.load(f)
    connection_file = rest[rest.index("-f") + 1]
    is_root = os.geteuid() == 0
    hidden = False
    if sys.platform.startswith("linux") and (limits.get("hide") or limits.get("private_tmp")):
        try:
            connection_file = hide_files(limits, connection_file)
            hidden = True
        except OSError as exc:  # no mount namespace here: nothing was changed
            if limits.get("require_hiding"):
                print(f"[course grader] cannot hide the instructor's files: {exc}", file=sys.stderr)
                sys.exit(3)
    rest[rest.index("-f") + 1] = connection_file
    keep = set(limits.get("keep_env", []))
    env = {k: v for k, v in os.environ.items() if k in keep or k.startswith("LC_")}
    if hidden:
        home = HOME
        env.update(HOME=home, TMPDIR="/tmp", IPYTHONDIR=os.path.join(home, ".ipython"),
                   MPLCONFIGDIR=os.path.join(home, ".config", "matplotlib"))
    os.environ.clear()
    os.environ.update(env)
    fence = []
    if hidden:
        libc = _libc()
        fence.append("instructor files hidden, private /tmp")
        if read_only_elsewhere(libc, {"/tmp", os.getcwd(), "/dev/shm"}):
            fence.append("rest read-only")
        if own_pid_namespace(libc):
            fence.append("own PID namespace")
        if is_root and limits.get("drop_to"):
            drop_privileges(limits["drop_to"], ["/tmp/home", "/tmp/.kernel", os.getcwd()])
            fence.append(f"runs as {limits['drop_to']}")
        else:
            drop_capabilities(libc)
            fence.append("no capabilities")
    set_limits(limits)
    if limits.get("netguard") and limits.get("netguard_file"):
        install_netguard(limits["netguard_file"])
        fence.append("in-process network guard")
    print(f"[course grader] fence: {', '.join(fence) or 'resource limits only'}", file=sys.stderr,
          flush=True)
    sys.argv = [sys.argv[0]] + rest
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]  # as ``python -m ipykernel_launcher`` would have it
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main(sys.argv)
