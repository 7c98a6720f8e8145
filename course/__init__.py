"""The package every course notebook imports: ``import course``.

Importing it switches this process to offline AWS: fake credentials replace
real ones, moto is loaded before any boto3 session, and connections that would
leave this machine are refused (see :mod:`course.runtime.netguard`).

The package, by who uses it:

- the learner's runtime: :mod:`course.runtime` (``course.sandbox``, ``course.netguard``,
  ``course.faults``, ``course.lambdas``) and :mod:`course.quiz`;
- one clock, simulated or real: :mod:`course.clock`;
- chapter simulations: :mod:`course.sim` (``from course.sim import cdn``);
- history checkers for hidden tests and experiments: :mod:`course.checkers`;
- nbgrader course directories, commands and cells: :mod:`course.coursedir`, :mod:`course.cells`;
- nbgrader preprocessors: :mod:`course.preprocessors`;
- the course author's tools: :mod:`course.authoring`;
- grading a class or one's own notebook: :mod:`course.grading`.
"""

from course import quiz
from course.runtime import faults, lambdas, netguard, sandbox

sandbox.use_offline_environment()
netguard.install()

__all__ = ["faults", "lambdas", "netguard", "quiz", "sandbox"]
