"""``BudgetedExecute``: nbgrader's ``Execute`` with one wall-clock budget for the whole notebook.

Instead of a timeout per cell, the notebook gets one budget; the grader hears
about each cell as it starts and ends; and the integrity probes of
:mod:`course.grading.probes` run after every test cell. Used by the course's
grader in each worker, never in stock nbgrader runs.
"""

from __future__ import annotations

import math
import time

from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float

from course.cells import grade_id, is_test
from course.grading import probes, worker


def _locked_error(cell) -> str:
    """The error a read-only, ungraded cell raised ("" if none): the student cannot have caused it."""
    meta = cell.metadata.get("nbgrader", {})
    if not meta.get("locked") or meta.get("grade") or meta.get("solution"):
        return ""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else ""


class BudgetExceeded(Exception):
    """The notebook used up its time budget."""


def _label(cell, position: int) -> str:
    return grade_id(cell) or f"cell {position}"


class BudgetedExecute(Execute):
    """Execute with one time budget per notebook, progress reports and integrity probes."""

    budget = Float(120.0, help="Seconds for the whole notebook, kernel start included.").tag(config=True)
    probes = Bool(True, help="Verify with probe cells that test cells really ran.").tag(config=True)

    def _get_timeout(self, cell):
        remaining = self._deadline - time.monotonic()
        return max(1, math.ceil(remaining))

    def preprocess(self, nb, resources):
        self._deadline = time.monotonic() + self.budget
        self._notebook = resources["nbgrader"]["notebook"]
        self._labels = {id(c): _label(c, i + 1) for i, c in enumerate(nb.cells)}
        self._nonces = {}
        self._last = ""
        if self.probes:
            self._insert_probes(nb)
        status, detail = "ok", ""
        try:
            return super().preprocess(nb, resources)
        except BudgetExceeded:
            where = f" in {self._last}" if self._last else ""
            status, detail = "timed-out", f"the {self.budget:g} s budget ran out{where}"
            raise
        except DeadKernelError:
            status, detail = "kernel-died", "the kernel died"
            raise
        except Exception as exc:
            status, detail = "error", f"{type(exc).__name__}: {exc}"[:300]
            raise
        finally:
            verification = self._collect_probes(nb) if self.probes else {}
            worker.send("notebook", {"notebook": self._notebook, "status": status, "detail": detail,
                                     "probed": bool(self.probes), "verification": verification})

    def _insert_probes(self, nb):
        cells = [probes.guard_cell()]
        for cell in nb.cells:
            cells.append(cell)
            if is_test(cell):
                probe, nonce = probes.probe_cell(cell.source)
                self._nonces[id(probe)] = (grade_id(cell), nonce)
                cells.append(probe)
        nb.cells = cells

    def _collect_probes(self, nb):
        """{grade_id: [problems]} ([] = verified; ["..."] = not) and remove the grader's cells."""
        found, guard_problem = {}, None
        for cell in nb.cells:
            if cell.get("metadata", {}).get("course_grader") == "guard":
                guard_problem = probes.guard_error(cell)
            elif id(cell) in self._nonces:
                gid, nonce = self._nonces[id(cell)]
                reported = probes.report(cell, nonce)
                found[gid] = (["the integrity check after this test did not report"]
                              if reported is None else reported)
        if guard_problem:
            found = {gid: [f"the grader's guard cell failed ({guard_problem})"] for gid in found}
        nb.cells = [c for c in nb.cells if not probes.is_grader_cell(c)]
        return found

    def preprocess_cell(self, cell, resources, index):
        if time.monotonic() >= self._deadline:
            raise BudgetExceeded()
        if probes.is_grader_cell(cell):
            self._check_assign_resources(resources)
            return self.execute_cell(cell, index, store_history=False), self.resources
        if cell.cell_type != "code":
            return cell, resources
        label = self._last = self._labels.get(id(cell), f"cell {index}")
        worker.send("cell", {"notebook": self._notebook, "label": label, "state": "start"})
        cell, resources = super().preprocess_cell(cell, resources, index)
        worker.send("cell", {"notebook": self._notebook, "label": label, "state": "done",
                             "locked_error": _locked_error(cell)})
        if time.monotonic() >= self._deadline:
            raise BudgetExceeded()
        return cell, resources

    def on_cell_executed(self, **kwargs):
        if not probes.is_grader_cell(kwargs["cell"]):
            super().on_cell_executed(**kwargs)

    def start_new_kernel(self, **kwargs):
        super().start_new_kernel(**kwargs)
        provisioner = getattr(self.km, "provisioner", None)
        pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
        worker.send("kernel", {"pid": pid})
