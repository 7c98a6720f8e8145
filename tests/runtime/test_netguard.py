"""The network guard refuses off-machine connections before any packet or DNS lookup.

These tests never send a packet off the machine even if the guard is broken:
the socket layer under the guard is replaced by recorders (the ``recorder``
fixture in conftest.py), and the end-to-end check runs in a fresh network
namespace that has no route anywhere.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import textwrap
import time

import boto3
import pytest

import course
from course.runtime import netguard


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "app.localhost"])
def test_loopback_hosts_are_allowed(host):
    assert netguard.is_loopback(host)


@pytest.mark.parametrize("host", ["s3.amazonaws.com", "169.254.169.254", "10.0.0.1", "192.0.2.1",
                                  "2001:db8::1", "localhost.evil.example"])
def test_other_hosts_are_refused(host):
    assert not netguard.is_loopback(host)


def test_connect_to_a_public_address_is_refused_before_the_socket_layer(recorder):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(netguard.OfflineError, match="192.0.2.1:443"):
            sock.connect(("192.0.2.1", 443))
        with pytest.raises(netguard.OfflineError):
            sock.connect_ex(("192.0.2.1", 443))
    assert recorder.connects == []


def test_name_lookup_is_refused_without_dns(recorder):
    with pytest.raises(netguard.OfflineError, match="dynamodb.us-east-1.amazonaws.com"):
        socket.getaddrinfo("dynamodb.us-east-1.amazonaws.com", 443)
    with pytest.raises(netguard.OfflineError):
        socket.create_connection(("example.com", 80), timeout=1)
    assert recorder.lookups == []


def test_loopback_goes_through_to_the_socket_layer(recorder):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(ConnectionRefusedError):
            sock.connect(("127.0.0.1", 9))
    assert recorder.connects == [("127.0.0.1", 9)]


def test_the_error_is_not_an_oserror_so_botocore_does_not_retry():
    assert not issubclass(netguard.OfflineError, OSError)
    assert "offline" in str(netguard.OfflineError("s3.amazonaws.com", 443))


def test_stopped_mock_fails_fast_with_a_clear_error_and_no_dns(recorder, clean_aws_env):
    sandbox = course.sandbox.start(quiet=True)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="stays-local")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["stays-local"]
    sandbox.stop()
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        boto3.client("s3").list_buckets()
    elapsed = time.monotonic() - started
    assert "Blocked a network connection to s3.amazonaws.com" in str(caught.value)
    assert "course.sandbox.start()" in str(caught.value), "the error says what to do"
    assert elapsed < 3, f"an AWS call after stop() took {elapsed:.1f}s: it should fail at once"
    assert recorder.lookups == [] and recorder.connects == []
    course.sandbox.start(quiet=True)


def test_credentials_never_reach_the_instance_metadata_service(recorder, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    session = boto3.session.Session()
    with pytest.raises(Exception, match="Blocked a network connection to 169.254.169.254"):
        session.get_credentials()  # walks the provider chain down to the instance metadata service
    assert recorder.connects == [] and recorder.lookups == []


@pytest.mark.skipif(not shutil.which("unshare") or not shutil.which("ip"),
                    reason="needs util-linux unshare and iproute2")
def test_in_a_network_namespace_without_routes_the_guard_still_speaks_first():
    script = textwrap.dedent("""
        import socket, boto3, course
        assert [name for _, name in socket.if_nameindex()] == ["lo"], socket.if_nameindex()
        sandbox = course.sandbox.start(quiet=True)
        sandbox.stop()
        try:
            boto3.client("dynamodb").list_tables()
        except Exception as exc:
            print("REFUSED", exc)
    """)
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("creating a network namespace is not permitted here")
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" -c "$0"', script],
        capture_output=True, text=True, timeout=120,
    )
    assert "REFUSED" in result.stdout, result.stdout + result.stderr
    assert "dynamodb.us-east-1.amazonaws.com" in result.stdout


def test_a_service_moto_does_not_mock_is_stopped_by_the_guard(recorder):
    course.sandbox.start(quiet=True)
    with pytest.raises(Exception, match="Blocked a network connection to qbusiness"):
        boto3.client("qbusiness").list_applications()
    assert recorder.lookups == [] and recorder.connects == []
