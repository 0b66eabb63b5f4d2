"""Run one of Mailu's start-up scripts, unchanged, inside a sandbox directory.

Usage: python3 bootstrap.py <spec.json>

The spec (written by render.ts) names the script, the sandbox directory, the absolute paths that
live inside the sandbox, a host table for name resolution, and where to write the record.

Mailu's scripts assume a container: fixed absolute paths (/conf, /etc/nginx, /certs, ...), daemons
to start, privileges to drop, services to resolve. This bootstrap changes none of Mailu's code; it
changes the world around it:
  (a) absolute paths under the spec's prefixes are redirected into the sandbox (open, os.path.*,
      glob, shutil, os.makedirs/remove/chmod, ...); writing anywhere else is refused;
  (b) commands (os.system, subprocess.*, os.exec*, socrate's run_process_and_forward_output) and
      privilege changes are recorded, never executed; multiprocessing targets run in-process, so
      the addresses they would dial (podop's lookup URLs) are recorded too;
  (c) there is no network: socket connects raise; names resolve only through the spec's host
      table (our Service FQDNs mapped to test addresses), anything else fails like NXDOMAIN.
The record (JSON) lists commands, processes started, and dials (addresses the code would contact).
"""

import builtins
import glob
import io
import json
import os
import runpy
import shutil
import socket
import subprocess
import sys
import types

SPEC = json.load(open(sys.argv[1]))
SANDBOX = SPEC["sandbox"]
# Longest prefix first so /etc/nginx wins over a hypothetical /etc.
PREFIXES = sorted(SPEC["prefixes"], key=len, reverse=True)
HOSTS = SPEC.get("hosts", {})
RECORD = {"commands": [], "processes": [], "dials": [], "errors": []}

_open, _exists = builtins.open, os.path.exists


def sandboxed(path):
    """The sandbox path for a mapped absolute path; None when the path is not mapped."""
    if isinstance(path, bytes):
        path = path.decode()
    path = os.fspath(path) if hasattr(path, "__fspath__") else path
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    for prefix in PREFIXES:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return SANDBOX + path
    return None


def mapped(path):
    return sandboxed(path) or path


def writable(path, what):
    """Refuse writes outside the sandbox: a script escaping it is a harness bug."""
    target = sandboxed(path)
    if target is None and isinstance(path, str) and path.startswith("/") and not path.startswith(SANDBOX):
        raise PermissionError(f"sandbox: {what} outside the sandbox refused: {path}")
    return target or path


def patched_open(file, mode="r", *args, **kwargs):
    if isinstance(file, int):
        return _open(file, mode, *args, **kwargs)
    if any(m in mode for m in "wax+"):
        return _open(writable(file, f"open({mode!r})"), mode, *args, **kwargs)
    return _open(mapped(file), mode, *args, **kwargs)


def wrap1(fn, write=False):
    def inner(path, *args, **kwargs):
        target = writable(path, fn.__name__) if write else mapped(path)
        return fn(target, *args, **kwargs)
    return inner


def unsandbox(path):
    return "/" + os.path.relpath(path, SANDBOX) if path.startswith(SANDBOX + "/") else path


def patched_glob(pattern, *args, **kwargs):
    target = sandboxed(pattern)
    if target is None:
        return _glob(pattern, *args, **kwargs)
    # Scripts compare results against their own absolute paths, so hand back container paths.
    return [unsandbox(p) for p in _glob(target, *args, **kwargs)]


def patched_copyfile(src, dst, *args, **kwargs):
    return _copyfile(mapped(src), writable(dst, "copyfile"), *args, **kwargs)


_glob, _copyfile = glob.glob, shutil.copyfile
builtins.open = patched_open
io.open = patched_open  # pathlib and others call io.open directly
os.path.exists = wrap1(os.path.exists)
os.path.isfile = wrap1(os.path.isfile)
os.path.isdir = wrap1(os.path.isdir)
os.listdir = wrap1(os.listdir)
os.makedirs = wrap1(os.makedirs, write=True)
os.mkdir = wrap1(os.mkdir, write=True)
os.remove = wrap1(os.remove, write=True)
os.unlink = wrap1(os.unlink, write=True)
os.chmod = wrap1(os.chmod, write=True)
glob.glob = patched_glob
shutil.copyfile = patched_copyfile


# ---------------------------------------------------------------- (b) record, never execute

def record(kind, value):
    RECORD["commands"].append({"kind": kind, "command": value})


def fake_system(cmd):
    record("os.system", cmd)
    return 0


class FakePopen:
    def __init__(self, args, *rest, **kwargs):
        record("subprocess.Popen", args)
        self.args, self.returncode, self.pid = args, 0, 0
        self.stdout = self.stderr = None

    def poll(self):
        return 0

    def wait(self, *a, **k):
        return 0

    def communicate(self, *a, **k):
        return (b"", b"")


def fake_subprocess(name):
    def inner(args, *rest, **kwargs):
        record(f"subprocess.{name}", args)
        if name == "run":
            return subprocess.CompletedProcess(args, 0, b"", b"")
        return b"" if name == "check_output" else 0
    return inner


class Exec(SystemExit):
    """os.exec* replaces the process: end the script where the real one would stop running it."""


def fake_exec(name):
    def inner(path, *args):
        argv = [a for a in args if not isinstance(a, dict)]
        if argv and isinstance(argv[0], (list, tuple)):
            argv = list(argv[0])[1:]  # execv(path, [argv0, ...]): argv0 repeats the program name
        record(f"os.{name}", [path, *argv])
        raise Exec(0)
    return inner


