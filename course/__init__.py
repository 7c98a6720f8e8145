"""The package every course notebook imports: ``import course``.

Importing it switches this process to offline AWS: fake credentials replace
real ones, moto is loaded before any boto3 session, and connections that would
leave this machine are refused (see :mod:`course.netguard`).
"""

from course import faults, netguard, quiz, sandbox

sandbox.use_offline_environment()
netguard.install()

__all__ = ["faults", "netguard", "quiz", "sandbox"]
