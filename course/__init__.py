"""The package every course notebook imports: ``import course``.

Importing it switches this process to offline AWS: fake credentials replace
real ones, moto is loaded before any boto3 session, and connections that would
leave this machine are refused (see :mod:`course.runtime.netguard`).

The package, by who uses it:

- the learner's runtime: :mod:`course.runtime` (``course.sandbox``, ``course.netguard``,
  ``course.faults``) and :mod:`course.quiz`;
- chapter simulations: :mod:`course.sim` (``from course.sim import cdn``);
- nbgrader course directories, commands and cells: :mod:`course.coursedir`, :mod:`course.cells`;
- nbgrader preprocessors: :mod:`course.preprocessors`;
- the course author's tools: :mod:`course.authoring`;
- grading a class or one's own notebook: :mod:`course.grading`.
"""

from course import quiz
from course.runtime import faults, netguard, sandbox
from course.runtime import lambdas  # course.lambdas: the local Lambda runtime

sandbox.use_offline_environment()
netguard.install()

__all__ = ["faults", "netguard", "quiz", "sandbox"]