def fake_noop(name):
    def inner(*args, **kwargs):
        record(name, [repr(a) for a in args])
    return inner


os.system = fake_system
subprocess.Popen = FakePopen
for _name in ("call", "check_call", "check_output", "run"):
    setattr(subprocess, _name, fake_subprocess(_name))
for _name in ("execv", "execve", "execvp", "execvpe", "execl", "execlp"):
    setattr(os, _name, fake_exec(_name))
for _name in ("setuid", "setgid", "setgroups", "seteuid", "setegid", "chown", "lchown"):
    setattr(os, _name, fake_noop(f"os.{_name}"))


class FakeProcess:
    """multiprocessing.Process: the target runs in-process (its calls are stubbed) and is recorded."""

    def __init__(self, target=None, args=(), kwargs=None, **rest):
        self.target, self.args, self.kwargs = target, args, kwargs or {}

    def start(self):
        name = getattr(self.target, "__name__", repr(self.target))
        RECORD["processes"].append(name)
        try:
            self.target(*self.args, **self.kwargs)
        except Exception as exc:  # recorded: a target that fails here would fail in the pod too
            RECORD["errors"].append(f"process {name}: {type(exc).__name__}: {exc}")

    def join(self, *a):
        pass


import multiprocessing  # noqa: E402  (after the patches above, so nothing real is started)

multiprocessing.Process = FakeProcess


# ---------------------------------------------------------------- (c) no network, fixed names

def no_connect(self, address, *a):
    raise ConnectionRefusedError(f"sandbox: no network (connect to {address!r})")


def resolve(host):
    if host in HOSTS:
        return HOSTS[host]
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return host
    except (OSError, TypeError):
        raise socket.gaierror(socket.EAI_NONAME, f"sandbox: {host} is not in the test host table")


def fake_getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    addr = resolve(host if isinstance(host, str) else host.decode())
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sockaddr = (addr, port or 0, 0, 0) if fam == socket.AF_INET6 else (addr, port or 0)
    return [(fam, socket.SOCK_STREAM, 6, "", sockaddr)]


def fake_create_connection(address, *a, **k):
    raise ConnectionRefusedError(f"sandbox: no network (connect to {address!r})")


socket.socket.connect = no_connect
socket.socket.connect_ex = no_connect
socket.create_connection = fake_create_connection
socket.getaddrinfo = fake_getaddrinfo
socket.gethostbyname = resolve


# ---------------------------------------------------------------- import shims (Debian vs Alpine)

def shim(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    module.__sandbox_shim__ = True
    sys.modules[name] = module
    return module


def missing(name):
    try:
        __import__(name)
        return False
    except ImportError:
        return True


# Debian 12's python3-cryptography (38) lacks x509.verification (added in 42). front's config.py
# imports it at the top but uses it only for the letsencrypt flavours (certificate chain checks),
# which the harness does not render; the shim makes the import succeed and any use fail loudly.
if missing("cryptography.x509.verification"):
    def _unavailable(*a, **k):
        raise RuntimeError("sandbox: cryptography.x509.verification is not available here")
    import cryptography.x509 as _x509
    _x509.verification = shim(
        "cryptography.x509.verification", PolicyBuilder=_unavailable, Store=_unavailable, DNSName=_unavailable)

# socrate imports tenacity (retrying DNS lookups); without the package a pass-through decorator
# keeps behaviour: our host table answers at once or never.
if missing("tenacity"):
    shim("tenacity", retry=lambda *a, **k: (lambda fn: fn),
         stop_after_attempt=lambda *a, **k: None, wait_random=lambda *a, **k: None)


def dial(kind, target):
    RECORD["dials"].append({"kind": kind, "target": target})


# podop is Mailu's lookup daemon; its maps are URLs on admin. Record them instead of serving.
def _podop_run_server(verbosity, name, socket_path, maps):
    for entry in maps:
        dial(f"podop:{name}:{entry[0]}", entry[2])


shim("podop", run_server=_podop_run_server)

# postfix's MTA-STS resolver daemon (a PyPI package not in Debian): record that it would start.
_mta = shim("postfix_mta_sts_resolver")
_mta.daemon = shim("postfix_mta_sts_resolver.daemon", main=lambda: record("mta-sts-daemon", "main()"))


# rspamd's start.py waits for admin with requests.get(...).ok; record the URL and answer ok.
class _Ok:
    ok, status_code = True, 200


def _requests_get(url, *a, **k):
    dial("http", url)
    return _Ok()


shim("requests", get=_requests_get)


# ---------------------------------------------------------------- socrate: record, never run

sys.path.insert(0, SPEC["socrate"])
from socrate import system  # noqa: E402

system.run_process_and_forward_output = lambda cmd: (record("socrate.run_process", cmd), sys.exit(0))
system.drop_privs_to = lambda username="mailu": record("socrate.drop_privs_to", username)

# ---------------------------------------------------------------- run

status = 0
try:
    sys.argv = [SPEC["script"], *SPEC.get("argv", [])]
    runpy.run_path(SPEC["script"], run_name="__main__")
except SystemExit as exc:
    status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
except BaseException as exc:  # reported to the caller with the traceback on stderr
    import traceback
    traceback.print_exc()
    RECORD["errors"].append(f"{type(exc).__name__}: {exc}")
    status = 1
finally:
    with _open(SPEC["record"], "w") as out:
        json.dump(RECORD, out)
sys.exit(status)
