"""Student code is fenced in while grading, and tampering with the test machinery is caught.

Never tests the network by contacting anything: a spy submission only lists the
interfaces its kernel sees (``socket.if_nameindex()``), and where a kernel has no
network namespace its connection attempts go into a recorder under the network
guard, in a grading process that itself runs in a network namespace with only ``lo``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from course import paths
from course.grading import isolation, synthetic
from course.grading.autograde import Options, grade
from course.grading.demo import build_course
from course.grading.outcomes import Outcome

pytestmark = pytest.mark.slow
LINUX_ROOT = sys.platform.startswith("linux") and os.geteuid() == 0

SPY = r'''
import glob, json, os, resource, socket, sys
def readable(path):
    try:
        with open(path, "rb") as f:
            return len(f.read(64)) > 0
    except OSError:
        return False
spy = {
    "interfaces": [name for _, name in socket.if_nameindex()],
    "instructor_gradebook": readable(GRADEBOOK),
    "job_gradebook": readable("../../../gradebook.db"),
    "course_sources": glob.glob(COURSE_ROOT + "/source/*/*.ipynb"),
    "repo_sources": glob.glob(REPO + "/source/*/*.ipynb"),
    "repo_git": os.path.exists(REPO + "/.git/HEAD"),
    "tmp_files": sorted(os.path.join(d, f) for d, _, fs in os.walk("/tmp") for f in fs
                        if not d.startswith((os.getcwd(), "/tmp/home", "/tmp/.kernel",
                                             sys.prefix, REPO + "/course"))),
    # JUPYTER_PATH is always in the grading worker's environment: the kernel must not inherit it
    "secret_in_env": any(v in os.environ for v in ("COURSE_TEST_SECRET", "JUPYTER_PATH")),
    "memory_limit": resource.getrlimit(resource.RLIMIT_AS)[0],
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
}
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
spy["umount_allowed"] = libc.umount2(b"/tmp", 2) == 0   # MNT_DETACH: would reveal the real /tmp
try:
    with open(REPO + "/course/__init__.py", "a"):
        spy["repo_writable"] = True
except OSError:
    spy["repo_writable"] = False
try:
    block = bytearray(1536 * 1024 * 1024)
    spy["big_allocation"] = "allowed"
    del block
except MemoryError:
    spy["big_allocation"] = "MemoryError"
print("SPY" + json.dumps(spy))
'''

TRICKS = {
    # student: (answer code added after right answers, whether tampering must be reported)
    "tracer": ("import sys\nsys.settrace(lambda *args: None)", True),
    "builtin": ("import builtins\nbuiltins.abs = lambda x: 0\n"
                + "def hypot(a, b):\n    return math.sqrt(a * a + b * b)", True),
    "silencer": ("get_ipython().showtraceback = lambda *a, **k: None", True),
    "impostor": ("import os\nos.environ['COURSE_STUDENT_ID'] = 'practice'", True),
    "plotter": ("%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
                False),
}


def _answer(nb, grade_id, source):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source


@pytest.fixture(scope="module")
def fenced(tmp_path_factory):
    course = build_course(tmp_path_factory.mktemp("isolation") / "course", {})
    release = course.root / "release" / synthetic.ASSIGNMENT / "tiny.ipynb"
    for student in ["spy", *TRICKS]:
        folder = synthetic.write_submission(course.submitted, student, "right", release)
        nb = nbformat.read(folder / "tiny.ipynb", as_version=4)
        if student == "spy":
            code = (f"GRADEBOOK = {str(course.sqlite_path)!r}\nCOURSE_ROOT = {str(course.root)!r}\n"
                    f"REPO = {str(paths.ROOT)!r}\n" + SPY)
            _answer(nb, "double-answer", synthetic.RIGHT_DOUBLE + "\n" + code)
        else:
            _answer(nb, "hypot-answer", synthetic.RIGHT_HYPOT + "\n" + TRICKS[student][0])
        nbformat.write(nb, folder / "tiny.ipynb")
    os.environ["COURSE_TEST_SECRET"] = "instructor-only"
    try:
        batch = grade(course, [synthetic.ASSIGNMENT],
                      Options(workers=2, budget=30, memory_mb=1024, progress=False))
    finally:
        del os.environ["COURSE_TEST_SECRET"]
    results = {r.student: r for r in batch.results}
    graded = nbformat.read(course.autograded / "spy" / synthetic.ASSIGNMENT / "tiny.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    spy = json.loads(text.split("SPY", 1)[1].splitlines()[0])
    return course, results, spy, batch


SETPRIV = shutil.which("setpriv") if LINUX_ROOT else None
# Who the grader may run as. As root, setpriv also plays the others (nothing else needed):
IDENTITIES = {
    "as it is": [],
    "a normal user": ["--reuid=65534", "--regid=65534", "--clear-groups"],
    # what a default Docker container gives: root, but no CAP_SYS_ADMIN, so no namespaces
    "root without CAP_SYS_ADMIN": ["--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin"],
}


def _run_as(identity: str, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    prefix = [SETPRIV, *IDENTITIES[identity]] if IDENTITIES[identity] else []
    return subprocess.run(prefix + argv, capture_output=True, text=True, timeout=60, cwd="/",
                          env={**os.environ, "PYTHONPATH": str(paths.ROOT)}, **kwargs)


@pytest.mark.parametrize("identity", sorted(IDENTITIES))
def test_machine_capabilities_are_reported(identity):
    """probe() says what the OS really allows this user: checked against util-linux ``unshare``."""
    if identity != "as it is" and not SETPRIV:
        pytest.skip("playing another user needs root and util-linux setpriv")
    if not shutil.which("unshare"):
        pytest.skip("needs util-linux unshare to know the truth")
    probed = _run_as(identity, [sys.executable, "-c",
                                "import json; from course.grading import isolation; "
                                "print(json.dumps(isolation.probe()))"])
    assert probed.returncode == 0, probed.stderr
    found = json.loads(probed.stdout)
    assert set(found) >= {"network_namespace", "mount_namespace", "rlimits", "root"}
    is_root = _run_as(identity, ["id", "-u"]).stdout.strip() == "0"
    assert found["root"] is is_root
    # as root the grader unshares directly; as a normal user inside a user namespace
    user_ns = [] if is_root else ["--map-root-user"]
    can = {kind: _run_as(identity, ["unshare", *user_ns, flag, "true"]).returncode == 0
           for kind, flag in [("net", "--net"), ("mount", "--mount")]}
    assert found["network_namespace"] is can["net"], (identity, found, can)
    assert found["mount_namespace"] is can["mount"], (identity, found, can)
    assert found["rlimits"] is (os.name == "posix")
    if identity == "root without CAP_SYS_ADMIN":
        assert not found["network_namespace"] and not found["mount_namespace"]
    elif LINUX_ROOT:  # root, and a normal user through a user namespace, on this machine
        assert found["network_namespace"] and found["mount_namespace"]


@pytest.mark.skipif(not LINUX_ROOT, reason="namespaces need Linux as root (or user namespaces)")
def test_kernel_sees_only_loopback(fenced):
    _, _, spy, batch = fenced
    assert spy["interfaces"] == ["lo"]
    assert "network: netns" in batch.isolation


@pytest.mark.skipif(not LINUX_ROOT, reason="mount namespaces need Linux as root here")
def test_kernel_cannot_read_instructor_files(fenced):
    _, _, spy, _ = fenced
    assert not spy["instructor_gradebook"] and not spy["job_gradebook"]
    assert spy["course_sources"] == [] and spy["repo_sources"] == [] and not spy["repo_git"]
    assert spy["tmp_files"] == []  # /tmp is private: only the submission's own folder is there


@pytest.mark.skipif(not LINUX_ROOT, reason="mount and PID namespaces need Linux as root here")
def test_kernel_cannot_undo_the_fence_or_touch_the_course(fenced):
    _, _, spy, _ = fenced
    assert not spy["umount_allowed"]          # capabilities dropped: the covers stay
    assert not spy["repo_writable"]           # everything but its folder and /tmp is read-only
    assert spy["processes"][0] == 1 and len(spy["processes"]) < 10  # its own PID namespace


def test_environment_is_scrubbed_and_memory_limited(fenced):
    _, results, spy, _ = fenced
    assert not spy["secret_in_env"]
    assert spy["memory_limit"] == 1024 * 1024 * 1024
    assert spy["big_allocation"] == "MemoryError"
    assert results["spy"].outcome is Outcome.GRADED and results["spy"].score == 5


@pytest.mark.parametrize("student", sorted(TRICKS))
def test_tampering_with_the_test_machinery_is_reported(fenced, student):
    _, results, _, _ = fenced
    result = results[student]
    if TRICKS[student][1]:
        assert result.outcome is Outcome.INTEGRITY, result.detail
    else:
        assert result.outcome is Outcome.GRADED, result.detail
        assert result.score == 5


def test_points_won_under_tampering_are_withheld(fenced):
    _, results, _, _ = fenced
    # stock nbgrader would give the hidden overflow test its 3 points (abs() always 0)
    assert "hypot-test" in results["builtin"].withheld and "builtins replaced: abs" in results["builtin"].detail
    assert results["builtin"].score == 2
    assert "trace" in results["tracer"].detail
    assert results["silencer"].withheld == ["hypot-test"] and "showtraceback" in results["silencer"].detail
    assert results["silencer"].score == 2  # double-test ran before the trick: its points stand
    assert "COURSE_STUDENT_ID" in results["impostor"].detail  # graded questions of another variant


# Student code that reports what fences it in. It never reaches the network: a recorder
# goes under the kernel's network guard (or in its place when there is no guard).
UNFENCED_SPY = r'''
import json, os, resource, socket
seen = {"memory_limit": resource.getrlimit(resource.RLIMIT_AS)[0],
        "secret_in_env": any(v in os.environ for v in ("COURSE_TEST_SECRET", "JUPYTER_PATH"))}
calls = []
def _lookup(host, port, *args, **kwargs):
    calls.append(str(host))
    raise socket.gaierror("recorder: nothing is sent")
def _connect(sock, address):
    calls.append(str(address))
    raise ConnectionRefusedError("recorder: nothing is sent")
guard = getattr(socket.getaddrinfo, "__globals__", {})
seen["guard"] = "_real_getaddrinfo" in guard
if seen["guard"]:
    guard.update(_real_getaddrinfo=_lookup, _real_connect=_connect, _real_connect_ex=_connect)
else:
    socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex = _lookup, _connect, _connect
for name, attempt in [("lookup", lambda: socket.create_connection(("s3.amazonaws.com", 443), timeout=1)),
                      ("connect", lambda: socket.socket().connect(("192.0.2.1", 443)))]:
    try:
        attempt()
        seen[name] = "went through"
    except Exception as exc:
        seen[name] = type(exc).__name__
seen["reached_socket_layer"] = calls
try:
    block = bytearray(1536 * 1024 * 1024)
    seen["big_allocation"] = "allowed"
    del block
except MemoryError:
    seen["big_allocation"] = "MemoryError"
print("SEEN" + json.dumps(seen))
'''

# Grades one spy submission per case in a child process and prints what each kernel saw.
UNFENCED_RUN = r'''
import json, os, sys
from pathlib import Path
import nbformat
from course.grading import synthetic
from course.grading.autograde import Options, grade
from course.grading.demo import build_course

root, spy, cases = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
os.environ["COURSE_TEST_SECRET"] = "instructor-only"
report = {}
for case in cases:
    course = build_course(root / case, {})
    release = course.root / "release" / synthetic.ASSIGNMENT / "tiny.ipynb"
    folder = synthetic.write_submission(course.submitted, "plain", "right", release)
    nb = nbformat.read(folder / "tiny.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "double-answer":
            cell.source = synthetic.RIGHT_DOUBLE + "\n" + spy
    nbformat.write(nb, folder / "tiny.ipynb")
    batch = grade(course, [synthetic.ASSIGNMENT], Options(workers=1, budget=30, memory_mb=1024,
                                                          namespaces=(case != "forced"), progress=False))
    graded = course.autograded / "plain" / synthetic.ASSIGNMENT / "tiny.ipynb"
    text = "".join(o.get("text", "") for c in nbformat.read(graded, as_version=4).cells
                   for o in c.get("outputs", [])) if graded.exists() else ""
    result = batch.results[0]
    report[case] = {"isolation": batch.isolation, "outcome": result.outcome.value, "score": result.score,
                    "detail": result.detail,
                    "seen": json.loads(text.split("SEEN", 1)[1].splitlines()[0]) if "SEEN" in text else None}
print("REPORT" + json.dumps(report))
'''

NO_NAMESPACE_CASES = {
    "forced": "Options(namespaces=False): what works everywhere",
    "unavailable": "namespaces asked for, but the OS refuses them: the worker falls back",
}


@pytest.fixture(scope="module")
def unfenced(tmp_path_factory):
    """Both cases graded on a machine without namespaces, in a network namespace of its own.

    As root, the grading process runs without CAP_SYS_ADMIN (no namespaces, like a
    default Docker container), inside ``unshare -n`` with only ``lo``: even a broken
    guard could send nothing. Elsewhere only the forced case runs, as this user.
    """
    root = tmp_path_factory.mktemp("unfenced")
    argv = [sys.executable, "-c", UNFENCED_RUN, str(root), UNFENCED_SPY]
    offline = (LINUX_ROOT and SETPRIV and shutil.which("unshare") and shutil.which("ip")
               and subprocess.run(["unshare", "-n", "true"]).returncode == 0)
    if offline:
        argv = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "offline",
                SETPRIV, *IDENTITIES["root without CAP_SYS_ADMIN"], *argv, *NO_NAMESPACE_CASES]
    else:
        argv = [*argv, "forced"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(paths.ROOT)})
    assert "REPORT" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.split("REPORT", 1)[1].splitlines()[0])


@pytest.mark.parametrize("case", sorted(NO_NAMESPACE_CASES))
def test_without_namespaces_the_network_guard_and_limits_remain(unfenced, case):
    """What a machine without namespaces (macOS, containers without them) still gets."""
    if case not in unfenced:
        pytest.skip("simulating a machine without namespaces needs Linux as root")
    found = unfenced[case]
    assert found["outcome"] == "graded" and found["score"] == 5, found
    seen = found["seen"]
    assert seen["guard"], "the kernel runs with the in-process network guard"
    assert seen["reached_socket_layer"] == [], "the guard let a connection through to the socket layer"
    assert seen["lookup"] == seen["connect"] == "OfflineError", seen
    assert seen["memory_limit"] == 1024 * 1024 * 1024
    assert seen["big_allocation"] == "MemoryError"
    assert not seen["secret_in_env"]
    assert found["isolation"].startswith("network: in-process guard only;"), found["isolation"]
    assert "in-process network guard" in found["isolation"] and "memory limit: 1024 MiB" in found["isolation"]


def _user_namespaces() -> bool:
    try:
        return int(open("/proc/sys/user/max_user_namespaces").read()) > 0
    except OSError:
        return False


@pytest.mark.skipif(not (LINUX_ROOT and _user_namespaces()), reason="needs root to become a normal user")
def test_a_normal_user_is_fenced_in_through_a_user_namespace():
    """The worker's and the kernel launcher's steps, run as nobody in a forked child.

    (A full grading run as nobody is not possible here: this machine's Python lives in /root.)
    """
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location(
        "kernel_launcher", paths.ROOT / "course" / "grading" / "kernel_launcher.py")
    launcher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launcher)
    launcher._libc()
    import shutil
    import tempfile
    from pathlib import Path

    tmp_path = Path(tempfile.mkdtemp(prefix="course-grade-userns-"))  # pytest's tmp is root-only
    work = tmp_path / "submission"
    work.mkdir()
    connection = tmp_path / "connection.json"
    connection.write_text("{}")
    for path in (tmp_path, work, connection):
        path.chmod(0o777)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child reports over the pipe and never returns into pytest
        seen = {}
        try:
            os.close(read)
            os.chdir(work)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            isolation.libc().prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE, as a normal user's process is
            seen["network"] = isolation.enter_network_namespace()
            seen["interfaces"] = isolation.interfaces()
            launcher.hide_files({"hide": [str(paths.ROOT / "source")], "private_tmp": True}, str(connection))
            libc = launcher._libc()
            launcher.read_only_elsewhere(libc, {"/tmp", os.getcwd(), "/dev/shm"})
            if launcher.own_pid_namespace(libc):
                launcher.drop_capabilities(libc)
                source = paths.ROOT / "source"  # gone entirely when the repo itself sits under /tmp
                seen["source"] = os.listdir(source) if source.is_dir() else []
                seen["pids"] = [p for p in os.listdir("/proc") if p.isdigit()]
                seen["umount"] = libc.umount2(str(paths.ROOT / "source").encode(), 2)
                (work / "answer.txt").write_text("mine")  # its own folder stays writable
                seen["own_folder"] = True
        except BaseException as exc:  # noqa: BLE001 (reported to the test over the pipe)
            seen["error"] = repr(exc)
        os.write(write, json.dumps(seen).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    seen = json.loads(os.read(read, 65536).decode())
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert "error" not in seen, seen
    assert seen["network"] == "userns+netns" and seen["interfaces"] == ["lo"]
    assert seen["source"] == [] and seen["pids"] == ["1"] and seen["umount"] == -1 and seen["own_folder"]
